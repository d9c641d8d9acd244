"""UDF 结果表 — the engine's tables as the 2-D lists a table UDF returns (header row first, 万元, 2 dp).

Nothing is computed here: every figure comes from the engine's own reconciled tables —
`models.balance.official_lines` (收入/支出预算表), `SharingResult.table` (缺口分担), `Comparison.wide/.long`
(方案比较) — or from the draft writer's tables built on them (`addin.report.tables`: 分市预算表 with
controlled rounding, 收支结余表, 预测与校验), so the workbook and the `wibudget` draft show the same
numbers. This module only chooses headers, row order and a fixed shape: a legacy array formula covers
a range sized once by the builder, so a table must not change width when the user edits an option.
Tables that depend on the forecast and the province budget only are built once per engine run
(`addin.excel.memo`): the three GS_BALANCE tables, GS_FORECAST and the shown shares share them; each
option's 缺口分担表 is built once per result (GS_SHARE and GS_COMPARE's 方案说明 read it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from addin.excel import results
from addin.excel.memo import TABLES as MEMO
from addin.excel.scalars import option_number
from addin.report import tables as report_tables
from addin.workbook import coerce
from models import items
from models.balance import LINE_COLUMNS, official_lines
from models.budget import BudgetResult
from models.compare import MEASURES, SUMMARY_ROWS, compare
from models.sharing import COMPONENT_LABELS, COMPONENTS, SHARE_LABEL, TOTAL_LABEL

Table = list[list[Any]]

YES, NO = "是", "否"

# ---------------------------------------------------------------------------------------------
# view names a UDF accepts (display text or code)

FORECAST_VIEWS: tuple[tuple[str, str], ...] = (
    ("分市预算", "budget"), ("预算", "budget"), ("预测与校验", "check"), ("校验", "check"))
BALANCE_PARTS: tuple[tuple[str, str], ...] = (
    ("收支结余", "balance"), ("结余", "balance"), ("收入预算", "revenue"), ("收入", "revenue"),
    ("支出预算", "expenditure"), ("支出", "expenditure"))
COMPARE_VIEWS: tuple[tuple[str, str], ...] = (
    ("宽表", "wide"), ("比较", "wide"), ("长表", "long"), ("方案说明", "options"), ("方案", "options"))

LINE_HEADERS: tuple[str, ...] = ("科目", *(LINE_COLUMNS[c] for c in ("prior_budget", "estimate", "budget",
                                                                     "change", "growth")))
BALANCE_HEADERS: tuple[str, ...] = ("项目", "单位", "上年预计执行数", "本年预算数", "说明")
UNIT_HEADERS: tuple[str, ...] = ("单位", *(report_tables.GAP_LABEL if c == "gap" else items.label(c)
                                          for c in report_tables.UNIT_COLUMNS))
CHECK_HEADERS: tuple[str, ...] = ("科目", "单位", "趋势方法", "上年预计执行数", "本年预算数", "趋势值", "偏离度",
                                  "超出容差", "提示")
SHARE_HEADERS: tuple[str, ...] = ("单位", *(COMPONENT_LABELS[c] for c in COMPONENTS), SHARE_LABEL)
AMOUNT_ROW = "应分担缺口"
OPTION_HEADERS: tuple[str, ...] = ("方案代码", "方案名称", "应分担缺口", "城市合计", "省级承担", "省级承担依据")
LONG_HEADERS: tuple[str, ...] = ("方案", "方案名称", "单位", "类型", *MEASURES, "基准方案")


def _table(frame: pd.DataFrame, headers: tuple[str, ...], columns: list[str] | None = None, *,
           index: bool = False) -> Table:
    """The `columns` of a frame (default: all, already in header order) → header row + plain rows;
    `index`: each row starts with its index label."""
    if columns is not None and not frame.columns.is_unique:
        frame = frame[columns]
        columns = None
    values = frame.to_numpy(dtype=object)
    if columns is not None:
        values = values[:, [frame.columns.get_loc(c) for c in columns]]
    plain = results.plain_value
    if index:
        return [list(headers), *([plain(label), *map(plain, row)]
                                 for label, row in zip(frame.index.tolist(), values.tolist(), strict=True))]
    return [list(headers), *([plain(v) for v in row] for row in values.tolist())]


# ---------------------------------------------------------------------------------------------
# 收入预算、支出预算、收支结余

def official(result: BudgetResult, side: str) -> pd.DataFrame:
    """收入预算表 / 支出预算表 frame (`official_lines`), built once per province budget."""
    return MEMO.get(("lines", side), result.province, lambda: official_lines(result.province, side))


def balance_frame(result: BudgetResult) -> pd.DataFrame:
    """收支结余表 frame (the draft's `report_tables.balance_table`), built once per province budget."""
    return MEMO.get("balance", result.province, lambda: report_tables.balance_table(
        result, official(result, "revenue"), official(result, "expenditure")))


def unit_frame(result: BudgetResult) -> pd.DataFrame:
    """分市预算表 frame (controlled rounding), built once per province budget (a ProvinceBudget is made
    of one forecast, so it stands for both)."""
    return MEMO.get("units", result.province, lambda: report_tables.unit_budget_table(
        result, official(result, "revenue"), official(result, "expenditure")))


def _memo_table(name: Hashable, result: BudgetResult, build: Callable[[], Table]) -> Table:
    """A table that depends on the forecast and the province budget only: built once, handed out as a copy."""
    return [list(r) for r in MEMO.get(name, result.province, build)]


def lines_table(result: BudgetResult, side: str) -> Table:
    """收入预算表 / 支出预算表 (side "revenue" / "expenditure"): official_lines as shown."""
    def build() -> Table:
        frame = official(result, side)
        return _table(frame, LINE_HEADERS, ["label", "prior_budget", "estimate", "budget", "change", "growth"])
    return _memo_table(("lines table", side), result, build)


def balance_table(result: BudgetResult) -> Table:
    """收支结余表: balance rows, reserve floor, trigger and the rate needed (the draft's table)."""
    return _memo_table("balance table", result, lambda: _table(
        balance_frame(result), BALANCE_HEADERS, ["label", "unit", "estimate", "budget", "note"]))


# ---------------------------------------------------------------------------------------------
# 分市预算、预测与校验

def unit_table(result: BudgetResult) -> Table:
    """分市预算表: every unit, the 省级统收项目 row and 合计; rows and columns add up (万元)."""
    def build() -> Table:
        return _table(unit_frame(result), UNIT_HEADERS, list(report_tables.UNIT_COLUMNS), index=True)
    return _memo_table("unit table", result, build)


def check_table(result: BudgetResult) -> Table:
    """预测与校验: per line and unit the budget figure, trend figure, deviation and flag."""
    def build() -> Table:
        frame = report_tables.check_table(result, unit_frame(result))
        frame = frame.assign(flag=np.where(frame["flag"].to_numpy(dtype=bool), YES, NO))
        return _table(frame, CHECK_HEADERS, ["label", "unit", "method", "estimate", "budget", "trend", "deviation",
                                             "flag", "hint"])
    return _memo_table("check table", result, build)


# ---------------------------------------------------------------------------------------------
# 缺口分担、方案比较

def option_position(result: BudgetResult, option: Any) -> int:
    """0-based option from what a cell holds: its number (1, 2 …), code (anhui) or name."""
    sharing = result.sharing
    if not coerce.is_blank(option) and not isinstance(option, str):
        number = coerce.to_int(option, "方案")
        return option_number(number, len(sharing.options))
    text = coerce.to_str(option, "方案")
    labels = [o.label for o in sharing.options]
    if text not in sharing.names and text in labels:
        return labels.index(text)
    return sharing.option_index(text)


def shown_share_table(result: BudgetResult, o: int) -> pd.DataFrame:
    """`SharingResult.table` of option `o`, built once per result (GS_SHARE and 方案说明 both read it)."""
    return MEMO.get(("share", o), result.sharing, lambda: result.sharing.table(o))


def share_table(result: BudgetResult, option: Any) -> Table:
    """缺口分担表 of one option: every component column (blank where the option does not use a factor),
    分担额, rows 合计 and 省级承担, then 应分担缺口 — Σ cities + 省级承担 = 应分担缺口 (万元)."""
    frame = shown_share_table(result, option_position(result, option))
    present = list(frame.columns)
    at = [present.index(h) if h in present else None for h in SHARE_HEADERS]   # None: a factor not used
    rows: Table = [list(SHARE_HEADERS)]
    rows += [[None if j is None else results.plain_value(r[j]) for j in at]
             for r in frame.to_numpy(dtype=object).tolist()]
    rows.append([AMOUNT_ROW] + [None] * (len(SHARE_HEADERS) - 2) + [frame.attrs["应分担缺口"]])
    return rows


def _comparison(result: BudgetResult, baseline: Any):
    if coerce.is_blank(baseline):
        return result.comparison
    code = result.sharing.names[option_position(result, baseline)]
    if code == result.comparison.baseline:
        return result.comparison
    return compare(result.options, result.context, baseline=code, result=result.sharing)   # the shown shares


def compare_table(result: BudgetResult, view: str = "wide", baseline: Any = None) -> Table:
    """方案比较: "wide", "long" (tidy) or "options" (one row per option).

    The wide table is grouped by measure (指标) with the options side by side inside each group — the
    shares of every option next to each other — under two header rows (指标, then 方案名称); its rows are
    the cities and the summary rows of `Comparison.wide`.
    """
    if view == "options":
        return options_table(result)
    comparison = _comparison(result, baseline)
    if view == "long":
        frame = comparison.long.assign(基准方案=np.where(comparison.long["基准方案"].to_numpy(dtype=bool), YES, NO))
        return _table(frame, LONG_HEADERS, list(LONG_HEADERS))
    heads = comparison.heads                                              # unique: a repeated label gets its code
    top = ["指标"] + [m if k == 0 else None for m in MEASURES for k in range(len(heads))]
    second = ["单位"] + [o for _ in MEASURES for o in heads]
    units = [*comparison.cities, *SUMMARY_ROWS]
    # Comparison.body is (方案, 指标, 单位): read as 单位 × (指标 × 方案), the wide table's cells by measure
    values = comparison.body.transpose(2, 1, 0).reshape(len(units), -1).tolist()
    return [top, second, *([results.plain_value(u), *map(results.plain_value, row)]
                           for u, row in zip(units, values, strict=True))]


def options_table(result: BudgetResult) -> Table:
    """方案说明, one column per option: 方案代码 (header), 方案名称, 应分担缺口, 城市合计, 省级承担 (万元) and
    the province-share condition in words."""
    sharing = result.sharing
    rounded = sharing.rounded
    columns = []
    for o, opt in enumerate(sharing.options):
        table = shown_share_table(result, o)
        city_total = float(table[SHARE_LABEL].to_numpy()[table["单位"].tolist().index(TOTAL_LABEL)])
        columns.append([opt.name, opt.label, float(rounded["amount"][o]), city_total, float(rounded["province"][o]),
                        sharing.condition_text(o)])
    rows = [[head, *(col[i] for col in columns)] for i, head in enumerate(OPTION_HEADERS)]
    return [[results.plain_value(v) for v in r] for r in rows]
