"""敏感性分析 — one-at-a-time shocks and the tornado table (issue 6).

Each driver (工资增长率, 扩面, 医疗费用增长率, 征缴率, 定期待遇调整, 新发工伤率) is moved to its low and
its high value while everything else stays at the budget assumptions. All 2 × n shocks run at once,
as one scenario axis of the projection engine (:func:`models.projection.roll_forward`); the effect
is read on the budget year: 本年收支结余, 年末滚存结余 and each city's share under each option.
Default shock sizes are data (parameters/sensitivity_shocks.toml). A zero shock gives the baseline
exactly.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models.budget import BudgetResult, resolve_options, run_budget
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.projection import SHOCK_FIELDS, Projection, Shocks, prepare_projection, roll_forward
from models.sharing import SharingOption, share_options

SHOCKS_FILE = "sensitivity_shocks.toml"
TABLE = "敏感性分析"


@dataclass(frozen=True)
class Driver:
    """敏感性因素: which shock fields it moves and its low/high shock sizes."""

    name: str
    label: str
    fields: tuple[str, ...]
    low: float
    high: float
    unit: str = ""
    note: str = ""


def _finite(value: Any, name: str, key: str) -> float:
    if isinstance(value, bool):
        raise BudgetInputError("应为数值", table=TABLE, field=f"{name}.{key}", value=value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BudgetInputError("应为数值", table=TABLE, field=f"{name}.{key}", value=value) from None
    if not math.isfinite(x):
        raise BudgetInputError("应为有限数值", table=TABLE, field=f"{name}.{key}", value=value)
    return x


def _parse_driver(name: str, body: Mapping[str, Any]) -> Driver:
    fields = tuple(body.get("fields", ()))
    unknown = [f for f in fields if f not in SHOCK_FIELDS]
    if not fields or unknown:
        raise BudgetInputError(f"fields 应取自：{'、'.join(SHOCK_FIELDS)}", table=TABLE, field=f"{name}.fields",
                               value=unknown[0] if unknown else None)
    return Driver(name=name, label=str(body.get("label", name)), fields=fields,
                  low=_finite(body.get("low"), name, "low"), high=_finite(body.get("high"), name, "high"),
                  unit=str(body.get("unit", "")), note=str(body.get("note", "")))


@functools.cache
def load_drivers() -> tuple[Driver, ...]:
    """默认敏感性因素 and shock sizes, from the packaged data file, in file order."""
    text = resources.files("models").joinpath("parameters", SHOCKS_FILE).read_text(encoding="utf-8")
    return tuple(_parse_driver(name, body) for name, body in tomllib.loads(text).items())


def _drivers(sizes: Mapping[str, Sequence[float]] | None) -> tuple[Driver, ...]:
    drivers = load_drivers()
    if not sizes:
        return drivers
    known = {d.name: d for d in drivers}
    unknown = [k for k in sizes if k not in known]
    if unknown:
        raise BudgetInputError(f"没有这个敏感性因素，可选：{'、'.join(known)}", table=TABLE, value=unknown[0])
    out = []
    for d in drivers:
        if d.name in sizes:
            pair = sizes[d.name]
            if isinstance(pair, str | bytes) or len(pair) != 2:
                raise BudgetInputError("冲击幅度应为 (低, 高) 两个数", table=TABLE, field=d.name, value=pair)
            d = replace(d, low=_finite(pair[0], d.name, "low"), high=_finite(pair[1], d.name, "high"))
        out.append(d)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """敏感性分析结果 (yuan). Axis order: driver, (low, high), option, city."""

    drivers: tuple[Driver, ...]
    options: tuple[SharingOption, ...]
    cities: tuple[str, ...]
    budget_year: int
    base_surplus: float            # 本年收支结余 at the budget assumptions
    base_closing: float            # 年末滚存结余
    surplus: np.ndarray            # (n, 2)
    closing: np.ndarray            # (n, 2)
    base_shares: np.ndarray        # (O, C)
    shares: np.ndarray             # (n, 2, O, C)
    projection: Projection         # the shocked budget year, scenario axis 2n (driver-major, low then high)
    synthetic: bool = False

    @property
    def surplus_effect(self) -> np.ndarray:
        """Δ 本年收支结余 against the baseline (n, 2)."""
        return self.surplus - self.base_surplus

    @property
    def closing_effect(self) -> np.ndarray:
        """Δ 年末滚存结余 against the baseline (n, 2)."""
        return self.closing - self.base_closing

    @property
    def share_effect(self) -> np.ndarray:
        """Δ city share against the baseline (n, 2, O, C)."""
        return self.shares - self.base_shares

    def tornado(self) -> pd.DataFrame:
        """龙卷风图数据: one row per driver, widest swing of 年末滚存结余 first (yuan)."""
        df = pd.DataFrame({
            "label": [d.label for d in self.drivers],
            "low_shock": [d.low for d in self.drivers], "high_shock": [d.high for d in self.drivers],
            "surplus_low": self.surplus[:, 0], "surplus_high": self.surplus[:, 1],
            "surplus_effect_low": self.surplus_effect[:, 0], "surplus_effect_high": self.surplus_effect[:, 1],
            "closing_low": self.closing[:, 0], "closing_high": self.closing[:, 1],
            "closing_effect_low": self.closing_effect[:, 0], "closing_effect_high": self.closing_effect[:, 1],
            "swing": np.abs(self.closing[:, 1] - self.closing[:, 0]),
            "unit": [d.unit for d in self.drivers],
        }, index=pd.Index([d.name for d in self.drivers], name="driver"))
        df = df.sort_values("swing", ascending=False, kind="stable")
        df.attrs.update({"预算年度": self.budget_year, "基准本年收支结余": self.base_surplus,
                         "基准年末滚存结余": self.base_closing, "单位制": "元", "示例数据": self.synthetic})
        return df

    def share_table(self, option: int | str) -> pd.DataFrame:
        """各市分担额的敏感性 (yuan): base share, then Δ share at each driver's low and high shock."""
        names = [o.name for o in self.options]
        if isinstance(option, str):
            if option not in names:
                raise BudgetInputError(f"没有这个方案，可选：{'、'.join(names)}", table=TABLE, value=option)
            o = names.index(option)
        else:
            o = int(option)
        cols = {"base": self.base_shares[o]}
        for i, d in enumerate(self.drivers):
            cols[f"{d.name}_low"] = self.share_effect[i, 0, o]
            cols[f"{d.name}_high"] = self.share_effect[i, 1, o]
        df = pd.DataFrame(cols, index=pd.Index(self.cities, name="city"))
        df.attrs.update({"方案": names[o], "单位制": "元", "示例数据": self.synthetic})
        return df

    def share_effects(self) -> pd.DataFrame:
        """Long form: option × driver × city with base share and Δ share at low and high (yuan)."""
        n, _, n_opt, n_city = self.shares.shape
        d_idx, o_idx, c_idx = np.meshgrid(np.arange(n), np.arange(n_opt), np.arange(n_city), indexing="ij")
        eff = self.share_effect
        return pd.DataFrame({
            "option": np.array([o.name for o in self.options], dtype=object)[o_idx.ravel()],
            "driver": np.array([d.name for d in self.drivers], dtype=object)[d_idx.ravel()],
            "city": np.array(self.cities, dtype=object)[c_idx.ravel()],
            "base": self.base_shares[o_idx.ravel(), c_idx.ravel()],
            "effect_low": eff[:, 0].ravel(), "effect_high": eff[:, 1].ravel(),
        })


