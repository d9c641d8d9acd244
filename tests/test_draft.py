"""收支预算草案 — the example province's draft: figures equal the engine's, every table reconciles to
the cent, the file is print-ready, reproducible and written atomically, and it converts to PDF.

Money in the draft is 万元 with 2 decimals; sums are checked in integer cents of 万元 (0.01 万元 = 100 元)
so that "reconciles" means exactly equal, not "close".
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from addin.cli import main
from addin.draft.build import build_draft, default_date, default_output, write_draft
from addin.draft.note import explanatory_note, note_text
from addin.draft.pdf import PdfError, PdfUnavailableError, convert_to_pdf, find_soffice
from addin.report.compute import draft_report
from addin.report.rounding import controlled_round
from addin.report.tables import PROVINCE_ROW, displayed_result, draft_tables
from addin.workbook.atomic import OutputExistsError, atomic_write
from examples import load_example
from models import items
from models.budget import run_budget
from models.money import round_wan

SHEETS = ["封面", "收入预算表", "支出预算表", "收支结余表", "分市预算表", "缺口分担表", "方案比较", "预测与校验",
          "多年预测与风险", "编制说明", "分市通知"]
TABLE_SHEETS = SHEETS[1:-2]
CITIES = ["南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶"]
SOFFICE = find_soffice()
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装：跳过 PDF 转换测试")


def cents(x) -> int:
    """万元 figure → integer hundredths (0.01 万元)."""
    return int(round(float(x) * 100))


def rows_by_label(ws, label_col: int = 1, first_row: int = 1) -> dict[str, list]:
    """Sheet rows keyed by the text in `label_col` (first occurrence), values as a list from column A."""
    out: dict[str, list] = {}
    for row in ws.iter_rows(min_row=first_row, values_only=True):
        key = row[label_col - 1]
        if isinstance(key, str) and key.strip() and key.strip() not in out:
            out[key.strip()] = list(row)
    return out


@pytest.fixture(scope="module")
def result():
    return run_budget(load_example())


@pytest.fixture(scope="module")
def report(result):
    """The draft's figures computed once (tables + outlook), as the command line hands them to the writer."""
    return draft_report(result)


