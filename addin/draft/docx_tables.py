"""附表排版 (table layout) for the Word draft: column widths measured from the text, the page orientation
and font size that make a table fit, wide tables split into parts, and the table XML itself.

A table is given as text (`TableSpec`): figures are formatted by the caller from the draft tables, this
module never sees a number. Widths are measured (CJK characters one em, figures in Times New Roman
metrics), every column gets at least its widest line so that no figure and no header word is broken;
the column marked `wrap` takes what is left. Header rows repeat on every page, rows never split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from addin.draft.docx_style import (
    TABLE_HEAD,
    TABLE_TEXT,
    TEXT_HEIGHT_LANDSCAPE_MM,
    TEXT_HEIGHT_PORTRAIT_MM,
    TEXT_WIDTH_LANDSCAPE_MM,
    TEXT_WIDTH_PORTRAIT_MM,
)

PT_PER_MM = 72 / 25.4
TWIPS_PER_PT = 20
FONT_SIZES = (10.5, 9.0, 8.0)          # 五号, 小五, 六号 — tried in this order
READABLE_SIZES = (10.5, 9.0)           # 六号 only when nothing else fits the width
CELL_PAD_PT = 2.9                       # left and right cell margin (about 1 mm each)
SLACK = 1.06                            # renderers differ a little: keep a margin on measured widths
WRAP_MIN_EM = 9.0                       # a wrapping column keeps at least 9 characters
BORDER = "808080"
HEADING_ROOM_PT = 150                   # 附表 number, title, legend and unit line above a table
PART_HEADING_PT = 60                    # sub-caption and unit line above a further part of a 附表
LINE_FACTOR = 1.45                      # line height of the CJK fonts, in font sizes
HEAD_FILL = "E7EEF7"
TOTAL_FILL = "F2F2F2"

# advance widths (em) of the narrow characters in Times New Roman; CJK and full-width forms are 1 em
_NARROW = {**dict.fromkeys("0123456789", 0.56), ",": 0.25, ".": 0.25, " ": 0.25, "-": 0.333, "+": 0.564,
           "%": 0.833, "(": 0.333, ")": 0.333, ":": 0.278, "/": 0.278, "×": 0.564, "÷": 0.564, "−": 0.564,
           "±": 0.564, "=": 0.564}


def text_em(text: str) -> float:
    """Width of one line of `text` in em."""
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += _NARROW[ch]
        elif ord(ch) < 0x2E80:
            total += 0.6
        else:
            total += 1.0
    return total


def lines_em(text: str) -> float:
    return max((text_em(part) for part in text.split("\n")), default=0.0)


@dataclass
class Row:
    """一行: cell texts; `total` rows are bold on a grey ground; `indent` (em) for the first cell."""

    cells: list[str]
    total: bool = False
    indent: int = 0


@dataclass
class TableSpec:
    """一张附表 as text: header (\\n marks allowed line breaks), rows, column alignment and notes."""

    headers: list[str]
    rows: list[Row]
    aligns: list[str]                    # "left" | "center" | "right" per column
    caption: str = ""                    # （一）… sub-caption above the table, when a 附表 has several
    notes: list[str] = field(default_factory=list)     # 注：1．… 2．…
    info: list[str] = field(default_factory=list)      # lines under the table before the notes
    wrap: int | None = None              # index of the column that takes the spare width and wraps
    meta_right: str = "金额单位：万元"


@dataclass
class Layout:
    """How a table is set: landscape or not, font size, column widths (pt), column groups (parts)."""

    landscape: bool
    size: float
    widths: list[float]
    parts: list[list[int]]               # each part: column indexes after the first (label) column


def _natural(spec: TableSpec, size: float) -> list[float]:
    """Widest line of each column (pt) at font size `size`, cell margins included."""
    widths = []
    for k, head in enumerate(spec.headers):
        em = lines_em(head) * 1.03       # headers are set in 黑体, a little wider
        for row in spec.rows:
            cell = row.cells[k]
            em = max(em, (text_em(cell) + (row.indent if k == 0 else 0)) * (1.04 if row.total else 1.0))
        if k == spec.wrap:
            em = min(em, max(WRAP_MIN_EM, lines_em(head)))
        widths.append(em * size * SLACK + 2 * CELL_PAD_PT)
    return widths


def _split(widths: Sequence[float], available: float) -> list[list[int]] | None:
    """Columns after the first in groups that fit beside the first column; None if one column cannot."""
    room = available - widths[0]
    parts: list[list[int]] = [[]]
    used = 0.0
    for k in range(1, len(widths)):
        if widths[k] > room:
            return None
        if used + widths[k] > room and parts[-1]:
            parts.append([])
            used = 0.0
        parts[-1].append(k)
        used += widths[k]
    return parts


def plan(spec: TableSpec, heading_pt: float = HEADING_ROOM_PT) -> Layout:
    """How to set a table: the first of 五号, 小五 × portrait, landscape where it fits the width and, under
    `heading_pt` of headings, one page; else the first setting (六号 included) that fits the width (a long
    table runs on, its header repeated); else 六号 on a landscape page with the columns split into parts."""
    every = list(range(len(spec.headers)))
    first_fit: Layout | None = None
    for size in FONT_SIZES:
        for landscape in (False, True):
            available = (TEXT_WIDTH_LANDSCAPE_MM if landscape else TEXT_WIDTH_PORTRAIT_MM) * PT_PER_MM
            widths = _natural(spec, size)
            if sum(widths) > available:
                continue
            layout = Layout(landscape, size, _fill(widths, available, spec.wrap), [every[1:]])
            if size in READABLE_SIZES and fits_one_page(spec, layout, every, heading_pt):
                return layout
            first_fit = first_fit or layout
    if first_fit is not None:
        return first_fit
    size = FONT_SIZES[-1]
    available = TEXT_WIDTH_LANDSCAPE_MM * PT_PER_MM
    widths = _natural(spec, size)
    parts = _split(widths, available)
    if parts is None:           # one column wider than the page: let the text wrap in it
        widths = [min(w, available / 2) for w in widths]
        parts = _split(widths, available) or [every[1:]]
    return Layout(True, size, widths, parts)


def _fill(widths: list[float], available: float, wrap: int | None) -> list[float]:
    """Stretch to the full text width: the wrapping column takes the spare room, else all columns do."""
    spare = available - sum(widths)
    if spare <= 0:
        return widths
    out = list(widths)
    if wrap is not None:
        out[wrap] += spare
        return out
    factor = available / sum(widths)
    return [w * factor for w in out]


# ---------------------------------------------------------------- XML


def _row_lines(row_cells: Sequence[str], widths: Sequence[float], size: float) -> int:
    return max(math.ceil(text_em(c) * size * SLACK / max(1.0, w - 2 * CELL_PAD_PT)) if c else 1
               for c, w in zip(row_cells, widths, strict=True))


def fits_one_page(spec: TableSpec, layout: Layout, cols: Sequence[int], heading_pt: float = HEADING_ROOM_PT) -> bool:
    """Whether the table (estimated: lines × line height + paddings per row) fits under its heading on one page."""
    height = (TEXT_HEIGHT_LANDSCAPE_MM if layout.landscape else TEXT_HEIGHT_PORTRAIT_MM) * PT_PER_MM
    widths = [layout.widths[k] for k in cols]
    size = layout.size
    head_lines = max(h.count("\n") + 1 for h in spec.headers)
    total = head_lines * size * LINE_FACTOR + 6
    for row in spec.rows:
        total += _row_lines([row.cells[k] for k in cols], widths, size) * size * LINE_FACTOR + 6
    return total + heading_pt + 20 * (len(spec.notes) + len(spec.info)) <= height


def _cell(text: str, width_tw: int, align: str, style: str, *, head: bool, total: bool, keep: bool,
          indent_em: float = 0.0, size: float = 10.5) -> str:
    fill = HEAD_FILL if head else (TOTAL_FILL if total else None)
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    ind = f'<w:ind w:left="{int(indent_em * size * TWIPS_PER_PT)}"/>' if indent_em else ""
    half_points = int(round(size * 2))
    run_pr = (f'<w:rPr>{"<w:b/><w:bCs/>" if total and not head else ""}<w:sz w:val="{half_points}"/>'
              f'<w:szCs w:val="{half_points}"/></w:rPr>')
    keep_next = "<w:keepNext/>" if keep else ""
    paragraphs = []
    for line in (text.split("\n") if head else [text]):
        run = f'<w:r>{run_pr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>' if line else ""
        paragraphs.append(f'<w:p><w:pPr><w:pStyle w:val="{escape(style)}"/>{keep_next}{ind}<w:jc w:val="{align}"/>'
                          f'{run_pr}</w:pPr>{run}</w:p>')
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width_tw}" w:type="dxa"/>{shading}<w:vAlign w:val="center"/></w:tcPr>'
            + "".join(paragraphs) + "</w:tc>")


def table_xml(spec: TableSpec, layout: Layout, columns: Sequence[int], style_ids: dict[str, str]):
    """One <w:tbl> of `spec` with the given columns (the first column always included)."""
    cols = [0, *columns]
    widths_tw = [int(round(layout.widths[k] * TWIPS_PER_PT)) for k in cols]
    total_tw = sum(widths_tw)
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    pad = int(CELL_PAD_PT * TWIPS_PER_PT)
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{total_tw}" w:type="dxa"/><w:jc w:val="center"/>'
             f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
             f'<w:tblCellMar><w:left w:w="{pad}" w:type="dxa"/><w:right w:w="{pad}" w:type="dxa"/></w:tblCellMar>'
             f'<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>'
             + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_tw) + "</w:tblGrid>"]
    size = layout.size
    head_style = style_ids[TABLE_HEAD]
    text_style = style_ids[TABLE_TEXT]
    together = fits_one_page(spec, layout, cols)      # then keep-with-next on every row but the last
    header_cells = "".join(_cell(spec.headers[k], w, "center", head_style, head=True, total=False, keep=True,
                                 size=size) for k, w in zip(cols, widths_tw, strict=True))
    parts.append('<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>' + header_cells + "</w:tr>")
    last = len(spec.rows) - 1
    for n, row in enumerate(spec.rows):
        cells = "".join(_cell(row.cells[k], w, spec.aligns[k], text_style, head=False, total=row.total,
                              keep=(together and n < last) or (n == last and bool(spec.notes or spec.info)), indent_em=row.indent if k == 0 else 0.0, size=size)
                        for k, w in zip(cols, widths_tw, strict=True))
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>" + cells + "</w:tr>")
    parts.append("</w:tbl>")
    return parse_xml("".join(parts))
