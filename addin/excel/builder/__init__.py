"""budget.xlsm 生成 — build the Excel workbook whose result sheets call the Python UDFs of `addin.excel.udfs`.

The macro part comes from xlwings' own standalone template (`quickstart_standalone.xlsm` in the installed
xlwings package, pinned in pyproject.toml), loaded at build time with ``keep_vba=True`` so its
``vbaProject.bin`` — the xlwings VBA module with ``ImportPythonUDFs`` — is copied byte for byte and the
workbook needs no add-in. Nothing of xlwings is copied into this repository; the template is read from
the installed package each time.

Sheets: 说明, 数据检查 (GS_CHECK), the input sheets written by `workbook_io.write_inputs` (参数, 历年执行,
扩面计划, 待遇人员, 分担方案), the result sheets 收入预算, 支出预算, 收支结余, 分市预算, 缺口分担, 方案比较,
多年预测与风险 (GS_PROJECT, GS_SENSITIVITY, GS_RISK with native line and bar charts), and an active
``xlwings.conf`` sheet. 数据检查 comes right after 说明: it is the first place to look after editing the
inputs (and when a result shows "#输入错误"), and it stays visible when the workbook opens. Every result table is one legacy array formula (Excel 2016 has no dynamic arrays)
over a range sized here from the input data — the builder calls the same UDFs with the values of the
input ranges it has just written, so each range is exactly the size of the table Excel will get. The
formulas pass defined names (inp_*, prm_*), never structured references, so formula engines can read them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlwings
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import check as udf_check
from addin.excel import inputs as udf_inputs
from addin.excel import outlook as udf_outlook
from addin.excel import udfs, vba
from addin.workbook import layout
from addin.workbook.charts import share_columns_chart
from addin.workbook.writer import write_inputs
from models.compare import MEASURES, SUMMARY_ROWS
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.projection import DEFAULT_YEARS, MAX_YEARS
from models.risk import DEFAULT_SEED, MAX_DRAWS
from models.sharing import load_presets
from models.validation import RULES, SEVERITY_LABELS

XLWINGS_VERSION = "0.37.8"                      # the template's VBA must match the Python package
TEMPLATE_NAME = "quickstart_standalone.xlsm"
UDF_MODULE = "addin.excel.udfs"                       # xlwings.conf "UDF Modules": an importable module name
INTERPRETER_PLACEHOLDER = r"%USERPROFILE%\wibudget\.venv\Scripts\pythonw.exe"

INTRO_SHEET = "说明"
CONF_SHEET = "xlwings.conf"
REVENUE_SHEET = "收入预算"
EXPENDITURE_SHEET = "支出预算"
BALANCE_SHEET = "收支结余"
UNITS_SHEET = "分市预算"
SHARING_SHEET = "缺口分担"
COMPARE_SHEET = "方案比较"
OUTLOOK_SHEET = "多年预测与风险"
CHECK_SHEET = "数据检查"
RESULT_SHEETS: tuple[str, ...] = (REVENUE_SHEET, EXPENDITURE_SHEET, BALANCE_SHEET, UNITS_SHEET, SHARING_SHEET,
                                  COMPARE_SHEET, OUTLOOK_SHEET)
#: 数据检查 right after 说明: the first thing to look at after editing inputs, visible when the file opens.
SHEET_ORDER: tuple[str, ...] = (INTRO_SHEET, CHECK_SHEET, *layout.INPUT_SHEETS, *RESULT_SHEETS, CONF_SHEET)

SYNTHETIC_NOTE = ("本工作簿自带的示例省份（江西省 11 个设区市和省本级）全部数字为虚构的示例数据，仅按公开数量级"
                  "校准，用于演示，不代表任何真实统计或预算。")

# ---------------------------------------------------------------------------------------------
# look

WAN = "#,##0.00"            # 万元，两位小数
TWO_DP = "0.00"             # 月数、增长%（百分点）、元/人
RATE = "0.000%"             # 费率（小数存储）
RATIO = "0.00%"             # 偏离度
TITLE_FONT = Font(bold=True, size=14)
HEAD_FONT = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
RED_FONT = Font(bold=True, color="C00000")
GREEN_FONT = Font(bold=True, color="548235")
HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TOTAL_ROWS = frozenset({"合计", "收入合计", "支出合计", "城市合计", "省级承担", "应分担缺口", "工伤保险待遇支出"})
PROBABILITY = "0.0%"        # 概率
PERCENT = "0.00%"           # 预测假设（增长率、利率）
YEAR = "0"                  # 年度
TITLE_ROW, NOTE_ROW, FIRST_ROW = 1, 2, 4    # sheet title, note, first header row of the first table
OPTION_WIDTH = 24           # 方案比较: the share columns, one per option, also hold names and conditions


# ---------------------------------------------------------------------------------------------
# reading the input ranges back (the values a UDF receives)

def defined_range(wb: Workbook, name: str) -> tuple[Worksheet, str]:
    """(sheet, 'A4:M100') of a workbook-level defined name."""
    text = wb.defined_names[name].attr_text
    sheet, cells = text.rsplit("!", 1)
    return wb[sheet.strip("'").replace("''", "'")], cells.replace("$", "")


def range_values(ws: Worksheet, ref: str) -> list[list[Any]]:
    """Cell values of a range as rows (None for a blank), as Excel hands them to a UDF."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return [[c.value for c in row] for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                                                           max_col=max_col)]


