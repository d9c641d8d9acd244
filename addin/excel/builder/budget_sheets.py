"""预算结果表 (budget result sheets) of budget.xlsm — 收入预算, 支出预算, 收支结余, 分市预算, 缺口分担 and 方案比较, each
one legacy array formula sized from the table the UDF returns for the inputs just written.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.chart import Reference
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break

from addin.excel import udfs
from addin.excel.builder.common import (
    _OPTIONS_FIRST,
    BALANCE_SHEET,
    BORDER,
    COMPARE_SHEET,
    FIRST_ROW,
    HEAD_FONT,
    INPUT_ARGS,
    INPUT_FILL,
    NOTE_FONT,
    NOTE_ROW,
    OPTION_WIDTH,
    RATE,
    RED_FONT,
    SHARING_SHEET,
    TWO_DP,
    UNITS_SHEET,
    WAN,
    ResultTable,
    _call,
    _fit_height,
    _heading,
    _place,
    _print_setup,
    _sheet,
    _text,
    _title_formula,
    _widths,
)
from addin.workbook import layout
from addin.workbook.charts import share_columns_chart
from models.compare import MEASURES, SUMMARY_ROWS

# ---------------------------------------------------------------------------------------------
# result sheets

def _line_sheet(wb: Workbook, name: str, part: str, title: str, values: list) -> ResultTable:
    ws = _sheet(wb, name)
    _heading(ws, note="金额单位：万元。增减额 = 本年预算数 − 上年预计执行数；增长% 为百分数。",
             formula=_title_formula(title))
    formula = f"=GS_BALANCE({INPUT_ARGS},{_text(part)})"
    table = ResultTable(name, (FIRST_ROW, 1), formula, _call(udfs.GS_BALANCE, *values, part))
    _place(ws, table, [None, WAN, WAN, WAN, WAN, TWO_DP])
    _widths(ws, {1: 22, **{c: 16 for c in range(2, 7)}})
    ws.freeze_panes = f"B{FIRST_ROW + 1}"
    _print_setup(ws, table.last_col, table.last_row, f"{FIRST_ROW}:{FIRST_ROW}")
    return table


def _balance_sheet(wb: Workbook, values: list) -> ResultTable:
    ws = _sheet(wb, BALANCE_SHEET)
    _heading(ws, note="金额单位：万元；可支付月数 = 年末滚存结余 ÷（支出合计 ÷ 12）；低于储备下限时需上调行业基准费率。",
             formula=_title_formula("工伤保险基金收支结余表"))
    rows = _call(udfs.GS_BALANCE, *values, "收支结余")
    table = ResultTable(BALANCE_SHEET, (FIRST_ROW, 1), f"=GS_BALANCE({INPUT_ARGS},{_text('收支结余')})", rows)
    by_unit = {"万元": WAN, "月": TWO_DP, "费率": RATE}

    def fmt(i: int, j: int) -> str | None:
        return by_unit.get(str(rows[i][1] or "")) if j in (2, 3) else None

    _place(ws, table, fmt)
    _widths(ws, {1: 28, 2: 8, 3: 18, 4: 18, 5: 46})
    ws.freeze_panes = f"B{FIRST_ROW + 1}"
    _print_setup(ws, table.last_col, table.last_row, f"{FIRST_ROW}:{FIRST_ROW}")
    return table


def _units_sheet(wb: Workbook, values: list) -> ResultTable:
    ws = _sheet(wb, UNITS_SHEET)
    _heading(ws, note="金额单位：万元。各单位各科目之和等于收入、支出预算表；财政补贴收入和利息收入由省级统收，单列一行。",
             formula=_title_formula("工伤保险基金分市收支预算表"))
    rows = _call(udfs.GS_FORECAST, *values, "分市预算")
    table = ResultTable(UNITS_SHEET, (FIRST_ROW, 1), f"=GS_FORECAST({INPUT_ARGS},{_text('分市预算')})", rows)
    _place(ws, table, [None] + [WAN] * (len(rows[0]) - 1))
    _widths(ws, {1: 14, **{c: 13 for c in range(2, len(rows[0]) + 1)}})
    _fit_height(ws, FIRST_ROW, rows[0][1:], 13)
    ws.freeze_panes = f"B{FIRST_ROW + 1}"
    _print_setup(ws, table.last_col, table.last_row, f"{FIRST_ROW}:{FIRST_ROW}")
    return table


def _option_label_cell(k: int) -> str:
    """INDEX into inp_options for option k's name (方案名称): row of 'label', column of 方案k."""
    row = 2 + [s.code for s in layout.OPTION_ROWS].index("label")
    col = len(layout.OPTION_TABLE_COLUMNS) + k
    return f"INDEX({layout.TABLES['options'].defined_name},{row},{col})"


def _more_options_warning(n_tables: int) -> str:
    """Excel's own formula: a red line on 缺口分担 when 分担方案 holds more options (codes in its 'name' row)
    than the sheet has tables — blank otherwise (GS_CHECK says the same as V006)."""
    row = 2 + [s.code for s in layout.OPTION_ROWS].index("name")
    count = f"(COUNTA(INDEX({layout.TABLES['options'].defined_name},{row},0))-{len(layout.OPTION_TABLE_COLUMNS)})"
    return (f'=IF({count}>{n_tables},"分担方案表有"&{count}&"个方案，本表只有 {n_tables} 张分担表：'
            f'请用 wibudget build-workbook --from 重建","")')


