"""中期展望数据 — the multi-year projection, sensitivity and reserve risk as displayed figures (万元).

One engine run feeds three faces (`wibudget project / risk / sensitivity`, the draft's 多年预测与风险
sheet and the 编制说明's 中期展望 section), so all of them show the same numbers:

- 多年预测表: `Projection.table(wan=True)` as it is (items add up to the totals, the balance rows are
  `models.balance.balance_chain` on the shown totals, and the budget-year column is the one-year budget).
- 龙卷风表: each driver's budget-year 年末滚存结余 at its low and high shock, rounded once; the base is the
  shown 年末滚存结余 of the budget year (收支结余表 = 多年预测表), and the changes and the swing are
  differences of the displayed figures.
- 风险表: P(年末滚存结余 < 储备下限) per year and percentile bands (each band rounded on its own: bands
  are not parts of a total); its 基准 年末滚存结余 and 储备下限 are the 多年预测表's. City shares: the
  deterministic projection's shares, reconciled each year to the 应分担缺口 the 多年预测表 shows (e.g.
  −本年收支结余), the budget year being the 缺口分担表 itself, beside their P5 … P95.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from addin.report.tables import shown_amounts
from models.budget import BudgetResult
from models.money import round_wan
from models.projection import FILE_PATHS, SHOCK_FIELDS, Projection, share_by_year
from models.risk import RiskResult
from models.sensitivity import Sensitivity
from models.sharing import PROVINCE_LABEL

DRAFT_DRAWS = 2_000          # 草案中风险模拟的次数: enough for a 1-percentage-point view, fast to run
RATE_ROWS = ("average_rate", "rate_needed")
#: How each row of the projection table is shown: 万元, 月, 费率 or 是/否.
ROW_UNITS: dict[str, str] = {"months_payable": "月", "below_floor": "", **{r: "费率" for r in RATE_ROWS}}
BAND_COLUMNS = ("p5", "p25", "p50", "p75", "p95")


@dataclass
class OutlookTables:
    """中期展望 (outlook): engine results and the displayed tables; sensitivity/risk may be absent."""

    result: BudgetResult
    projection: Projection
    table: pd.DataFrame                     # Projection.table(wan=True)
    assumptions: pd.DataFrame               # Projection.assumption_table()
    sensitivity: Sensitivity | None = None
    tornado: pd.DataFrame | None = None     # tornado_table(sensitivity)
    risk: RiskResult | None = None
    risk_years: pd.DataFrame | None = None  # risk_year_table(risk)
    risk_shares: dict[str, pd.DataFrame] = field(default_factory=dict)   # option code → risk_share_table

    @property
    def years(self) -> tuple[int, ...]:
        return self.projection.years

    @property
    def first_breach(self) -> int | None:
        """首次低于储备下限的年度 (None: not within the horizon)."""
        return self.table.attrs["首次低于储备下限年度"]

    @property
    def synthetic(self) -> bool:
        return bool(self.result.inputs.synthetic)


# ---------------------------------------------------------------- displayed tables


def row_unit(code: str) -> str:
    """单位 of a projection-table row: 万元, 月, 费率 or '' (是/否)."""
    return ROW_UNITS.get(code, "万元")


def shock_text(driver, value: float) -> str:
    """冲击幅度 in words: +1个百分点 for a growth rate (added), −20% for a quantity (multiplied)."""
    added = all(SHOCK_FIELDS[f].endswith("（加）") for f in driver.fields)
    return f"{value * 100:+g}{'个百分点' if added else '%'}"


def tornado_table(sens: Sensitivity, base_closing: float | None = None) -> pd.DataFrame:
    """龙卷风表 (万元): per driver, widest swing first — shocks in words, 年末滚存结余 at the low and high
    shock, their change against the baseline and the swing, all on the displayed figures.

    `base_closing`: the budget year's 年末滚存结余 as the 收支结余表 / 多年预测表 show it (万元); None: the
    engine's figure rounded on its own (only for a tornado shown without those tables)."""
    raw = sens.tornado()
    by_name = {d.name: d for d in sens.drivers}
    base = float(round_wan(sens.base_closing)) if base_closing is None else round(float(base_closing), 2)
    low = np.asarray(round_wan(raw["closing_low"].to_numpy(dtype=float)))
    high = np.asarray(round_wan(raw["closing_high"].to_numpy(dtype=float)))
    df = pd.DataFrame({
        "label": raw["label"].to_numpy(),
        "low_shock": [shock_text(by_name[n], by_name[n].low) for n in raw.index],
        "high_shock": [shock_text(by_name[n], by_name[n].high) for n in raw.index],
        "closing_low": low, "closing_high": high,
        "effect_low": np.round(low - base, 2), "effect_high": np.round(high - base, 2),
        "swing": np.round(np.abs(high - low), 2),
    }, index=raw.index)
    df.attrs.update({"预算年度": sens.budget_year, "基准年末滚存结余": base, "单位制": "万元"})
    return df