def input_values(wb: Workbook) -> list[list[list[Any]]]:
    """The seven input ranges' values, in UDF argument order."""
    return [range_values(*defined_range(wb, name)) for name in udf_inputs.INPUT_NAMES]


# ---------------------------------------------------------------------------------------------
# formulas

INPUT_ARGS = ",".join(udf_inputs.INPUT_NAMES)
_OPTIONS_FIRST = ",".join((udf_inputs.INPUT_NAMES[-1], *udf_inputs.INPUT_NAMES[:-1]))


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _title_formula(table_title: str) -> str:
    """Sheet title that follows 参数: 2027年江西省工伤保险基金收入预算表（示例数据…）."""
    mark = '"' + "（示例数据，数字为虚构）" + '"'
    return (f'=prm_budget_year&"年"&prm_province&{_text(table_title)}'
            f'&IF(prm_synthetic="{layout.YES}",{mark},"")')


@dataclass(frozen=True)
class ResultTable:
    """One array formula: where it stands, what it calls, and the table it gives for the built inputs."""

    sheet: str
    anchor: tuple[int, int]      # 1-based (row, col) of the top-left cell
    formula: str
    rows: list[list[Any]]
    header_rows: int = 1

    @property
    def ref(self) -> str:
        r, c = self.anchor
        return f"{get_column_letter(c)}{r}:{get_column_letter(c + len(self.rows[0]) - 1)}{r + len(self.rows) - 1}"

    @property
    def last_row(self) -> int:
        return self.anchor[0] + len(self.rows) - 1

    @property
    def last_col(self) -> int:
        return self.anchor[1] + len(self.rows[0]) - 1


def _call(fn: Callable[..., Any], *args: Any) -> list[list[Any]]:
    """A table UDF's result for sizing; an error message here means the default inputs are bad."""
    rows = fn(*args)
    first = rows[0][0] if rows and rows[0] else None
    if isinstance(first, str) and first.startswith("#"):
        raise BudgetInputError(f"生成工作簿时函数 {fn.__name__} 报错：{first}", field=fn.__name__)
    return rows


# ---------------------------------------------------------------------------------------------
# sheet helpers

def _sheet(wb: Workbook, name: str) -> Worksheet:
    if name in wb.sheetnames:
        wb.remove(wb[name])
    return wb.create_sheet(name)


def _heading(ws: Worksheet, title: str | None = None, note: str = "", *, formula: str | None = None) -> None:
    ws.cell(TITLE_ROW, 1, formula or title).font = TITLE_FONT
    if note:
        ws.cell(NOTE_ROW, 1, note).font = NOTE_FONT


