"""多年预测与风险 (outlook sheet) of budget.xlsm — GS_PROJECT, GS_SENSITIVITY and GS_RISK tables with native line and bar
charts anchored beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import outlook as udf_outlook
from addin.excel import udfs
from addin.excel.builder.common import (
    BORDER,
    FIRST_ROW,
    HEAD_FONT,
    INPUT_ARGS,
    INPUT_FILL,
    NOTE_FONT,
    OUTLOOK_SHEET,
    PERCENT,
    PROBABILITY,
    RATE,
    RED_FONT,
    TWO_DP,
    WAN,
    YEAR,
    ResultTable,
    _call,
    _fit_height,
    _heading,
    _place,
    _print_setup,
    _sheet,
    _text,
    _widths,
)
from addin.workbook import layout
from models.risk import DEFAULT_SEED, MAX_DRAWS

# ---------------------------------------------------------------------------------------------
# 多年预测与风险

RED_IF_YES = CellIsRule(operator="equal", formula=[f'"{layout.YES}"'], font=RED_FONT)
#: Number format of a projection / risk row by the text in its 单位 column.
ROW_FORMATS = {"万元": WAN, "月": TWO_DP, "费率": RATE, "年": YEAR, udf_outlook.PROBABILITY: PROBABILITY}
OUTLOOK_WIDTHS = {1: 34, 2: 11, **{c: 13.5 for c in range(3, 11)}}
LINE_CHART_CM = (13.5, 12.5)            # width, height: beside the projection table
BAR_CHART_CM = (23.0, 8.0)              # below the tornado table


@dataclass(frozen=True)
class OutlookTables:
    """The array formulas of 多年预测与风险 (for charts, the intro's notes and tests)."""

    projection: ResultTable
    assumptions: ResultTable
    tornado: ResultTable
    risk: ResultTable
    draws_cell: str
    seed_cell: str


def _caption(ws: Worksheet, row: int, text: str, note: str = "") -> int:
    """Section caption (bold) and an optional note below it, wrapped across the sheet's print width;
    returns the row after them."""
    ws.cell(row, 1, text).font = Font(bold=True, size=12)
    if not note:
        return row + 1
    cell = ws.cell(row + 1, 1, note)
    cell.font = NOTE_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = max(OUTLOOK_WIDTHS)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=last)
    _fit_height(ws, row + 1, [note], sum(OUTLOOK_WIDTHS.values()))
    return row + 2


def _centre(ws: Worksheet, table: ResultTable, col: int) -> None:
    """Centre one column of a table's body (units, 是/否, shock sizes)."""
    for r in range(table.anchor[0] + table.header_rows, table.last_row + 1):
        ws.cell(r, col).alignment = Alignment(horizontal="center")


def _by_unit(rows: list[list[Any]]) -> Callable[[int, int], str | None]:
    """Formats for a 项目 | 单位 | years… table: each year cell by the unit in its row."""
    def fmt(i: int, j: int) -> str | None:
        return ROW_FORMATS.get(str(rows[i][1] or "")) if j >= 2 else None
    return fmt


def _row_of(table: ResultTable, label: str) -> int:
    """Sheet row of the table row whose first cell is `label`."""
    return table.anchor[0] + [r[0] for r in table.rows].index(label)


def _outlook_title(years: int) -> str:
    """2027–2029年江西省工伤保险基金多年收支预测与储备风险 (following 参数)."""
    mark = '"' + "（示例数据，数字为虚构）" + '"'
    span = f'prm_budget_year&"–"&(prm_budget_year+{years - 1})' if years > 1 else "prm_budget_year"
    return (f'={span}&"年"&prm_province&{_text("工伤保险基金多年收支预测与储备风险")}'
            f'&IF(prm_synthetic="{layout.YES}",{mark},"")')


