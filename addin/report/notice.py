"""分市通知数据 (figures of one city's notice) — taken from the draft's own tables, never re-rounded.

For one 设区市: its revenue and expenditure lines (上年预计执行数, 本年预算数, 增减额, 增长%), its gap, its share
under the chosen option with each component (the row of that option's 缺口分担表), and its share under
every option with the change against the baseline, per insured person and as % of collections (the row
of 方案比较). 本年预算数 is the row of 分市预算表; 上年预计执行数 is rounded here once, by the same controlled
rounding, to the province's 上年预计执行数 column, so every column still adds up across the cities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    est = (estimates if estimates is not None else unit_estimates(tables)).loc[unit, list(LINE_CODES)]
    budget = tables.units.loc[unit, list(LINE_CODES)]
    return _lines(est.to_numpy(dtype=float), budget.to_numpy(dtype=float))


def _lines(est: np.ndarray, budget: np.ndarray) -> pd.DataFrame:
    change = np.array([round(float(b) - float(e), 2) for e, b in zip(est, budget, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where((est != 0) & (np.array(LINE_CODES) != "gap"), change / np.abs(est) * 100, np.nan)
    return pd.DataFrame({"label": [_label(c) for c in LINE_CODES], "estimate": est, "budget": budget,
                         "change": change, "growth": growth}, index=pd.Index(LINE_CODES, name="code"))


class _Notices:
    """What every city's notice under one option shares, looked up once (the notices of 3,000 units stay fast)."""

    def __init__(self, tables: DraftTables, option: str | None, estimates: pd.DataFrame | None) -> None:
        result = tables.result
        code = option or tables.chosen[0]
        self.code = code = result.sharing.names[result.sharing.option_index(code)]
        table = tables.sharing[code] if code in tables.sharing else result.sharing.table(code)
        self.tables, self.attrs = tables, dict(table.attrs)
        self.columns = [str(c) for c in table.columns if c != "单位"]
        self.rows = {str(r[0]): r[1:] for r in table.itertuples(index=False, name=None)}
        province = self.rows.get("省级承担")
        self.province_part = float(province[self.columns.index("分担额")]) if province is not None else np.nan
        comp = tables.comparison
        wide = comp.wide
        self.heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
        self.names = list(comp.result.names)
        self.baseline = comp.baseline
        self.wide_rows = {str(u): k for k, u in enumerate(wide.index)}
        self.measures = {m: wide[[(h, m) for h in self.heads]].to_numpy(dtype=float)
                         for m in (SHARE, PER_INSURED, PCT_COLLECTIONS, CHANGE)}
        est = estimates if estimates is not None else unit_estimates(tables)
        self.est_rows = {str(u): k for k, u in enumerate(est.index)}
        self.est = est[list(LINE_CODES)].to_numpy(dtype=float)
        self.budget_rows = {str(u): k for k, u in enumerate(tables.units.index)}
        self.budget = tables.units[list(LINE_CODES)].to_numpy(dtype=float)

    def notice(self, unit: str) -> CityNotice:
        if unit not in self.rows:
            raise KeyError(unit)
        row = self.rows[unit]
        components = [(c, float(v)) for c, v in zip(self.columns, row, strict=True)]
        k = self.wide_rows[unit]
        figures = {m: a[k] for m, a in self.measures.items()}
        options = pd.DataFrame({"code": self.names, "label": self.heads, "share": figures[SHARE],
                                "per_insured": figures[PER_INSURED], "pct": figures[PCT_COLLECTIONS],
                                "change": figures[CHANGE], "baseline": [n == self.baseline for n in self.names]})
        mine = self.names.index(self.code)
        attrs = self.attrs
        return CityNotice(
            unit=unit, lines=_lines(self.est[self.est_rows[unit]], self.budget[self.budget_rows[unit]]),
            option=self.code, option_label=str(attrs.get("方案名称", self.code)),
            condition=str(attrs.get("条件", "")), amount_shared=float(attrs.get("应分担缺口", np.nan)),
            province_part=self.province_part, components=components,
            share=float(row[self.columns.index("分担额")]), per_insured=float(figures[PER_INSURED][mine]),
            pct_collections=float(figures[PCT_COLLECTIONS][mine]), options=options, baseline=self.baseline,
            synthetic=self.tables.synthetic)


def city_notice(tables: DraftTables, unit: str, option: str | None = None,
                estimates: pd.DataFrame | None = None) -> CityNotice:
    """The notice figures of one 设区市 under `option` (default: the draft's first chosen option)."""
    return _Notices(tables, option, estimates).notice(unit)


def city_notices(tables: DraftTables, units: Sequence[str], option: str | None = None,
                 estimates: pd.DataFrame | None = None) -> list[CityNotice]:
    """The notices of several cities under one option, the tables looked up once."""
    shared = _Notices(tables, option, estimates)
    return [shared.notice(u) for u in units]


def city_units(tables: DraftTables) -> list[str]:
    """The 设区市 that get a notice (those in the sharing tables), in the draft's order."""
    return [str(u) for u in tables.result.comparison.result.cities]