@pytest.fixture(scope="module")
def draft_path(tmp_path_factory) -> Path:
    """The example's draft, made the way a user makes it: `wibudget draft -o OUT`."""
    out = tmp_path_factory.mktemp("draft") / "草案.xlsx"
    assert main(["draft", "-o", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def wb(draft_path):
    return load_workbook(draft_path)


# ---------------------------------------------------------------- structure


def test_draft_has_every_sheet_in_order_and_no_macros(wb, draft_path):
    assert wb.sheetnames == [*SHEETS, "数据检查"]      # the data check's findings close the draft
    with zipfile.ZipFile(draft_path) as z:
        names = z.namelist()
        content_types = z.read("[Content_Types].xml").decode()
    assert not any("vbaProject" in n for n in names)
    assert "macroEnabled" not in content_types
    assert any(n.startswith("xl/charts/chart") for n in names)   # 方案比较's native bar chart


def test_cover_names_province_year_date_and_says_the_data_are_synthetic(wb):
    text = " ".join(str(v) for row in wb["封面"].iter_rows(values_only=True) for v in row if v)
    assert "江西省2027年工伤保险基金收支预算草案" in text
    on = default_date(load_example())       # default date: today, within the drafting year 2026
    assert f"{on.year}年{on.month}月{on.day}日" in text and on.year == 2026
    assert "虚构" in text and "示例数据" in text
    assert all(city in text for city in CITIES) and "省本级" in text


def test_default_output_path_names_province_and_year(result):
    assert default_output(result.inputs) == Path("out") / "收支预算草案_江西省_2027.xlsx"


# ---------------------------------------------------------------- figures equal the engine's


def test_premium_line_equals_the_units_premium_summed_then_rounded(wb, result):
    rows = rows_by_label(wb["收入预算表"])
    # 本年预算数 (column D) of 工伤保险费收入 = Σ units' premium (yuan) ÷ 10,000, 2 dp
    premium_yuan = float(np.sum(result.forecast.budget[items.PREMIUM]))
    # within one cent: the lines are rounded by largest remainder so that they add up to 收入合计, so a line
    # may be shown one cent off its own rounding (one rounded chain is still open, issue 10 item 5).
    assert rows["工伤保险费收入"][3] == pytest.approx(round(premium_yuan / 1e4, 2), abs=0.01 + 1e-9)
    assert rows["工伤保险费收入"][3] == 301_223.66      # the example's figure, for a reader to see
    # 上年预计执行数 (column C) = Σ units' 2026 estimate
    assert rows["工伤保险费收入"][2] == pytest.approx(round_wan(np.sum(result.forecast.estimate[items.PREMIUM])))


def test_balance_sheet_equals_the_engine(wb, result):
    pb = result.province
    rows = rows_by_label(wb["收支结余表"])
    assert rows["年初滚存结余"][3] == pytest.approx(round_wan(pb.opening_balance))
    assert rows["可支付月数"][3] == pytest.approx(round(pb.months_payable, 2))    # 11.52 months
    assert rows["可支付月数"][3] == 11.52
    assert rows["储备下限（12个月支出）"][3] == pytest.approx(round_wan(pb.floor))
    assert rows["是否触发费率调整"][3] == "是"                                    # 11.52 < 12
    assert rows["现行平均费率"][3] == pytest.approx(pb.average_rate)
    assert rows["恢复储备下限所需平均费率"][3] == pytest.approx(pb.rate_needed)
    assert rows["恢复储备下限所需平均费率"][3] > rows["现行平均费率"][3]


def test_sharing_sheet_equals_the_engine_table(wb, result):
    expected = result.sharing.table(result.comparison.baseline)
    ws = wb["缺口分担表"]
    heads = [c.value for c in ws[3]]
    assert heads == list(expected.columns)
    for k, row in enumerate(expected.itertuples(index=False)):
        got = [c.value for c in ws[4 + k]]
        assert got[0] == row[0]
        assert [None if v is None else round(v, 2) for v in got[1:]] == \
               [None if np.isnan(v) else round(v, 2) for v in row[1:]]


def test_comparison_sheet_equals_the_engine_comparison(wb, result):
    # the engine's comparison as the draft displays it: shares rounded to the 应分担缺口 the tables show
    wide = displayed_result(result).comparison.wide
    ws = wb["方案比较"]
    body = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] in wide.index}
    assert list(body) == list(wide.index)
    for unit, values in body.items():
        expected = wide.loc[unit].to_numpy(dtype=float)
        got = np.array([np.nan if v is None else v for v in values[1:len(expected) + 1]], dtype=float)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], atol=1e-9)


def test_flagged_forecast_lines_are_highlighted(wb, result):
    flagged_engine = int(sum(np.sum(f) for f in result.forecast.flags.values()))
    ws = wb["预测与校验"]
    highlighted = [r for r in ws.iter_rows(min_row=4) if r[0].fill.fill_type == "solid"]
    hints = [r[7].value for r in highlighted]
    assert len(highlighted) == flagged_engine == 2      # 九江 伤残待遇支出, 上饶 工亡待遇支出
    assert all("请核实" in h for h in hints)
    assert {r[1].value for r in highlighted} == {"九江", "上饶"}


# ---------------------------------------------------------------- reconciliation to the cent


def test_revenue_and_expenditure_items_add_up_to_their_totals(wb):
    for sheet, total, parts in (
        ("收入预算表", "收入合计", ["工伤保险费收入", "财政补贴收入", "利息收入", "其他收入"]),
        ("支出预算表", "支出合计", ["其中：工伤医疗待遇支出", "伤残待遇支出", "工亡待遇支出", "劳动能力鉴定支出",
                               "工伤预防费用支出", "其他支出"]),
    ):
        rows = rows_by_label(wb[sheet])
        for col in (1, 2, 3, 4):    # 上年预算数, 上年预计执行数, 本年预算数, 增减额
            assert sum(cents(rows[p][col]) for p in parts) == cents(rows[total][col]), (sheet, col)
        for p in [*parts, total]:   # 增减额 = 本年预算数 − 上年预计执行数
            assert cents(rows[p][4]) == cents(rows[p][3]) - cents(rows[p][2])
    exp = rows_by_label(wb["支出预算表"])
    for col in (1, 2, 3):          # 工伤保险待遇支出 = 医疗 + 伤残 + 工亡
        assert cents(exp["工伤保险待遇支出"][col]) == sum(
            cents(exp[p][col]) for p in ("其中：工伤医疗待遇支出", "伤残待遇支出", "工亡待遇支出"))


