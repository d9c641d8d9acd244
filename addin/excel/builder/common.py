"""版式与结果区域 (formats and result ranges) shared by the sheets of budget.xlsm: sheet names, number formats, fonts,
the values a UDF receives from an input range, and placing one array formula with its formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import inputs as udf_inputs
from addin.workbook import layout
from models.errors import BudgetInputError

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


