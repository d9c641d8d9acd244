"""单元格取值转换 — turn the raw values Excel hands to a UDF into checked Python values.

On Linux xlwings applies no converters, and on Windows we do not rely on them either: every UDF takes
what Excel passes (float, int, bool, str, None for a blank cell, datetime, 1-D lists for a single row
or column, lists of lists for a range, Excel error values) and converts it here. Every refusal is a
`BudgetInputError` naming the field and the cell position (第3行第2列, or 历年执行!F12 when reading a
workbook), and `udf_result` turns any exception into a short cell message instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from addin.workbook import layout
from models.errors import BudgetInputError

log = logging.getLogger(__name__)

_REQUIRED: Any = object()   # sentinel: no default, a blank is an error
MAX_CELL_TEXT = 255

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


def _fail(message: str, field: str | None, value: Any = None, *, where: str | None = None,
          table: str | None = None, unit: str | None = None) -> BudgetInputError:
    text = f"{where} {message}" if where else message
    return BudgetInputError(text, field=field, value=_short(value), table=table, unit=unit)


def _check_common(value: Any, field: str | None, where: str | None, table: str | None,
                  unit: str | None) -> None:
    err = excel_error(value)
    if err:
        raise _fail(f"是错误值 {err}，请先修正该单元格或它引用的单元格", field, where=where,
                    table=table, unit=unit)


def parse_number_text(text: str) -> float | None:
    """Read a number typed as text: '1,234' → 1234, '12%' → 0.12, full-width '１２３' → 123, '(5)' → -5.

    Returns None when the text is not a number.
    """
    s = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
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
    _check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise _fail("为空，请填入数值", field, where=where, table=table, unit=unit)
        return default
    if isinstance(value, bool | np.bool_):
        raise _fail("是逻辑值（TRUE/FALSE），请填入数值", field, value, where=where, table=table, unit=unit)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise _fail("是日期或时间，请填入数值", field, value, where=where, table=table, unit=unit)
    if isinstance(value, numbers.Real):
        number = float(value)
    elif isinstance(value, str):
        parsed = parse_number_text(value)
        if parsed is None:
            raise _fail("不是数字，请只填数字（不带单位或文字）", field, value, where=where, table=table,
                        unit=unit)
        number = parsed
    else:
        raise _fail(f"不是数字（{type(value).__name__}），请填入数值", field, value, where=where,
                    table=table, unit=unit)
    if not math.isfinite(number):
        raise _fail("不是有限数值，请填入数值", field, value, where=where, table=table, unit=unit)
    return number


def to_int(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
           table: str | None = None, unit: str | None = None) -> int:
    """整数 (year, months, rank): a whole number; 2024.0 and '2024' are fine, 2024.5 is not."""
    number = to_float(value, field, default=_REQUIRED if default is _REQUIRED else None, where=where,
                      table=table, unit=unit)
    if number is None:
        return default
    if abs(number - round(number)) > 1e-9:
        raise _fail("须为整数", field, value, where=where, table=table, unit=unit)
    return int(round(number))


def to_str(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
           table: str | None = None, unit: str | None = None) -> str:
    """文字: text with surrounding spaces removed; a whole number 101.0 reads as '101'."""
    _check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise _fail("为空，请填写", field, where=where, table=table, unit=unit)
        return default
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        raise _fail("是逻辑值（TRUE/FALSE），请填写文字", field, value, where=where, table=table, unit=unit)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def to_bool(value: Any, field: str | None = None, *, default: Any = _REQUIRED, where: str | None = None,
            table: str | None = None, unit: str | None = None) -> bool:
    """是/否: TRUE/FALSE, 1/0, 是/否, yes/no."""
    _check_common(value, field, where, table, unit)
    if is_blank(value):
        if default is _REQUIRED:
            raise _fail("为空，请填 是 或 否", field, where=where, table=table, unit=unit)
        return default
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Real) and float(value) in (0.0, 1.0):
        return float(value) == 1.0
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _fail("须为 是 或 否（TRUE/FALSE）", field, value, where=where, table=table, unit=unit)


def to_choice(value: Any, field: str | None, choices: Sequence[tuple[str, str]], *, default: Any = _REQUIRED,
              open_list: bool = False, where: str | None = None, table: str | None = None,
              unit: str | None = None) -> str:
    """下拉选项: a display label (设区市) or its code (city) → the code.

    With `open_list`, text that is neither passes through unchanged (for codes a later module adds).
    """
    text = to_str(value, field, default=None, where=where, table=table, unit=unit)
    if text is None:
        if default is _REQUIRED:
            raise _fail("为空，请从下拉列表中选择", field, where=where, table=table, unit=unit)
        return default
    key = unicodedata.normalize("NFKC", text).strip()
    for display, code in choices:
        if key in (unicodedata.normalize("NFKC", display), code) or key.lower() == code.lower():
            return code
    if open_list:
        return key
    allowed = "、".join(d for d, _ in choices)
    raise _fail(f"须为 {allowed} 之一", field, value, where=where, table=table, unit=unit)


def to_number_list(value: Any, field: str | None = None, *, where: str | None = None,
                   table: str | None = None, unit: str | None = None) -> list[float]:
    """数值列表: '5000000, 4000000; 3000000' (comma, 、 or ; separated) → floats; blank → [].

    Text that reads as one grouped number ('5,000,000') is that one number.
    """
    _check_common(value, field, where, table, unit)
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
            raise _fail(f"为空，{hint}", field, where=where, table=table, unit=unit)
        return math.nan if spec.numeric else None
    kw = dict(where=where, table=table, unit=unit)
    if spec.kind == layout.TEXT:
        return to_str(value, field, **kw)
    if spec.kind == layout.CHOICE:
        return to_choice(value, field, spec.choices, open_list=open_list, **kw)
    if spec.kind == layout.BOOL:
        return to_bool(value, field, **kw)
    number = to_int(value, field, **kw) if spec.kind == layout.INT else to_float(value, field, **kw)
    if spec.minimum is not None and number < spec.minimum:
        raise _fail(f"不能小于 {spec.minimum:g}", field, value, **kw)
    if spec.maximum is not None and number > spec.maximum:
        raise _fail(f"不能大于 {spec.maximum:g}", field, value, **kw)
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
        raise _fail("区域为空，请选择一行或一列数值", field)
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > 1 and n_cols > 1:
        raise _fail(f"须为单行或单列（收到 {n_rows} 行 × {n_cols} 列）", field)
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
            raise _fail("区域全部为空，请填入数值", field)
    return np.array([to_float(v, field, where=p) for v, p in zip(cells, positions, strict=False)], dtype=float)


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
        raise _fail(f"表头“{text}”的单位与要求不符：{column.header} 须{want}填写", column.header,
                    where=where, table=table)
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
    for j, head in enumerate(header):
        where = position(0, j)
        if is_blank(head):
            if any(j < len(r) and not is_blank(r[j]) for r in body):
                raise _fail("表头为空，但下面有数据：请填写列名或删除该列", table, where=where, table=table)
            continue
        text = to_str(head, "表头", where=where, table=table)
        column = _match_header(text, lookup, where, table)
        if column is None:
            unknown.append(text)
            continue
        if column.code in found:
            raise _fail(f"列“{column.header}”出现了两次", column.header, where=where, table=table)
        found[column.code] = j
    need = set(required) if required is not None else {c.code for c in columns if not c.optional}
    missing = [c for c in columns if c.code in need and c.code not in found]
    if missing:
        heads = "、".join(c.title for c in missing)
        hint = f"（未识别的表头：{'、'.join(unknown)}）" if unknown else ""
        raise _fail(f"缺少列 {heads}{hint}，表头可用中文名或英文代码", missing[0].header, table=table)
    return found


def frame_from_rows(rows: Sequence[Sequence[Any]], columns: Sequence[layout.Column], *, table: str,
                    required: Iterable[str] | None = None, key_columns: Sequence[str] = (),
                    position: Callable[[int, int], str] = range_position) -> pd.DataFrame:
    """A header row plus data rows → DataFrame with canonical column codes, every cell checked.

    Headers match the Chinese header or the English code (with or without the unit suffix);
    unknown headers are ignored, trailing all-blank rows dropped, optional columns left entirely
    blank omitted. `position(r, c)` (0-based within `rows`) names a cell in messages.
    """
    if not rows:
        raise _fail("区域为空，第一行应为表头", table, table=table)
    header, body = list(rows[0]), [list(r) for r in rows[1:]]
    while body and all(is_blank(v) for v in body[-1]):
        body.pop()

    found = header_positions(header, columns, table=table, required=required, position=position,
                             body=body)
    data: dict[str, list[Any]] = {}
    unit_j = found.get("unit")
    units = [None] * len(body)
    if unit_j is not None:
        unit_col = next(c for c in columns if c.code == "unit")
        units = [coerce_cell(_at(r, unit_j), unit_col, where=position(i + 1, unit_j), table=table)
                 for i, r in enumerate(body)]
    for column in columns:
        j = found.get(column.code)
        if j is None:
            continue
        if column.code == "unit":
            values = units
        else:
            values = [coerce_cell(_at(r, j), column, where=position(i + 1, j), table=table, unit=units[i])
                      for i, r in enumerate(body)]
        if column.optional and all(is_blank(v) for v in values):
            continue
        data[column.code] = values

    frame = pd.DataFrame({code: _column_series(values, _col(columns, code)) for code, values in data.items()})
    if len(frame.columns) == 0:
        frame = pd.DataFrame(index=range(len(body)))
    _check_unique(frame, key_columns, found, position, table)
    return frame


def _at(row: Sequence[Any], j: int) -> Any:
    return row[j] if j < len(row) else None


def _col(columns: Sequence[layout.Column], code: str) -> layout.Column:
    return next(c for c in columns if c.code == code)


def _column_series(values: list[Any], column: layout.Column) -> pd.Series:
    if column.kind == layout.INT and not any(is_blank(v) for v in values):
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
        raise _fail(f"重复：{what} 已在前面出现过，每个应只占一行", None,
                    where=position(i + 1, found[keys[0]]), table=table)


def to_table(value: Any, table_name: str, required: Iterable[str] | None = None) -> pd.DataFrame:
    """输入表: a range whose first row is the header → DataFrame with English column codes.

    `table_name` is a table of models.inputs.COLUMNS ("history", "units", "plans", …) or a
    workbook table name ("tblPlans"); `required` defaults to the table's non-optional columns.
    """
    try:
        columns = layout.table_columns(table_name)
    except KeyError as exc:
        raise _fail(str(exc.args[0]), "表名", table_name) from None
    keys: tuple[str, ...] = ("unit",) if table_name == "units" else ()
    for t in layout.TABLES.values():
        if table_name in (t.key, t.name):
            keys = t.key_columns
    return frame_from_rows(as_rows(value), columns, table=table_name, required=required, key_columns=keys)


def to_mapping(value: Any, field: str | None = None) -> dict[str, Any]:
    """两列 键/值: a two-column range → {key: value}; blank rows skipped, values left raw (None if blank)."""
    rows = as_rows(value)
    if rows and len(rows[0]) != 2:
        raise _fail(f"须为两列（名称、数值），收到 {len(rows[0])} 列", field)
    mapping: dict[str, Any] = {}
    for i, (key, val) in enumerate(rows):
        if is_blank(key):
            if not is_blank(val):
                raise _fail("名称为空，但有数值：请填写名称", field, val, where=range_position(i, 0))
            continue
        name = to_str(key, field, where=range_position(i, 0))
        if name in mapping:
            raise _fail(f"名称“{name}”重复", field, where=range_position(i, 0))
        _check_common(val, field, range_position(i, 1), None, None)
        if is_blank(val):
            mapping[name] = None
        else:
            mapping[name] = val.strip() if isinstance(val, str) else val
    return mapping


# ---------------------------------------------------------------------------------------------
# results back to Excel

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
        body = [list(r) for r in frame.itertuples(index=False, name=None)]
        return _rectangle([head, *body])
    if isinstance(data, list | tuple) and data and all(isinstance(r, Mapping) for r in data):
        keys: list[str] = []
        for r in data:
            keys += [k for k in r if k not in keys]
        head = [names.get(str(k), str(k)) for k in keys]
        return _rectangle([head, *([r.get(k) for k in keys] for r in data)])
    return _rectangle(as_rows(data))


def udf_result(fn: Callable | None = None, *, array: bool = False) -> Callable:
    """Decorator for UDFs: an exception becomes a short cell message ([[message]] when `array`).

    Array results given as DataFrames are turned into a 2-D list with `to_excel_table`; other
    results have numpy values made plain. Use under `@xw.func`:

        @xw.func
        @udf_result(array=True)
        def WI_BUDGET(history, plans): ...
    """
    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
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
                return to_excel_table(result)
            if isinstance(result, np.ndarray):
                result = result.tolist()
            if not array:
                return _plain_nested(result)
            if isinstance(result, list | tuple) and result and all(isinstance(r, Mapping) for r in result):
                return to_excel_table(result)
            return _rectangle(as_rows(result))
        return wrapper

    return decorate if fn is None else decorate(fn)


def _plain_nested(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain_nested(v) for v in value]
    return plain_value(value)
