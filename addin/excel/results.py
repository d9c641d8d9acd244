"""单元格结果 (results back to Excel) — exceptions as short cell messages and engine results as plain 2-D lists.

`udf_result` wraps every UDF: an exception becomes '#输入错误: …' text (≤ 255 characters) instead of a traceback,
DataFrames or numpy values become the floats, texts and blanks Excel takes, every text is clipped to 255
characters, and an array result is fitted to the calling range (xlwings' reserved `caller` argument): a range
too small shows 区域不足 in its first cell instead of a silently truncated table.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import math
import numbers
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from addin.workbook.coerce import MAX_CELL_TEXT, as_rows
from models.errors import BudgetInputError

log = logging.getLogger(__name__)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_error(exc: BaseException) -> str:
    """A short cell text for any exception: '#输入错误: …' for bad input, '#内部错误: Type: …' otherwise."""
    if isinstance(exc, BudgetInputError):
        text = exc.describe()
        return _clip(f"#输入错误: {text}", MAX_CELL_TEXT)
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    text = f"#内部错误: {type(exc).__name__}: {first}" if first else f"#内部错误: {type(exc).__name__}"
    return _clip(text, MAX_CELL_TEXT)


def plain_value(value: Any) -> Any:
    """One value as Excel takes it: float for numbers, None for missing, '#NUM!' for infinity."""
    kind = type(value)
    if kind is float:                       # most cells: decided without the checks below
        return value if math.isfinite(value) else (None if math.isnan(value) else "#NUM!")
    if kind is str:
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        stamp = pd.Timestamp(value)
        return None if stamp is pd.NaT else stamp.to_pydatetime()
    if isinstance(value, dt.date | dt.datetime):
        return value
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if math.isnan(number):
            return None
        return number if math.isfinite(number) else "#NUM!"
    return str(value)


def _rectangle(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    return [[plain_value(v) for v in r] + [None] * (width - len(r)) for r in rows] or [[None]]


def to_excel_table(data: Any, *, headers: Mapping[str, str] | None = None, index: bool = False) -> list[list]:
    """表格结果: DataFrame / Series / list of dicts / list of rows → 2-D list of plain values, header first.

    `headers` renames columns (e.g. codes → Chinese); `index` puts the DataFrame index first.
    Lists of rows are taken as they are (their first row is the header).
    """
    names = dict(headers or {})
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else "值")
        index = True
    if isinstance(data, pd.DataFrame):
        frame = data
        if index:   # an unnamed index gets a blank header cell
            frame = data.rename_axis([n if n is not None else "" for n in data.index.names]).reset_index()
        head = [names.get(str(c), str(c)) for c in frame.columns]
        body = frame.to_numpy(dtype=object).tolist()      # the values itertuples gives, made plain alike
        return _rectangle([head, *body])
    if isinstance(data, list | tuple) and data and all(isinstance(r, Mapping) for r in data):
        keys: list[str] = []
        for r in data:
            keys += [k for k in r if k not in keys]
        head = [names.get(str(k), str(k)) for k in keys]
        return _rectangle([head, *([r.get(k) for k in keys] for r in data)])
    return _rectangle(as_rows(data))


#: xlwings' reserved argument: on Windows it receives the calling Range (never a worksheet argument).
CALLER = "caller"
REBUILD_HINT = "请用 wibudget build-workbook --from 重建"


def too_small(rows: int, cols: int) -> str:
    """区域不足 message for an array formula smaller than its table."""
    return f"区域不足：需要 {rows} 行 × {cols} 列，{REBUILD_HINT}"


def caller_shape(caller: Any) -> tuple[int, int] | None:
    """(rows, columns) of the calling range (xlwings Range: caller.rows.count, caller.columns.count);
    None when there is no caller (tests, LibreOffice, a call from Python) or it has no shape."""
    if caller is None:
        return None
    try:
        rows, cols = int(caller.rows.count), int(caller.columns.count)
    except (AttributeError, TypeError, ValueError):
        return None
    return (rows, cols) if rows >= 1 and cols >= 1 else None


def fit_to_caller(table: list[list[Any]], caller: Any) -> list[list[Any]]:
    """The table as the calling array formula shows it, never cut off silently.

    Larger range: padded with blanks (instead of Excel's #N/A). Smaller range: the 区域不足 message in
    its first cell and blanks elsewhere. No caller: the table unchanged.
    """
    shape = caller_shape(caller)
    if shape is None:
        return table
    rows, cols = shape
    need_rows, need_cols = len(table), max((len(r) for r in table), default=0)
    if need_rows > rows or need_cols > cols:
        table = [[too_small(need_rows, need_cols)]]
    return [[table[i][j] if i < len(table) and j < len(table[i]) else None for j in range(cols)]
            for i in range(rows)]


def clip_text(value: Any) -> Any:
    """Text longer than Excel's 255 characters cut with '…' (a longer string turns the array into #VALUE!)."""
    return _clip(value, MAX_CELL_TEXT) if isinstance(value, str) else value


def _caller_position(f: Callable) -> int | None:
    names = list(inspect.signature(f).parameters)
    return names.index(CALLER) if CALLER in names else None


def udf_result(fn: Callable | None = None, *, array: bool = False) -> Callable:
    """Decorator for UDFs: an exception becomes a short cell message ([[message]] when `array`).

    Array results given as DataFrames are turned into a 2-D list with `to_excel_table`; other
    results have numpy values made plain; every text is at most 255 characters. An array UDF with
    the reserved argument `caller` is fitted to the calling range (`fit_to_caller`). Use under `@xw.func`:

        @xw.func
        @udf_result(array=True)
        def WI_BUDGET(history, plans, caller=None): ...
    """
    def decorate(f: Callable) -> Callable:
        at = _caller_position(f)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = _run(f, array, args, kwargs)
            if array and at is not None:
                caller = args[at] if at < len(args) else kwargs.get(CALLER)
                result = fit_to_caller(result, caller)
            return result
        return wrapper

    return decorate if fn is None else decorate(fn)


def _run(f: Callable, array: bool, args: tuple, kwargs: dict) -> Any:
    try:
        result = f(*args, **kwargs)
    except BudgetInputError as exc:
        log.info("%s: %s", f.__name__, exc)
        message = cell_error(exc)
        return [[message]] if array else message
    except Exception as exc:
        log.exception("%s failed", f.__name__)
        message = cell_error(exc)
        return [[message]] if array else message
    if isinstance(result, pd.DataFrame | pd.Series):
        return _clipped(to_excel_table(result))
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not array:
        return _plain_nested(result)
    if isinstance(result, list | tuple) and result and all(isinstance(r, Mapping) for r in result):
        return _clipped(to_excel_table(result))
    return _clipped(_rectangle(as_rows(result)))


def _clipped(rows: list[list[Any]]) -> list[list[Any]]:
    return [[clip_text(v) for v in r] for r in rows]


def _plain_nested(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain_nested(v) for v in value]
    return clip_text(plain_value(value))