def _place(ws: Worksheet, table: ResultTable, formats: Sequence[str | None] | Callable[[int, int], str | None],
           *, wrap_header: bool = True) -> None:
    """Write the array formula and style its range: header fill, borders, number formats, totals."""
    r0, c0 = table.anchor
    ws.cell(r0, c0).value = ArrayFormula(table.ref, table.formula)
    for i, row in enumerate(table.rows):
        label = row[0] if row else None
        for j in range(len(row)):
            cell = ws.cell(r0 + i, c0 + j)
            cell.border = BORDER
            if i < table.header_rows:
                cell.font = HEAD_FONT
                cell.fill = HEAD_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=wrap_header)
                continue
            fmt = formats(i, j) if callable(formats) else (formats[j] if j < len(formats) else None)
            if fmt:
                cell.number_format = fmt
            if label in TOTAL_ROWS:
                cell.fill = TOTAL_FILL
                cell.font = HEAD_FONT


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _print_setup(ws: Worksheet, last_col: int, last_row: int, title_rows: str | None = None) -> None:
    """A4 landscape, one page wide, as many pages tall as needed, titles repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.left.text = "&A"


def _fit_height(ws: Worksheet, row: int, texts: Sequence[Any], width: float) -> None:
    """Row tall enough for the longest wrapped text in it (a Chinese character takes two width units)."""
    longest = max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(t)) for t in texts if t), default=1)
    lines = max(1, -(-longest // max(int(width) - 1, 1)))
    ws.row_dimensions[row].height = 15 * lines + 4


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


def _sharing_sheet(wb: Workbook, values: list, n_options: int) -> list[ResultTable]:
    ws = _sheet(wb, SHARING_SHEET)
    _heading(ws, note="金额单位：万元。每个方案一张表：各市分担额 = 管理性缺口 + 各因素分担 + 封顶调整 + 考核奖励；"
                      "城市合计 + 省级承担 = 应分担缺口。空白列为该方案未使用的因素。",
             formula=_title_formula("工伤保险基金缺口分担表"))
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


def _compare_sheet(wb: Workbook, values: list) -> tuple[ResultTable, ResultTable]:
    ws = _sheet(wb, COMPARE_SHEET)
    _heading(ws, formula=_title_formula("工伤保险基金缺口分担方案比较表"))
    ws.cell(NOTE_ROW, 1, "基准方案（序号或代码）：").font = HEAD_FONT
    baseline = ws.cell(NOTE_ROW, 3, 1)
    baseline.fill = INPUT_FILL
    baseline.border = BORDER
    ws.cell(NOTE_ROW, 4, "分担额、较基准变化单位万元；人均分担单位元/人；占征缴收入为百分数。").font = NOTE_FONT
    base_ref = f"$C${NOTE_ROW}"
    options_arg = [values[-1], *values[:-1]]
    wide_rows = _call(udfs.GS_COMPARE, *options_arg, 1, "宽表")
    wide = ResultTable(COMPARE_SHEET, (FIRST_ROW, 1), f"=GS_COMPARE({_OPTIONS_FIRST},{base_ref},{_text('宽表')})",
                       wide_rows, header_rows=2)
    n_options = (len(wide_rows[0]) - 1) // len(MEASURES)
    formats = [None] + [WAN if "万元" in m else TWO_DP for m in MEASURES for _ in range(n_options)]
    _place(ws, wide, formats)
    _widths(ws, {1: 16, **{c: OPTION_WIDTH if c <= 1 + n_options else 12 for c in range(2, len(wide_rows[0]) + 1)}})
    _fit_height(ws, FIRST_ROW + 1, wide_rows[1][1:], 12)

    caption_row = wide.last_row + 2
    ws.cell(caption_row, 1, "各方案应分担缺口与省级承担依据（万元）").font = HEAD_FONT
    option_rows = _call(udfs.GS_COMPARE, *options_arg, 1, "方案说明")
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


def _outlook_sheet(wb: Workbook, values: list, years: int) -> OutlookTables:
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
    for col, label, value, low, high in ((1, "模拟次数（次）", udf_outlook.DEFAULT_DRAWS, 1, MAX_DRAWS),
                                         (3, "随机种子", DEFAULT_SEED, 0, 2_147_483_647)):
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
    rows = _call(udfs.GS_RISK, *values, udf_outlook.DEFAULT_DRAWS, years, DEFAULT_SEED, "逐年风险")
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


# ---------------------------------------------------------------------------------------------
# 数据检查

CHECK_WIDTHS = {1: 8, 2: 7, 3: 22, 4: 12, 5: 96}


def _check_sheet(wb: Workbook, values: list) -> ResultTable:
    """数据检查: the GS_CHECK table, then the rules it applies (static: they are the software's)."""
    ws = _sheet(wb, CHECK_SHEET)
    _heading(ws, note="修改输入表后先看这里：“错误”须按位置（工作表!单元格）改正，结果表才可信；“提示”请核对。"
                      "整个工作簿文件也可用命令行 wibudget check 检查。",
             formula=_title_formula("工伤保险基金预算输入数据检查"))
    rows = _call(udfs.GS_CHECK, *values)
    table = ResultTable(CHECK_SHEET, (FIRST_ROW, 1), f"=GS_CHECK({INPUT_ARGS})", rows)
    _place(ws, table, [None] * len(rows[0]))
    for i in range(1, len(rows)):
        ws.cell(FIRST_ROW + i, 2).alignment = Alignment(horizontal="center", vertical="top")
        for j in (1, 3, 4, 5):
            ws.cell(FIRST_ROW + i, j).alignment = Alignment(vertical="top", wrap_text=j == 5)
    ws.conditional_formatting.add(f"B{FIRST_ROW + 1}:B{table.last_row}",
                                  CellIsRule(operator="equal", formula=[f'"{SEVERITY_LABELS["error"]}"'],
                                             font=RED_FONT))
    ws.conditional_formatting.add(f"E{FIRST_ROW + 1}", CellIsRule(operator="equal", formula=[f'"{udf_check.CLEAN}"'],
                                                                  font=GREEN_FONT))

    row = table.last_row + 2
    ws.cell(row, 1, "检查规则（错误：须改正；提示：请核对）").font = HEAD_FONT
    row += 1
    for col, head in ((1, "规则"), (2, "级别"), (3, "名称"), (4, "说明")):
        cell = ws.cell(row, col, head)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
    ws.cell(row, 5).border = BORDER
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    for rule in RULES.values():
        row += 1
        for col, value in ((1, rule.id), (2, SEVERITY_LABELS[rule.severity]), (3, rule.title), (4, rule.description)):
            cell = ws.cell(row, col, value)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=col == 3)
        ws.cell(row, 5).border = BORDER
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    _widths(ws, CHECK_WIDTHS)
    ws.freeze_panes = f"A{FIRST_ROW + 1}"
    _print_setup(ws, len(CHECK_WIDTHS), row)
    return table


