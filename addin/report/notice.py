"""分市通知数据 (figures of one city's notice) — taken from the draft's own tables, never re-rounded.

For one 设区市: its revenue and expenditure lines (上年预计执行数, 本年预算数, 增减额, 增长%), its gap, its share
under the chosen option with each component (the row of that option's 缺口分担表), and its share under
every option with the change against the baseline, per insured person and as % of collections (the row
of 方案比较). 本年预算数 is the row of 分市预算表; 上年预计执行数 is rounded here once, by the same controlled
rounding, to the province's 上年预计执行数 column, so every column still adds up across the cities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from addin.report.rounding import controlled_round
from addin.report.tables import GAP_LABEL, DraftTables
from models import items
from models.compare import CHANGE, PCT_COLLECTIONS, PER_INSURED, SHARE
from models.money import CENTS_PER_WAN

#: the lines of a notice: a city's own revenue items, totals, expenditure items and its gap
LINE_CODES: tuple[str, ...] = (*items.UNIT_REVENUE_ITEMS, "revenue_total", *items.EXPENDITURE_ITEMS,
                               "expenditure_total", "gap")
TOTAL_LABELS = {"revenue_total": "收入合计", "expenditure_total": "支出合计", "gap": GAP_LABEL}


@dataclass
class CityNotice:
    """一市通知 (one city's notice), 万元 unless a name says otherwise."""

    unit: str
    lines: pd.DataFrame            # index LINE_CODES; label, estimate, budget, change, growth (%)
    option: str                    # chosen option code
    option_label: str
    condition: str                 # the rule that applied (省:市 ratio and why)
    amount_shared: float           # 应分担缺口 (全省)
    province_part: float           # 省级承担
    components: list[tuple[str, float]]   # the 缺口分担表 row: 管理性缺口, factor parts, 封顶调整, 考核奖励, 分担额
    share: float
    per_insured: float             # 元/人
    pct_collections: float         # %
    options: pd.DataFrame          # one row per option: code, label, share, per_insured, pct, change, baseline
    baseline: str
    synthetic: bool


def unit_estimates(tables: DraftTables) -> pd.DataFrame:
    """上年预计执行数 by unit (万元): rounded once so that each item's column adds up to the province's
    上年预计执行数 and each unit's items add up to its totals."""
    fc = tables.result.forecast
    units = list(fc.units)
    out = pd.DataFrame(0.0, index=units, columns=list(LINE_CODES))
    for codes, lines, total in ((items.UNIT_REVENUE_ITEMS, tables.revenue, "revenue_total"),
                                (items.EXPENDITURE_ITEMS, tables.expenditure, "expenditure_total")):
        yuan = np.column_stack([np.asarray(fc.estimate[c], dtype=float) for c in codes])
        col_totals = lines.loc[list(codes), "estimate"].to_numpy(dtype=float)
        cells, row_totals = controlled_round(yuan, col_totals)
        out.loc[:, list(codes)] = np.rint(cells * CENTS_PER_WAN) / CENTS_PER_WAN
        out.loc[:, total] = np.rint(row_totals * CENTS_PER_WAN) / CENTS_PER_WAN
    out["gap"] = np.rint((out["expenditure_total"] - out["revenue_total"]) * CENTS_PER_WAN) / CENTS_PER_WAN
    return out


def _label(code: str) -> str:
    return TOTAL_LABELS.get(code) or items.label(code)


def city_lines(tables: DraftTables, unit: str, estimates: pd.DataFrame | None = None) -> pd.DataFrame:
    """收支 lines of one unit: 上年预计执行数, 本年预算数 (the 分市预算表 row), 增减额, 增长%."""
    est = (estimates if estimates is not None else unit_estimates(tables)).loc[unit]
    budget = tables.units.loc[unit]
    rows = []
    for code in LINE_CODES:
        e, b = float(est[code]), float(budget[code])
        change = round(b - e, 2)
        growth = change / abs(e) * 100 if e != 0 and code != "gap" else np.nan
        rows.append((code, _label(code), e, b, change, growth))
    return pd.DataFrame(rows, columns=["code", "label", "estimate", "budget", "change", "growth"]).set_index("code")


def _row(frame: pd.DataFrame, unit: str) -> pd.Series:
    hit = frame[frame["单位"].astype(str) == unit]
    if hit.empty:
        raise KeyError(unit)
    return hit.iloc[0]


def city_notice(tables: DraftTables, unit: str, option: str | None = None,
                estimates: pd.DataFrame | None = None) -> CityNotice:
    """The notice figures of one 设区市 under `option` (default: the draft's first chosen option)."""
    result = tables.result
    code = option or tables.chosen[0]
    code = result.sharing.names[result.sharing.option_index(code)]
    table = tables.sharing[code] if code in tables.sharing else result.sharing.table(code)
    row = _row(table, unit)
    attrs: dict[str, Any] = dict(table.attrs)
    components = [(str(c), float(row[c])) for c in table.columns if c != "单位"]
    comp = tables.comparison
    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    names = list(comp.result.names)
    mine = wide.loc[unit]
    options = pd.DataFrame([
        {"code": n, "label": h, "share": float(mine[(h, SHARE)]), "per_insured": float(mine[(h, PER_INSURED)]),
         "pct": float(mine[(h, PCT_COLLECTIONS)]), "change": float(mine[(h, CHANGE)]), "baseline": n == comp.baseline}
        for n, h in zip(names, heads, strict=True)])
    chosen = options[options["code"] == code].iloc[0]
    province_row = table[table["单位"].astype(str) == "省级承担"]
    return CityNotice(
        unit=unit, lines=city_lines(tables, unit, estimates), option=code,
        option_label=str(attrs.get("方案名称", code)), condition=str(attrs.get("条件", "")),
        amount_shared=float(attrs.get("应分担缺口", np.nan)),
        province_part=float(province_row["分担额"].iloc[0]) if not province_row.empty else np.nan,
        components=components, share=float(row["分担额"]), per_insured=float(chosen["per_insured"]),
        pct_collections=float(chosen["pct"]), options=options, baseline=comp.baseline,
        synthetic=tables.synthetic)


def city_units(tables: DraftTables) -> list[str]:
    """The 设区市 that get a notice (those in the sharing tables), in the draft's order."""
    return [str(u) for u in tables.result.comparison.result.cities]
