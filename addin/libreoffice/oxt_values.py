"""单元格值转换（LibreOffice）— Calc add-in arguments to what xlwings passes, results back to Calc.

This file is copied into the extension (as `wibudget_oxt_values`) and runs inside LibreOffice's own
Python, possibly without numpy or wibudget: it uses the standard library only.

Calc hands an `any` argument as a float, a text, None (argument left out) or, for a range, a tuple of
row tuples with None for blank cells. xlwings hands the same range to a UDF as a scalar (one cell), a
1-D list (one row or one column) or a list of rows — `to_python` does that. A result goes back as a
rectangular tuple of row tuples of float/text/bool, "" for None and NaN (a void element would show 0).
"""

from __future__ import annotations

import math
from typing import Any

MAX_CELL_TEXT = 255
NOT_INSTALLED = "#未安装 wibudget："


def _cell_in(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def to_python(value: Any) -> Any:
    """One Calc argument as xlwings would pass it: 1×1 → scalar, one row/column → list, block → rows."""
    if not isinstance(value, tuple | list):
        return _cell_in(value)
    rows = [list(r) if isinstance(r, tuple | list) else [r] for r in value]
    rows = [[_cell_in(v) for v in r] for r in rows]
    if not rows or not rows[0]:
        return None
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if len(rows) == 1:
        return rows[0]
    if all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    return rows


def arguments(values: tuple[Any, ...]) -> list[Any]:
    """All arguments converted; trailing left-out arguments dropped so the Python defaults apply."""
    converted = [to_python(v) for v in values]
    while converted and values[len(converted) - 1] is None:
        converted.pop()
    return converted


def _cell_out(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return "" if math.isnan(number) else number
    if hasattr(value, "isoformat"):           # dates: shown as text rather than a bare serial number
        return value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT - 1] + "…"


def to_cells(result: Any) -> tuple[tuple[Any, ...], ...]:
    """A UDF result as Calc's sequence< sequence< any > >: rectangular, no None/NaN."""
    if isinstance(result, tuple | list):
        if result and not any(isinstance(r, tuple | list) for r in result):
            rows = [list(result)]                        # a 1-D list is one row, as in Excel
        else:
            rows = [list(r) if isinstance(r, tuple | list) else [r] for r in result]
    else:
        rows = [[result]]
    if not rows:
        rows = [[""]]
    width = max(len(r) for r in rows) or 1
    return tuple(tuple(_cell_out(r[j]) if j < len(r) else "" for j in range(width)) for r in rows)


def message_cells(message: str) -> tuple[tuple[Any, ...], ...]:
    """One message as a 1×1 result (Calc repeats it over an array formula's whole range)."""
    return ((_cell_out(message),),)


def not_installed_message(reason: str) -> str:
    """The text every cell shows when LibreOffice's Python cannot import the engine."""
    hint = "请在终端运行 wibudget libreoffice install，或把 wibudget 所在的 site-packages 写入环境变量 WIBUDGET_PYTHONPATH"
    text = f"{NOT_INSTALLED}LibreOffice 的 Python 找不到计算引擎（{reason}）。{hint}"
    return _cell_out(text)
