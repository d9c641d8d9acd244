"""Input sheets of budget.xlsm: write a small province, read it back unchanged, refuse bad cells by address."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwings

from addin.workbook import layout, writer
from addin.workbook.reader import read_inputs
from addin.workbook.writer import write_inputs
from models.errors import BudgetInputError
from models.inputs import Assumptions, BudgetInputs

UNITS = ["南昌", "九江", "省本级"]
YEARS = [2023, 2024, 2025]
ITEM_AMOUNTS = {  # 南昌 2023, yuan; every later year +10 %, 九江 half of 南昌, 省本级 a fifth
    "premium": 40_000_000.0, "other_revenue": 100_000.0, "medical": 15_000_000.0, "disability": 16_000_000.0,
    "death": 7_000_000.0, "appraisal": 400_000.0, "prevention": 800_000.0, "other_expenditure": 200_000.5,
}
SCALE = {"南昌": 1.0, "九江": 0.5, "省本级": 0.2}


def _history() -> pd.DataFrame:
    rows = []
    for unit in UNITS:
        for k, year in enumerate(YEARS):
            growth = 1.1 ** k
            rows.append({"unit": unit, "year": year, "months": 9 if year == 2025 else 12,
                         "insured_end": round(100_000 * SCALE[unit] * growth),
                         "avg_wage": 60_000.0 + 1_000 * k,
                         **{code: round(v * SCALE[unit] * growth, 2) for code, v in ITEM_AMOUNTS.items()}})
    return pd.DataFrame(rows)


def _beneficiaries() -> pd.DataFrame:
    codes = list(layout.table_columns("beneficiaries"))[1:]
    rows = []
    for n, unit in enumerate(UNITS):
        row = {"unit": unit}
        for i, column in enumerate(codes):
            row[column.code] = 5_000.0 + 100 * n if column.code.endswith("_wage") else float(i + n)
        rows.append(row)
    return pd.DataFrame(rows)


OPTIONS = [
    {"name": "base", "label": "按缺口分担", "description": "省级承担 80%，其余按各市自身缺口分担",
     "amount": "deficit", "management_charge_ratio": 0.5, "province_share": 0.8,
     "weights": {"own_gap": 0.6, "collections": 0.4}, "use_coefficients": False, "cap": None, "rewards": []},
    {"name": "liaoning", "label": "辽宁式", "description": "",
     "amount": "fixed", "fixed_amount": 12_000_000.0, "management_charge_ratio": 0.0,
     "province_share": {"basis": "balance_covers", "if_true": 0.8, "if_false": 0.6},
     "weights": {"insured": 0.5, "equal": 0.5}, "use_coefficients": True,
     "cap": {"basis": "collections", "ratio": 0.1}, "rewards": [5_000_000.0, 4_000_000.0, 3_000_000.0]},
]


def make_inputs() -> BudgetInputs:
    """Two cities and 省本级, three years (2025 = Jan–Sep); all figures synthetic."""
    units = pd.DataFrame({"unit": UNITS, "kind": ["city", "city", "province"],
                          "coefficient": [1.0, 0.8, None], "fiscal_revenue": [30e9, 10e9, None]})
    province_history = pd.DataFrame({"year": YEARS, "months": [12, 12, 9], "subsidy": [0.0, 1_000_000.0, 0.0],
                                     "interest": [1_000_000.0, 1_200_000.0, 900_000.0],
                                     "balance_end": [80_000_000.0, 90_000_000.0, -1_500_000.25]})
    plans = pd.DataFrame({"unit": UNITS, "expansion": [4_000.0, 2_000.0, 800.0],
                          "collection_plan_prev": [45_000_000.0, 23_000_000.0, 9_000_000.0],
                          "prevention_plan": [1_100_000.0, 550_000.0, 220_000.0],
                          "wage_growth": [0.06, None, None]})
    assumptions = Assumptions(wage_growth=0.05, avg_monthly_wage=7_733.0, national_income=None,
                              subsidy_plan=2_000_000.0, trend_years=4,
                              trend_methods={"premium": "cagr", "medical": "linear"})
    return BudgetInputs(province="示例省", province_code="jiangxi", budget_year=2026, units=units,
                        history=_history(), province_history=province_history, plans=plans,
                        beneficiaries=_beneficiaries(), assumptions=assumptions,
                        prior_budget=pd.Series({"premium": 76_000_000.0, "medical": 30_000_000.0}),
                        synthetic=True, notes="测试用虚构数据")


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    wb = openpyxl.Workbook()
    names = write_inputs(wb, make_inputs(), OPTIONS)
    path = tmp_path / "inputs.xlsx"
    wb.save(path)
    return path, names


def _frames_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)


def test_round_trip_gives_back_every_table_and_setting(saved):
    path, _ = saved
    want = make_inputs()
    got, options = read_inputs(path)
    for table in ("history", "province_history", "beneficiaries"):
        _frames_equal(getattr(got, table), getattr(want, table))
    _frames_equal(got.units, want.units)            # assessment_rank left out: all-blank optional column
    _frames_equal(got.plans, want.plans)            # rate_change left out the same way
    pd.testing.assert_series_equal(got.prior_budget, want.prior_budget)
    assert (got.province, got.province_code, got.budget_year) == ("示例省", "jiangxi", 2026)
    assert got.synthetic is True and got.notes == "测试用虚构数据"
    assert got.assumptions == want.assumptions
    assert got.history["year"].tolist()[:3] == [2023, 2024, 2025]
    assert options == OPTIONS
    assert got.options == OPTIONS


def test_read_options_are_accepted_by_the_sharing_module(saved):
    sharing = pytest.importorskip("models.sharing")
    _, options = read_inputs(saved[0])
    parsed = [sharing.parse_option(o) for o in options]
    assert parsed[1].rewards == (5_000_000.0, 4_000_000.0, 3_000_000.0)
    assert parsed[1].alpha_basis == "balance_covers"
    # the drop-down vocabularies of the sheet use the sharing module's codes
    assert {c for _, c in layout.AMOUNT_CHOICES} == set(sharing.AMOUNTS)
    assert {c for _, c in layout.SHARE_BASIS_CHOICES} == set(sharing.ALPHA_BASES) - {"fixed"}
    assert {c for _, c in layout.CAP_BASIS_CHOICES} == set(sharing.CAP_BASES)
    assert set(layout.WEIGHT_FACTORS) == set(sharing.FACTORS)


def test_written_workbook_has_tables_names_formats_and_validation(saved):
    path, names = saved
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(layout.INPUT_SHEETS)      # the empty default sheet is gone
    ws = wb[layout.HISTORY_SHEET]
    assert set(ws.tables) == {"tblHistory", "tblProvinceHistory", "tblPriorBudget"}
    # 3 units × 3 years = 9 rows under the header in row 4: A4:M13 (13 columns: 5 + 8 items)
    assert ws.tables["tblHistory"].ref == "A4:M13"
    # the name also covers 200 spare blank rows (rows typed below the table reach the formulas): 13 + 200
    assert writer.SPARE_ROWS["history"] == 200 and names["inp_history"] == "'历年执行'!$A$4:$M$213"
    assert ws["F4"].value == "工伤保险费收入（元）" and ws["F5"].number_format == "#,##0.00"
    assert ws.freeze_panes == "B5"
    for name in ("inp_params", "inp_province_history", "inp_prior_budget", "inp_plans", "inp_beneficiaries",
                 "inp_options", "prm_wage_growth", "prm_trend_method_premium"):
        assert wb.defined_names[name].attr_text == names[name]
    # prm_wage_growth points at the 数值 cell holding 5 %
    sheet, cell = names["prm_wage_growth"].replace("$", "").split("!")
    assert wb[sheet.strip("'")][cell].value == pytest.approx(0.05)
    assert wb[sheet.strip("'")][cell].number_format == "0.00%"
    plans = wb[layout.PLANS_SHEET]
    lists = [dv for dv in plans.data_validations.dataValidation if dv.type == "list"]
    assert [dv.formula1 for dv in lists] == ['"设区市,省本级"']
    assert plans["B5"].value == "设区市" and plans["B7"].value == "省本级"


def test_text_in_a_number_column_is_refused_with_sheet_and_cell(saved, tmp_path):
    path, _ = saved
    wb = openpyxl.load_workbook(path)
    wb[layout.HISTORY_SHEET]["F12"] = "四千万"      # 省本级 2024 premium (row 5 + 7)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(BudgetInputError) as err:
        read_inputs(bad)
    text = str(err.value)
    assert "历年执行!F12" in text and "不是数字" in text and "省本级" in text


def test_blank_required_cell_names_cell_and_mentions_formulas(saved, tmp_path):
    path, _ = saved
    wb = openpyxl.load_workbook(path)
    wb[layout.BENEFICIARIES_SHEET]["C6"] = None      # 九江's 2级伤残津贴人数
    bad = tmp_path / "blank.xlsx"
    wb.save(bad)
    with pytest.raises(BudgetInputError, match=r"待遇人员!C6 为空.*公式"):
        read_inputs(bad)


def test_header_in_wan_yuan_is_refused_rather_than_misread(saved, tmp_path):
    path, _ = saved
    wb = openpyxl.load_workbook(path)
    wb[layout.HISTORY_SHEET]["F4"] = "工伤保险费收入（万元）"
    bad = tmp_path / "wan.xlsx"
    wb.save(bad)
    with pytest.raises(BudgetInputError, match="万元"):
        read_inputs(bad)


def test_options_sheet_refuses_both_fixed_and_conditional_province_share(saved, tmp_path):
    path, _ = saved
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.OPTIONS_SHEET]
    share_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "province_share")
    ws.cell(share_row, 4, 0.7)                      # 方案2 (column D) already has a condition
    bad = tmp_path / "share.xlsx"
    wb.save(bad)
    with pytest.raises(BudgetInputError, match=f"分担方案!D{share_row}.*二选一|分担方案!D{share_row}.*只能填一种"):
        read_inputs(bad)


def test_user_edits_in_chinese_are_understood(saved, tmp_path):
    path, _ = saved
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.PLANS_SHEET]
    ws["F5"] = "4,500"                              # 南昌 扩面计划 typed as text with a thousands separator
    params = wb[layout.PARAMS_SHEET]
    row = next(r for r in range(5, params.max_row + 1) if params.cell(r, 2).value == "wage_growth")
    params.cell(row, 3, "６％")                      # full-width digits and percent sign
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    got, _ = read_inputs(edited)
    assert got.plans["expansion"].tolist() == [4_500.0, 2_000.0, 800.0]
    assert got.assumptions.wage_growth == pytest.approx(0.06)


def test_reading_never_changes_the_file(saved):
    path, _ = saved
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read_inputs(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_macro_workbook_template_keeps_its_sheets_and_reads_back(tmp_path):
    template = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    path = tmp_path / "budget.xlsm"
    shutil.copy(template, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    kept = list(wb.sheetnames)
    write_inputs(wb, make_inputs(), OPTIONS)
    wb.save(path)
    assert openpyxl.load_workbook(path).sheetnames == kept + list(layout.INPUT_SHEETS)
    got, options = read_inputs(path)
    assert got.unit_names == UNITS and [o["name"] for o in options] == ["base", "liaoning"]


def test_missing_file_and_wrong_format_are_input_errors(tmp_path):
    with pytest.raises(BudgetInputError, match="找不到"):
        read_inputs(tmp_path / "nope.xlsx")
    csv = tmp_path / "inputs.csv"
    csv.write_text("单位\n南昌\n", encoding="utf-8")
    with pytest.raises(BudgetInputError, match=r"\.xlsx 或 \.xlsm"):
        read_inputs(csv)


def test_a_unit_named_like_a_formula_is_written_as_text_and_read_back(tmp_path):
    # 九江 renamed "=SUM(A1:A9)" (typed in Excel with a leading apostrophe): the input writer (build-workbook --from,
    # wibudget new, the city round) must keep it text, or the file would hold a formula and the unit a blank.
    from examples import load_example
    from models.sharing import load_presets

    inputs = load_example()
    old = inputs.units["unit"].iloc[2]
    for table in (inputs.units, inputs.history, inputs.plans, inputs.beneficiaries):
        table["unit"] = table["unit"].replace({old: "=SUM(A1:A9)"})
    wb = openpyxl.Workbook()
    write_inputs(wb, inputs, [o.to_dict() for o in load_presets()])
    wb.save(tmp_path / "in.xlsx")
    cells = [c for ws in openpyxl.load_workbook(tmp_path / "in.xlsx").worksheets for row in ws.iter_rows() for c in row
             if c.value == "=SUM(A1:A9)"]
    assert cells and all(c.data_type == "s" for c in cells)
    read, _ = read_inputs(tmp_path / "in.xlsx")
    assert "=SUM(A1:A9)" in set(read.units["unit"])
