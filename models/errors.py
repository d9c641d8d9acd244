"""输入错误 — the engine's one error type for bad input.

Every problem the engine finds in its input raises :class:`BudgetInputError`, naming the
unit (单位), the field (字段) and the offending value, so the add-in and the command line can
show a short Chinese message instead of a traceback.
"""

from __future__ import annotations

from typing import Any


class BudgetInputError(ValueError):
    """输入错误 (bad input): names the unit, the field and the value, plus what to do."""

    def __init__(self, message: str, *, unit: str | None = None, field: str | None = None,
                 value: Any = None, table: str | None = None) -> None:
        self.message = message
        self.unit = unit
        self.field = field
        self.value = value
        self.table = table
        super().__init__(self.describe())

    def describe(self) -> str:
        """One readable line: 表/单位/字段/值 then the message."""
        where = []
        if self.table:
            where.append(f"表 {self.table}")
        if self.unit is not None:
            where.append(f"单位 {self.unit}")
        if self.field:
            where.append(f"字段 {self.field}")
        if self.value is not None:
            where.append(f"值 {self.value!r}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class ParameterError(BudgetInputError):
    """参数缺失 (no parameter in force): a statutory standard has no value for the date asked."""
