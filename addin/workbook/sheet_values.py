"""单元格值快速读取 (fast sheet values) — the cached values of a workbook's sheets, rows from A1, without openpyxl.

:func:`load_sheet_rows` reads with calamine (a compiled reader; no cell objects, no styles) and gives the
values exactly as openpyxl's ``load_workbook(read_only=True, data_only=True)`` ``iter_rows(values_only=True)``
gives them, so that the reader's checks and its sheet!cell messages stay the same:

- rows start at A1 (calamine's ranges start at the first used cell; its rows are taken from A1);
- a blank cell is None (calamine gives ""); an empty formula result is None too;
- an integer is an int (calamine gives 2.0 for the stored "2"); other numbers are floats;
- a date is a ``datetime`` (calamine gives a ``date`` when there is no time part); times stay ``time``;
- an Excel error value is its text such as "#N/A" (calamine gives ""): the error cells are taken from the
  sheet's XML (a sheet whose error cells carry no address is read with openpyxl instead);
- hidden sheets are read like the others; a merged range has its value in its top-left cell only.

Trailing blank rows and columns may be fewer than openpyxl's (it pads to the sheet's declared dimension);
blank cells past the last value are the same to every reader. Call it only after
``addin.workbook.safe_open.inspect_workbook`` has passed the file (size, zip bomb, rows, columns): this
module does no limit checks of its own.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeET

if TYPE_CHECKING:
    from addin.workbook.safe_open import WorkbookInfo

Rows = list[list[Any]]

_INT_LIMIT = 1e15        # Excel stores integers below this without a decimal point or exponent (openpyxl: int)
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ERROR_MARK = re.compile(rb"""\bt\s*=\s*["']e["']""")
_ERROR_HINT = re.compile(rb"""t\s*=\s*["']e["']""")      # the same without the word boundary: found fast
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?\bt\s*=\s*[\"']e[\"'][^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]*)</(?:\w+:)?v>")


def _value(v: Any) -> Any:
    """One calamine value as openpyxl gives it."""
    t = type(v)
    if t is float:
        return int(v) if v.is_integer() and -_INT_LIMIT < v < _INT_LIMIT else v
    if t is str:
        return v if v else None
    if t is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → its part in the zip (from the workbook part and its relationships)."""
    root_rels = SafeET.fromstring(zf.read("_rels/.rels"))
    book = next((r.get("Target", "").lstrip("/") for r in root_rels.iter(f"{_NS_PKG_REL}Relationship")
                 if r.get("Type", "").endswith("/officeDocument")), "xl/workbook.xml")
    folder = posixpath.dirname(book)
    rels_part = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets = {}
    for r in SafeET.fromstring(zf.read(rels_part)).iter(f"{_NS_PKG_REL}Relationship"):
        target = r.get("Target", "")
        targets[r.get("Id", "")] = target.lstrip("/") if target.startswith("/") \
            else posixpath.normpath(posixpath.join(folder, target))
    return {s.get("name", ""): targets.get(s.get(f"{_NS_REL}id", ""), "")
            for s in SafeET.fromstring(zf.read(book)).iter(f"{_NS_MAIN}sheet")}


def _error_cells(data: bytes) -> dict[tuple[int, int], str] | None:
    """(0-based row, col) → error text of every error cell of a sheet's XML; None if one has no address."""
    out: dict[tuple[int, int], str] = {}
    for m in _ERROR_CELL.finditer(data):
        ref = _CELL_REF.search(m.group(1))
        if ref is None:
            return None
        value = _VALUE.search(m.group(2) or b"")
        text = value.group(1).decode("utf-8", "replace") if value else None
        if text:
            out[(int(ref.group(2)) - 1, _column_index(ref.group(1).decode("ascii")) - 1)] = text
    return out


def _errors_by_sheet(path: Path, names: Iterable[str]) -> dict[str, dict[tuple[int, int], str] | None]:
    """Error cells of the named sheets that have any (None for a sheet to be read with openpyxl)."""
    out: dict[str, dict[tuple[int, int], str] | None] = {}
    names = list(names)
    if not names:
        return out
    with zipfile.ZipFile(path) as zf:
        try:
            parts = _sheet_parts(zf)
        except (KeyError, SafeET.ParseError):
            parts = {}
        for name in names:
            part = parts.get(name)
            if part not in zf.NameToInfo:      # no part found: read this sheet the slow, sure way
                out[name] = None
                continue
            data = zf.read(part)
            if _ERROR_HINT.search(data) and _ERROR_MARK.search(data):
                out[name] = _error_cells(data)
    return out


def _openpyxl_rows(path: Path, name: str) -> Rows:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def _rows(sheet: Any, errors: dict[tuple[int, int], str]) -> Rows:
    """A calamine sheet's values from A1 (`skip_empty_area=False` keeps the blank rows and columns before
    its first used cell, so that positions stay those of the sheet), with its error cells put back."""
    if sheet.start is None:          # an empty sheet
        return []
    limit = _INT_LIMIT
    rows = [[(int(v) if v.is_integer() and -limit < v < limit else v) if type(v) is float
             else (v or None) if type(v) is str else _value(v) for v in row]
            for row in sheet.to_python(skip_empty_area=False)]
    for (r, c), text in errors.items():
        if r < len(rows):
            row = rows[r]
            if c >= len(row):
                row.extend([None] * (c + 1 - len(row)))
            row[c] = text
    return rows


def load_sheet_rows(path: str | Path, names: Iterable[str] | None = None,
                    info: WorkbookInfo | None = None) -> dict[str, Rows]:
    """工作表单元格值: {sheet name: rows of cached values from A1} for the named worksheets the workbook has
    (every worksheet when `names` is None), in the order asked; see the module docstring for the values.

    Only after the safe inspection; calamine's own errors (a damaged part) propagate to the caller. `info` is
    that inspection's result: the sheets it found without error cells are not searched for them again.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    wb = CalamineWorkbook.from_path(str(path))
    try:
        have = list(wb.sheet_names)
        wanted = [n for n in (have if names is None else names) if n in have]
        clean = {n for n in wanted if info is not None and n in info.sizes and not info.sizes[n].error_cells}
        errors = _errors_by_sheet(path, [n for n in wanted if n not in clean])
        out: dict[str, Rows] = {}
        for name in wanted:
            found = errors.get(name, {})
            out[name] = _openpyxl_rows(path, name) if found is None else _rows(wb.get_sheet_by_name(name), found)
        return out
    finally:
        wb.close()
