"""表格取值转换 (table coercion) — a block of cell values (header row first) into a checked DataFrame.

Headers are matched to the layout's columns by name (full-width, spaces and unit suffixes forgiven); each value
goes through the scalar coercion of `addin.workbook.coerce`; duplicate keys and unknown headers are refused with
the cell position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from addin.workbook import layout
from addin.workbook.coerce import (
    COM_ERROR_CODES,
    EXCEL_ERRORS,
    as_rows,
    check_common,
    coerce_cell,
    input_error,
    is_blank,
    range_position,
    to_str,
)
from models.errors import BudgetInputError
from models.validation.rules import MAX_MAGNITUDE, read_limits


def normalize_key(text: str) -> str:
    """Header or code as compared: full-width folded (NFKC), spaces removed, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_UNIT_SUFFIX = re.compile(r"^(.*)\(([^()]*)\)$")


def _header_lookup(columns: Sequence[layout.Column]) -> dict[str, layout.Column]:
    lookup: dict[str, layout.Column] = {}
    for c in columns:
        for key in (c.code, c.header, c.title):
            lookup.setdefault(normalize_key(key), c)
    return lookup


def _match_header(text: str, lookup: Mapping[str, layout.Column], where: str, table: str) -> layout.Column | None:
    """The column a header names (Chinese or code, with or without its unit), None if unknown.

    A header whose unit differs from the column's (万元 for 元) is refused: the numbers would be off.
    """
    key = normalize_key(text)
    if key in lookup:
        return lookup[key]
    m = _UNIT_SUFFIX.match(key)
    if not m or m.group(1) not in lookup:
        return None
    column, unit = lookup[m.group(1)], m.group(2)
    if column.kind == layout.RATE and unit == "%":
        return column
    if unit != normalize_key(column.unit):
        want = f"以“{column.unit}”为单位" if column.unit else "不带单位"
        raise input_error(f"表头“{text}”的单位与要求不符：{column.header} 须{want}填写", column.header,
                          where=where, table=table, rule="V101")
    return column


def header_positions(header: Sequence[Any], columns: Sequence[layout.Column], *, table: str,
                     required: Iterable[str] | None = None,
                     position: Callable[[int, int], str] = range_position,
                     body: Sequence[Sequence[Any]] = ()) -> dict[str, int]:
    """Column code → index in the header row; unknown headers ignored, missing required ones refused.

    `required` defaults to the non-optional columns. A blank header over data in `body` is refused.
    """
    lookup = _header_lookup(columns)
    found: dict[str, int] = {}
    unknown: list[str] = []
    unknown_at: list[int] = []
    for j, head in enumerate(header):
        where = position(0, j)
        if is_blank(head):
            if any(j < len(r) and not is_blank(r[j]) for r in body):
                raise input_error("表头为空，但下面有数据：请填写列名或删除该列", None, where=where, table=table,
                                  rule="V101")
            continue
        text = to_str(head, "表头", where=where, table=table)
        column = _match_header(text, lookup, where, table)
        if column is None:
            unknown.append(text)
            unknown_at.append(j)
            continue
        if column.code in found:
            raise input_error(f"列“{column.header}”出现了两次", column.header, where=where, table=table,
                              rule="V101")
        found[column.code] = j
    need = set(required) if required is not None else {c.code for c in columns if not c.optional}
    missing = [c for c in columns if c.code in need and c.code not in found]
    if missing:
        heads = "、".join(c.title for c in missing)
        hint = f"（未识别的表头：{'、'.join(unknown)}）" if unknown else ""
        last = max((j for j, h in enumerate(header) if not is_blank(h)), default=-1)
        raise input_error(f"缺少列 {heads}{hint}，表头可用中文名或代码", missing[0].header, table=table,
                          rule="V101", where=position(0, unknown_at[0] if unknown_at else last + 1))
    return found


def frame_from_rows(rows: Sequence[Sequence[Any]], columns: Sequence[layout.Column], *, table: str,
                    required: Iterable[str] | None = None, key_columns: Sequence[str] = (),
                    position: Callable[[int, int], str] = range_position,
                    cache: dict | None = None) -> pd.DataFrame:
    """A header row plus data rows → DataFrame with canonical column codes, every cell checked.

    Headers match the Chinese header or the English code (with or without the unit suffix);
    unknown headers are ignored, all-blank rows skipped (below the table or inside it: an inserted sheet
    row), optional columns left entirely blank omitted. `position(r, c)` (0-based within `rows`) names a cell in messages.
    A refusal names the first bad cell: the 单位 column first, then the columns in layout order, each top down.
    `cache` (see :func:`table_body`) lets the data check and the reader share one pass over the same rows.
    """
    if not rows:
        raise input_error("区域为空，第一行应为表头", None, table=table, rule="V101")
    header = list(rows[0])
    source, body, cells = table_body(rows, cache)   # blank rows (inside or below the table) skipped;
                                                    # `source`: their row in `rows`, for cell positions

    found = header_positions(header, columns, table=table, required=required, position=position,
                             body=body)
    data: dict[str, Any] = {}
    unit_j = found.get("unit")
    units: list[Any] = [None] * len(body)
    if unit_j is not None:
        unit_col = _col(columns, "unit")
        units = _coerced_column(cells[unit_j], unit_j, unit_col, position, source, table, units)
    for column in columns:
        j = found.get(column.code)
        if j is None:
            continue
        values = units if column.code == "unit" else \
            _coerced_column(cells[j], j, column, position, source, table, units)
        if column.optional and _all_blank(values):
            continue
        data[column.code] = values

    frame = pd.DataFrame({code: _column_series(values, _col(columns, code)) for code, values in data.items()})
    if len(frame.columns) == 0:
        frame = pd.DataFrame(index=range(len(body)))
    _check_unique(frame, key_columns, found, lambda r, c: position(source[r - 1], c), table)
    return frame


