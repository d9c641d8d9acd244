"""储备风险 — Monte Carlo of the fund over the projection years (issue 6).

The uncertain drivers (工资增长率, 医疗费用增长率, 征缴率, 扩面, 待遇调整, 新发伤残, 工亡) are drawn
from documented distributions (parameters/risk_distributions.toml) with a seeded numpy Generator:
draws are a leading scenario axis of the projection engine, so one run covers draws × years × units,
and the sharing options are computed for all draws at once, year by year (the only Python loop).

Output: the probability that 年末滚存结余 falls below the reserve floor in each year, and percentile
bands (P5 … P95) of the deficit, the balance, 可支付月数 and of each city's share under each option.
With zero variance every draw is the deterministic projection; the same seed gives the same result.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.budget import BudgetResult, resolve_options, run_budget
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.projection import (
    DEFAULT_YEARS,
    SHOCK_FIELDS,
    Projection,
    ProjectionAssumptions,
    Shocks,
    prepare_projection,
    roll_forward,
    share_by_year,
)
from models.sharing import SharingOption, share_options

DISTRIBUTIONS_FILE = "risk_distributions.toml"
TABLE = "风险模拟"
DEFAULT_DRAWS = 10_000
MAX_DRAWS = 200_000
MAX_CELLS = 6_000_000      # draws × years × units held in memory at once (about 50 MB an array)
DEFAULT_SEED = 20_240_101
PERCENTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)
KINDS = ("normal", "lognormal")
SCOPES = ("province", "unit")
_FACTOR_FIELDS = ("expansion", "collection", "new_cases", "deaths")
_COUNT_FIELDS = ("new_cases", "deaths")   # fields with a per-unit expected count (for the Poisson-like part)


@dataclass(frozen=True)
class Distribution:
    """不确定因素的分布 (one uncertain driver); see the data file for what each field means."""

    name: str
    label: str
    field: str
    distribution: str = "normal"
    sd: float = 0.0
    cv: float = 0.0
    poisson: bool = False
    scope: str = "province"
    note: str = ""


def _parse(name: str, body: Mapping[str, Any]) -> Distribution:
    def fail(key: str, message: str, value: Any = None) -> BudgetInputError:
        return BudgetInputError(message, table=TABLE, field=f"{name}.{key}", value=value)

    fld = body.get("field")
    if fld not in SHOCK_FIELDS:
        raise fail("field", f"应取自：{'、'.join(SHOCK_FIELDS)}", fld)
    kind = body.get("distribution", "normal")
    if kind not in KINDS:
        raise fail("distribution", "应为 normal 或 lognormal", kind)
    scope = body.get("scope", "province")
    if scope not in SCOPES:
        raise fail("scope", "应为 province（全省共同）或 unit（各单位独立）", scope)
    spread = {}
    for key in ("sd", "cv"):
        raw = body.get(key, 0.0)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
            raise fail(key, "应为非负数", raw)
        spread[key] = float(raw)
    poisson = body.get("poisson", False)
    if not isinstance(poisson, bool):
        raise fail("poisson", "应为 true 或 false", poisson)
    if poisson and (kind != "lognormal" or fld not in _COUNT_FIELDS):
        raise fail("poisson", f"泊松式波动只适用于对数正态的 {'、'.join(_COUNT_FIELDS)}", poisson)
    return Distribution(name=name, label=str(body.get("label", name)), field=fld, distribution=kind,
                        sd=spread["sd"], cv=spread["cv"], poisson=poisson, scope=scope, note=str(body.get("note", "")))


def check_distributions(distributions: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """Check each distribution's settings and refuse a driver field drawn twice; return them as a tuple."""
    if any(not isinstance(d, Distribution) for d in distributions):
        raise BudgetInputError("分布应为 Distribution（见 load_distributions）", table=TABLE)
    out = tuple(_parse(d.name, d.__dict__) for d in distributions)
    fields = [d.field for d in out]
    dup = next((f for f in fields if fields.count(f) > 1), None)
    if dup is not None:
        raise BudgetInputError("同一驱动量只能有一个分布", table=TABLE, field=dup)
    return out


@functools.cache
def load_distributions() -> tuple[Distribution, ...]:
    """默认分布 (the packaged distributions of the uncertain drivers), in file order."""
    text = resources.files("models").joinpath("parameters", DISTRIBUTIONS_FILE).read_text(encoding="utf-8")
    return check_distributions([_parse(name, body) for name, body in tomllib.loads(text).items()])