def test_balance_identities_hold_on_the_displayed_figures(wb):
    bal = rows_by_label(wb["收支结余表"])
    rev = rows_by_label(wb["收入预算表"])
    exp = rows_by_label(wb["支出预算表"])
    for col, line_col in ((2, 2), (3, 3)):     # 上年预计执行数, 本年预算数
        assert cents(bal["收入合计"][col]) == cents(rev["收入合计"][line_col])
        assert cents(bal["支出合计"][col]) == cents(exp["支出合计"][line_col])
        # 本年收支结余 = 收入合计 − 支出合计: 312,218.35 − 319,981.18 = −7,762.83 for 2027 (recalibrated example, issue 10)
        assert cents(bal["本年收支结余"][col]) == cents(bal["收入合计"][col]) - cents(bal["支出合计"][col])
        # 年末滚存结余 = 年初滚存结余 + 本年收支结余
        assert cents(bal["年末滚存结余"][col]) == cents(bal["年初滚存结余"][col]) + cents(bal["本年收支结余"][col])
    assert cents(bal["本年收支结余"][3]) == -776_283
    assert cents(bal["年末滚存结余"][2]) == cents(bal["年初滚存结余"][3])   # last year's end = this year's start


def test_unit_table_reconciles_across_and_down(wb):
    ws = wb["分市预算表"]
    heads = [(c.value or "").replace("\n", "") if isinstance(c.value, str) else c.value for c in ws[4]]
    rows = rows_by_label(ws, first_row=5)
    units = [*CITIES, "省本级", PROVINCE_ROW]
    rev_cols = [heads.index(items.label(c)) for c in items.REVENUE_ITEMS]
    exp_cols = [heads.index(items.label(c)) for c in items.EXPENDITURE_ITEMS]
    rev_total, exp_total, gap = heads.index("收入合计"), heads.index("支出合计"), len(heads) - 1
    for col in [*rev_cols, rev_total, *exp_cols, exp_total, gap]:     # each column adds up to 合计
        assert sum(cents(rows[u][col]) for u in units) == cents(rows["合计"][col]), heads[col]
    for u in [*units, "合计"]:                                         # each row adds up to its totals
        assert sum(cents(rows[u][c]) for c in rev_cols) == cents(rows[u][rev_total]), u
        assert sum(cents(rows[u][c]) for c in exp_cols) == cents(rows[u][exp_total]), u
        assert cents(rows[u][gap]) == cents(rows[u][exp_total]) - cents(rows[u][rev_total]), u
    # 合计 equals the official tables' 本年预算数
    rev = rows_by_label(wb["收入预算表"])
    exp = rows_by_label(wb["支出预算表"])
    for code, col in zip(items.REVENUE_ITEMS, rev_cols, strict=True):
        assert cents(rows["合计"][col]) == cents(rev[items.label(code)][3])
    assert cents(rows["合计"][rev_total]) == cents(rev["收入合计"][3])
    assert cents(rows["合计"][exp_total]) == cents(exp["支出合计"][3])
    # the 合计 gap is the province's deficit: 319,981.18 − 312,218.35 = 7,762.83 (recalibrated example, issue 10)
    assert cents(rows["合计"][gap]) == 776_283


def test_unit_cells_are_each_within_one_cent_of_the_engine(result):
    t = draft_tables(result)
    for code in items.UNIT_ITEMS:
        shown = t.units.loc[list(result.forecast.units), code].to_numpy(dtype=float)
        exact = np.asarray(result.forecast.budget[code]) / 1e4
        assert np.all(np.abs(shown - exact) < 0.01 + 1e-9), code


def test_sharing_rows_and_columns_add_up_and_province_part_closes_the_amount(wb):
    ws = wb["缺口分担表"]
    heads = [c.value for c in ws[3]]
    rows = rows_by_label(ws, first_row=4)
    share = heads.index("分担额")
    parts = list(range(1, share))
    for city in CITIES:                       # components add up to each city's 分担额
        assert sum(cents(rows[city][c]) for c in parts) == cents(rows[city][share]), city
    for col in [*parts, share]:               # each column adds up to 合计
        assert sum(cents(rows[c][col]) for c in CITIES) == cents(rows["合计"][col])
    # 城市合计 + 省级承担 = 应分担缺口: under the anhui preset the cities' own gaps, 30,506.72 万元
    # (7,724.71 + 22,782.01; issue 10: recalibrated example, and the preset shares each city's own gap)
    assert cents(rows["合计"][share]) + cents(rows["省级承担"][share]) == 3_050_672
    assert cents(rows["应分担缺口"][1]) == 3_050_672
    assert cents(rows["核对：城市合计＋省级承担"][1]) == 3_050_672