# ---------------------------------------------------------------------------------------------
# 说明 and xlwings.conf

STEPS: tuple[str, ...] = (
    "安装：在 Windows 上安装 Python 3.11，建立虚拟环境并用 pip 安装本软件（见 README“在 Windows 上使用 budget.xlsm”）。",
    "设置解释器：在“xlwings.conf”工作表的 B1（Interpreter_Win）填入 pythonw.exe 的完整路径；"
    "B6（UDF Modules）保持 addin.excel.udfs。",
    "允许导入函数：Excel“文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置”，勾选“信任对 VBA 工程对象模型的访问”。",
    "打开本工作簿，点“启用内容”。按 Alt+F8，选 ImportPythonUDFs，点“运行”（只需一次；软件更新后再做一次）。",
    "按 Ctrl+Alt+F9 全部重新计算：Python 函数不会在打开文件时自动计算。",
    "修改输入表（参数、历年执行、扩面计划、待遇人员、分担方案）中的数据或假设，结果表随之重算。"
    "输入金额以元为单位；结果以万元显示、保留两位小数，各表合计相符。",
    "改完输入先看“数据检查”工作表（GS_CHECK）：每条问题给出规则、级别和位置（工作表!单元格）；"
    "“错误”须改正，结果才可信；“提示”请核对；没有问题时显示“未发现问题”。",
    "“多年预测与风险”工作表：多年收支预测（第1年即本年预算）及首次低于储备下限的年度、敏感性分析（龙卷风表和图）、"
    "储备风险模拟。模拟次数和随机种子在黄色单元格中：次数越多结果越稳、重算越慢（2000 次约需零点几秒），同一种子结果相同。",
    "单元格显示 #NAME?：函数尚未导入或 Python 未能启动。检查第 2–4 步后按 Ctrl+Alt+F9；仍不行，"
    "看本页“运行环境”（GS_INFO）并把它发给技术支持。",
    "单元格显示“#输入错误: …”：按提示改正所指的表、单位、字段或单元格。",
    "增加或删除单位、分担方案，或改变预测年数（GS_PROJECT、GS_RISK 公式中的年数）后，结果区域（数组公式）大小要随之"
    "改变：用 wibudget build-workbook 重新生成工作簿并把输入表粘贴进去，或选中结果区域、扩大后按 Ctrl+Shift+Enter "
    "重新输入公式（图表的数据区域也要相应调整）。",
    "在 WPS 或 LibreOffice 中 Python 函数不可用（显示 #NAME?）：请用命令行 wibudget draft 生成预算草案。",
)