def _sharing_sheet(wb: Workbook, values: list, n_options: int) -> list[ResultTable]:
    ws = _sheet(wb, SHARING_SHEET)
    _heading(ws, note="金额单位：万元。每个方案一张表：各市分担额 = 管理性缺口 + 各因素分担 + 封顶调整 + 考核奖励；"
                      "城市合计 + 省级承担 = 应分担缺口。空白列为该方案未使用的因素。",
             formula=_title_formula("工伤保险基金缺口分担表"))
    ws.cell(NOTE_ROW + 1, 1, _more_options_warning(n_options)).font = RED_FONT
    tables: list[ResultTable] = []
    row = FIRST_ROW
    for k in range(1, n_options + 1):
        caption = ws.cell(row, 1, f'="方案{k}："&{_option_label_cell(k)}')
        caption.font = HEAD_FONT
        rows = _call(udfs.GS_SHARE, k, *values)
        table = ResultTable(SHARING_SHEET, (row + 1, 1), f"=GS_SHARE({k},{INPUT_ARGS})", rows)
        _place(ws, table, [None] + [WAN] * (len(rows[0]) - 1))
        tables.append(table)
        if k < n_options:
            ws.row_breaks.append(Break(id=table.last_row + 1))
        row = table.last_row + 3
    width = len(tables[0].rows[0]) if tables else 12
    _widths(ws, {1: 14, **{c: 11 for c in range(2, width + 1)}})
    ws.freeze_panes = f"B{FIRST_ROW}"
    _print_setup(ws, width, tables[-1].last_row if tables else FIRST_ROW)
    return tables


def _compare_sheet(wb: Workbook, values: list, baseline_option: Any = 1) -> tuple[ResultTable, ResultTable]:
    ws = _sheet(wb, COMPARE_SHEET)
    _heading(ws, formula=_title_formula("工伤保险基金缺口分担方案比较表"))
    ws.cell(NOTE_ROW, 1, "基准方案（序号或代码）：").font = HEAD_FONT
    baseline = ws.cell(NOTE_ROW, 3, baseline_option)
    baseline.fill = INPUT_FILL
    baseline.border = BORDER
    ws.cell(NOTE_ROW, 4, "分担额、较基准变化单位万元；人均分担单位元/人；占征缴收入为百分数。").font = NOTE_FONT
    base_ref = f"$C${NOTE_ROW}"
    options_arg = [values[-1], *values[:-1]]
    wide_rows = _call(udfs.GS_COMPARE, *options_arg, baseline_option, "宽表")
    wide = ResultTable(COMPARE_SHEET, (FIRST_ROW, 1), f"=GS_COMPARE({_OPTIONS_FIRST},{base_ref},{_text('宽表')})",
                       wide_rows, header_rows=2)
    n_options = (len(wide_rows[0]) - 1) // len(MEASURES)
    formats = [None] + [WAN if "万元" in m else TWO_DP for m in MEASURES for _ in range(n_options)]
    _place(ws, wide, formats)
    _widths(ws, {1: 16, **{c: OPTION_WIDTH if c <= 1 + n_options else 12 for c in range(2, len(wide_rows[0]) + 1)}})
    _fit_height(ws, FIRST_ROW + 1, wide_rows[1][1:], 12)

    caption_row = wide.last_row + 2
    ws.cell(caption_row, 1, "各方案应分担缺口与省级承担依据（万元）").font = HEAD_FONT
    option_rows = _call(udfs.GS_COMPARE, *options_arg, baseline_option, "方案说明")
    summary = ResultTable(COMPARE_SHEET, (caption_row + 1, 1),
                          f"=GS_COMPARE({_OPTIONS_FIRST},{base_ref},{_text('方案说明')})", option_rows)
    money_rows = {i for i, r in enumerate(option_rows) if r[0] in ("应分担缺口", "城市合计", "省级承担")}
    _place(ws, summary, lambda i, j: WAN if i in money_rows and j > 0 else None)
    for i, r in enumerate(option_rows[1:], 1):
        for j in range(len(r)):
            ws.cell(summary.anchor[0] + i, 1 + j).alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(r[1], str):
            _fit_height(ws, summary.anchor[0] + i, r[1:], OPTION_WIDTH)

    chart_row = summary.last_row + 2
    chart = share_columns_chart("各市分担额（万元）")
    first_city, last_city = FIRST_ROW + 2, FIRST_ROW + 2 + _city_count(wide_rows) - 1
    data = Reference(ws, min_col=2, max_col=1 + n_options, min_row=FIRST_ROW + 1, max_row=last_city)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first_city, max_row=last_city))
    chart.width, chart.height = 30, 12
    chart.legend.position = "b"
    ws.add_chart(chart, f"A{chart_row}")
    ws.freeze_panes = f"B{FIRST_ROW + 2}"
    _print_setup(ws, wide.last_col, chart_row + 24, f"{FIRST_ROW}:{FIRST_ROW + 1}")
    return wide, summary


def _city_count(wide_rows: list[list[Any]]) -> int:
    """Cities in the wide comparison: body rows before its summary rows."""
    body = [r[0] for r in wide_rows[2:]]
    return len(body) - len(SUMMARY_ROWS)


