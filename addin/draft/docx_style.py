"""公文版式 (official document format) for the Word draft: fonts, page, paragraph styles, page numbers.

GB/T 9704-2012 as finance bureaus apply it to an explanatory note: A4, margins top 37 mm, bottom 35 mm,
left 28 mm, right 26 mm; title 二号 小标宋 (宋体 bold where 小标宋 is missing), 一、 headings 三号 黑体,
（一） headings 三号 楷体, body 三号 仿宋 on a fixed 28 pt line; page numbers "— N —" 四号 宋体 under the
text block.

East Asian fonts are set through `w:eastAsia`. Where the official font is not installed (LibreOffice on
Linux usually has only Noto CJK), the Simplified Chinese Noto face is named instead — never a bare
family that a renderer might satisfy with Japanese glyphs — and every run is tagged zh-CN.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt

SERIF_SC = "Noto Serif CJK SC"
SANS_SC = "Noto Sans CJK SC"
KAI_SC = "AR PL UKai CN"
LATIN = "Times New Roman"
# Chinese text is tagged zh-CN (w:eastAsia: Simplified glyphs, Chinese line breaking); figures and other
# Latin-script runs keep a Western language so that LibreOffice never breaks a number like 2026 across lines.
LATIN_LANGUAGE = "en-US"

PAGE_SHORT_MM, PAGE_LONG_MM = 210.0, 297.0
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37.0, 35.0, 28.0, 26.0
FOOTER_DISTANCE_MM = 23.0        # the page number sits about 7 mm under the text block
HEADER_DISTANCE_MM = 15.0
TEXT_WIDTH_PORTRAIT_MM = PAGE_SHORT_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM       # 156 mm
# a landscape page is the portrait page turned (the reader turns the bound document clockwise): its top is
# the binding side (28 mm), its bottom 26 mm, its left the portrait bottom (35 mm), its right the top (37 mm)
TEXT_WIDTH_LANDSCAPE_MM = PAGE_LONG_MM - MARGIN_BOTTOM_MM - MARGIN_TOP_MM       # 225 mm
TEXT_HEIGHT_PORTRAIT_MM = PAGE_LONG_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM       # 225 mm
TEXT_HEIGHT_LANDSCAPE_MM = PAGE_SHORT_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM     # 156 mm

BODY_PT = 16.0           # 三号
TITLE_PT = 22.0          # 二号
TABLE_TITLE_PT = 18.0    # 小二
NOTE_PT = 12.0           # 小四 (table notes)
PAGE_NUMBER_PT = 14.0    # 四号
LINE_PT = 28.0           # fixed line pitch of the body

# preferred official fonts per role, then the installed Simplified Chinese fallback
PREFERRED = {
    "title": ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "宋体", "SimSun"),
    "hei": ("黑体", "SimHei"),
    "kai": ("楷体_GB2312", "楷体", "KaiTi"),
    "fang": ("仿宋_GB2312", "仿宋", "FangSong"),
    "song": ("宋体", "SimSun"),
}
FALLBACK = {"title": SERIF_SC, "hei": SANS_SC, "kai": KAI_SC, "fang": SERIF_SC, "song": SERIF_SC}
WINDOWS_FILES = {"宋体": "simsun.ttc", "SimSun": "simsun.ttc", "黑体": "simhei.ttf", "SimHei": "simhei.ttf",
                 "楷体": "simkai.ttf", "KaiTi": "simkai.ttf", "仿宋": "simfang.ttf", "FangSong": "simfang.ttf"}


@functools.cache
def installed_families() -> frozenset[str]:
    """字体 — the font family names this machine has (fontconfig, else the Windows font folder)."""
    names: set[str] = set()
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=20,
                                 check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            names.update(part.strip() for part in line.split(",") if part.strip())
    windir = os.environ.get("WINDIR")
    if windir:
        folder = Path(windir) / "Fonts"
        names.update(name for name, file in WINDOWS_FILES.items() if (folder / file).is_file())
    return frozenset(names)


@dataclass(frozen=True)
class DocxFonts:
    """公文字体 — the East Asian family written for each role; `*_bold` where the fallback needs weight."""

    title: str
    hei: str
    kai: str
    fang: str
    song: str
    latin: str = LATIN
    title_bold: bool = True
    kai_bold: bool = False

    @classmethod
    def detect(cls, families: frozenset[str] | None = None) -> DocxFonts:
        """The official font where installed, else the named Simplified Chinese fallback."""
        have = installed_families() if families is None else families
        chosen = {}
        for role, names in PREFERRED.items():
            chosen[role] = next((n for n in names if n in have), FALLBACK[role])
        if chosen["kai"] == KAI_SC and KAI_SC not in have:
            chosen["kai"] = SERIF_SC
        latin = LATIN if LATIN in have else SERIF_SC
        return cls(**chosen, latin=latin, title_bold=not chosen["title"].startswith("方正小标宋"),
                   kai_bold=chosen["kai"] == SERIF_SC)


def set_run_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """w:rFonts with explicit names (no theme fonts, which would win over them) and the zh-CN language."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in list(lang.attrib):
        del lang.attrib[attr]
    lang.set(qn("w:val"), LATIN_LANGUAGE)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_style(doc: DocxDocument, fonts: DocxFonts, name: str, east_asia: str, size: float, *, bold: bool = False,
                     align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT, line: float | None = LINE_PT,
                     first_indent: float = 0.0, keep_next: bool = False, outline: int | None = None,
                     latin: str = "", before: float = 0.0, after: float = 0.0) -> None:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    set_run_fonts(style.element.get_or_add_rPr(), east_asia, latin or fonts.latin)
    pf = style.paragraph_format
    pf.alignment = align
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.first_line_indent = Pt(first_indent)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.widow_control = True
    pf.keep_with_next = keep_next
    if outline is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        style.element.get_or_add_pPr().append(level)


