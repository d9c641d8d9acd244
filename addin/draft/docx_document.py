"""编制说明（Word 文档） — the draft's explanatory note and its main tables as a .docx, in the official format.

    tables = draft_report(result)                       # addin.report.compute; the draft never runs the engine
    write_docx(tables, "out/收支预算草案_江西省_2027.docx", on=dt.date(2026, 10, 15))

Contents: the title, the note's sections (`addin.draft.note.explanatory_note`, the same text as the xlsx
draft's 编制说明), the list of 附表 and the date; then one 附表 a page: 收入预算表, 支出预算表, 收支结余表,
分市收支预算表, 缺口分担表 for each chosen option, 缺口分担方案比较表. Wide tables get a landscape
section. Figures are the draft tables' own (万元, two decimals), so the document and the workbook agree.
The file is deterministic: document properties and zip entry times come from the draft date.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt

from addin.draft import docx_style as st
from addin.draft.build import default_date, package_version
from addin.draft.docx_content import Annex, annexes, option_names
from addin.draft.docx_tables import (
    HEADING_ROOM_PT,
    PART_HEADING_PT,
    PT_PER_MM,
    Layout,
    TableSpec,
    plan,
    table_xml,
    text_em,
)
from addin.draft.note import NoteSection, explanatory_note
from addin.report.tables import DraftTables
from addin.workbook.atomic import atomic_write, check_target

RUN_IN = re.compile(r"^（[一二三四五六七八九十]+）[^0-9，。；：、（]*")
SYNTHETIC_LINE = "（本说明所用数据为示例数据，虚构，仅供演示）"


def document_title(t: DraftTables) -> str:
    inp = t.result.inputs
    return f"{inp.province}{inp.budget_year}年工伤保险基金收支预算编制说明"


def issuing_agency(inputs) -> str:
    """编制单位: the inputs' own, else the province's human resources and social security and finance departments."""
    given = str(getattr(inputs, "issuing_agency", "") or "").strip()
    return given or f"{inputs.province}人力资源和社会保障厅　{inputs.province}财政厅"


def plain_text(text: str, names: dict[str, str]) -> str:
    """Option codes out of a sentence ("（方案代码 x）" dropped, any other code replaced by 方案一 …) and a
    minus sign that keeps to its number (−13.9%, never "-" at a line end and "13.9%" on the next)."""
    text = re.sub(r"(?<![0-9A-Za-z])-(?=[0-9])", "−", text)
    text = re.sub(r"^(\d{1,2})\.\s+", r"\1．", text)                   # 1. 工伤医疗 → 1．工伤医疗
    text = re.sub(r"(?<=[\u4e00-\u9fff]):(?=[\u4e00-\u9fff])", ":\u2060", text)   # 省:市 never split
    for code, name in names.items():
        text = re.sub(rf"（方案代码\s*{re.escape(code)}）", "", text)
        text = re.sub(rf"方案\s*{re.escape(code)}(?![A-Za-z0-9_])\s*", name, text)
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])", name, text)
    return text


# ---------------------------------------------------------------- paragraphs


def _paragraph(doc: DocxDocument, text: str, style: str, *, page_break: bool = False):
    p = doc.add_paragraph(style=style)
    if text:
        p.add_run(text)
    if page_break:
        p.paragraph_format.page_break_before = True
    return p


def _title(doc: DocxDocument, text: str) -> None:
    """The title, broken after 工伤保险基金 when it is longer than one line."""
    p = doc.add_paragraph(style=st.TITLE)
    width_pt = st.TEXT_WIDTH_PORTRAIT_MM * PT_PER_MM
    head, sep, tail = text.partition("工伤保险基金")
    if text_em(text) * st.TITLE_PT > 0.85 * width_pt and sep and tail:
        run = p.add_run(head + sep)
        run.add_break()
        p.add_run(tail)
    else:
        p.add_run(text)


def _body(doc: DocxDocument, text: str, fonts: st.DocxFonts) -> None:
    """A body paragraph; a run-in （一） heading at its start is set in 楷体."""
    p = doc.add_paragraph(style=st.BODY)
    m = RUN_IN.match(text)
    if m and m.end() < len(text):
        run = p.add_run(m.group(0))
        st.set_run_fonts(run._r.get_or_add_rPr(), fonts.kai)
        if fonts.kai_bold:
            run.bold = True
        text = text[m.end():]
    p.add_run(text)


def _note(doc: DocxDocument, sections: list[NoteSection], t: DraftTables, fonts: st.DocxFonts,
          annex_titles: list[str], on: dt.date) -> None:
    names = option_names(t)
    _title(doc, document_title(t))
    if t.synthetic:
        p = _paragraph(doc, SYNTHETIC_LINE, st.HEADING2)
        p.paragraph_format.first_line_indent = Pt(0)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(st.LINE_PT / 2)
    for s in sections:
        _paragraph(doc, plain_text(s.title, names), st.HEADING1)
        for text in s.paragraphs:
            _body(doc, plain_text(text, names), fonts)
    for k, title in enumerate(annex_titles, start=1):
        p = _paragraph(doc, ("附表：" if k == 1 else "") + f"{k}．{title}", st.BODY)
        pf = p.paragraph_format
        if k == 1:
            pf.space_before = Pt(st.LINE_PT)
        else:
            pf.first_line_indent = Pt(0)
            pf.left_indent = Pt(5 * st.BODY_PT)
        pf.keep_with_next = k < len(annex_titles)
    # 发文机关署名 centred over the 成文日期, which stands four characters from the right margin
    date = f"{on.year}年{on.month}月{on.day}日"
    agency = issuing_agency(t.result.inputs)
    p = _paragraph(doc, agency, st.DATE)
    p.paragraph_format.right_indent = Pt(max(0.0, 4 + (text_em(date) - text_em(agency)) / 2) * st.BODY_PT)
    p = _paragraph(doc, date, st.DATE)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.right_indent = Pt(4 * st.BODY_PT)


# ---------------------------------------------------------------- sections and tables


def _turn_page(doc: DocxDocument, landscape: bool) -> None:
    """End the current section in its last paragraph (no empty paragraph, so no blank page) and start a
    new one on a new page, portrait or landscape."""
    body = doc.element.body
    last = body.sectPr.getprevious()
    if last is None or last.tag != qn("w:p"):
        last = doc.add_paragraph()._p
    last.get_or_add_pPr().append(copy.deepcopy(body.sectPr))
    st.setup_page(Section(body.sectPr, doc.part), landscape=landscape)


def _meta(doc: DocxDocument, left: str, right: str, landscape: bool) -> None:
    p = _paragraph(doc, "", st.TABLE_META)
    width = (st.TEXT_WIDTH_LANDSCAPE_MM if landscape else st.TEXT_WIDTH_PORTRAIT_MM) - 0.5
    p.paragraph_format.tab_stops.add_tab_stop(Mm(width), WD_TAB_ALIGNMENT.RIGHT)
    p.add_run(f"{left}\t{right}" if right else left)


def _table(doc: DocxDocument, spec: TableSpec, layout: Layout, meta_left: str, style_ids: dict[str, str]) -> None:
    if spec.caption:
        _paragraph(doc, spec.caption, st.CAPTION)
    for k, columns in enumerate(layout.parts):
        if k:
            _paragraph(doc, "（续表）", st.CAPTION)
        _meta(doc, meta_left if k == 0 else "", spec.meta_right, layout.landscape)
        doc.element.body.sectPr.addprevious(table_xml(spec, layout, columns, style_ids))
    notes = spec.notes if len(spec.notes) < 2 else [f"{k + 1}．{text}" for k, text in enumerate(spec.notes)]
    lines = [(text, False) for text in spec.info] + [(("注：" if k == 0 else "") + text, True)
                                                      for k, text in enumerate(notes)]
    for k, (text, note) in enumerate(lines):       # the notes stay with the table's last row
        p = _paragraph(doc, plain_text(text, {}), st.TABLE_NOTE)
        pf = p.paragraph_format
        pf.keep_with_next = k < len(lines) - 1
        if k == 0:
            pf.space_before = Pt(4)
        if note:                                   # wrapped lines and later notes align after "注："
            pf.left_indent = Pt(2 * st.NOTE_PT)
            pf.first_line_indent = Pt(-2 * st.NOTE_PT if text.startswith("注：") else 0)


def _annex(doc: DocxDocument, t: DraftTables, number: int, annex: Annex, landscape_now: bool,
           style_ids: dict[str, str]) -> bool:
    """One 附表 from a new page; a part too wide for the current page turns it. Returns the last
    page orientation."""
    layouts = [plan(spec, HEADING_ROOM_PT + 20 * len(annex.legend) if k == 0 else PART_HEADING_PT)
               for k, spec in enumerate(annex.tables)]
    landscape = layouts[0].landscape
    if landscape != landscape_now:
        _turn_page(doc, landscape)
        _paragraph(doc, f"附表{number}", st.ANNEX_NO)
    else:
        _paragraph(doc, f"附表{number}", st.ANNEX_NO, page_break=True)
    inp = t.result.inputs
    _paragraph(doc, f"{inp.province}{inp.budget_year}年工伤保险基金{annex.title}", st.TABLE_TITLE)
    for line in annex.legend:
        _paragraph(doc, plain_text(line, {}), st.TABLE_META)
    for k, (spec, layout) in enumerate(zip(annex.tables, layouts, strict=True)):
        if layout.landscape != landscape:
            landscape = layout.landscape
            _turn_page(doc, landscape)
        _table(doc, spec, layout, annex.meta_left if k == 0 else "", style_ids)
    return landscape


# ---------------------------------------------------------------- document


def build_docx(tables: DraftTables, *, on: dt.date | None = None, note: list[NoteSection] | None = None,
               fonts: st.DocxFonts | None = None, stamp: str = "") -> DocxDocument:
    """生成编制说明文档 — the note and the 附表 in a new python-docx Document (nothing is computed here).

    `stamp`: a line in every page header (e.g. "未通过数据检查"), beside the synthetic-data mark."""
    fonts = fonts or st.DocxFonts.detect()
    inp = tables.result.inputs
    on = on or default_date(inp)
    note = note if note is not None else explanatory_note(tables)
    doc = Document()
    st.setup_styles(doc, fonts)
    style_ids = {name: doc.styles[name].style_id for name in (st.TABLE_TEXT, st.TABLE_HEAD)}
    first = doc.sections[0]
    st.setup_page(first)
    marks = [stamp, "示例数据（虚构），仅供演示" if tables.synthetic else ""]
    st.add_page_numbers(first, stamp="　".join(m for m in marks if m))
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):    # the template's empty paragraph
        body.remove(p)
    items = annexes(tables)
    _note(doc, note, tables, fonts, [a.title for a in items], on)
    landscape = False
    for number, annex in enumerate(items, start=1):
        landscape = _annex(doc, tables, number, annex, landscape, style_ids)
    _properties(doc, tables, on)
    return doc


def _properties(doc: DocxDocument, t: DraftTables, on: dt.date) -> None:
    """Fixed core properties (created = modified = the draft date) for reproducible files."""
    when = dt.datetime(on.year, on.month, on.day)
    cp = doc.core_properties
    cp.title = document_title(t)
    cp.subject = "工伤保险基金收支预算草案"
    cp.author = "wibudget"
    cp.last_modified_by = f"wibudget {package_version()}"
    cp.keywords = "工伤保险;基金预算;缺口分担" + (";示例数据" if t.synthetic else "")
    cp.comments = "示例数据（虚构），仅供演示" if t.synthetic else ""
    cp.category = ""
    cp.revision = 1
    cp.created = when
    cp.modified = when
    cp.last_printed = when
    cp.language = "zh-CN"


def save_docx(doc: DocxDocument, path: Path | str, when: dt.datetime) -> None:
    """Save with every zip entry dated `when` (python-docx stamps the current time otherwise)."""
    buffer = io.BytesIO()
    doc.save(buffer)
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            out.writestr(entry, src.read(info.filename))


def write_docx(tables: DraftTables, path: Path | str, *, on: dt.date | None = None, force: bool = False,
               fonts: st.DocxFonts | None = None, stamp: str = "") -> Path:
    """写出编制说明 (.docx) — build it from computed tables and write it atomically to `path` (refused if it
    exists, unless `force`); `stamp` goes into every page header."""
    check_target(path, force)
    on = on or default_date(tables.result.inputs)
    doc = build_docx(tables, on=on, fonts=fonts, stamp=stamp)
    when = dt.datetime(on.year, on.month, on.day)
    return atomic_write(path, lambda tmp: save_docx(doc, tmp, when), force=force)