def _line_chart(ws: Worksheet, t: OutlookTables, n_years: int) -> None:
    """年末滚存结余 against 储备下限 by year, with the simulated P5 and P95 of the balance dashed."""
    chart = LineChart()
    chart.title = "年末滚存结余与储备下限（万元）"
    chart.y_axis.title = "万元"
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    first, last = 3, 2 + n_years
    lines = ((t.projection, "年末滚存结余", "年末滚存结余（预测）", "1F4E79", None),
             (t.projection, "储备下限（年末滚存结余）", "储备下限", "C00000", None),
             (t.risk, "年末滚存结余 P5", "年末滚存结余 P5（风险模拟）", "7F7F7F", "dash"),
             (t.risk, "年末滚存结余 P95", "年末滚存结余 P95（风险模拟）", "7F7F7F", "dash"))
    for table, label, title, color, dash in lines:
        row = _row_of(table, label)
        series = Series(Reference(ws, min_col=first, max_col=last, min_row=row), title=title)
        series.graphicalProperties.line.solidFill = color
        series.graphicalProperties.line.width = 28_000
        if dash:
            series.graphicalProperties.line.dashStyle = dash
        series.marker.symbol = "circle"
        series.smooth = False
        chart.series.append(series)
    header = t.projection.anchor[0]
    chart.set_categories(Reference(ws, min_col=first, max_col=last, min_row=header))
    chart.legend.position = "b"
    chart.width, chart.height = LINE_CHART_CM
    ws.add_chart(chart, f"{get_column_letter(t.projection.last_col + 1)}{t.projection.anchor[0]}")