SHEET_NOTES: tuple[tuple[str, str], ...] = (
    (INTRO_SHEET, "使用步骤、工作表与函数说明、运行环境"),
    (CHECK_SHEET, "输入数据检查结果：规则、级别、位置（工作表!单元格）、单位、说明，及检查规则一览 — GS_CHECK"),
    (layout.PARAMS_SHEET, "省份、预算年度和预测假设（工资增长率、医疗费用增长率、利率、储备月数、趋势方法等）"),
    (layout.HISTORY_SHEET, "各单位历年收支（元，含当年 1–N 月执行数）、省级收支与滚存结余、上年预算数"),
    (layout.PLANS_SHEET, "各单位类型、分担系数、财力、考核排名、扩面计划、上年征缴计划、工伤预防费计划"),
    (layout.BENEFICIARIES_SHEET, "伤残津贴、生活护理、供养亲属人数，预计新增伤残、一次性医疗补助金和工亡人数"),
    (layout.OPTIONS_SHEET, "缺口分担方案，每列一个方案（分担基数、省级比例、因素权重、封顶、考核奖励）"),
    (REVENUE_SHEET, "全省收入预算表（万元）：上年预算数、上年预计执行数、本年预算数、增减额、增长% — GS_BALANCE"),
    (EXPENDITURE_SHEET, "全省支出预算表（万元），含工伤保险待遇支出小计 — GS_BALANCE"),
    (BALANCE_SHEET, "本年收支结余、年末滚存结余、可支付月数、储备下限、是否调整费率、所需费率 — GS_BALANCE"),
    (UNITS_SHEET, "各单位各科目本年预算数（万元），行列合计相符 — GS_FORECAST"),
    (SHARING_SHEET, "每个方案一张缺口分担表（万元），含各项构成和省级承担 — GS_SHARE"),
    (COMPARE_SHEET, "各方案并列比较、汇总行、省级承担依据和各市分担额柱状图 — GS_COMPARE"),
    (OUTLOOK_SHEET, "多年收支预测与折线图、敏感性分析龙卷风表与条形图、储备风险概率与百分位、预测假设"
                    " — GS_PROJECT、GS_SENSITIVITY、GS_RISK"),
    (CONF_SHEET, "Python 解释器路径（Interpreter_Win）和函数模块（UDF Modules）"),
)

FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("GS_TREND(历年数值, [方法], [年数])", "按历年执行数测算下一年趋势值：平均增长率、年均复合增长率或线性趋势"),
    ("GS_PREMIUM(年末参保人数, 扩面计划, 平均工资, 工资增长率, 实际费率, [时间占比], [费率调整])", "工伤保险费收入（元）"),
    ("GS_BENEFIT(项目, [等级], 工资, [人数], [日期], [月平均工资], [省份代码])", "法定待遇标准金额（元；按月项目为每月金额）"),
    ("GS_MONTHS_PAYABLE(滚存结余, 年支出)", "可支付月数"),
    ("GS_FORECAST(7 张输入表, [视图])", "分市收支预算表或预测与校验表（万元）"),
    ("GS_BALANCE(7 张输入表, [表])", "收支结余表、收入预算表或支出预算表（万元）"),
    ("GS_SHARE(方案, 7 张输入表)", "一个方案的缺口分担表（万元）"),
    ("GS_COMPARE(分担方案, 6 张输入表, [基准方案], [视图])", "方案比较表（宽表、长表或方案说明）"),
    ("GS_PROJECT(7 张输入表, [年数], [视图])",
     "多年收支预测表（万元，含可支付月数、储备下限、首次低于下限年度、保持下限所需费率），或预测假设表"),
    ("GS_SENSITIVITY(7 张输入表, [视图])", "龙卷风表：各因素对本年年末滚存结余的影响；视图填方案时为各市分担额的变化"),
    ("GS_RISK(7 张输入表, [次数], [年数], [种子], [视图])",
     "逐年低于储备下限的概率和百分位区间；视图填方案时为各市分担额的分布"),
    ("GS_CHECK(7 张输入表)", "数据检查：规则、级别、位置（工作表!单元格）、单位、说明"),
    ("GS_INFO([省份代码])", "运行环境与参数集：出问题时发给技术支持"),
)
INTRO_WIDTHS = {1: 22, 2: 62, 3: 16, 4: 50}
INPUTS_NOTE = ("7 张输入表依次为 " + "、".join(udf_inputs.INPUT_NAMES) + "（名称管理器中的名称，含表头）。")