def table_body(block: Sequence[Sequence[Any]], cache: dict | None = None,
               ) -> tuple[list[int], list[Sequence[Any]], list[Sequence[Any]]]:
    """表体: (row numbers, rows, columns) of the non-blank rows below a block's header row, its columns as
    sequences as wide as the header. Kept in `cache` (any dict the caller holds while the block is unchanged),
    so that the check's cell scan and the reader take them from one pass. Nothing here changes them."""
    key = ("body", id(block))
    held = cache.get(key) if cache is not None else None
    if held is not None and held[0] is block:
        return held[1]
    numbers = nonblank_rows(block, 1)
    rows = [block[i] for i in numbers]
    body = (numbers, rows, columns_of(rows, len(block[0])))
    if cache is not None:
        cache[key] = (block, body)
    return body


def nonblank_rows(rows: Sequence[Sequence[Any]], start: int = 0) -> list[int]:
    """Indices (from `start`) of the rows holding any value: what the reader reads of a table body."""
    return [i for i in range(start, len(rows)) if not blank_row(rows[i])]


def blank_row(row: Sequence[Any]) -> bool:
    """Whether every cell of a row is blank."""
    if row.count(None) == len(row):
        return True
    for v in row:
        if v is None:
            continue
        if type(v) is str:
            if v.strip():
                return False
        elif not is_blank(v):
            return False
    return True


def column_cells(body: Sequence[Sequence[Any]], j: int) -> list[Any]:
    """Column `j` of the body rows (None past a short row's end)."""
    if not body or min(map(len, body)) > j:
        return [r[j] for r in body]
    return [r[j] if j < len(r) else None for r in body]