def _tornado_chart(ws: Worksheet, tornado: ResultTable, row: int) -> None:
    """龙卷风图: each driver's change of 年末滚存结余 at its low and high shock, widest at the top."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = "各因素对本年年末滚存结余的影响（万元）"
    first, last = tornado.anchor[0] + 1, tornado.last_row - 1          # drivers; the baseline row is not a bar
    low, high = tornado.anchor[1] + 5, tornado.anchor[1] + 6          # 较基准变化（低）, （高）
    data = Reference(ws, min_col=low, max_col=high, min_row=tornado.anchor[0], max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=tornado.anchor[1], min_row=first, max_row=last))
    for series, color in zip(chart.series, ("C55A11", "2E75B6"), strict=True):
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
    chart.x_axis.scaling.orientation = "maxMin"       # first (widest) driver at the top
    chart.x_axis.tickLblPos = "low"                   # names at the left edge, clear of the bars
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"                      # value axis at the bottom despite the reversed order
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.width, chart.height = BAR_CHART_CM
    ws.add_chart(chart, f"A{row}")


def _rows_for(height_cm: float) -> int:
    """Default-height rows (15 pt) a chart `height_cm` tall covers."""
    return int(height_cm / (15 * 2.54 / 72)) + 1


SEED_MAX = 2_147_483_647        # 随机种子 cell: Excel's whole-number validation range


def _outlook_sheet(wb: Workbook, values: list, years: int, *, draws: int = udf_outlook.DEFAULT_DRAWS,
                   seed: int = DEFAULT_SEED) -> OutlookTables:
    ws = _sheet(wb, OUTLOOK_SHEET)
    _heading(ws, note="金额单位：万元。第1年即本年预算（与收支结余表一致），以后各年按预测假设逐年滚动测算；"
                      "可支付月数 = 年末滚存结余 ÷（支出合计 ÷ 12）。",
             formula=_outlook_title(years))
    args = f"{INPUT_ARGS},{years}"

    # 一、多年收支预测, the line chart beside it
    row = _caption(ws, FIRST_ROW, f"一、多年收支预测（{years}年）")
    rows = _call(udfs.GS_PROJECT, *values, years, "预测表")
    projection = ResultTable(OUTLOOK_SHEET, (row, 1), f"=GS_PROJECT({args},{_text('预测表')})", rows)
    _place(ws, projection, _by_unit(rows))
    _centre(ws, projection, 2)
    below = _row_of(projection, "低于储备下限")
    for col in range(3, projection.last_col + 1):
        ws.cell(below, col).alignment = Alignment(horizontal="center")
    ws.conditional_formatting.add(f"C{below}:{get_column_letter(projection.last_col)}{below}", RED_IF_YES)
    breach = _row_of(projection, udf_outlook.FIRST_BREACH_LABEL)       # a year (red), or 预测期内未低于
    ws.conditional_formatting.add(f"C{breach}", FormulaRule(formula=[f"ISNUMBER(C{breach})"], font=RED_FONT))
    row = max(projection.last_row, row + _rows_for(LINE_CHART_CM[1])) + 2
    ws.row_breaks.append(Break(id=row - 1))

    # 二、敏感性分析: tornado table, bar chart below
    row = _caption(ws, row, "二、敏感性分析（单因素冲击，预算年度）",
                   "每次只改变一个因素、其余按预算假设，看本年年末滚存结余的变化（等于本年收支结余的变化），"
                   "波动大的因素在前；冲击幅度见参数文件 sensitivity_shocks.toml。"
                   "各市分担额的变化：=GS_SENSITIVITY(7 张输入表, 方案)。")
    rows = _call(udfs.GS_SENSITIVITY, *values, "龙卷风")
    tornado = ResultTable(OUTLOOK_SHEET, (row, 1), f"=GS_SENSITIVITY({INPUT_ARGS},{_text('龙卷风')})", rows)
    _place(ws, tornado, [None, None, None] + [WAN] * (len(rows[0]) - 3))
    _centre(ws, tornado, 2)
    _centre(ws, tornado, 3)
    _fit_height(ws, row, rows[0][3:], OUTLOOK_WIDTHS[4])
    chart_row = tornado.last_row + 2
    _tornado_chart(ws, tornado, chart_row)
    row = chart_row + _rows_for(BAR_CHART_CM[1]) + 2
    ws.row_breaks.append(Break(id=row - 1))

    # 三、储备风险: draws and seed in yellow cells, then the yearly risk table
    row = _caption(ws, row, "三、储备风险（蒙特卡罗模拟）",
                   "不确定因素按参数文件 risk_distributions.toml 的分布随机抽样；概率为模拟中年末滚存结余低于储备下限的比例，"
                   "P5…P95 为百分位数。各市分担额的分布：=GS_RISK(7 张输入表, 次数, 年数, 种子, 方案)。")
    inputs_row = row
    for col, label, value, low, high in ((1, "模拟次数（次）", draws, 1, MAX_DRAWS), (3, "随机种子", seed, 0, SEED_MAX)):
        caption = ws.cell(row, col, label)
        caption.font = HEAD_FONT
        caption.alignment = Alignment(horizontal="right" if col > 1 else "left")
        cell = ws.cell(row, col + 1, value)
        cell.fill, cell.border, cell.number_format = INPUT_FILL, BORDER, "0"
        check = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                               showErrorMessage=True, errorTitle=label, error=f"{label}应为 {low}–{high:,} 的整数")
        check.add(cell.coordinate)
        ws.add_data_validation(check)
    ws.cell(row, 5, "次数越多结果越稳、重算越慢；同一种子结果相同。").font = NOTE_FONT
    draws_cell, seed_cell = f"$B${inputs_row}", f"$D${inputs_row}"
    row += 2
    rows = _call(udfs.GS_RISK, *values, draws, years, seed, "逐年风险")
    risk = ResultTable(OUTLOOK_SHEET, (row, 1),
                       f"=GS_RISK({INPUT_ARGS},{draws_cell},{years},{seed_cell},{_text('逐年风险')})", rows)
    _place(ws, risk, _by_unit(rows))
    _centre(ws, risk, 2)
    row = risk.last_row + 2

    # 四、预测假设 (the source text runs on into the empty cells to its right)
    row = _caption(ws, row, "四、多年预测假设",
                   "第1年为预算年度的假设；空白 = 只用于以后各年。参数文件 projection_defaults.toml 中的增长率、退出率等"
                   "为本团队的测算假设，不是法定标准，请按本省情况核定。")
    rows = _call(udfs.GS_PROJECT, *values, years, "假设")
    assumptions = ResultTable(OUTLOOK_SHEET, (row, 1), f"=GS_PROJECT({args},{_text('假设')})", rows)
    _place(ws, assumptions, [None] + [PERCENT] * years + [None])
    for i, r in enumerate(rows[1:], 1):
        for j in range(len(r)):
            ws.cell(row + i, 1 + j).alignment = Alignment(wrap_text=j == 0, vertical="center")
        _fit_height(ws, row + i, [r[0]], OUTLOOK_WIDTHS[1])

    tables = OutlookTables(projection, assumptions, tornado, risk, draws_cell, seed_cell)
    _line_chart(ws, tables, years)
    last_col = max(max(OUTLOOK_WIDTHS), projection.last_col + 5)     # a longer horizon pushes the chart right
    _widths(ws, {**{c: OUTLOOK_WIDTHS[3] for c in range(3, last_col + 1)}, **OUTLOOK_WIDTHS})
    ws.freeze_panes = "B3"
    _print_setup(ws, last_col, assumptions.last_row, "1:2")
    return tables