def test_every_option_closes_on_its_amount_in_the_comparison(wb, result):
    ws = wb["方案比较"]
    body = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    n_measures = 4
    for k, _ in enumerate(result.comparison.result.names):
        col = 1 + k * n_measures
        city_sum = sum(cents(body[c][col]) for c in CITIES)
        assert city_sum == cents(body["城市合计"][col])
        # each option closes on its 应分担缺口 as the tables show it: −本年收支结余 = 7,762.83 for the
        # deficit-based ones (not the engine's 7,762.84 rounded on its own), 30,506.72 for the cities' gaps
        amount = cents(displayed_result(result).sharing.rounded["amount"][k])
        assert city_sum + cents(body["省级承担"][col]) == amount


# ---------------------------------------------------------------- print-ready


@pytest.mark.parametrize("sheet", [*SHEETS, "数据检查"])
def test_every_sheet_prints_a4_landscape_one_page_wide_with_page_numbers(wb, sheet):
    ws = wb[sheet]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9     # A4
    assert ws.page_setup.orientation == ("portrait" if sheet == "分市通知" else "landscape")   # notices: letters
    one_page = 1 if sheet == "封面" else 0              # the cover is one page, however many options
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == one_page
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_area
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert "示例数据" in (ws.oddHeader.center.text or "")   # synthetic data marked on every page


@pytest.mark.parametrize("sheet", TABLE_SHEETS)
def test_table_sheets_repeat_their_titles_and_freeze_the_header(wb, sheet):
    ws = wb[sheet]
    assert ws.print_title_rows and ws.print_title_rows.replace("$", "").startswith("1:")
    assert ws.freeze_panes is not None
    money = [c for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, float)]
    assert any(c.number_format == "#,##0.00" for c in money)


def test_note_explains_changes_reserve_and_sharing(result):
    t = draft_tables(result)
    text = note_text(explanatory_note(t))
    for heading in ("编制依据和方法", "主要参数", "收入预算", "支出预算", "收支平衡与基金储备", "基金缺口分担"):
        assert heading in text
    assert "年平均参保人数由" in text                      # the premium's driver
    assert "伤残待遇支出（+15,169.90万元" in text         # the largest expenditure change, named
    assert "可支付11.52个月" in text
    assert "0.349%提高到0.364%" in text                  # the rate needed to restore the 12-month floor
    assert "30,506.72万元" in text                        # the amount shared (anhui: the cities' own gaps)
    assert "萍乡2,541.38万元" in text                     # each city's share under the chosen option
    assert "九江伤残待遇支出" in text                      # flagged forecast line


# ---------------------------------------------------------------- reproducible and atomic


