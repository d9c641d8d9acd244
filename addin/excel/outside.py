"""区域外内容 (content outside the input ranges) — rows typed below an input table's defined name, or options
typed right of 分担方案's, which the functions never receive.

Each inp_* name covers its table plus spare blank rows (and 分担方案 spare columns), so a city or option added
in the usual way is read. A user who types past that room would otherwise be ignored silently by every
function while `wibudget` (which reads whole sheets) counts the rows: Excel and the command line would
disagree. budget.xlsm therefore counts, with Excel's own COUNTA, the non-blank cells outside each name
(below it in its columns; right of it for 分担方案) in a small block on 数据检查, and GS_CHECK takes those
counts (`chk_outside`) and reports each non-zero one as an error (V005) at the first cell outside. Likewise
GS_CHECK is told how many 缺口分担 tables the workbook has: options beyond them are an error (V006).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from addin.excel import inputs as udf_inputs
from addin.workbook import coerce, layout
from addin.workbook.a1 import cell_range_bounds, column_letter
from addin.workbook.findings import Finding
from models.errors import BudgetInputError
from models.validation import RULES

OUTSIDE_NAME = "chk_outside"        # the seven counts, in UDF argument order
OUTSIDE_RULE = "V005"
TABLES_RULE = "V006"
LAST_ROW, LAST_COL = 1_048_576, 16_384      # Excel 2007+ sheet size (LibreOffice Calc has the same)
REBUILD = "请用 wibudget build-workbook --from 本工作簿 重建（名称随表格扩大），或把内容移入表内空行"


@dataclass(frozen=True)
class Outside:
    """一个输入区域 (one input name): its sheet and cells, and the cells outside it that are counted."""

    table: str                     # key of layout.TABLES
    sheet: str
    read: str                      # 'A4:J76'
    beyond: tuple[str, ...]        # ('A77:J1048576',) — below; 分担方案 also right of the name

    @property
    def formula(self) -> str:
        """=COUNTA('扩面计划'!A77:J1048576) — Excel counts the non-blank cells itself."""
        quoted = "'" + self.sheet.replace("'", "''") + "'"
        return "=" + "+".join(f"COUNTA({quoted}!{ref})" for ref in self.beyond)

    @property
    def where(self) -> str:
        """Words for the block on 数据检查: 第77行起的A–J列."""
        c1, r1, c2, _ = cell_range_bounds(self.beyond[0])
        text = f"第{r1}行起的{column_letter(c1)}–{column_letter(c2)}列"
        if len(self.beyond) > 1:
            d1, s1, _, s2 = cell_range_bounds(self.beyond[1])
            text += f"；第{s1}–{s2}行{column_letter(d1)}列右侧"
        return text


def regions(names: dict[str, str]) -> list[Outside]:
    """The input names' regions from their references ({'inp_plans': "'扩面计划'!$A$4:$J$76", …}), in UDF
    argument order."""
    out = []
    for key, name in zip(udf_inputs.INPUT_TABLES, udf_inputs.INPUT_NAMES, strict=True):
        sheet, cells = names[name].rsplit("!", 1)
        c1, r1, c2, r2 = cell_range_bounds(cells.replace("$", ""))
        first, last = column_letter(c1), column_letter(c2)
        beyond = [f"{first}{r2 + 1}:{last}{LAST_ROW}"]
        if key == "options":
            beyond.append(f"{column_letter(c2 + 1)}{r1}:{column_letter(LAST_COL)}{r2}")
        out.append(Outside(key, sheet.strip("'").replace("''", "'"), f"{first}{r1}:{last}{r2}", tuple(beyond)))
    return out


def outside_findings(ranges: Sequence[Any], counts: Any) -> list[Finding]:
    """V005 for each input range with non-blank cells outside it. `counts`: the seven COUNTA results (a
    column or row of cells; None in a workbook built before the check existed: nothing to report)."""
    if counts is None:
        return []
    values = [v for row in coerce.as_rows(counts) for v in row]
    found = []
    for key, block, count in zip(udf_inputs.INPUT_TABLES, ranges, values, strict=False):
        try:
            n = int(coerce.to_float(count, "区域外单元格数"))
        except BudgetInputError:        # a count Excel could not give (#REF! after a deleted sheet): not the inputs'
            continue
        if n <= 0:
            continue
        table = layout.TABLES[key]
        rows = coerce.as_rows(block)
        height, width = len(rows), max((len(r) for r in rows), default=0)
        below = table.row + height
        first, last = column_letter(table.col), column_letter(table.col + max(width, 1) - 1)
        read = f"{first}{table.row}:{last}{below - 1}"
        if key == "options":
            cell = f"{column_letter(table.col + width)}{table.row}"
            where = f"表格下方或{last}列右侧"
        else:
            cell, where = f"{first}{below}", f"第{below}行起（{first}–{last}列）"
        message = (f"{table.sheet} {where}有 {n} 个单元格有内容，不在函数读取的区域 {read} 内，"
                   f"工作簿中的结果表未计入（命令行 wibudget 会计入）：{REBUILD}")
        found.append(Finding(OUTSIDE_RULE, RULES[OUTSIDE_RULE].severity, table.sheet, cell, None, message))
    return found


def share_table_findings(ranges: Sequence[Any], tables: Any) -> list[Finding]:
    """V006 when 分担方案 holds more options than the workbook's 缺口分担 sheet has tables (`tables`, written
    into the GS_CHECK formula when the workbook was built; None: not known). Nothing when the inputs fail
    to run (the check reports why)."""
    if coerce.is_blank(tables):
        return []
    try:
        have = int(coerce.to_float(tables, "分担表数"))
        n = len(udf_inputs.CACHE.result(ranges).options)
    except BudgetInputError:
        return []
    if n <= have:
        return []
    table = layout.TABLES["options"]
    missing = "、".join(f"方案{k}" for k in range(have + 1, n + 1))
    rows = coerce.as_rows(ranges[udf_inputs.OPTIONS_AT])
    first = len(layout.OPTION_TABLE_COLUMNS)                 # 设置项, 代码, then one column per option
    used = [j for j in range(first, max(len(r) for r in rows))
            if any(j < len(r) and not coerce.is_blank(r[j]) for r in rows)]
    at = used[have] if len(used) > have else first + have    # the first option without a table
    cell = f"{column_letter(table.col + at)}{table.row}"
    message = (f"分担方案表有 {n} 个方案，缺口分担工作表只有 {have} 张分担表，{missing}没有分担表"
               f"（方案比较表也放不下）：{REBUILD}")
    return [Finding(TABLES_RULE, RULES[TABLES_RULE].severity, table.sheet, cell, None, message)]
