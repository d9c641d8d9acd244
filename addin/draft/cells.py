"""单元格样式与合并 (cell styles and merges) of the draft, fast at any size.

openpyxl re-hashes and compares a whole Font/Border/Fill object every time one is assigned to a cell
(~50 µs a cell), and `merge_cells` re-applies borders cell by cell. The draft writes thousands of styled
cells, so styles are built once per workbook and handed on as openpyxl's style indices (`dress`), and
merges only record the range (`merge`); `settle_merges` gives every covered cell the style of the range's
first cell before saving, which draws the merged area's borders and fill as Excel does.
"""

from __future__ import annotations

import copy
import weakref
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.style import DraftStyle

_MEMO: weakref.WeakKeyDictionary[Workbook, dict[tuple, Any]] = weakref.WeakKeyDictionary()


def dress(cell: Cell, style: DraftStyle, *, font: str = "body", bold: bool = False, size: float | None = None,
          color: str | None = None, fill: str | None = None, border: bool = False, align: str | None = None,
          wrap: bool = False, indent: int = 0, vertical: str = "center", fmt: str | None = None) -> Cell:
    """样式 (style) a cell: font "body" or "heading" (bold), a fill key of the template's colours, a thin
    border, an alignment (None keeps the default) and a number format key; built once per workbook."""
    memo = _MEMO.setdefault(cell.parent.parent, {})
    key = (id(style), font, bold, size, color, fill, border, align, wrap, indent, vertical, fmt)
    known = memo.get(key)
    if known is not None:
        cell._style = copy.copy(known)
        return cell
    if font == "heading":
        cell.font = style.heading_font(size, color)
    else:
        cell.font = style.body_font(bold=bold, color=color, size=size)
    if fill:
        cell.fill = style.fill(fill)
    if border:
        cell.border = style.border()
    if align is not None:
        cell.alignment = style.align(align, wrap=wrap, indent=indent, vertical=vertical)
    if fmt:
        cell.number_format = style.formats.get(fmt, fmt)
    memo[key] = copy.copy(cell._style)
    return cell


def merge(ws: Worksheet, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
    """合并单元格 (merge a range): the range is recorded and its other cells become merged cells;
    their style is set by `settle_merges` once the first cell is styled."""
    rng = _RecordedRange(ws, f"{_ref(start_row, start_column)}:{_ref(end_row, end_column)}")
    ws.merged_cells.ranges.add(rng)      # a set: our ranges never repeat (add() scans them all)
    for row in range(start_row, end_row + 1):
        for col in range(start_column, end_column + 1):
            if (row, col) != (start_row, start_column):
                ws._cells[row, col] = MergedCell(ws, row, col)


def settle_merges(wb: Workbook) -> None:
    """Every merged cell takes the style of its range's first cell (borders drawn round the whole area)."""
    for ws in wb.worksheets:
        for rng in ws.merged_cells.ranges:
            first = ws._cells.get((rng.min_row, rng.min_col))
            if first is None or not first.has_style:
                continue
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    cell = ws._cells.get((row, col))
                    if isinstance(cell, MergedCell):
                        cell._style = copy.copy(first._style)


class _RecordedRange(MergedCellRange):
    """A merged range that leaves its borders to `settle_merges` (openpyxl's own re-styles its first cell)."""

    def _get_borders(self) -> None:
        self.start_cell = None


def _ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"