def zero_variance(distributions: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """The same drivers with no spread at all (every draw = the deterministic projection)."""
    return tuple(replace(d, sd=0.0, cv=0.0, poisson=False) for d in distributions)


def draw_shocks(distributions: Sequence[Distribution], draws: int, n_years: int, n_units: int,
                rng: np.random.Generator, expected_counts: Mapping[str, np.ndarray] | None = None) -> Shocks:
    """抽样: driver shocks shaped (draws, years, 1) for province scope or (draws, years, units) for unit scope.

    Every driver consumes the same random numbers whatever its spread (a common and a per-unit
    standard normal block), so changing one driver's spread leaves the others' draws unchanged.
    `expected_counts` {field: (U,)} are the expected cases behind the Poisson-like part.
    """
    counts = expected_counts or {}
    out: dict[str, np.ndarray] = {}
    for d in check_distributions(distributions):
        common = rng.standard_normal((draws, n_years, 1 if d.scope == "province" else n_units))
        own = rng.standard_normal((draws, n_years, n_units)) if d.poisson else None
        if d.distribution == "normal":
            x = d.sd * common
            if d.field in _FACTOR_FIELDS:
                x = np.maximum(x, -1.0)
        else:
            sigma = math.sqrt(math.log1p(d.cv ** 2))
            factor = np.exp(sigma * common - sigma ** 2 / 2.0)
            if own is not None:
                lam = np.asarray(counts.get(d.field, np.zeros(n_units)), dtype=float)
                s_u = np.sqrt(np.log1p(np.divide(1.0, lam, out=np.zeros_like(lam), where=lam > 0)))
                factor = factor * np.exp(s_u * own - s_u ** 2 / 2.0)
            x = factor - 1.0
        out[d.field] = x
    return Shocks(**out)


def _bands(x: np.ndarray, q: np.ndarray, axis: int) -> np.ndarray:
    """Percentiles along `axis` (percentile axis first), made monotone against rounding noise."""
    return np.maximum.accumulate(np.percentile(x, q, axis=axis), axis=0)


@dataclass(frozen=True, eq=False)
class RiskResult:
    """风险模拟结果 (yuan). Bands put the percentile axis first: (P, T), (P, O, T), (P, O, T, C)."""

    years: tuple[int, ...]
    cities: tuple[str, ...]
    options: tuple[SharingOption, ...]
    percentiles: tuple[float, ...]
    draws: int
    seed: int | None
    distributions: tuple[Distribution, ...]
    baseline: Projection                # the deterministic projection
    baseline_shares: np.ndarray         # (O, T, C)
    prob_below_floor: np.ndarray        # P(年末滚存结余 < 储备下限) each year (T,)
    prob_breached_by: np.ndarray        # P(below the floor in this year or an earlier one) (T,)
    surplus: np.ndarray                 # 本年收支结余 per draw (D, T)
    closing: np.ndarray                 # 年末滚存结余 per draw (D, T)
    floor: np.ndarray                   # 储备下限 per draw (D, T)
    deficit_bands: np.ndarray           # 当年收支缺口 max(0, 支出 − 收入) (P, T)
    surplus_bands: np.ndarray
    closing_bands: np.ndarray
    months_bands: np.ndarray            # 可支付月数
    share_bands: np.ndarray             # city shares (P, O, T, C)
    province_bands: np.ndarray          # 省级承担 (P, O, T)
    synthetic: bool = False

    def _option(self, option: int | str) -> int:
        names = [o.name for o in self.options]
        if isinstance(option, str):
            if option not in names:
                raise BudgetInputError(f"没有这个方案，可选：{'、'.join(names)}", table=TABLE, value=option)
            return names.index(option)
        return int(option)

    def table(self) -> pd.DataFrame:
        """逐年风险: probabilities and percentile bands (yuan, months), one row per year."""
        cols: dict[str, Any] = {"prob_below_floor": self.prob_below_floor, "prob_breached_by": self.prob_breached_by,
                                "baseline_closing": self.baseline.closing_balance,
                                "baseline_floor": self.baseline.floor}
        for name, bands in (("deficit", self.deficit_bands), ("closing", self.closing_bands),
                            ("months", self.months_bands)):
            for p, row in zip(self.percentiles, bands, strict=True):
                cols[f"{name}_p{p:g}"] = row
        df = pd.DataFrame(cols, index=pd.Index(self.years, name="year"))
        df.attrs.update({"模拟次数": self.draws, "随机种子": self.seed, "单位制": "元", "示例数据": self.synthetic})
        return df

    def share_table(self, option: int | str, year: int) -> pd.DataFrame:
        """各市分担额的分布 (yuan) of one option and year: baseline share and P5 … P95 by city."""
        o = self._option(option)
        k = self.baseline.year_position(year)
        cols = {"baseline": self.baseline_shares[o, k]}
        cols.update({f"p{p:g}": self.share_bands[i, o, k] for i, p in enumerate(self.percentiles)})
        df = pd.DataFrame(cols, index=pd.Index(self.cities, name="city"))
        df.attrs.update({"方案": self.options[o].name, "年度": year, "单位制": "元", "示例数据": self.synthetic})
        return df


def simulate(inputs: BudgetInputs, draws: int = DEFAULT_DRAWS, years: int = DEFAULT_YEARS,
             options: Sequence[Any] | None = None, *, seed: int | None = DEFAULT_SEED,
             distributions: Sequence[Distribution] | None = None,
             assumptions: ProjectionAssumptions | None = None, percentiles: Sequence[float] = PERCENTILES,
             params: ParameterSet | None = None, result: BudgetResult | None = None,
             progress: Callable[[int, int], None] | None = None) -> RiskResult:
    """风险模拟: `draws` projections of `years` years under random driver shocks, shared by every option.

    `seed` makes the run reproducible (None: fresh entropy). `progress(done, total)` is called after
    the projection and after each year's sharing (for a progress bar). `result`: a :func:`run_budget`
    result of the same inputs to reuse (its options are used unless `options` is given).
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or not 1 <= int(draws) <= MAX_DRAWS:
        raise BudgetInputError(f"模拟次数应为 1–{MAX_DRAWS:,} 的整数", table=TABLE, field="draws", value=draws)
    q = np.asarray(percentiles, dtype=float)
    if q.ndim != 1 or q.size == 0 or not np.isfinite(q).all() or (q < 0).any() or (q > 100).any() \
            or (np.diff(q) <= 0).any():
        raise BudgetInputError("百分位数应为 0–100 之间递增的数", table=TABLE, field="percentiles",
                               value=tuple(percentiles))
    dists = check_distributions(load_distributions() if distributions is None else distributions)
    if result is None:
        result = run_budget(inputs, options, params=params)
    opts = tuple(result.options if options is None else resolve_options(options))
    base = prepare_projection(inputs, years, assumptions, result=result)
    baseline = roll_forward(base)
    T, U = len(base.years), len(baseline.units)
    if int(draws) * T * U > MAX_CELLS:
        raise BudgetInputError(f"模拟规模过大（模拟次数 × 年数 × 单位数超过 {MAX_CELLS:,}），请减少模拟次数或预测年数",
                               table=TABLE, field="draws", value=draws)
    total_steps = T + 1

    rng = np.random.default_rng(seed)
    shocks = draw_shocks(dists, int(draws), T, U, rng,
                         expected_counts={f: base.counts[f] for f in _COUNT_FIELDS})
    proj = roll_forward(base, shocks, collection_plan=baseline.unit_lines[items.PREMIUM])
    if progress is not None:
        progress(1, total_steps)

    n_opt, n_city = len(opts), len(proj.cities)
    share_bands = np.empty((q.size, n_opt, T, n_city))
    province_bands = np.empty((q.size, n_opt, T))
    for k in range(T):                                  # the one Python loop: projection years
        res = share_options(opts, proj.context_at(k))    # (O, D, C)
        share_bands[:, :, k, :] = _bands(res.share, q, axis=1)
        province_bands[:, :, k] = _bands(res.province, q, axis=1)
        if progress is not None:
            progress(k + 2, total_steps)

    below = proj.closing_balance < proj.floor
    return RiskResult(
        years=proj.years, cities=proj.cities, options=opts, percentiles=tuple(float(p) for p in q),
        draws=int(draws), seed=seed, distributions=dists, baseline=baseline,
        baseline_shares=share_by_year(baseline, opts).share,
        prob_below_floor=below.mean(axis=0), prob_breached_by=np.logical_or.accumulate(below, axis=1).mean(axis=0),
        surplus=proj.surplus, closing=proj.closing_balance, floor=proj.floor,
        deficit_bands=_bands(proj.deficit, q, 0), surplus_bands=_bands(proj.surplus, q, 0),
        closing_bands=_bands(proj.closing_balance, q, 0), months_bands=_bands(proj.months_payable, q, 0),
        share_bands=share_bands, province_bands=province_bands, synthetic=bool(inputs.synthetic),
    )
