"""版面框架 (page frame) of the draft's sheets: title block, table placement with styles and number formats, column
widths and row heights measured from the text, print setup.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.cells import dress, merge
from addin.draft.style import DraftStyle
from addin.report.tables import DraftTables
from addin.report.text import display_width, fmt_number, header_break, wrap_text
from addin.workbook.safe_cells import put_text

WAN = "wan"
ZERO_BASE_TEXT = "基数为零"      # a growth or deviation over a zero base (never inf)
HEADER_BREAK_WIDTH = 12         # header labels wider than this break at a word boundary
CM_PER_WIDTH_UNIT = 0.19   # one Excel character unit (7 px at 96 dpi) in centimetres
CM_PER_POINT = 2.54 / 72


@dataclass
class Frame:
    """一张表的版面 (a sheet under construction): rows written so far, widths, formats."""

    ws: Worksheet
    style: DraftStyle
    n_cols: int
    row: int = 0
    widths: dict[int, float] = field(default_factory=dict)
    header_rows: tuple[int, int] = (0, 0)
    pending_notes: list[tuple[int, str, int]] = field(default_factory=list)   # wrapped rows: row, text, from col
    _styles: dict[tuple, StyleArray] = field(default_factory=dict)     # put()'s style key → openpyxl style indices
    _numbers: dict[tuple, float] = field(default_factory=dict)         # (col, decimals, negative) → largest size
    _fmt_decimals: dict[str | None, int] = field(default_factory=dict)

    # -- cells --------------------------------------------------------------------------------
    def _track(self, col: int, text: str, factor: float = 1.0) -> None:
        w = max(_text_width(part) for part in text.split("\n")) * factor
        if w > self.widths.get(col, 0.0):
            self.widths[col] = w

    def _track_number(self, col: int, value: float | int, decimals: int | None) -> None:
        """Numbers are measured once per column at the end (`_fold_numbers`): the widest is the largest in size,
        with a minus sign when negative."""
        key = (col, decimals, value < 0)
        size = abs(value)
        if size >= self._numbers.get(key, -1.0):
            self._numbers[key] = size

    def _fold_numbers(self) -> None:
        for (col, decimals, negative), size in self._numbers.items():
            text = f"{int(size):,}" if decimals is None else fmt_number(float(size), decimals)
            self._track(col, ("-" if negative else "") + text)
        self._numbers.clear()

    def put(self, row: int, col: int, value: Any, *, fmt: str | None = None, bold: bool = False,
            fill: str | None = None, align: str | None = None, indent: int = 0, border: bool = True,
            color: str | None = None, wrap: bool = False, track: bool = True) -> None:
        kind = type(value)
        number = kind is float or kind is int or (
            kind is not bool and isinstance(value, (int, float, np.integer, np.floating)))
        if number:
            value = int(value) if isinstance(value, (int, np.integer)) else float(value)
            if value != value:                                    # NaN: a blank cell
                value, number = None, False
            elif value in (math.inf, -math.inf):                  # a ratio over a zero base
                value, number, align = ZERO_BASE_TEXT, False, align or "right"
        cell = self.ws._get_cell(row, col)
        if number:
            cell._value, cell.data_type = value, "n"
        else:
            put_text(cell, value)
        key = (bold, color, fmt if number else None, align or ("right" if number else "left"), wrap, indent,
               fill, border)
        known = self._styles.get(key)
        if known is None:
            dress(cell, self.style, bold=bold, color=color, fmt=key[2], align=key[3], wrap=wrap, indent=indent,
                  fill=fill, border=border)
            self._styles[key] = StyleArray(cell._style)
        else:
            cell._style = StyleArray(known)
        if track and value is not None:
            if number and not indent:
                self._track_number(col, value, None if kind is int or isinstance(value, int)
                                   else _decimals(self.style.formats.get(fmt or "", "")))
            else:
                shown = fmt_number(value, _decimals(self.style.formats.get(fmt or "", ""))) if number else str(value)
                self._track(col, shown + " " * (2 * indent))

    # -- frame rows ---------------------------------------------------------------------------
    def title(self, text: str) -> None:
        st = self.style
        self.row = 1
        ws = self.ws
        merge(ws, 1, 1, 1, self.n_cols)
        dress(put_text(ws.cell(row=1, column=1), text), st, font="heading", size=st.fonts["title_size"],
              align="center")
        ws.row_dimensions[1].height = st.rows["title_height"]

    def meta(self, left: str, right: str = "金额单位：万元") -> None:
        st = self.style
        self.row = 2
        ws = self.ws
        split = max(1, self.n_cols - 2)
        merge(ws, 2, 1, 2, split)
        dress(put_text(ws.cell(row=2, column=1), left), st, color=st.colors["muted"], align="left")
        if self.n_cols > split:
            merge(ws, 2, split + 1, 2, self.n_cols)
        dress(put_text(ws.cell(row=2, column=split + 1), right), st, color=st.colors["muted"], align="right")

    def header(self, labels: Sequence[str | None], *, track: bool = True) -> int:
        """One header row (track=False for labels that span several columns)."""
        st = self.style
        self.row += 1
        r = self.row
        for k, text in enumerate(labels, start=1):
            if text and track:
                text = header_break(text, HEADER_BREAK_WIDTH)
            dress(put_text(self.ws.cell(row=r, column=k), text), st, font="heading", fill="header_fill",
                  border=True, align="center", wrap=True)
            if text and track:
                self._track(k, text)         # long headers are broken at a word boundary (header_break)
        start = self.header_rows[0] or r
        self.header_rows = (start, r)
        return r

    def body(self, values: Sequence[Any], fmts: Sequence[str | None], *, bold: bool = False,
             fill: str | None = None, indent: Sequence[int] | None = None, aligns: Sequence[str | None] | None = None,
             colors: Sequence[str | None] | None = None) -> int:
        self.row += 1
        r = self.row
        ws = self.ws
        ws.row_dimensions[r].height = self.style.rows["body_height"]
        plain = not indent and not aligns and not colors
        for k, v in enumerate(values, start=1):
            fmt = fmts[k - 1]
            if plain and type(v) is float and math.isfinite(v):      # the bulk of every table: a finite figure
                known = self._styles.get((bold, None, fmt, "right", False, 0, fill, True))
                if known is not None:
                    cell = Cell(ws, row=r, column=k, style_array=known)
                    cell._value = v
                    ws._cells[r, k] = cell
                    decimals = self._fmt_decimals.get(fmt)
                    if decimals is None:
                        decimals = self._fmt_decimals[fmt] = _decimals(self.style.formats.get(fmt or "", ""))
                    self._track_number(k, v, decimals)
                    continue
            self.put(r, k, v, fmt=fmt, bold=bold, fill=fill, indent=(indent[k - 1] if indent else 0),
                     align=(aligns[k - 1] if aligns else None), color=(colors[k - 1] if colors else None))
        return r

    def notes(self, lines: Sequence[str], *, gap: bool = True) -> None:
        """Wrapped note rows merged across the table, heights estimated from the text length."""
        st = self.style
        if gap:
            self.row += 1
        for text in lines:
            self.row += 1
            r = self.row
            merge(self.ws, r, 1, r, self.n_cols)
            dress(put_text(self.ws.cell(row=r, column=1), text), st, color=st.colors["muted"], align="left",
                  wrap=True, vertical="top")
            self.pending_notes.append((r, text, 1))

    # -- finishing ----------------------------------------------------------------------------
    def column_widths(self, minimum: dict[int, float] | None = None, fill_to: float = 0.0) -> None:
        """Widths from the widest content; with `fill_to`, columns after the first widen (≤ 2×) to that total."""
        self._fold_numbers()
        cw = self.style.columns
        widths = {}
        for col in range(1, self.n_cols + 1):
            raw = self.widths.get(col, 0.0) + cw["padding"]
            limit = cw["label_max_width"] if col == 1 else cw["max_width"]
            widths[col] = min(max(raw, cw["min_width"], (minimum or {}).get(col, 0.0)), limit)
        rest = sum(widths.values()) - widths[1]
        if fill_to and rest > 0 and sum(widths.values()) < fill_to:
            factor = min(2.0, (fill_to - widths[1]) / rest)
            widths.update({c: w * factor for c, w in widths.items() if c > 1})
        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = round(width, 1)

    def table_width(self) -> float:
        return sum(self.ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, self.n_cols + 1))

    def fit_rows(self) -> None:
        """Heights of header rows and note rows from their wrapped text."""
        st = self.style
        line = st.rows["line_height"]
        h0, h1 = self.header_rows
        for r in range(h0, h1 + 1):
            lines = 1
            for col in range(1, self.n_cols + 1):
                text = self.ws.cell(row=r, column=col).value
                if text:
                    width = self.ws.column_dimensions[get_column_letter(col)].width or 8.43
                    span = _merged_width(self.ws, r, col) or width
                    if "\n" not in str(text):     # break long labels ourselves, never inside a word
                        text = wrap_text(str(text), span - 2.0)     # bold headers: a CJK character = 2 units
                        put_text(self.ws.cell(row=r, column=col), text)
                    lines = max(lines, str(text).count("\n") + 1)
            self.ws.row_dimensions[r].height = max(st.rows["header_height"], lines * line + 4)
        for r, text, first in self.pending_notes:
            width = sum(self.ws.column_dimensions[get_column_letter(c)].width or 8.43
                        for c in range(first, self.n_cols + 1))
            # our own breaks (no line starts with closing punctuation), measured as the PDF sets the text
            wrapped = wrap_text(text, (width - 3.0) / self.style.rows["wrap_factor"])
            put_text(self.ws.cell(row=r, column=first), wrapped)
            lines = wrapped.count("\n") + 1
            self.ws.row_dimensions[r].height = max(line, lines * line) + 3

    def finish(self, *, synthetic: bool, last_row: int | None = None, freeze_columns: int = 1) -> None:
        """Row heights, print setup (titles = rows 1 to the last header row) and frozen header rows."""
        self.fit_rows()
        last = last_row or self.row
        _, h1 = self.header_rows
        area = f"A1:{get_column_letter(self.n_cols)}{last}"
        self.style.apply_page_setup(self.ws, print_area=area, title_rows=f"1:{h1}" if h1 else None,
                                    header_center=self.style.synthetic_header if synthetic else "")
        if h1:
            self.ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{h1 + 1}"


def _measure_head(measure: str) -> str:
    """分担额(万元) → 分担额 + line break + (万元), so narrow columns wrap cleanly."""
    return measure.replace("(", "\n(", 1)


@functools.lru_cache(maxsize=65536)
def _text_width(text: str) -> int:
    return display_width(text)


@functools.lru_cache(maxsize=256)
def _decimals(fmt: str) -> int:
    if "." not in fmt:
        return 0
    return len(fmt.split(".")[1].rstrip("%;\"").split(";")[0].rstrip("%"))


def _merged_width(ws: Worksheet, row: int, col: int) -> float | None:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col == col:
            return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                       for c in range(rng.min_col, rng.max_col + 1))
    return None


def issuing_agency(inputs: Any) -> str:
    """编制单位: the 参数 value, else the province's human resources and social security and finance departments."""
    given = (getattr(inputs, "issuing_agency", "") or "").strip()
    return given or f"{inputs.province}人力资源和社会保障厅　{inputs.province}财政厅"


def _meta_left(t: DraftTables) -> str:
    inp = t.result.inputs
    text = f"{inp.province}　预算年度：{inp.budget_year}年"      # the agencies are on the cover
    return text + ("　（示例数据，虚构）" if inp.synthetic else "")


def _title(t: DraftTables, what: str) -> str:
    inp = t.result.inputs
    return f"{inp.province}{inp.budget_year}年工伤保险基金{what}"


# ---------------------------------------------------------------- 封面
