"""单元格定位 — where an input-table position (table, row, column code) sits in budget.xlsm.

`models.validation` names problems by input table, 0-based DataFrame row and column code. This
module turns such a position into a sheet and cell such as 历年执行!F12, in two ways:

- :func:`template_cell` — from the layout alone (the workbook as `writer.write_inputs` lays it
  out), for callers that have no workbook at hand;
- :class:`SheetLocator` — from the cells of an actual workbook, found the way the reader finds
  them (tables may have been moved, columns reordered, settings rows reordered).

The rows of the tables read by `reader.read_inputs` are the sheet rows in order (only
trailing blank rows are dropped), so a DataFrame row position is a sheet row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from addin.workbook import coerce, coerce_tables, layout
from addin.workbook.a1 import column_letter
from addin.workbook.reader import _table_block, _table_block_wide  # the reader's own table finding
from models import items
from models.errors import BudgetInputError

Rows = list[list[Any]]

#: Input table of models.validation → table of the workbook layout (units and plans share 扩面计划).
LAYOUT_TABLES: dict[str, str] = {
    "units": "plans", "plans": "plans", "history": "history", "province_history": "province_history",
    "beneficiaries": "beneficiaries", "prior_budget": "prior_budget", "assumptions": "params",
    "options": "options",
}
_ADDRESS = re.compile(r"^(?P<sheet>.+)!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)$")
_PRIOR_ITEMS: tuple[str, ...] = items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS


@dataclass(frozen=True)
class CellRef:
    """工作表与单元格: sheet name and cell (None when only the sheet is known)."""

    sheet: str | None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""


def split_address(text: str) -> CellRef:
    """'历年执行!F12' → CellRef('历年执行', 'F12'); text without a cell → CellRef(None)."""
    m = _ADDRESS.match(text.strip())
    if not m:
        return CellRef(None)
    return CellRef(m.group("sheet").strip("'"), f"{m.group('col')}{m.group('row')}")


def _address(row: int, col: int) -> str:
    """1-based row and column → 'F12'."""
    return f"{column_letter(col)}{row}"


def setting_code(table: str, key: str) -> str:
    """A validation column key → the layout's setting code.

    assumptions: 'trend_methods.premium' → 'trend_method.premium'; options: 'weights.equal' →
    'weight.equal', 'cap' → 'cap.basis', 'rewards[2]' → 'rewards'.
    """
    key = re.sub(r"\[\d+\]$", "", key)
    if table == "assumptions" and key.startswith("trend_methods."):
        return layout.TREND_PREFIX + key.split(".", 1)[1]
    if table == "options":
        if key.startswith("weights."):
            return "weight." + key.split(".", 1)[1]
        if key == "cap":
            return "cap.basis"
    return key


def _column_index(table: layout.TableLayout, code: str | None) -> int | None:
    """0-based position of a column code in the layout table (None if absent)."""
    if code is None:
        return None
    for j, c in enumerate(table.columns):
        if c.code == code:
            return j
    return None


def template_cell(table: str, row: int | None, column: str | None, *, option: int = 0) -> CellRef:
    """The cell a position has in a workbook written by `write_inputs` (layout only, no workbook).

    `option` is the option's position for the options table (row is then ignored). Positions the
    layout cannot place fall back to the table's header cell, or the sheet alone.
    """
    key = LAYOUT_TABLES.get(table)
    if key is None:
        return CellRef(None)
    t = layout.TABLES[key]
    if key == "params":
        code = setting_code(table, column or "")
        codes = [s.code for s in layout.PARAM_ROWS]
        if code in codes:
            return CellRef(t.sheet, _address(t.row + 1 + codes.index(code), t.col + 2))
        return CellRef(t.sheet, t.anchor)
    if key == "options":
        code = setting_code(table, column or "name")
        if code == "weights":
            code = "weight." + next(iter(layout.WEIGHT_FACTORS))
        codes = [s.code for s in layout.OPTION_ROWS]
        r = t.row + 1 + codes.index(code) if code in codes else t.row
        return CellRef(t.sheet, _address(r, t.col + len(t.columns) + (option if row is None else row)))
    if key == "prior_budget":
        code = column or ""
        if code in _PRIOR_ITEMS:
            return CellRef(t.sheet, _address(t.row + 1 + _PRIOR_ITEMS.index(code), t.col + 2))
        return CellRef(t.sheet, t.anchor)
    j = _column_index(t, column)
    col = t.col + (j or 0)
    r = t.row if row is None else t.row + 1 + row
    return CellRef(t.sheet, _address(r, col))


class SheetLocator:
    """Cell positions in an actual workbook, from its raw cell values by sheet ({name: rows}).

    Tables are found with the reader's own search (`workbook_io`), so a table the reader accepts
    is located the same way; anything that cannot be located falls back to :func:`template_cell`.
    """

    def __init__(self, sheets: dict[str, Rows]) -> None:
        self.sheets = sheets
        self._blocks: dict[str, tuple[Rows, Callable[[int, int], str], dict[str, int]] | None] = {}

    def _block(self, key: str) -> tuple[Rows, Callable[[int, int], str], dict[str, int]] | None:
        if key not in self._blocks:
            self._blocks[key] = self._find(key)
        return self._blocks[key]

    def _find(self, key: str) -> tuple[Rows, Callable[[int, int], str], dict[str, int]] | None:
        t = layout.TABLES[key]
        rows = self.sheets.get(t.sheet)
        if rows is None:
            return None
        try:
            block, position = _table_block_wide(rows, t) if key == "options" else \
                _table_block(rows, t, getattr(self.sheets, "cache", None))
            found = coerce_tables.header_positions(block[0], t.columns, table=t.sheet, required=[], position=position)
        except (BudgetInputError, IndexError):
            return None
        return block, position, found

    def locate(self, table: str, row: int | None, column: str | None, *, unit: str | None = None,
               option: dict[str, Any] | None = None) -> CellRef:
        """The sheet and cell of a validation position; `option` is the option's dict (options only)."""
        key = LAYOUT_TABLES.get(table)
        if key is None:
            return CellRef(None)
        found = self._block(key)
        if found is None:
            return template_cell(table, row, column)
        block, position, heads = found
        if key == "params":
            return self._setting(block, position, heads, layout.PARAM_ROWS, setting_code(table, column or ""),
                                 heads.get("value"), table, row, column)
        if key == "options":
            return self._option(block, position, heads, row, column, option)
        if key == "prior_budget":
            return self._prior_item(block, position, heads, column, table)
        j = heads.get(column) if column is not None else None
        if column is not None and j is None:
            return template_cell(table, row, column)
        if row is None:
            return split_address(position(0, j if j is not None else heads.get("unit", 0)))
        r = self._unit_row(block, heads, unit, table) if key in ("plans", "beneficiaries") and unit else None
        r = r if r is not None else row + 1
        return split_address(position(r, j if j is not None else heads.get("unit", 0)))

    @staticmethod
    def _unit_row(block: Rows, heads: dict[str, int], unit: str, table: str) -> int | None:
        """Row (within the block) of the single row naming `unit`; None if none or several."""
        j = heads.get("unit")
        if j is None:
            return None
        hits = [i for i in range(1, len(block)) if j < len(block[i]) and isinstance(block[i][j], str | int | float)
                and coerce_tables.normalize_key(str(block[i][j])) == coerce_tables.normalize_key(unit)]
        return hits[0] if len(hits) == 1 else None

    @staticmethod
    def _find_row(block: Rows, heads: dict[str, int], wanted: Sequence[str]) -> int | None:
        keys = {coerce_tables.normalize_key(w) for w in wanted if w}
        for i in range(1, len(block)):
            for code in ("code", "item", "label"):
                j = heads.get(code)
                if j is not None and j < len(block[i]) and isinstance(block[i][j], str) \
                        and coerce_tables.normalize_key(block[i][j]) in keys:
                    return i
        return None

    def _setting(self, block: Rows, position: Callable[[int, int], str], heads: dict[str, int],
                 settings: Sequence[layout.Setting], code: str, value_col: int | None, table: str,
                 row: int | None, column: str | None) -> CellRef:
        label = next((s.label for s in settings if s.code == code), code)
        i = self._find_row(block, heads, [code, label])
        if i is None or value_col is None:
            return template_cell(table, row, column)
        return split_address(position(i, value_col))

    def _option_columns(self, block: Rows, heads: dict[str, int]) -> list[int]:
        """Option columns as the reader takes them: non-key columns with any value below the header."""
        return [j for j in range(len(block[0])) if j not in heads.values()
                and any(j < len(block[i]) and not coerce.is_blank(block[i][j]) for i in range(1, len(block)))]

    def _option(self, block: Rows, position: Callable[[int, int], str], heads: dict[str, int],
                index: int | None, column: str | None, option: dict[str, Any] | None) -> CellRef:
        cols = self._option_columns(block, heads)
        k = index or 0
        if k >= len(cols):
            return template_cell("options", index, column)
        code = setting_code("options", column or "name")
        if code == "weights":
            given = [f for f in layout.WEIGHT_FACTORS if option and f in (option.get("weights") or {})]
            code = "weight." + (given[0] if given else next(iter(layout.WEIGHT_FACTORS)))
        if code == "province_share" and option and isinstance(option.get("province_share"), dict):
            code = "province_share.basis"
        label = next((s.label for s in layout.OPTION_ROWS if s.code == code), code)
        i = self._find_row(block, heads, [code, label])
        return split_address(position(i if i is not None else 0, cols[k]))

    def _prior_item(self, block: Rows, position: Callable[[int, int], str], heads: dict[str, int],
                    column: str | None, table: str) -> CellRef:
        code = column or ""
        i = self._find_row(block, heads, [code, items.label(code)])
        j = heads.get("amount")
        if i is None or j is None:
            return template_cell(table, None, column)
        return split_address(position(i, j))