def _intro_sheet(ws: Worksheet, synthetic: bool, province: str) -> list[ResultTable]:
    """说明: steps, sheets, functions, the examples and GS_INFO; returns the array formulas placed."""
    ws.cell(1, 1, "工伤保险基金省级统收统支预算编制与缺口分担工作簿").font = TITLE_FONT
    row = 2
    if synthetic:
        ws.cell(row, 1, SYNTHETIC_NOTE).font = RED_FONT
    row += 2
    ws.cell(row, 1, "使用步骤").font = HEAD_FONT
    for k, step in enumerate(STEPS, 1):
        row += 1
        ws.cell(row, 1, k).alignment = Alignment(horizontal="center", vertical="top")
        ws.cell(row, 2, step).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        _fit_height(ws, row, [step], sum(INTRO_WIDTHS[c] for c in (2, 3, 4)))
    row += 2
    ws.cell(row, 1, "工作表").font = HEAD_FONT
    for name, note in SHEET_NOTES:
        row += 1
        ws.cell(row, 1, name)
        ws.cell(row, 2, note)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    row += 2
    ws.cell(row, 1, "函数（在 Excel 函数向导“工伤保险基金预算”类别中可见说明）").font = HEAD_FONT
    for signature, purpose in FUNCTIONS:
        row += 1
        ws.cell(row, 1, signature.split("(")[0])
        ws.cell(row, 2, signature)
        ws.cell(row, 4, purpose)
    row += 1
    ws.cell(row, 2, INPUTS_NOTE).font = NOTE_FONT
    row += 2
    row, examples = _examples(ws, row)
    row += 2
    ws.cell(row, 1, "运行环境（GS_INFO）").font = HEAD_FONT
    info = ResultTable(INTRO_SHEET, (row + 1, 1), "=GS_INFO(prm_province_code)", _call(udfs.GS_INFO, province))
    _place(ws, info, [None, None])
    _widths(ws, INTRO_WIDTHS)
    _print_setup(ws, 4, info.last_row)
    return [*examples, info]


EXAMPLE_INPUTS: tuple[tuple[str, Any], ...] = (
    ("上年末参保人数（人）", 100_000), ("扩面计划（人）", 4_000), ("平均缴费工资（元/年）", 60_000),
    ("工资增长率", 0.05), ("实际费率", 0.006),
)


