"""公式注入防护 (formula-injection safety) for the workbooks the tool writes.

openpyxl stores any text that starts with "=" as a formula. A unit name or option label such as
"=cmd|' /C calc'!A0" must stay text: :func:`put_text` writes one value safely, :func:`neutralise_formulas`
turns every formula cell of a workbook that should hold none back into text (the draft, the comparison
and outlook workbooks hold values only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook

FORMULA, STRING = "f", "s"


def put_text(cell: Cell, value: Any) -> Cell:
    """Set `cell` to `value`; text is always stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == FORMULA:
        cell.data_type = STRING
    return cell


def neutralise_formulas(wb: Workbook, sheets: Sequence[str] | None = None) -> int:
    """Every formula cell of `wb` (or of its `sheets`) becomes a text cell, for sheets that hold values only;
    returns how many."""
    count = 0
    for ws in (wb.worksheets if sheets is None else [wb[name] for name in sheets if name in wb.sheetnames]):
        for cell in ws._cells.values():      # the cells that exist (iter_rows would create the gaps)
            if cell.data_type == FORMULA:
                cell.data_type = STRING
                count += 1
    return count
