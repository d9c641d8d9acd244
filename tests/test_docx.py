"""编制说明（Word）: the .docx the finance bureau sends up — opened with python-docx and read back as a
reviewer would: the figures are the draft tables' own (万元, two decimals), the headings carry the official
fonts, pages are A4 with the GB/T 9704 margins and "— N —" page numbers, no English in the text, the same
inputs give the same bytes, and LibreOffice turns it into a PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt

from addin.cli import main
from addin.draft import docx_style as st
from addin.draft.docx_content import annexes, ordinal
from addin.draft.docx_document import plain_text, write_docx
from addin.draft.pdf import convert_to_pdf, find_soffice
from addin.report.compute import draft_report
from addin.workbook.atomic import OutputExistsError
from examples import load_example
from examples.synthetic import scaled_province
from models.budget import resolve_options, run_budget

ON = dt.date(2026, 10, 15)
ENGLISH = re.compile(r"[A-Za-z_]{4,}")
ALLOWED_WORDS = {"GB/T"}        # nothing else: no option codes, file names or tool names


@pytest.fixture(scope="module")
def tables():
    return draft_report(run_budget(load_example()), risk=False)


@pytest.fixture(scope="module")
def docx_path(tables, tmp_path_factory) -> Path:
    return write_docx(tables, tmp_path_factory.mktemp("docx") / "编制说明.docx", on=ON)


@pytest.fixture(scope="module")
def doc(docx_path):
    return Document(str(docx_path))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _find_table(doc, first_header: str, contains: str):
    """The first table whose header starts with `first_header` and whose body mentions `contains`."""
    for table in doc.tables:
        rows = _table_rows(table)
        if rows[0][0] == first_header and any(contains in cell for row in rows for cell in row):
            return rows
    raise AssertionError(f"no table with {first_header} / {contains}")


def _mm(length) -> float:
    return round(length / 36000, 1)        # EMU → mm


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for s in doc.sections:
        parts += [p.text for p in s.footer.paragraphs] + [p.text for p in s.header.paragraphs]
    return "\n".join(parts)


# ---------------------------------------------------------------- figures


def test_revenue_table_is_the_draft_figures_and_adds_up(doc, tables):
    rows = _find_table(doc, "项目", "工伤保险费收入")
    by_label = {r[0]: r for r in rows[1:]}
    for _, line in tables.revenue.iterrows():
        assert by_label[line["label"]][3] == f"{line['budget']:,.2f}"      # 本年预算数, as in the xlsx draft
        assert by_label[line["label"]][2] == f"{line['estimate']:,.2f}"
    # hand check on the document itself: 工伤保险费 + 财政补贴 + 利息 + 其他收入 = 收入合计 (万元)
    items = [_number(by_label[k][3]) for k in ("工伤保险费收入", "财政补贴收入", "利息收入", "其他收入")]
    assert round(sum(items), 2) == _number(by_label["收入合计"][3])


def test_expenditure_table_benefits_add_up_to_their_subtotal(doc, tables):
    rows = _find_table(doc, "项目", "工伤保险待遇支出")
    by_label = {r[0]: r for r in rows[1:]}
    # 工伤保险待遇支出 = 工伤医疗 + 伤残 + 工亡 (the three 其中 lines)
    parts = [_number(by_label[k][3]) for k in ("其中：工伤医疗待遇支出", "伤残待遇支出", "工亡待遇支出")]
    assert round(sum(parts), 2) == _number(by_label["工伤保险待遇支出"][3])
    assert by_label["支出合计"][3] == f"{tables.expenditure.loc['expenditure_total', 'budget']:,.2f}"


def test_unit_tables_total_row_equals_the_official_tables(doc, tables):
    revenue = None
    for rows in (r for r in (_table_rows(t) for t in doc.tables) if r[0][0] == "单位" and r[-1][0] == "合计"):
        headers = [h.replace("\n", "") for h in rows[0]]
        if headers[-1] == "收入合计":
            total = rows[-1]
            assert total[-1] == f"{tables.revenue.loc['revenue_total', 'budget']:,.2f}"
            # each column: the units and the 省级统收项目 row add up to 合计
            for k in range(1, len(headers)):
                assert round(sum(_number(r[k]) for r in rows[1:-1]), 2) == _number(total[k])
            revenue = rows
        if headers[-1] == "收支缺口":
            gap = _number(rows[-1][-1])
            # 收支缺口 = 支出合计 − 收入合计 = 320,075.56 − 312,217.63 = 7,857.93 万元 in the example
            assert gap == round(tables.expenditure.loc["expenditure_total", "budget"]
                                - tables.revenue.loc["revenue_total", "budget"], 2)
    assert revenue is not None and len(revenue) == len(tables.units) + 1


def test_sharing_table_cities_and_province_make_the_amount_to_share(doc, tables):
    code = tables.chosen[0]
    share = tables.sharing[code]
    rows = _find_table(doc, "单位", "省级承担")
    by_unit = {r[0]: r for r in rows[1:]}
    cities, province = _number(by_unit["合计"][-1]), _number(by_unit["省级承担"][-1])
    # example: 3,194.95 (cities) + 4,662.97 (province) = 7,857.92 万元 应分担缺口
    assert round(cities + province, 2) == round(float(share.attrs["应分担缺口"]), 2)
    for _, r in share.iterrows():
        assert by_unit[r["单位"]][-1] == f"{r['分担额']:,.2f}"


def test_comparison_shares_are_the_comparison_figures(doc, tables):
    wide = tables.comparison.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    rows = _find_table(doc, "单位", "城市合计")
    assert [h.replace("\n", "") for h in rows[0]][1] == "方案一（基准）"
    by_unit = {r[0]: r for r in rows[1:]}
    for k, h in enumerate(heads, start=1):
        assert by_unit["城市合计"][k] == f"{wide.loc['城市合计', (h, '分担额(万元)')]:,.2f}"


# ---------------------------------------------------------------- format


def test_page_is_a4_with_official_margins_and_wide_tables_turn_the_page(doc):
    first = doc.sections[0]
    assert (_mm(first.page_width), _mm(first.page_height)) == (210, 297)
    assert first.orientation == WD_ORIENT.PORTRAIT
    assert [_mm(v) for v in (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)] == [
        37, 35, 28, 26]
    turned = [s for s in doc.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert turned, "the 9-column 分市支出 table needs a landscape page"
    # the page turned with its margins: top = the binding side (28 mm), left = the portrait bottom (35 mm)
    assert all((_mm(s.page_width), _mm(s.top_margin), _mm(s.left_margin)) == (297, 28, 35) for s in turned)


def test_headings_carry_the_official_fonts(doc):
    fonts = st.DocxFonts.detect()
    styles = doc.styles

    def east_asia(style_name: str) -> str:
        return styles[style_name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    title = doc.paragraphs[0]
    assert title.style.name == st.TITLE and title.text.endswith("收支预算编制说明")
    assert styles[st.TITLE].font.size == Pt(22) and styles[st.TITLE].paragraph_format.alignment == 1
    headings = [p for p in doc.paragraphs if p.style.name == st.HEADING1]
    assert [p.text[:2] for p in headings[:3]] == ["一、", "二、", "三、"]
    assert all(p.style.paragraph_format.keep_with_next for p in headings)
    assert east_asia(st.HEADING1) == fonts.hei and styles[st.HEADING1].font.size == Pt(16)
    assert east_asia(st.BODY) == fonts.fang
    assert styles[st.BODY].paragraph_format.line_spacing == Pt(28)
    # （一） run-in headings in 楷体
    run_in = [p.runs[0] for p in doc.paragraphs if p.style.name == st.BODY and p.text.startswith("（一）")]
    assert run_in and run_in[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == fonts.kai
    # every East Asian run is Simplified Chinese
    lang = styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_fonts_fall_back_to_named_simplified_chinese_faces():
    bare = st.DocxFonts.detect(frozenset())
    assert (bare.fang, bare.hei, bare.song) == (st.SERIF_SC, st.SANS_SC, st.SERIF_SC)
    official = st.DocxFonts.detect(frozenset({"仿宋", "黑体", "楷体", "宋体", "方正小标宋简体"}))
    assert (official.fang, official.hei, official.kai, official.title) == ("仿宋", "黑体", "楷体", "方正小标宋简体")
    assert not official.title_bold and bare.title_bold


def test_footer_has_a_centred_page_field(doc):
    footer = doc.sections[0].footer
    xml = footer._element.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
    assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    assert doc.styles[st.PAGE_NUMBER].paragraph_format.alignment == 1


def test_header_rows_repeat_and_rows_do_not_split(doc):
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_no_english_words_in_the_document(doc, tables):
    words = set(ENGLISH.findall(_all_text(doc))) - ALLOWED_WORDS
    assert not words, words
    for code in tables.result.sharing.names:       # options appear as 方案一 … and their Chinese names
        assert code not in _all_text(doc)


def test_option_codes_become_option_numbers():
    names = {"anhui": "方案一", "own_gap": "方案三"}
    assert plain_text("本草案采用“甲”（方案代码 anhui）。", names) == "本草案采用“甲”。"
    assert plain_text("以方案 own_gap 为基准", names) == "以方案三为基准"
    assert plain_text("（偏离-13.9%）；1–9月", names) == "（偏离−13.9%）；1–9月"
    assert plain_text("1. 工伤医疗待遇支出", names) == "1．工伤医疗待遇支出"
    assert plain_text("省:市 9:1", names) == "省:\u2060市 9:1"                 # a word joiner: no break after ":"
    assert [ordinal(k) for k in (0, 9, 10, 19)] == ["一", "十", "十一", "二十"]


# ---------------------------------------------------------------- files


def test_same_inputs_same_bytes_and_existing_file_refused(tables, docx_path, tmp_path):
    again = write_docx(tables, tmp_path / "again.docx", on=ON)
    assert again.read_bytes() == docx_path.read_bytes()
    before = again.read_bytes()
    with pytest.raises(OutputExistsError):
        write_docx(tables, again, on=dt.date(2026, 11, 1))
    assert again.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["again.docx"]      # no temporary left behind


def test_stamp_goes_into_every_page_header(tables, tmp_path):
    doc = Document(str(write_docx(tables, tmp_path / "未通过.docx", on=ON, stamp="未通过数据检查")))
    header = doc.sections[0].header.paragraphs[0].text
    assert header == "未通过数据检查　示例数据（虚构），仅供演示"
    assert len(doc.sections) > 1 and all(s.header.paragraphs[0].text == header for s in doc.sections)


def test_the_note_is_signed_by_the_issuing_agencies_and_dated(doc):
    texts = [p.text for p in doc.paragraphs if p.style.name == st.DATE]
    # no 编制单位 given in the example: the province's two departments sign (联合行文)
    assert texts == ["江西省人力资源和社会保障厅　江西省财政厅", "2026年10月15日"]


def test_core_properties_carry_the_draft_date(doc):
    cp = doc.core_properties
    assert cp.created == cp.modified == dt.datetime(2026, 10, 15, tzinfo=dt.UTC)
    assert cp.title.endswith("收支预算编制说明")


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_docx_to_pdf(docx_path, tmp_path):
    pdf = convert_to_pdf(docx_path, tmp_path / "编制说明.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "收支预算编制说明" in text and re.search(r"—\s*1\s*—", text)
        # the full stop at the end of a line is not lost (LibreOffice drops it in justified text)
        assert text.count("。") >= 20


def test_cli_draft_docx_writes_both_files(tmp_path):
    out = tmp_path / "草案.xlsx"
    code = main(["draft", "-o", str(out), "--docx", "--no-risk", "--date", "2026-10-15", "-q"])
    assert code == 0
    assert out.is_file() and out.with_suffix(".docx").is_file()
    assert Document(str(out.with_suffix(".docx"))).paragraphs[0].text.endswith("编制说明")


# ---------------------------------------------------------------- an edited province


def test_thirteen_units_five_options_every_table_fits_its_page(tmp_path):
    """13 units and a 5th option (a user's copy of 多因素加权 with 省:市 4:6): every 附表 is there, the
    comparison has five option columns, and no table is wider than its page."""
    inputs = scaled_province(13)
    opts = resolve_options(None)
    fifth = dataclasses.replace(opts[3], name="mix_b", label="多因素加权（省:市 4:6）", alpha_if_true=0.4,
                                alpha_if_false=0.4)
    t = draft_report(run_budget(inputs, [*opts, fifth]), [opts[0].name, "mix_b"], outlook=False)
    path = write_docx(t, tmp_path / "十三个单位.docx", on=ON)
    doc = Document(str(path))
    titles = [a.title for a in annexes(t)]
    assert titles[4:6] == ["缺口分担表（方案一）", "缺口分担表（方案五）"]
    comparison = [r for r in (_table_rows(x) for x in doc.tables) if "方案五" in r[0]]
    assert comparison and len(comparison[0][0]) == 6
    widest_text_block = max(s.page_width - s.left_margin - s.right_margin for s in doc.sections)
    assert _mm(widest_text_block) == 225                    # 297 − 35 − 37 mm on a turned page
    for table in doc.tables:
        width_twips = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
        assert width_twips * 635 <= widest_text_block       # twips → EMU
    assert not set(ENGLISH.findall(_all_text(doc))) - ALLOWED_WORDS