def _examples(ws: Worksheet, row: int) -> tuple[int, list[ResultTable]]:
    """Worked examples of the single-value functions, with inputs a person can check by hand."""
    ws.cell(row, 1, "单项函数示例（黄色单元格可修改）").font = HEAD_FONT
    row += 1
    for j, head in enumerate(("项目", "公式", "结果", "手算核对"), 1):
        cell = ws.cell(row, j, head)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
    row += 1
    first_input = row
    for label, value in EXAMPLE_INPUTS:
        ws.cell(row, 1, label).border = BORDER
        cell = ws.cell(row, 3, value)
        cell.fill, cell.border = INPUT_FILL, BORDER
        cell.number_format = RATIO if isinstance(value, float) and value < 1 else "#,##0"
        row += 1
    c = [f"$C${first_input + i}" for i in range(len(EXAMPLE_INPUTS))]
    series_first = row
    for year, value in enumerate((100, 110, 121), 1):
        ws.cell(row, 1, f"历年数值 第{year}年").border = BORDER
        cell = ws.cell(row, 3, value)
        cell.fill, cell.border = INPUT_FILL, BORDER
        row += 1
    series = f"$C${series_first}:$C${row - 1}"
    examples = (
        ("工伤保险费收入（元）", f"=GS_PREMIUM({c[0]},{c[1]},{c[2]},{c[3]},{c[4]})", "#,##0.00",
         "(100000 + 0.5×4000) × 60000 × 1.05 × 0.6% = 38,556,000"),
        ("趋势值：平均增长率", f'=GS_TREND({series},"平均增长率",3)', "#,##0.00",
         "两年均增长 10%：121 × 1.1 = 133.1"),
        ("生活护理费（1 级，元/月）", "=GS_BENEFIT(\"生活护理费\",1,prm_avg_monthly_wage,1,prm_budget_year)",
         "#,##0.00", "上年月平均工资 × 50%"),
        ("一次性工亡补助金（元）",
         "=GS_BENEFIT(\"一次性工亡补助金\",\"\",\"\",1,prm_budget_year,\"\",prm_province_code)", "#,##0.00",
         "20 × 上年全国城镇居民人均可支配收入（参数文件）"),
        ("可支付月数（本年预算）", f"=GS_MONTHS_PAYABLE('{BALANCE_SHEET}'!D{{closing}},'{BALANCE_SHEET}'!D{{spend}})",
         TWO_DP, "年末滚存结余 ÷（支出合计 ÷ 12），与收支结余表一致"),
    )
    tables: list[ResultTable] = []
    for label, formula, fmt, check in examples:
        ws.cell(row, 1, label).border = BORDER
        ws.cell(row, 2).border = BORDER
        result = ws.cell(row, 3)
        result.number_format, result.border = fmt, BORDER
        ws.cell(row, 4, check).border = BORDER
        tables.append(ResultTable(INTRO_SHEET, (row, 3), formula, [[None]]))
        row += 1
    return row, tables


def _fill_examples(ws: Worksheet, examples: list[ResultTable], balance: ResultTable) -> None:
    """Write the example formulas (the months-payable one points at the 收支结余 table's cells)."""
    labels = [r[0] for r in balance.rows]
    closing = balance.anchor[0] + labels.index("年末滚存结余")
    spend = balance.anchor[0] + labels.index("支出合计")
    for table in examples:
        formula = table.formula.replace("{closing}", str(closing)).replace("{spend}", str(spend))
        r, col = table.anchor
        ws.cell(r, col).value = formula
        text = ws.cell(r, col - 1)
        text.value = formula                                          # shown as text beside the result
        text.data_type = "s"
        text.alignment = Alignment(wrap_text=True, vertical="top")
        _fit_height(ws, r, [formula], INTRO_WIDTHS[2])


def _conf_sheet(ws: Worksheet) -> None:
    """Activate xlwings.conf: keys in A1… without gaps, values in B; our notes in column D."""
    values = {"Interpreter_Win": INTERPRETER_PLACEHOLDER, "UDF Modules": UDF_MODULE}
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        key = row[0].value
        if isinstance(key, str) and key in values:
            ws.cell(row[0].row, 2, values[key])
    for r in range(10, ws.max_row + 1):                      # the template's English activation notes
        ws.cell(r, 1).value = None
    notes = (
        "A 列为设置名（自 A1 起连续，不要插入空行），B 列为取值。",
        "Interpreter_Win：Python 解释器 pythonw.exe 的完整路径，可用 %USERPROFILE% 等环境变量；"
        "按 README 安装到默认位置时无需修改。",
        f"UDF Modules：{UDF_MODULE}（本软件的函数模块，请勿修改）。",
        "PYTHONPATH：留空即可（本工作簿所在文件夹会自动加入）；未用 pip 安装本软件时填源代码文件夹。",
        "其余设置保持默认。修改后关闭并重新打开工作簿。",
    )
    for i, note in enumerate(notes, 1):
        ws.cell(i, 4, note).alignment = Alignment(wrap_text=True, vertical="top")
        _fit_height(ws, i, [note], 90)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 52
    ws.column_dimensions["D"].width = 90
    _print_setup(ws, 4, 9)


