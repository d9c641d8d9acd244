"""草案样式 — the draft's fonts, fills, number formats and page setup, read from templates/.

`load_style()` reads `templates/draft_style.toml`; `DraftStyle` turns it into openpyxl objects and
applies the print settings (A4 landscape, fit to one page wide, titles repeated, page numbers).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

import templates


@functools.cache
def _template_data() -> dict[str, Any]:
    text = resources.files(templates).joinpath(templates.STYLE_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class DraftStyle:
    """草案样式 (draft style): the template's settings plus openpyxl helpers."""

    data: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        return self.data[name]

    @property
    def fonts(self) -> dict[str, Any]:
        return self.data["fonts"]

    @property
    def colors(self) -> dict[str, str]:
        return self.data["colors"]

    @property
    def formats(self) -> dict[str, str]:
        return self.data["number_formats"]

    @property
    def sheets(self) -> dict[str, str]:
        return self.data["sheets"]

    @property
    def columns(self) -> dict[str, float]:
        return self.data["columns"]

    @property
    def rows(self) -> dict[str, float]:
        return self.data["rows"]

    @property
    def chart(self) -> dict[str, float]:
        return self.data["chart"]

    # -- fonts and fills ----------------------------------------------------------------------
    def body_font(self, *, bold: bool = False, color: str | None = None, size: float | None = None) -> Font:
        return Font(name=self.fonts["body"], size=size or self.fonts["body_size"], bold=bold, color=color,
                    charset=self.fonts.get("charset"))

    def heading_font(self, size: float | None = None, color: str | None = None) -> Font:
        return Font(name=self.fonts["heading"], size=size or self.fonts["body_size"], bold=True, color=color,
                    charset=self.fonts.get("charset"))

    def title_font(self) -> Font:
        return self.heading_font(self.fonts["title_size"])

    def fill(self, key: str) -> PatternFill:
        color = self.colors[key]
        return PatternFill(fill_type="solid", start_color=color, end_color=color)

    def border(self) -> Border:
        side = Side(style="thin", color=self.colors["border"])
        return Border(left=side, right=side, top=side, bottom=side)

    @staticmethod
    def align(horizontal: str = "general", *, wrap: bool = False, indent: int = 0,
              vertical: str = "center") -> Alignment:
        return Alignment(horizontal=horizontal, vertical=vertical, wrap_text=wrap, indent=indent)

    # -- page setup ---------------------------------------------------------------------------
    def apply_page_setup(self, ws: Worksheet, *, print_area: str, title_rows: str | None,
                         header_center: str = "") -> None:
        """A4 landscape, one page wide, titles repeated, page numbers in the footer."""
        page = self.data["page"]
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = page["orientation"]
        ws.page_setup.fitToWidth = page["fit_to_width"]
        ws.page_setup.fitToHeight = page["fit_to_height"]
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins = PageMargins(left=page["margin_left"], right=page["margin_right"],
                                      top=page["margin_top"], bottom=page["margin_bottom"],
                                      header=page["margin_header"], footer=page["margin_footer"])
        ws.print_area = print_area
        if title_rows:
            ws.print_title_rows = title_rows
        ws.oddFooter.center.text = page["footer_center"]
        ws.oddHeader.left.text = page["header_left"]
        if header_center:
            ws.oddHeader.center.text = header_center
            ws.oddHeader.center.color = self.colors["synthetic"]

    @property
    def synthetic_header(self) -> str:
        return self.data["page"]["synthetic_header"]


def load_style() -> DraftStyle:
    """读取模板 — the draft style from templates/draft_style.toml."""
    return DraftStyle(_template_data())


def set_chart_fonts(chart: Any, typeface: str) -> None:
    """Set the typeface of every text of a chart (title, axes, legend) explicitly, so that the PDF draws the
    Simplified Chinese face rather than a fallback's Japanese glyphs."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
    from openpyxl.drawing.text import Font as DrawingFont

    def props(size: int | None = None, bold: bool | None = None) -> CharacterProperties:
        face = DrawingFont(typeface=typeface)
        return CharacterProperties(latin=face, ea=face, sz=size, b=bold)

    def rich(size: int) -> RichText:
        return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props(size)), endParaRPr=props(size))])

    title = getattr(chart, "title", None)
    if title is not None and getattr(title, "tx", None) is not None and title.tx.rich is not None:
        for p in title.tx.rich.p:
            bold = True
            if p.pPr is None:
                p.pPr = ParagraphProperties()
            p.pPr.defRPr = props(1400, bold)
            for run in p.r or []:
                run.rPr = props(1400, bold)
    for axis in (getattr(chart, "x_axis", None), getattr(chart, "y_axis", None)):
        if axis is None:
            continue
        axis.txPr = rich(900)
        if axis.title is not None and axis.title.tx is not None and axis.title.tx.rich is not None:
            for p in axis.title.tx.rich.p:
                if p.pPr is None:
                    p.pPr = ParagraphProperties()
                p.pPr.defRPr = props(900)
                for run in p.r or []:
                    run.rPr = props(900)
    if getattr(chart, "legend", None) is not None:
        chart.legend.txPr = rich(900)
