"""预置方案与清算规则 — the packaged preset options and the settlement tolerance (清算)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from models.errors import BudgetInputError
from models.sharing.options import SharingOption, parse_option
from models.sharing.vocabulary import PRESETS_FILE


def _presets_data() -> dict[str, Any]:
    text = resources.files("models").joinpath(PRESETS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_presets() -> list[SharingOption]:
    """预置方案 — the packaged preset options (anhui, liaoning, own_gap, weighted_mix, …)."""
    return [parse_option(d) for d in _presets_data().get("option", [])]




@dataclass(frozen=True)
class SettlementParams:
    """清算容差 (settlement tolerance): bands of overrun → province share of the excess."""

    tolerance: float                          # overrun within this → normal ratio on the whole gap
    band_limits: tuple[float, ...]            # upper overrun limits of the bands above the tolerance
    band_province_shares: tuple[float, ...]   # province share of the excess in each band
    label: str = ""
    description: str = ""


def load_settlement_params(name: str = "anhui") -> SettlementParams:
    """清算参数 from the presets file (``[settlement.<name>]``)."""
    table = _presets_data().get("settlement", {})
    if name not in table:
        raise BudgetInputError(f"没有这个清算规则，可选：{'、'.join(table)}", table="清算规则", value=name)
    t = table[name]
    bands = t.get("bands", [])
    return SettlementParams(
        tolerance=float(t["tolerance"]),
        band_limits=tuple(float(b["up_to"]) for b in bands),
        band_province_shares=tuple(float(b["province_share"]) for b in bands),
        label=str(t.get("label", name)), description=str(t.get("description", "")),
    )


@dataclass(frozen=True, eq=False)
class Settlement:
    """清算结果 (yuan, broadcast shape of the inputs)."""

    province: np.ndarray
    city: np.ndarray
    band: np.ndarray      # 0 = within tolerance, 1… = bands of SettlementParams
    excess: np.ndarray    # actual gap above the budget gap (0 within tolerance)


def anhui_settlement(budget_gap: Any, actual_gap: Any, params: SettlementParams | None = None, *,
                     normal_share: Any) -> Settlement:
    """安徽清算 — split the actual gap: within the tolerance the normal province share α applies to
    the whole actual gap; above it α applies to the budget gap and the band's share to the excess
    (actual − budget). Vectorised over any broadcastable shapes.
    """
    p = params or load_settlement_params("anhui")
    budget = np.maximum(0.0, np.asarray(budget_gap, dtype=float))
    actual = np.maximum(0.0, np.asarray(actual_gap, dtype=float))
    alpha = np.asarray(normal_share, dtype=float)
    if not np.isfinite(budget).all() or not np.isfinite(actual).all() or not np.isfinite(alpha).all():
        raise BudgetInputError("预算缺口、实际缺口和正常比例须为有限数值", table="清算")
    over = actual - budget
    with np.errstate(divide="ignore", invalid="ignore"):
        overrun = np.where(budget > 0, over / np.where(budget > 0, budget, 1.0), np.where(over > 0, np.inf, 0.0))
    edges = np.array([p.tolerance, *p.band_limits])
    band = np.minimum(np.searchsorted(edges, overrun, side="left"), len(edges) - 1)
    shares = np.array([0.0, *p.band_province_shares])
    within = band == 0
    excess = np.where(within, 0.0, over)
    province = np.where(within, alpha * actual, alpha * budget + shares[band] * excess)
    return Settlement(province=province, city=actual - province, band=band, excess=excess)