def sensitivity(inputs: BudgetInputs, options: Sequence[Any] | None = None,
                sizes: Mapping[str, Sequence[float]] | None = None, *, params: ParameterSet | None = None,
                result: BudgetResult | None = None) -> Sensitivity:
    """敏感性分析: every driver at its low and high shock, all at once, on the budget year.

    `sizes`: {driver: (low, high)} replacing the default shock sizes of those drivers (see
    :func:`load_drivers`). `result`: a :func:`run_budget` result of the same inputs (reused as the
    baseline; its options are used unless `options` is given).
    """
    drivers = _drivers(sizes)
    if result is None:
        result = run_budget(inputs, options, params=params)
    opts = tuple(result.options if options is None else resolve_options(options))
    base_shares = (result.sharing if options is None else share_options(opts, result.context)).share
    base = prepare_projection(inputs, 1, result=result)

    n = len(drivers)
    arrays = {f: np.zeros((2 * n, 1, 1)) for f in SHOCK_FIELDS}
    for i, d in enumerate(drivers):
        for f in d.fields:
            arrays[f][2 * i, 0, 0] = d.low
            arrays[f][2 * i + 1, 0, 0] = d.high
    proj = roll_forward(base, Shocks(**arrays))
    shocked = share_options(opts, proj.sharing_context(proj.years[0]))   # (O, 2n, C)
    n_opt, _, n_city = shocked.share.shape
    shares = shocked.share.reshape(n_opt, n, 2, n_city).transpose(1, 2, 0, 3)
    pb = result.province
    return Sensitivity(
        drivers=drivers, options=opts, cities=proj.cities, budget_year=proj.budget_year,
        base_surplus=float(pb.surplus), base_closing=float(pb.closing_balance),
        surplus=proj.surplus[:, 0].reshape(n, 2), closing=proj.closing_balance[:, 0].reshape(n, 2),
        base_shares=base_shares, shares=shares, projection=proj, synthetic=bool(inputs.synthetic),
    )
