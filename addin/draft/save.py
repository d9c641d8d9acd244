"""保存草案 (saving the draft workbooks): reproducible bytes, and cell data written as text at any size.

openpyxl writes every cell through an XML element writer (~10 µs a cell): 170,000 cells of a 3,000-unit draft
took seconds. Here openpyxl writes everything of a sheet but its cells and rows (sheet properties, views,
columns, merges, conditional formats, print settings, drawings), and the `<sheetData>` element is written
as text from the same cells, in the same form (`sheet_data_xml`): numbers as "%.16g", text as inline
strings, each cell's style index from the workbook's style table, rows with their heights. A sheet holding
anything else (a formula, a date, rich text, a comment or a hyperlink) is left wholly to openpyxl.
The zip entries carry one fixed time (the workbook's `modified`), so equal content gives equal bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from addin.draft.cells import settle_merges
from addin.workbook.safe_cells import neutralise_formulas

_EMPTY_DATA = b"<sheetData></sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
_TYPES = {"n": "n", "s": "inlineStr", "b": "b"}


def _text(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{escaped}</t></is>"


def _row_attrs(rd: Any) -> str:
    """The attributes of a `<row>` (height) as openpyxl writes them; the plain case without its slow iteration."""
    if rd.has_style or rd.hidden or rd.outlineLevel or rd.collapsed or rd.thickBot or rd.thickTop:
        return "".join(f' {k}="{v}"' for k, v in rd)
    return f' ht="{rd.ht:.16g}" customHeight="1"' if rd.ht is not None else ""


def sheet_data_xml(ws: Worksheet) -> str | None:
    """工作表数据 — the `<sheetData>` element of `ws` as text, or None when a cell needs openpyxl's writer."""
    styles = ws.parent._cell_styles
    by_row: dict[int, list[tuple[int, Any]]] = {}
    for (r, c), cell in ws._cells.items():
        if cell._comment is not None or cell.hyperlink is not None or cell.data_type not in _TYPES:
            return None
        by_row.setdefault(r, []).append((c, cell))
    dims = ws.row_dimensions
    letters = [""] + [get_column_letter(c) for c in range(1, (ws.max_column or 1) + 1)]
    heads: dict[tuple[bytes, str], tuple[str, bool]] = {}     # (style indices, type) → ('" s="5" t="n"', styled)
    out = ["<sheetData>"]
    for r in sorted(by_row.keys() | dims.keys()):
        out.append(f'<row r="{r}"{_row_attrs(dims[r]) if r in dims else ""}>')
        row = by_row.get(r, ())
        if len(row) > 1:
            row.sort(key=lambda item: item[0])
        for c, cell in row:
            value = cell._value
            array = cell._style
            kind = cell.data_type
            key = (array.tobytes() if array is not None else b"", kind)
            known = heads.get(key)
            if known is None:
                styled = array is not None and any(array)
                sid = f' s="{styles.add(array)}"' if styled else ""
                known = heads[key] = (f'"{sid} t="{_TYPES[kind]}"', styled)
            attrs, styled = known
            if value is None and not styled:
                continue
            if value is None or value == "":
                out.append(f'<c r="{letters[c]}{r}{attrs}/>')
            elif kind == "s":
                if not isinstance(value, str):
                    return None          # rich text
                out.append(f'<c r="{letters[c]}{r}{attrs}>{_text(value)}</c>')
            else:
                x = float(value)
                out.append(f'<c r="{letters[c]}{r}{attrs}><v>{f"{x:.16g}" if math.isfinite(x) else ""}</v></c>')
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time; worksheets get their cell data spliced in."""

    def __init__(self, file: Path, when: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._when = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
        self.pending: tuple[bytes, bytes] | None = None     # (dimension, sheetData) of the sheet being written

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[override]
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(str(zinfo_or_arcname), date_time=self._when)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[override]
        # openpyxl writes worksheets through temporary files: store their bytes with the fixed time
        data = Path(filename).read_bytes()
        if self.pending is not None:
            dimension, cells = self.pending
            self.pending = None
            data = _DIMENSION.sub(dimension, data, count=1).replace(_EMPTY_DATA, cells, 1)
        self.writestr(str(arcname or Path(filename).name), data, compress_type, compresslevel)


class _DraftWriter(ExcelWriter):
    """openpyxl's writer, with each sheet's cells and rows written by `sheet_data_xml`."""

    def write_worksheet(self, ws: Worksheet) -> None:
        cells = sheet_data_xml(ws)
        if cells is None:
            super().write_worksheet(ws)
            return
        dimension = f'<dimension ref="{ws.calculate_dimension()}"/>'.encode()
        kept = ws._cells, ws.row_dimensions
        ws._cells, ws.row_dimensions = {}, {}
        self._archive.pending = (dimension, cells.encode("utf-8"))
        try:
            super().write_worksheet(ws)
        finally:
            ws._cells, ws.row_dimensions = kept


def save_workbook(wb: Workbook, path: Path | str) -> None:
    """Save like openpyxl does, but keep the workbook's own `modified` time and fixed zip times."""
    when = wb.properties.modified or dt.datetime(1980, 1, 1)
    neutralise_formulas(wb)      # these workbooks hold values only: any text starting with "=" stays text
    settle_merges(wb)
    with _FixedTimeZip(Path(path), when) as archive:
        _DraftWriter(wb, archive).write_data()
