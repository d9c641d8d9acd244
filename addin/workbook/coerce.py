"""单元格取值转换 — turn the raw values Excel hands to a UDF into checked Python values.

On Linux xlwings applies no converters, and on Windows we do not rely on them either: every UDF takes
what Excel passes (float, int, bool, str, None for a blank cell, datetime, 1-D lists for a single row
or column, lists of lists for a range, Excel error values) and converts it here. Every refusal is a
`BudgetInputError` naming the field and the cell position (第3行第2列, or 历年执行!F12 when reading a
workbook), and `udf_result` turns any exception into a short cell message instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from addin.workbook import layout
from models.errors import BudgetInputError
from models.validation.rules import MAX_MAGNITUDE, read_limits

log = logging.getLogger(__name__)

_REQUIRED: Any = object()   # sentinel: no default, a blank is an error
MAX_CELL_TEXT = 255
#: How a blank cell is named: xlwings hands an Excel error value (#N/A …) in a range over as None too.
BLANK = "为空或为错误值（如 #N/A）"

EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})
#: Error values as the COM integer codes (CVErr) some Excel paths hand over instead of text.
COM_ERROR_CODES: dict[int, str] = {
    -2146826288: "#NULL!", -2146826281: "#DIV/0!", -2146826273: "#VALUE!", -2146826265: "#REF!",
    -2146826259: "#NAME?", -2146826252: "#NUM!", -2146826246: "#N/A",
}
_TRUE = frozenset({"true", "是", "yes", "y", "1", "对", "真", "√", "✓"})
_FALSE = frozenset({"false", "否", "no", "n", "0", "错", "假", "×", "✗"})

#: Dashes people type or paste for a minus sign (−, ‐, ‒, –, —, ﹣, －) → "-"; zero-width characters dropped.
_MINUS_SIGNS = {**{ord(c): "-" for c in "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"},
                **{ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}}
_ZERO_WIDTH = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


# ---------------------------------------------------------------------------------------------
# scalars

def excel_error(value: Any) -> str | None:
    """The Excel error text (#N/A, #DIV/0! …) if `value` is an error value, else None."""
    if isinstance(value, str):
        text = value.strip().upper()
        return text if text in EXCEL_ERRORS else None
    if type(value) is int and value in COM_ERROR_CODES:
        return COM_ERROR_CODES[value]
    return None


def is_blank(value: Any) -> bool:
    """空白: None, empty or whitespace-only text, NaN/NaT (pandas' missing value)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return value is pd.NA or value is pd.NaT


def _short(value: Any) -> Any:
    """Value as shown in a message: long text cut to 30 characters."""
    if isinstance(value, str) and len(value) > 30:
        return value[:29] + "…"
    return value


def input_error(message: str, field: str | None, value: Any = None, *, where: str | None = None,
                table: str | None = None, unit: str | None = None, rule: str = "V004") -> BudgetInputError:
    """The refusal of one cell: the message (after its position), the cell as data and the rule it breaks."""
    text = f"{where} {message}" if where else message
    cell = where if where and "!" in where else None
    return BudgetInputError(text, field=field, value=_short(value), table=table, unit=unit, cell=cell, rule=rule)


def check_common(value: Any, field: str | None, where: str | None, table: str | None,
                  unit: str | None) -> None:
    err = excel_error(value)
    if err:
        raise input_error(f"是错误值 {err}，请先修正该单元格或它引用的单元格", field, where=where,
                    table=table, unit=unit, rule="V105")


def parse_number_text(text: str) -> float | None:
    """Read a number typed as text: '1,234' → 1234, '12%' → 0.12, full-width '１２３' → 123, '(5)' → -5.

    Returns None when the text is not a number.
    """
    s = unicodedata.normalize("NFKC", text).strip().translate(_MINUS_SIGNS)
    s = re.sub(r"\s+", "", s)
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if "," in s:
        if not _GROUPED_NUMBER.fullmatch(s):
            return None
        s = s.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(s):
        return None
    try:
        number = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    if percent:
        number /= 100
    return float(-number if negative else number)


def to_float(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
             table: str | None = None, unit: str | None = None) -> float:
    """数值: a number, or text that reads as one ('1,234', '12%', full-width digits).

    A blank is an error unless `default` is given (then `default` is returned as is).
    """
    check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise input_error(f"{BLANK}，请填入数值", field, where=where, table=table, unit=unit, rule="V102")
        return default
    if isinstance(value, bool | np.bool_):
        raise input_error("是逻辑值（TRUE/FALSE），请填入数值", field, value, where=where, table=table, unit=unit,
                          rule="V103")
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise input_error("是日期或时间，请填入数值", field, value, where=where, table=table, unit=unit, rule="V103")
    if isinstance(value, numbers.Real | Decimal):      # currency/accounting formats arrive as Decimal
        number = float(value)
    elif isinstance(value, str):
        parsed = parse_number_text(value)
        if parsed is None:
            raise input_error("不是数字，请只填数字（不带单位或文字）", field, value, where=where, table=table,
                              unit=unit, rule="V103")
        number = parsed
    else:
        raise input_error("不是数字，请填入数值", field, value, where=where,
                          table=table, unit=unit, rule="V103")
    if not math.isfinite(number):
        raise input_error("不是有限数值，请填入数值", field, value, where=where, table=table, unit=unit,
                          rule="V103")
    if abs(number) > MAX_MAGNITUDE:
        raise input_error(f"为 {number:.3g}，大得不合常理（超过 {MAX_MAGNITUDE:.0e}）：请核对单位和数值", field,
                          where=where, table=table, unit=unit, rule="V106")
    return number


def to_int(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
           table: str | None = None, unit: str | None = None) -> int:
    """整数 (year, months, rank): a whole number; 2024.0 and '2024' are fine, 2024.5 is not."""
    number = to_float(value, field, default=_REQUIRED if default is _REQUIRED else None, where=where,
                      table=table, unit=unit)
    if number is None:
        return default
    if abs(number - round(number)) > 1e-9:
        raise input_error("须为整数", field, value, where=where, table=table, unit=unit, rule="V106")
    return int(round(number))


def to_str(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
           table: str | None = None, unit: str | None = None) -> str:
    """文字: text with surrounding spaces removed; a whole number 101.0 reads as '101'."""
    check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise input_error(f"{BLANK}，请填写", field, where=where, table=table, unit=unit, rule="V102")
        return default
    if isinstance(value, str):
        return value.translate(_ZERO_WIDTH).strip()
    if isinstance(value, bool | np.bool_):
        raise input_error("是逻辑值（TRUE/FALSE），请填写文字", field, value, where=where, table=table, unit=unit,
                          rule="V107")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def to_bool(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
            table: str | None = None, unit: str | None = None) -> bool:
    """是/否: TRUE/FALSE, 1/0, 是/否, yes/no."""
    check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise input_error(f"{BLANK}，请填 是 或 否", field, where=where, table=table, unit=unit, rule="V102")
        return default
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Real | Decimal) and float(value) in (0.0, 1.0):
        return float(value) == 1.0
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise input_error("须为 是 或 否（TRUE/FALSE）", field, value, where=where, table=table, unit=unit,
                      rule="V107")


def to_choice(value: Any, field: str | None, choices: Sequence[tuple[str, str]], *, default: Any = _REQUIRED,
              open_list: bool = False, where: str | None = None, table: str | None = None,
              unit: str | None = None) -> str:
    """下拉选项: a display label (设区市) or its code (city) → the code.

    With `open_list`, text that is neither passes through unchanged (for codes a later module adds).
    """
    text = to_str(value, field, default=None, where=where, table=table, unit=unit)
    if text is None:
        if default is _REQUIRED:
            raise input_error(f"{BLANK}，请从下拉列表中选择", field, where=where, table=table, unit=unit, rule="V102")
        return default
    key = unicodedata.normalize("NFKC", text).strip()
    for display, code in choices:
        if key in (unicodedata.normalize("NFKC", display), code) or key.lower() == code.lower():
            return code
    if open_list:
        return key
    allowed = "、".join(d for d, _ in choices)
    raise input_error(f"须为 {allowed} 之一", field, value, where=where, table=table, unit=unit, rule="V107")


def to_number_list(value: Any, field: str | None = None, *, where: str | None = None,
                   table: str | None = None, unit: str | None = None) -> list[float]:
    """数值列表: '5000000, 4000000; 3000000' (comma, 、 or ; separated) → floats; blank → [].

    Text that reads as one grouped number ('5,000,000') is that one number.
    """
    check_common(value, field, where, table, unit)
    if is_blank(value):
        return []
    if not isinstance(value, str):
        return [to_float(value, field, where=where, table=table, unit=unit)]
    text = unicodedata.normalize("NFKC", value).strip()
    if _GROUPED_NUMBER.fullmatch(text.replace(" ", "")):
        return [to_float(text, field, where=where, table=table, unit=unit)]
    parts = [p for p in re.split(r"[,;、\s]+", text) if p]
    return [to_float(p, field, where=where, table=table, unit=unit) for p in parts]


def coerce_cell(value: Any, column: layout.Column | layout.Setting, *, where: str | None = None,
                table: str | None = None, unit: str | None = None) -> Any:
    """One cell by its column spec; a blank in an optional column gives NaN (numbers) or None."""
    spec = column.as_column() if isinstance(column, layout.Setting) else column
    field = spec.header
    open_list = getattr(column, "open_choices", False)
    if spec.kind == layout.LIST:
        return to_number_list(value, field, where=where, table=table, unit=unit)
    if is_blank(value):
        if not spec.optional:
            hint = "请填入数值" if spec.numeric else "请填写"
            raise input_error(f"{BLANK}，{hint}", field, where=where, table=table, unit=unit, rule="V102")
        return math.nan if spec.numeric else None
    kw = dict(where=where, table=table, unit=unit)
    if spec.kind == layout.TEXT:
        return to_str(value, field, **kw)
    if spec.kind == layout.CHOICE:
        return to_choice(value, field, spec.choices, open_list=open_list, **kw)
    if spec.kind == layout.BOOL:
        return to_bool(value, field, **kw)
    number = to_int(value, field, **kw) if spec.kind == layout.INT else to_float(value, field, **kw)
    low, high = read_limits(spec.code)
    if number < low == 0:
        raise input_error("不能小于 0", field, value, **kw, rule="V104")
    if number < low or number > high:
        shown = f"{low:g}–{high:g}" if abs(high) < MAX_MAGNITUDE else f"不小于 {low:g}"
        raise input_error(f"应在 {shown} 之间" if abs(high) < MAX_MAGNITUDE else shown, field, value, **kw,
                          rule="V106")
    if spec.minimum is not None and number < spec.minimum:
        raise input_error(f"不能小于 {spec.minimum:g}", field, value, **kw,
                          rule="V104" if spec.minimum == 0 else "V106")
    if spec.maximum is not None and number > spec.maximum:
        raise input_error(f"不能大于 {spec.maximum:g}", field, value, **kw, rule="V106")
    return number


# ---------------------------------------------------------------------------------------------
# ranges

def range_position(row: int, col: int) -> str:
    """Position inside a range, 0-based in, '第3行第2列' out."""
    return f"第{row + 1}行第{col + 1}列"


def as_rows(value: Any) -> list[list[Any]]:
    """Any range value as a rectangular list of rows: a scalar is 1×1, a 1-D list one row."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return [[value]]
    if not value:
        return []
    if not any(isinstance(v, list | tuple) for v in value):
        return [list(value)]
    rows = [list(r) if isinstance(r, list | tuple) else [r] for r in value]
    width = max(len(r) for r in rows)
    return [r + [None] * (width - len(r)) for r in rows]


def to_vector(value: Any, field: str | None = None, *, drop_trailing_blanks: bool = False) -> np.ndarray:
    """一行或一列数值: a single row or column (or a 1-D list) → 1-D float array.

    Blanks and text are refused with their position; `drop_trailing_blanks` first drops blank cells
    at the end (an oversized selection such as A2:A100).
    """
    flat_list = isinstance(value, list | tuple) and not any(isinstance(v, list | tuple) for v in value)
    rows = as_rows(value)
    if not rows or not rows[0]:
        raise input_error("区域为空，请选择一行或一列数值", field)
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > 1 and n_cols > 1:
        raise input_error(f"须为单行或单列（收到 {n_rows} 行 × {n_cols} 列）", field)
    cells = [v for r in rows for v in r]
    if flat_list:
        positions = [f"第{i + 1}个单元格" for i in range(len(cells))]
    elif n_cols == 1:
        positions = [range_position(i, 0) for i in range(len(cells))]
    else:
        positions = [range_position(0, i) for i in range(len(cells))]
    if drop_trailing_blanks:
        while cells and is_blank(cells[-1]):
            cells.pop()
        if not cells:
            raise input_error("区域全部为空，请填入数值", field)
    return np.array([to_float(v, field, where=p) for v, p in zip(cells, positions, strict=False)], dtype=float)