# ---------------------------------------------------------------------------------------------
# the build

def template_path() -> Path:
    """xlwings' standalone macro workbook in the installed package (checked against the pinned version)."""
    if xlwings.__version__ != XLWINGS_VERSION:
        raise RuntimeError(f"需要 xlwings {XLWINGS_VERSION}（工作簿中的 VBA 与 Python 包须为同一版本），"
                           f"当前为 {xlwings.__version__}；请 pip install xlwings=={XLWINGS_VERSION}")
    return Path(xlwings.__file__).parent / TEMPLATE_NAME


def default_options(inputs: BudgetInputs) -> list[dict]:
    """The options the workbook starts with: the inputs' own, else the shipped presets as plain data."""
    return list(inputs.options) if inputs.options else [o.to_dict() for o in load_presets()]


def _order_sheets(wb: Workbook) -> None:
    for target, name in enumerate(SHEET_ORDER):
        wb.move_sheet(name, offset=target - wb.sheetnames.index(name))
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == INTRO_SHEET


def make_workbook(inputs: BudgetInputs | None = None, options: list[dict] | None = None, *,
                  years: int = DEFAULT_YEARS) -> Workbook:
    """The budget workbook in memory (macro template, inputs, formulas, charts), not yet saved.

    `inputs` default to the synthetic example province, `options` to its options or the presets,
    `years` (1–10) is the horizon of the 多年预测与风险 sheet.
    """
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise BudgetInputError(f"预测年数应为 1–{MAX_YEARS} 的整数", field="预测年数", value=years)
    if inputs is None:
        from examples import load_example

        inputs = load_example()
    options = default_options(inputs) if options is None else list(options)

    wb = load_workbook(template_path(), keep_vba=True)
    intro, conf = wb.worksheets[0], wb["_xlwings.conf"]
    intro.title, conf.title = INTRO_SHEET, CONF_SHEET
    write_inputs(wb, inputs, options)
    values = input_values(wb)

    _check_sheet(wb, values)
    _line_sheet(wb, REVENUE_SHEET, "收入预算", "工伤保险基金收入预算表", values)
    _line_sheet(wb, EXPENDITURE_SHEET, "支出预算", "工伤保险基金支出预算表", values)
    balance = _balance_sheet(wb, values)
    _units_sheet(wb, values)
    _sharing_sheet(wb, values, len(udf_inputs.budget_result(*values).options))
    _compare_sheet(wb, values)
    _outlook_sheet(wb, values, years)
    examples = _intro_sheet(intro, inputs.synthetic, inputs.province_code)
    _fill_examples(intro, examples[:-1], balance)
    _conf_sheet(conf)
    _order_sheets(wb)
    return wb


def build_workbook(path: str | Path = "budget.xlsm", *, inputs: BudgetInputs | None = None,
                   options: list[dict] | None = None, years: int = DEFAULT_YEARS) -> Path:
    """生成 budget.xlsm (and the VBA wrapper `<name>_udfs.bas` beside it); returns the workbook path.

    `inputs` default to the synthetic example province, `options` to its options or the presets,
    `years` to a 3-year horizon on the 多年预测与风险 sheet.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsm":
        raise BudgetInputError("工作簿须保存为 .xlsm（含宏）文件", field="文件", value=target.name)
    wb = make_workbook(inputs, options, years=years)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:          # write fully, then move: never a half-written file
        scratch = Path(tmp) / target.name
        wb.save(scratch)
        shutil.move(scratch, target)
    write_udf_bas(bas_path(target))
    return target


def bas_path(workbook: str | Path) -> Path:
    """The VBA wrapper shipped beside a workbook: budget.xlsm → budget_udfs.bas."""
    p = Path(workbook)
    return p.with_name(f"{p.stem}_udfs.bas")


def write_udf_bas(path: str | Path = "budget_udfs.bas") -> Path:
    """写出 VBA 包装模块 — the module Import Functions would create, for manual import (CRLF, ASCII)."""
    return vba.write_bas(udfs, path, module_name=UDF_MODULE)