# paragraph style names (Chinese, as a bureau's template would name them)
TITLE = "公文标题"
HEADING1 = "一级标题"
HEADING2 = "二级标题"
BODY = "公文正文"
DATE = "成文日期"
ANNEX_NO = "附表编号"
TABLE_TITLE = "附表标题"
TABLE_META = "附表表头"
CAPTION = "附表分题"
TABLE_TEXT = "表格文字"
TABLE_HEAD = "表格表头"
TABLE_NOTE = "表注"
PAGE_NUMBER = "页码"
STAMP = "页眉标注"


def setup_styles(doc: DocxDocument, fonts: DocxFonts) -> None:
    """Document defaults (仿宋 三号, zh-CN) and the paragraph styles of the note and its tables."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_run_fonts(rpr, fonts.fang, fonts.latin)
    for tag, value in (("w:sz", "32"), ("w:szCs", "32")):
        rpr.find(qn(tag)).set(qn("w:val"), value)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    # East Asian line breaking (no line starts with closing punctuation), no punctuation in the margin.
    # Paragraphs are left-aligned, not justified: LibreOffice drops a "。" that ends a justified line.
    for tag, value in (("w:overflowPunct", "0"), ("w:kinsoku", "1")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        ppr.insert(0, el)
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(int(LINE_PT * 20)))
    spacing.set(qn("w:lineRule"), "exact")
    normal = doc.styles["Normal"]
    set_run_fonts(normal.element.get_or_add_rPr(), fonts.fang, fonts.latin)
    two = 2 * BODY_PT
    _paragraph_style(doc, fonts, TITLE, fonts.title, TITLE_PT, bold=fonts.title_bold, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line=36.0, keep_next=True, after=LINE_PT)
    _paragraph_style(doc, fonts, HEADING1, fonts.hei, BODY_PT, first_indent=two, keep_next=True, outline=0,
                     latin=fonts.hei)
    _paragraph_style(doc, fonts, HEADING2, fonts.kai, BODY_PT, bold=fonts.kai_bold, first_indent=two, keep_next=True,
                     outline=1)
    _paragraph_style(doc, fonts, BODY, fonts.fang, BODY_PT, first_indent=two)
    _paragraph_style(doc, fonts, DATE, fonts.fang, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, before=LINE_PT)
    _paragraph_style(doc, fonts, ANNEX_NO, fonts.hei, BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, keep_next=True,
                     latin=fonts.hei)
    _paragraph_style(doc, fonts, TABLE_TITLE, fonts.title, TABLE_TITLE_PT, bold=fonts.title_bold,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line=30.0, keep_next=True, before=6.0, after=6.0,
                     outline=0)
    _paragraph_style(doc, fonts, TABLE_META, fonts.fang, NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT, line=20.0,
                     keep_next=True)
    _paragraph_style(doc, fonts, CAPTION, fonts.kai, 14.0, bold=fonts.kai_bold, align=WD_ALIGN_PARAGRAPH.LEFT,
                     line=24.0, keep_next=True, before=10.0)
    _paragraph_style(doc, fonts, TABLE_TEXT, fonts.song, 10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line=None)
    _paragraph_style(doc, fonts, TABLE_HEAD, fonts.hei, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, line=None,
                     latin=fonts.hei)
    _paragraph_style(doc, fonts, TABLE_NOTE, fonts.fang, NOTE_PT, line=20.0)
    _paragraph_style(doc, fonts, PAGE_NUMBER, fonts.song, PAGE_NUMBER_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
    _paragraph_style(doc, fonts, STAMP, fonts.hei, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, latin=fonts.hei)
    # table cell paragraphs: single spacing, small gaps, no first-line indent
    for name in (TABLE_TEXT, TABLE_HEAD):
        pf = doc.styles[name].paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.space_before = Pt(2)
        pf.space_after = Pt(2)


def setup_page(section: Section, *, landscape: bool = False) -> None:
    """A4 with the GB/T 9704 margins; a landscape page has them turned with the page."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long_ = Mm(PAGE_SHORT_MM), Mm(PAGE_LONG_MM)
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    top, bottom, left, right = ((MARGIN_LEFT_MM, MARGIN_RIGHT_MM, MARGIN_BOTTOM_MM, MARGIN_TOP_MM) if landscape else
                                (MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM))
    section.top_margin = Mm(top)
    section.bottom_margin = Mm(bottom)
    section.left_margin = Mm(left)
    section.right_margin = Mm(right)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.header_distance = Mm(HEADER_DISTANCE_MM)


def _field_run(paragraph, kind: str, text: str = "") -> None:
    run = paragraph.add_run()
    if kind == "instr":
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = text
        run._r.append(instr)
    else:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)


def add_page_numbers(section: Section, stamp: str = "") -> None:
    """页码 "— N —" centred in the footer (a PAGE field); `stamp`: a line in the header of every page."""
    footer = section.footer
    p = footer.paragraphs[0]
    p.style = PAGE_NUMBER
    p.add_run("— ")
    _field_run(p, "begin")
    _field_run(p, "instr", " PAGE ")
    _field_run(p, "separate")
    p.add_run("1")
    _field_run(p, "end")
    p.add_run(" —")
    if stamp:
        h = section.header.paragraphs[0]
        h.style = STAMP
        run = h.add_run(stamp)
        run.font.color.rgb = None
        color = OxmlElement("w:color")
        color.set(qn("w:val"), "C00000")
        run._r.get_or_add_rPr().append(color)