def test_same_inputs_give_the_same_bytes(report, tmp_path):
    a = write_draft(report, tmp_path / "a.xlsx")
    b = write_draft(report, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    props = load_workbook(a).properties
    on = default_date(report.result.inputs)
    assert props.created == props.modified == dt.datetime(on.year, on.month, on.day)


def test_date_option_sets_cover_and_properties(report, tmp_path):
    out = write_draft(report, tmp_path / "d.xlsx", on=dt.date(2026, 10, 15))
    wb = load_workbook(out)
    assert wb.properties.created == dt.datetime(2026, 10, 15)
    assert any(v == "2026年10月15日" for row in wb["封面"].iter_rows(values_only=True) for v in row)


def test_existing_output_is_refused_without_force(report, tmp_path):
    out = tmp_path / "draft.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        write_draft(report, out)
    assert out.read_bytes() == b"keep me"
    write_draft(report, out, force=True)
    assert load_workbook(out).sheetnames == SHEETS


def test_a_writer_that_fails_leaves_no_file(report, tmp_path):
    def half_then_fail(wb, path):
        Path(path).write_bytes(b"PK\x03\x04 partial")
        raise RuntimeError("disk full")

    out = tmp_path / "draft.xlsx"
    with pytest.raises(RuntimeError, match="disk full"):
        write_draft(report, out, save=half_then_fail)
    assert list(tmp_path.iterdir()) == []          # neither the target nor a temporary file


def test_atomic_write_replaces_only_when_complete(tmp_path):
    out = tmp_path / "sub" / "x.txt"
    atomic_write(out, lambda p: p.write_text("one"))
    assert out.read_text() == "one"

    def write_half_then_fail(p: Path) -> None:
        p.write_text("two, half")
        raise ValueError("interrupted")

    with pytest.raises(ValueError):
        atomic_write(out, write_half_then_fail, force=True)
    assert out.read_text() == "one"
    assert [p.name for p in out.parent.iterdir()] == ["x.txt"]


# ---------------------------------------------------------------- controlled rounding


def test_controlled_rounding_by_hand():
    # four cells of 150 元 = 0.015 万元 each; each column totals 300 元 = 0.03 万元
    cells, rows = controlled_round(np.array([[150.0, 150.0], [150.0, 150.0]]), np.array([0.03, 0.03]))
    assert rows.tolist() == [0.03, 0.03]                       # 0.015 + 0.015 = 0.03 per row
    assert cells.sum(axis=0).round(2).tolist() == [0.03, 0.03]
    assert cells.sum(axis=1).round(2).tolist() == [0.03, 0.03]
    assert sorted(cells.ravel().round(2).tolist()) == [0.01, 0.01, 0.02, 0.02]   # each rounded down or up


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(0, 5e8, allow_nan=False), min_size=3, max_size=3), min_size=1, max_size=8))
def test_controlled_rounding_reconciles_rows_and_columns(values):
    yuan = np.array(values)
    col_totals = np.array([round_wan(c) for c in yuan.sum(axis=0)])
    cells, rows = controlled_round(yuan, col_totals)
    steps = np.rint(cells * 100).astype(np.int64)
    assert (steps.sum(axis=0) == np.rint(col_totals * 100)).all()
    assert (steps.sum(axis=1) == np.rint(rows * 100)).all()
    assert np.all(np.abs(cells - yuan / 1e4) < 0.02 + 1e-9)     # never more than one step from a rounding
    assert np.all(cells[yuan == 0] == 0)                         # zero cells stay zero


# ---------------------------------------------------------------- PDF through LibreOffice


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    """One conversion for all PDF tests: `wibudget draft --pdf`."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 未安装：跳过 PDF 转换测试")
    out = tmp_path_factory.mktemp("pdf") / "草案.xlsx"
    assert main(["draft", "-o", str(out), "--pdf", "-q"]) == 0
    return out.with_suffix(".pdf")


def _pdf_pages_text(pdf: Path) -> list[str] | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    text = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    return text.split("\f")


@needs_libreoffice
def test_draft_converts_to_an_a4_landscape_pdf(pdf_path):
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(SHEETS)
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and float(box.group(1)) > float(box.group(2))      # landscape: wider than tall
    assert abs(float(box.group(1)) - 842) < 2                       # A4 long side, 297 mm = 842 pt


@needs_libreoffice
def test_wide_tables_fit_the_page_width_in_the_pdf(pdf_path):
    pages = _pdf_pages_text(pdf_path)
    if pages is None:
        pytest.skip("pdftotext 未安装：无法读取 PDF 文字")
    # the page that starts the 分市预算表 shows its first and its last column
    units = next(p for p in pages if "分市收支预算表" in p and "南昌" in p)
    assert "工伤保险费" in units and "收支缺口" in units and "7,762.83" in units
    comparison = next(p for p in pages if "缺口分担方案比较表" in p and "南昌" in p)
    assert all(f"方案{n}" in comparison for n in "一二三四")       # options by place and name, never by code
    assert "586.71" in comparison        # 南昌 under weighted_mix (recalibrated example, issue 10): the right-most option group


def test_missing_libreoffice_is_said_clearly(result, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WIBUDGET_SOFFICE", str(tmp_path / "no-such-soffice"))
    out = tmp_path / "d.xlsx"
    assert main(["draft", "-o", str(out), "--pdf", "-q"]) == 1
    err = capsys.readouterr().err
    assert "未找到 LibreOffice" in err and "WIBUDGET_SOFFICE" in err
    assert out.exists() and not out.with_suffix(".pdf").exists()    # the draft itself is still written
    with pytest.raises(PdfUnavailableError):
        convert_to_pdf(out)


@pytest.mark.skipif(not hasattr(__import__("os"), "killpg"), reason="POSIX process groups")
def test_a_hung_conversion_is_stopped_and_leaves_no_pdf(tmp_path):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    src = tmp_path / "d.xlsx"
    build_draft(draft_report(run_budget(load_example()))).save(src)
    with pytest.raises(PdfError, match="秒"):
        convert_to_pdf(src, soffice=str(fake), timeout=0.5)
    assert not src.with_suffix(".pdf").exists()