def _shown_projection(risk: RiskResult, table: pd.DataFrame | None) -> pd.DataFrame:
    return risk.baseline.table(wan=True) if table is None else table


def risk_year_table(risk: RiskResult, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """逐年风险 (万元, probabilities as fractions): baseline, floor, P(below), bands of deficit and months.

    The baseline 年末滚存结余 and 储备下限 are those of the 多年预测表 `table` (default: the baseline
    projection's own, `Projection.table(wan=True)`, the same figures)."""
    raw = risk.table()
    shown = _shown_projection(risk, table)
    years = list(raw.index)
    df = pd.DataFrame(index=raw.index)
    df["prob_below_floor"] = raw["prob_below_floor"]
    df["prob_breached_by"] = raw["prob_breached_by"]
    df["baseline_closing"] = shown.loc["closing_balance", years].to_numpy(dtype=float)
    df["baseline_floor"] = shown.loc["reserve_floor", years].to_numpy(dtype=float)
    for p in risk.percentiles:
        df[f"deficit_p{p:g}"] = np.asarray(round_wan(raw[f"deficit_p{p:g}"].to_numpy(dtype=float)))
    for p in risk.percentiles:
        df[f"months_p{p:g}"] = raw[f"months_p{p:g}"].round(2)
    df.attrs.update({"模拟次数": risk.draws, "随机种子": risk.seed, "单位制": "万元"})
    return df


def risk_share_table(risk: RiskResult, option: int | str, *, table: pd.DataFrame | None = None,
                     first_year: pd.DataFrame | None = None) -> pd.DataFrame:
    """各市分担额的分布 (万元), long form: year, unit (cities, then 省级承担), baseline, P5 … P95.

    baseline: the deterministic projection's shares, rounded so that cities + 省级承担 add up each year
    to the 应分担缺口 the 多年预测表 `table` shows (default: the baseline projection's own); the budget
    year takes `first_year` — the option's 缺口分担表 — when given.
    """
    names = [opt.name for opt in risk.options]
    o = names.index(option) if isinstance(option, str) else int(option)
    shown = _shown_projection(risk, table)
    years = list(risk.years)
    closing = shown.loc["closing_balance", years].to_numpy(dtype=float)
    floor = shown.loc["reserve_floor", years].to_numpy(dtype=float)
    base = share_by_year(risk.baseline, [risk.options[o]])
    amounts = shown_amounts(base, surplus=shown.loc["surplus", years].to_numpy(dtype=float),
                            reserve_margin=np.round(closing - floor, 2))
    rounded = base.with_shown(amounts).rounded
    city_base, prov_base = rounded["share"][0].copy(), rounded["province"][0].copy()    # (T, C), (T,)
    if first_year is not None:
        by_unit = first_year.set_index("单位")["分担额"]
        city_base[0] = by_unit.loc[list(risk.cities)].to_numpy(dtype=float)
        prov_base[0] = float(by_unit.loc[PROVINCE_LABEL])
    blocks = []
    units = [*risk.cities, PROVINCE_LABEL]
    for k, year in enumerate(risk.years):
        city_bands = np.asarray(round_wan(risk.share_bands[:, o, k, :]))      # (P, C)
        prov_bands = np.asarray(round_wan(risk.province_bands[:, o, k]))      # (P,)
        block = {"year": year, "unit": units, "baseline": [*city_base[k].tolist(), float(prov_base[k])]}
        for i, p in enumerate(risk.percentiles):
            block[f"p{p:g}"] = [*city_bands[i].tolist(), float(prov_bands[i])]
        blocks.append(pd.DataFrame(block))
    df = pd.concat(blocks, ignore_index=True)
    df.attrs.update({"方案": risk.options[o].name, "方案名称": risk.options[o].label, "单位制": "万元"})
    return df


def assumption_values(assumptions: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """多年预测假设 as shown: the budget year is blank for assumptions that only later years use."""
    df = assumptions.copy()
    for name in FILE_PATHS:
        if name in df.index:
            df.loc[name, years[0]] = np.nan
    return df