# ---------------------------------------------------------------- structured errors → cells

def error_position(exc: BudgetInputError, options: Sequence[dict] = ()) -> tuple[str, int | None, str | None]:
    """(input table code, row, column code) of a structured error — the positions validation issues use
    (`models.validation.engine_error_position`: parameter code, statutory parameter → 预算年度, engine
    tables back to the input table they come from)."""
    from models.validation.options import engine_error_position

    return engine_error_position(exc, options)


def _unit_rows(locator: SheetLocator, table: str, unit: Any, year: Any) -> int | None:
    """0-based row of `unit` (and `year`, if given) in a located column table."""
    key = LAYOUT_TABLES.get(table)
    found = locator._block(key) if key else None
    if found is None:
        return None
    block, _, heads = found
    j, y = heads.get("unit"), heads.get("year")
    hits = []
    for i in range(1, len(block)):
        row = block[i]
        if j is None or j >= len(row) or coerce.is_blank(row[j]):
            continue
        if coerce_tables.normalize_key(str(row[j])) != coerce_tables.normalize_key(str(unit)):
            continue
        if year is not None and y is not None and y < len(row) and row[y] != year:
            continue
        hits.append(i - 1)
    return hits[0] if hits else None


def locate_error(exc: BudgetInputError, locator: SheetLocator | None = None,
                 options: Sequence[dict] = ()) -> CellRef:
    """单元格定位（错误）: the one mapping of any structured :class:`BudgetInputError` to sheet!cell.

    Uses, in order, the address the reader recorded (``exc.cell``), else the error's table, row,
    column and unit, or its parameter code (:func:`error_position`), placed in the workbook by
    `locator` (or on the template's cells when there is no workbook). Never reads the message.
    """
    if exc.cell:
        ref = split_address(exc.cell)
        if ref.sheet:
            return ref
    if getattr(exc, "sheet", None) and not exc.table:
        return CellRef(exc.sheet)
    table, row, column = error_position(exc, options)
    if locator is None:
        return template_cell(table, row, column)
    if row is None and exc.unit is not None and table in ("history", "province_history", "plans", "units",
                                                          "beneficiaries"):
        year = exc.value if isinstance(exc.value, int) and not isinstance(exc.value, bool) else None
        row = _unit_rows(locator, table, exc.unit, year)
        if row is None and year is not None:
            row = _unit_rows(locator, table, exc.unit, None)
    option = options[row] if table == "options" and row is not None and row < len(options) else None
    return locator.locate(table, row, column, unit=None if exc.unit is None else str(exc.unit),
                          option=option if isinstance(option, dict) else None)
