"""The city round (issue 14): `wibudget new`, split → fill → collect, refusals, and the 分市通知.

Forms are edited the way a city edits them: cells typed into the returned .xlsx with openpyxl.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from addin.cities import form
from addin.cities.collect import collect_forms
from addin.cli import main
from addin.report.notice import city_notice, city_units, unit_estimates
from addin.report.tables import draft_tables
from addin.workbook import layout
from addin.workbook.check import check_workbook
from addin.workbook.reader import read_inputs
from models.budget import run_budget

ROOT = Path(__file__).resolve().parents[1]
BUDGET = ROOT / "budget.xlsm"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- wibudget new


def _fill(path: Path) -> None:
    """A small hand case typed into the blank workbook: two cities and 省本级, every figure by hand."""
    wb = load_workbook(path, keep_vba=True)
    params = wb[layout.PARAMS_SHEET]
    for row in params.iter_rows(min_row=layout.HEADER_ROW + 1):
        if row[1].value == "avg_monthly_wage":
            row[2].value = 8000
    scale = {"甲市": 1.0, "乙市": 0.5, "省本级": 0.2}
    ws = wb[layout.HISTORY_SHEET]
    heads = [c.code for c in layout.TABLES["history"].columns]
    for r in range(layout.HEADER_ROW + 1, ws.max_row + 1):
        unit, months = ws.cell(r, 1).value, ws.cell(r, 3).value
        if unit not in scale:
            continue
        s, part = scale[unit], months / 12
        figures = dict(insured_end=100_000 * s, avg_wage=60_000, premium=40_000_000 * s * part,
                       other_revenue=100_000 * s * part, medical=15_000_000 * s * part,
                       disability=16_000_000 * s * part, death=7_000_000 * s * part, appraisal=400_000 * s * part,
                       prevention=800_000 * s * part, other_expenditure=200_000 * s * part)
        for code, value in figures.items():
            ws.cell(r, heads.index(code) + 1, value)
    prov = layout.TABLES["province_history"]
    # the balance chain must hold (年末 = 上年末 + 收入 − 支出): a full year of the three units (scale 1 + 0.5 + 0.2
    # = 1.7) brings in (40,000,000 + 100,000) × 1.7 + interest 1,000,000 = 69,170,000 and pays
    # (15 + 16 + 7 + 0.4 + 0.8 + 0.2) million × 1.7 = 66,980,000: +2,190,000 a year, × 9/12 for 1–9月
    closing = None
    for r in range(prov.row + 1, prov.row + 5):
        months = ws.cell(r, prov.col + 1).value
        closing = 90_000_000 if closing is None else closing + 2_190_000 * months / 12
        for j, value in enumerate((0, 1_000_000 * months / 12, closing), start=2):
            ws.cell(r, prov.col + j, value)
    plans = wb[layout.PLANS_SHEET]
    heads = [c.code for c in layout.TABLES["plans"].columns]
    for r in range(layout.HEADER_ROW + 1, layout.HEADER_ROW + 4):
        s = scale[plans.cell(r, 1).value]
        for code, value in (("fiscal_revenue", 1e10 * s), ("assessment_rank", r - layout.HEADER_ROW),
                            ("expansion", 4000 * s), ("collection_plan_prev", 42_000_000 * s),
                            ("prevention_plan", 800_000 * s)):
            plans.cell(r, heads.index(code) + 1, value)
    ben = wb[layout.BENEFICIARIES_SHEET]
    for r in range(layout.HEADER_ROW + 1, layout.HEADER_ROW + 4):
        for j, column in enumerate(layout.TABLES["beneficiaries"].columns[1:], start=2):
            ben.cell(r, j, 5000 if column.code.endswith("_wage") else 1)
    wb.save(path)


def test_new_makes_a_blank_workbook_that_check_walks_through_and_a_hand_case_drafts(tmp_path, capsys):
    path = tmp_path / "甲省.xlsm"
    assert main(["new", "--province", "甲省", "--cities", "甲市,乙市", "--year", "2027", "--province-level",
                 "-o", str(path), "-q"]) == 0
    said = capsys.readouterr().out
    # what to fill, sheet by sheet: 3 units × 4 years × 10 figures + 4 years × 3 province figures = 132
    assert "须填写 参数：1 项（上年全省在岗职工月平均工资）" in said and "须填写 历年执行：132 项" in said
    wb = load_workbook(path, keep_vba=True)
    assert wb[layout.PARAMS_SHEET]["A1"].value == layout.SHEET_TITLES[layout.PARAMS_SHEET]   # not marked synthetic
    plans = wb[layout.PLANS_SHEET]
    assert [plans.cell(r, 1).value for r in range(5, 8)] == ["甲市", "乙市", "省本级"]
    assert plans.data_validations.dataValidation                       # lists and checks in place
    # blank: every figure must be filled, and check says where, sheet by sheet
    findings = check_workbook(path)
    blanks = {f.sheet for f in findings if f.rule == "V102"}
    assert {layout.HISTORY_SHEET, layout.PLANS_SHEET, layout.BENEFICIARIES_SHEET} <= blanks
    assert all(f.severity == "warning" for f in findings if f.rule == "V601")

    _fill(path)
    inputs, options = read_inputs(path)
    assert not inputs.synthetic and inputs.budget_year == 2027 and len(options) >= 1
    result = run_budget(inputs, options)
    tables = draft_tables(result)
    # 甲市 2026 1–9月 premium 30,000,000 元 and no earlier 1–9月 rows: full year = 30,000,000 ÷ (9/12)
    # = 40,000,000 元 = 4,000.00 万元
    assert unit_estimates(tables).loc["甲市", "premium"] == pytest.approx(4000.00)
    assert main(["draft", str(path), "-o", str(tmp_path / "草案.xlsx"), "--no-risk", "-q"]) == 0


def test_new_refuses_bad_unit_lists(tmp_path, capsys):
    out = tmp_path / "x.xlsm"
    assert main(["new", "--province", "甲省", "--cities", "甲市,甲市", "-o", str(out), "-q"]) == 2
    assert "重复" in capsys.readouterr().err
    assert main(["new", "--province", "甲省", "--cities", "=甲市", "-o", str(out), "-q"]) == 2
    assert main(["new", "--province", "甲省", "--cities", "甲市", "-o", str(tmp_path / "x.xlsx"), "-q"]) == 2
    assert not out.exists() and not list(tmp_path.iterdir())


# ---------------------------------------------------------------- split and collect


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forms")
    assert main(["cities", "split", str(BUDGET), "-o", str(folder), "-q"]) == 0
    return folder


def _copy(forms: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "returned"
    shutil.copytree(forms, folder)
    return folder


def _form(folder: Path, unit: str) -> Path:
    return folder / form.form_file_name("江西省", 2027, unit)


def test_split_writes_one_form_per_unit_with_only_its_rows(forms):
    inputs, _ = read_inputs(BUDGET)
    units = [str(u) for u in inputs.units["unit"]]
    assert sorted(p.name for p in forms.iterdir()) == sorted(form.form_file_name("江西省", 2027, u) for u in units)
    wb = load_workbook(_form(forms, "萍乡"))
    assert wb.sheetnames == list(form.FORM_SHEETS)
    history = wb[layout.HISTORY_SHEET]
    rows = [[c.value for c in r] for r in history.iter_rows(min_row=layout.HEADER_ROW + 1) if r[0].value]
    own = inputs.history[inputs.history["unit"] == "萍乡"]
    assert {r[0] for r in rows} == {"萍乡"} and len(rows) == len(own)
    assert sorted((r[1], r[2]) for r in rows) == sorted(zip(own["year"], own["months"], strict=True))
    assert any(r[2] < 12 for r in rows)                                   # the 1–N月 rows are there
    assert history.protection.sheet and history["A4"].protection.locked  # headers and keys locked
    assert not history["D5"].protection.locked                           # figures editable
    assert history.data_validations.dataValidation
    assert wb[form.INTRO_SHEET][form.ID_UNIT].value == "萍乡"


def test_split_then_collect_gives_the_same_draft(forms, tmp_path):
    folder = _copy(forms, tmp_path)
    before = {p.name: _digest(p) for p in folder.iterdir()}
    original = _digest(BUDGET)
    merged = tmp_path / "汇总.xlsm"
    assert main(["cities", "collect", str(folder), "--into", str(BUDGET), "-o", str(merged), "-q"]) == 0
    assert _digest(BUDGET) == original and {p.name: _digest(p) for p in folder.iterdir()} == before
    a = draft_tables(run_budget(*read_inputs(BUDGET)))
    b = draft_tables(run_budget(*read_inputs(merged)))
    for name in ("revenue", "expenditure", "balance", "units", "checks"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    for code in a.sharing:
        pd.testing.assert_frame_equal(a.sharing[code], b.sharing[code])
    pd.testing.assert_frame_equal(a.comparison.wide, b.comparison.wide)


def test_collect_merges_a_city_edit_and_reports_missing_cities(forms, tmp_path):
    folder = _copy(forms, tmp_path)
    _form(folder, "鹰潭").unlink()
    path = _form(folder, "萍乡")
    wb = load_workbook(path)
    plans = wb[layout.PLANS_SHEET]
    col = [c.code for c in layout.TABLES["plans"].columns].index("expansion") + 1
    plans.cell(layout.HEADER_ROW + 1, col, 9999)
    coefficient = [c.code for c in layout.TABLES["plans"].columns].index("coefficient") + 1
    plans.cell(layout.HEADER_ROW + 1, coefficient, 5)      # a province-set column: not collected
    wb.save(path)
    out = collect_forms(folder, BUDGET)
    assert "鹰潭" in out.missing and "萍乡" in out.merged and not out.refused
    i = out.inputs.plans.index[out.inputs.plans["unit"] == "萍乡"][0]
    assert out.inputs.plans.at[i, "expansion"] == 9999
    j = out.inputs.units.index[out.inputs.units["unit"] == "萍乡"][0]
    assert out.inputs.units.at[j, "coefficient"] == 1.0
    assert "未报送（1）：鹰潭" in out.report()


def _edit(path: Path, sheet: str, cell: str, value) -> None:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


REFUSALS = {
    "unknown unit": (lambda p: _edit(p, form.INTRO_SHEET, form.ID_UNIT, "火星市"), "未知单位"),
    "wrong year": (lambda p: _edit(p, form.INTRO_SHEET, form.ID_YEAR, 2026), "年度不符"),
    "changed header": (lambda p: _edit(p, layout.HISTORY_SHEET, "F4", "保险费"), "表式已改动"),
    "changed rows": (lambda p: _edit(p, layout.HISTORY_SHEET, "C5", 6), "表式已改动"),
    "old form": (lambda p: _edit(p, form.INTRO_SHEET, form.ID_VERSION, "分市填报表0"), "表式已改动"),
    "bad cell": (lambda p: _edit(p, layout.HISTORY_SHEET, "F5", "约三千万"), "填写错误"),
    "not a workbook": (lambda p: p.write_bytes(b"not a zip"), "无法"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_collect_refuses_a_bad_form_with_the_reason_and_merges_the_rest(forms, tmp_path, case):
    folder = _copy(forms, tmp_path)
    spoil, words = REFUSALS[case]
    bad = _form(folder, "萍乡")
    spoil(bad)
    out = collect_forms(folder, BUDGET)
    assert list(out.refused) == [bad] and words in out.refused[bad].reason
    assert len(out.merged) == 11 and "萍乡" in out.missing
    if case == "bad cell":        # the finding names the form's sheet and cell
        assert [f.location for f in out.refused[bad].findings] == ["历年执行!F5"]
    assert bad.name in out.report() and words in out.report()


def test_collect_refuses_both_copies_of_a_duplicate_unit(forms, tmp_path):
    folder = _copy(forms, tmp_path)
    shutil.copy(_form(folder, "萍乡"), folder / "萍乡（修改后）.xlsx")
    out = collect_forms(folder, BUDGET)
    assert len(out.refused) == 2 and all("重复单位" in r.reason for r in out.refused.values())
    assert "萍乡" in out.missing


def test_collect_with_nothing_to_merge_writes_nothing(tmp_path, capsys):
    empty = tmp_path / "空"
    empty.mkdir()
    (empty / "说明.xlsx").write_bytes(b"")
    target = tmp_path / "汇总.xlsm"
    assert main(["cities", "collect", str(empty), "--into", str(BUDGET), "-o", str(target), "-q"]) == 2
    assert not target.exists() and "拒收（1）" in capsys.readouterr().out


# ---------------------------------------------------------------- notices


@pytest.fixture(scope="module")
def tables():
    return draft_tables(run_budget(*read_inputs(BUDGET)))


def test_notices_reconcile_to_the_units_sharing_and_comparison_tables(tables):
    estimates = unit_estimates(tables)
    # 上年预计执行数 by city add up to the province's column, item by item
    for code in ("premium", "medical", "disability", "expenditure_total"):
        lines = tables.revenue if code == "premium" else tables.expenditure
        assert estimates[code].sum() == pytest.approx(lines.loc[code, "estimate"], abs=1e-6)
    sharing = tables.sharing[tables.chosen[0]]
    for unit in city_units(tables):
        n = city_notice(tables, unit, estimates=estimates)
        assert (n.lines["budget"] == tables.units.loc[unit, n.lines.index]).all()
        assert n.lines.loc["gap", "budget"] == tables.units.loc[unit, "gap"]
        row = sharing[sharing["单位"] == unit].iloc[0]
        assert n.components == [(c, float(row[c])) for c in sharing.columns if c != "单位"]
        assert n.share == row["分担额"]
        assert list(n.options["share"]) == [tables.comparison.wide.loc[unit, (h, "分担额(万元)")]
                                            for h in dict.fromkeys(tables.comparison.wide.columns.get_level_values(0))]
    total = sum(city_notice(tables, u, estimates=estimates).share for u in city_units(tables))
    assert round(total, 2) == sharing.loc[sharing["单位"] == "合计", "分担额"].iloc[0]


def test_notices_command_writes_one_page_per_city(tmp_path, tables):
    folder = tmp_path / "通知"
    assert main(["cities", "notices", str(BUDGET), "-o", str(folder), "--option", "liaoning", "-q"]) == 0
    files = sorted(folder.iterdir())
    assert len(files) == len(city_units(tables))
    wb = load_workbook(folder / "2027年分市通知_萍乡.xlsx")
    ws = wb["分市通知"]
    assert ws.page_setup.orientation == "portrait" and not ws.row_breaks.brk
    values = [c.value for r in ws.iter_rows() for c in r if c.value is not None]
    share = run_budget(*read_inputs(BUDGET)).sharing.table("liaoning")
    assert share.loc[share["单位"] == "萍乡", "分担额"].iloc[0] in values
    assert not any(isinstance(v, str) and ("liaoning" in v or "xlsx" in v) for v in values)


def test_the_round_starts_from_a_blank_workbook(tmp_path):
    # new → split → one city fills its form → collect: that city is in, the blank forms are refused
    # with the cells still to fill, and the merged workbook holds the city's figures
    book = tmp_path / "乙省.xlsm"
    assert main(["new", "--province", "乙省", "--cities", "东市,西市", "--year", "2027", "-o", str(book), "-q"]) == 0
    folder = tmp_path / "填报表"
    assert main(["cities", "split", str(book), "-o", str(folder), "-q"]) == 0
    path = folder / form.form_file_name("乙省", 2027, "西市")
    wb = load_workbook(path)
    ws = wb[layout.HISTORY_SHEET]
    for r in range(layout.HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == "西市":
            for c in range(4, len(layout.TABLES["history"].columns) + 1):
                ws.cell(r, c, 1000)
    heads = [c.code for c in layout.TABLES["plans"].columns]
    for code in form.CITY_COLUMNS["plans"]:
        wb[layout.PLANS_SHEET].cell(layout.HEADER_ROW + 1, heads.index(code) + 1, 500)
    for j in range(2, len(layout.TABLES["beneficiaries"].columns) + 1):
        wb[layout.BENEFICIARIES_SHEET].cell(layout.HEADER_ROW + 1, j, 2)
    wb.save(path)
    out = collect_forms(folder, book)
    assert list(out.merged) == ["西市"] and out.missing == ["东市"]
    east = out.refused[folder / form.form_file_name("乙省", 2027, "东市")]
    assert "填写错误" in east.reason and "历年执行!D5" in [f.location for f in east.findings]
    merged = tmp_path / "汇总.xlsm"
    assert main(["cities", "collect", str(folder), "--into", str(book), "-o", str(merged), "-q"]) == 1
    from addin.cities.lenient import read_partial
    inputs, _ = read_partial(merged)
    west = inputs.history[inputs.history["unit"] == "西市"]
    assert (west["premium"] == 1000).all() and inputs.history[inputs.history["unit"] == "东市"]["premium"].isna().all()