def columns_of(body: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """The first `width` columns of the body rows, each as one sequence (None past a short row's end)."""
    if body and min(map(len, body)) == max(map(len, body)) >= width:
        return list(zip(*body, strict=True))[:width]
    return [column_cells(body, j) for j in range(width)]


_FLOAT_KINDS = (layout.MONEY, layout.NUMBER, layout.PERSONS, layout.RATE)
_MEMO_KINDS = (layout.TEXT, layout.CHOICE, layout.BOOL)
_COM_CODES = np.array(sorted(COM_ERROR_CODES), dtype=float)
_REFUSED = object()       # a text value `coerce_cell` refuses: its cells go through it one by one


def plain_column(cells: Sequence[Any], column: layout.Column, *, limits: bool = True) -> tuple[Any, list[int]]:
    """整列快速取值: (values, slow) — the values `coerce_cell` gives for a whole column's cells, taken over whole
    columns where that is sure to give the same, and the (ascending) indices of the cells it must see one by one.
    With `limits` False, numbers are checked against the column's own bounds only (not the read-time limits, and
    error codes only in integer columns): the data check's cell scan, whose refusals beyond that the reader reports.

    Numbers: plain finite ints and floats within the column's bounds and the read-time limits, checked as one
    array (a float column comes back as a float array, an integer column as a list). Text, choice and yes/no
    columns: each distinct text coerced once. Everything else (blanks, dates, numbers typed as text, lists,
    anything refused) is left to `coerce_cell`, which names the cell; its value in `values` is a placeholder.
    """
    n = len(cells)
    kind = column.kind
    if kind in _FLOAT_KINDS or kind == layout.INT:
        plain = (int, float)          # an integer column takes whole floats too (Excel's 2024.0): to_int's 2024
        try:
            if set(map(type, cells)) <= set(plain):
                numbers = np.array(cells, dtype=float) if n else np.zeros(0)
            else:
                numbers = np.array([v if type(v) in plain else np.nan for v in cells], dtype=float)
        except OverflowError:        # an integer beyond any float: every cell one by one
            numbers = np.full(n, np.nan)
        floor, ceiling = read_limits(column.code) if limits else (-np.inf, np.inf)   # coerce_cell's (V104/V106)
        low = floor if column.minimum is None else max(floor, column.minimum)
        high = ceiling if column.maximum is None else min(ceiling, column.maximum)
        with np.errstate(invalid="ignore"):
            ok = (numbers >= low) & (numbers <= high) & np.isfinite(numbers)
            if limits:
                ok &= np.abs(numbers) <= MAX_MAGNITUDE
        if limits or kind == layout.INT:
            ok &= ~np.isin(numbers, _COM_CODES)
        if kind == layout.INT:
            with np.errstate(invalid="ignore"):
                ok &= numbers == np.round(numbers)                     # 2024.5 and the like: one by one
        slow = np.flatnonzero(~ok).tolist()
        if kind in _FLOAT_KINDS:
            return numbers, slow
        return [int(v) if good and type(v) is float else v for v, good in zip(cells, ok.tolist(), strict=True)], slow
    if kind in _MEMO_KINDS:
        memo: dict[Any, Any] = {}
        values: list[Any] = [None] * n
        slow = []
        text = kind == layout.TEXT
        for i, v in enumerate(cells):
            if type(v) is not str and v is not None:
                slow.append(i)
                continue
            if text and v and v.isprintable() and (t := v.strip()) and t.upper() not in EXCEL_ERRORS:
                values[i] = t                  # what to_str gives plain text (no zero-width characters)
                continue
            got = memo.get(v, _REFUSED) if v in memo else _coerced_once(v, column, memo)
            if got is _REFUSED:
                slow.append(i)
            else:
                values[i] = got
        return values, slow
    return [None] * n, list(range(n))


def _coerced_once(value: Any, column: layout.Column, memo: dict[Any, Any]) -> Any:
    try:
        memo[value] = coerce_cell(value, column)
    except BudgetInputError:
        memo[value] = _REFUSED
    return memo[value]


def _coerced_column(cells: Sequence[Any], j: int, column: layout.Column, position: Callable[[int, int], str],
                    source: Sequence[int], table: str, units: Sequence[Any]) -> Any:
    """One column's cells (column `j`) as `coerce_cell` gives them (:func:`plain_column`, then the rest cell by
    cell, top down, so the first refusal is that of the topmost bad cell)."""
    values, slow = plain_column(cells, column)
    for i in slow:
        values[i] = coerce_cell(cells[i], column, where=position(source[i], j), table=table, unit=units[i])
    return values


def _all_blank(values: Any) -> bool:
    if isinstance(values, np.ndarray):
        return bool(np.isnan(values).all())
    return all(is_blank(v) for v in values)


def _col(columns: Sequence[layout.Column], code: str) -> layout.Column:
    return next(c for c in columns if c.code == code)


def _column_series(values: Any, column: layout.Column) -> pd.Series:
    if isinstance(values, np.ndarray):
        return pd.Series(values, dtype="float64")
    if column.kind == layout.INT and (set(map(type, values)) == {int} or not any(is_blank(v) for v in values)):
        return pd.Series(values, dtype="int64")
    if column.numeric:
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=object if column.kind in (layout.LIST, layout.BOOL) else None)


def _check_unique(frame: pd.DataFrame, keys: Sequence[str], found: Mapping[str, int],
                  position: Callable[[int, int], str], table: str) -> None:
    keys = [k for k in keys if k in frame.columns]
    if not keys or frame.empty:
        return
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        what = "、".join(str(frame[k].iloc[i]) for k in keys)
        raise input_error(f"重复：{what} 已在前面出现过，每个应只占一行", None,
                          where=position(i + 1, found[keys[0]]), table=table, rule="V201")


def to_table(value: Any, table_name: str, required: Iterable[str] | None = None) -> pd.DataFrame:
    """输入表: a range whose first row is the header → DataFrame with English column codes.

    `table_name` is a table of models.inputs.COLUMNS ("history", "units", "plans", …) or a
    workbook table name ("tblPlans"); `required` defaults to the table's non-optional columns.
    """
    try:
        columns = layout.table_columns(table_name)
    except KeyError as exc:
        raise input_error(str(exc.args[0]), "表名", table_name) from None
    keys: tuple[str, ...] = ("unit",) if table_name == "units" else ()
    for t in layout.TABLES.values():
        if table_name in (t.key, t.name):
            keys = t.key_columns
    return frame_from_rows(as_rows(value), columns, table=table_name, required=required, key_columns=keys)


def to_mapping(value: Any, field: str | None = None) -> dict[str, Any]:
    """两列 键/值: a two-column range → {key: value}; blank rows skipped, values left raw (None if blank)."""
    rows = as_rows(value)
    if rows and len(rows[0]) != 2:
        raise input_error(f"须为两列（名称、数值），收到 {len(rows[0])} 列", field)
    mapping: dict[str, Any] = {}
    for i, (key, val) in enumerate(rows):
        if is_blank(key):
            if not is_blank(val):
                raise input_error("名称为空，但有数值：请填写名称", field, val, where=range_position(i, 0), rule="V102")
            continue
        name = to_str(key, field, where=range_position(i, 0))
        if name in mapping:
            raise input_error(f"名称“{name}”重复", field, where=range_position(i, 0), rule="V201")
        check_common(val, field, range_position(i, 1), None, None)
        if is_blank(val):
            mapping[name] = None
        else:
            mapping[name] = val.strip() if isinstance(val, str) else val
    return mapping


# ---------------------------------------------------------------------------------------------
# results back to Excel
