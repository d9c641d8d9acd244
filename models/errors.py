"""输入错误 — the engine's one error type for bad input.

Every problem the engine finds in its input raises :class:`BudgetInputError`. Besides a Chinese
message it carries *where* the problem is, as data rather than words, so that the add-in and the
command line place it on a sheet and cell with one function (``addin.workbook.cells.locate_error``):

- ``table`` / ``row`` / ``column`` / ``unit``: an input table code (``history``, ``plans`` …, see
  :data:`TABLE_LABELS`), the 0-based row of that table's DataFrame, the column code and the unit;
- ``parameter``: a setting code of the 参数 sheet (``budget_year``, ``avg_monthly_wage`` …) or a
  statutory parameter whose value depends on the budget year;
- ``cell``: an address already known (``历年执行!F12``) when the reader raised the error;
- ``rule``: the validation rule id (V101…V801) the problem falls under, when the raiser knows it.

:meth:`BudgetInputError.describe` never shows an internal (English) table or column code.
"""

from __future__ import annotations

import re
from typing import Any

#: Input table code → the Chinese name a user sees (the sheet or table caption).
TABLE_LABELS: dict[str, str] = {
    "assumptions": "参数", "units": "单位名单", "plans": "扩面计划", "history": "历年执行",
    "province_history": "省级收支", "beneficiaries": "待遇人员", "prior_budget": "上年预算数",
    "options": "分担方案", "params": "参数",
}
_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]]*$")


def _is_code(text: Any) -> bool:
    return isinstance(text, str) and bool(_CODE.match(text))


class BudgetInputError(ValueError):
    """输入错误 (bad input): the message, plus where it is (table/row/column, parameter or cell)."""

    def __init__(self, message: str, *, unit: Any = None, field: str | None = None,
                 value: Any = None, table: str | None = None, row: int | None = None,
                 column: str | None = None, parameter: str | None = None, cell: str | None = None,
                 rule: str | None = None) -> None:
        self.message = message
        self.unit = unit
        self.field = field
        self.value = value
        self.table = table
        self.row = row
        # an English field name is a column (or parameter) code: keep it as data, never show it
        self.column = column if column is not None else (field if _is_code(field) else None)
        self.parameter = parameter
        self.cell = cell
        self.rule = rule
        super().__init__(self.describe())

    @property
    def table_label(self) -> str | None:
        """The table's Chinese name (an internal code is translated, a Chinese name kept)."""
        if self.table is None:
            return None
        head = str(self.table).split(" ")[0]
        return TABLE_LABELS.get(head, None if _is_code(head) else str(self.table))

    def describe(self) -> str:
        """One readable line: 表/单位/字段/值 then the message (no internal codes)."""
        where = []
        label = self.table_label
        if label:
            where.append(f"表 {label}")
        if self.unit is not None and str(self.unit).strip():      # on 分担方案 the "unit" is an option
            where.append(f"{'方案' if label == TABLE_LABELS['options'] else '单位'} {self.unit}")
        if self.field and not _is_code(self.field):
            where.append(f"字段 {self.field}")
        if self.value is not None and not isinstance(self.value, tuple | list | dict):
            where.append(f"值 {self.value!r}" if not isinstance(self.value, str) else f"值 “{self.value}”")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class ParameterError(BudgetInputError):
    """参数缺失 (no parameter in force): a statutory standard has no value for the date asked."""
