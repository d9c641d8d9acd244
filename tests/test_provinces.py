"""Any province (issue 14): Shandong and Gansu files, a province without a file, 参数调整 with 依据.

The tiny province of conftest.py is written into an input workbook with another province's name, read
back the way `wibudget` reads it, and drafted.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.draft.build import build_draft
from addin.draft.note import explanatory_note
from addin.report.tables import draft_tables
from addin.workbook import layout
from addin.workbook.check import check_workbook
from addin.workbook.reader import read_inputs
from addin.workbook.writer import write_inputs
from models.budget import run_budget
from models.errors import BudgetInputError
from models.forecast import forecast
from models.inputs import BudgetInputs
from models.parameter_set import available_provinces, load_parameters, parameters_for, province_code
from models.sharing import load_presets
from tests.conftest import make_tiny

ON = 2027


def _save(inputs: BudgetInputs, path: Path) -> Path:
    wb = Workbook()
    write_inputs(wb, inputs, [o.to_dict() for o in load_presets()])
    wb.save(path)
    return path


def _tiny_in(province: str, code: str = "", **overrides) -> BudgetInputs:
    inputs = make_tiny()
    inputs.province, inputs.province_code, inputs.synthetic = province, code, False
    inputs.parameter_overrides = overrides
    return inputs


def _note(result) -> str:
    return "\n".join(p for s in explanatory_note(draft_tables(result)) for p in s.paragraphs)


# ---------------------------------------------------------------- the files


@pytest.mark.parametrize("code", ["shandong", "gansu"])
def test_province_files_date_and_source_every_value(code):
    assert code in available_provinces()
    text = resources.files("models").joinpath(f"parameters/provinces/{code}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert {"medical_grant_months", "reserve_months_floor"} <= set(data)
    for name, body in data.items():
        for entry in body["values"]:
            # every value is dated, sourced, and — where no public text gives it — marked 待核实
            assert entry["date"].year == 2024
            assert "待核实" in entry["reference"], (code, name)
    params = load_parameters(code)
    assert params.unconfirmed == () and params.has_file


def test_province_names_resolve_to_codes():
    assert province_code("山东省") == province_code("山东") == province_code(" Shandong ") == "shandong"
    assert province_code("甘肃省") == "gansu"
    assert province_code("广西壮族自治区") == "guangxi" and province_code("陕西省") == "shaanxi"
    assert province_code("") is None and province_code(None) is None
    assert province_code("火星省") == "火星省"              # not a province: kept, runs on national parameters


# ---------------------------------------------------------------- drafting other provinces


def test_a_shandong_workbook_drafts_on_shandong_standards(tmp_path):
    # 参数代码 left blank: the reader takes it from 省份名称 (no V102 dead end any more)
    path = _save(_tiny_in("山东省"), tmp_path / "山东.xlsx")
    inputs, _ = read_inputs(path)
    assert inputs.province_code == "shandong"
    findings = check_workbook(path)
    assert not [f for f in findings if f.rule in ("V102", "V601")]
    result = run_budget(inputs)
    # 甲市 one-time medical grants, Shandong months 22/18/13/10/7/4 × 8,000 元:
    # 3×22 + 4×18 + 10×13 + 20×10 + 30×7 + 50×4 = 66+72+130+200+210+200 = 878 months → 7,024,000 元
    assert result.parameters.value("medical_grant_months", ON) == (22, 18, 13, 10, 7, 4)
    assert result.forecast.details["medical_grant"][0] == pytest.approx(7_024_000)
    wb = build_draft(draft_tables(result))
    assert "分市通知" in wb.sheetnames
    assert wb["收入预算表"]["A1"].value.startswith("山东省2027年")


def test_a_province_without_a_file_drafts_with_a_warning_naming_the_standards(tmp_path):
    path = _save(_tiny_in("海南省"), tmp_path / "海南.xlsx")
    inputs, _ = read_inputs(path)
    assert inputs.province_code == "hainan" and "hainan" not in available_provinces()
    findings = check_workbook(path)
    v601 = [f for f in findings if f.rule == "V601"]
    assert len(v601) == 1 and v601[0].severity == "warning"
    assert "一次性工伤医疗补助金" in v601[0].message and "基金累计结余下限" in v601[0].message
    assert "参数调整" in v601[0].message                       # the advice leads somewhere
    assert not [f for f in findings if f.severity == "error" and f.sheet == "参数"]
    result = run_budget(inputs)
    # reference months 18/16/10/8/6/4: 3×18+4×16+10×10+20×8+30×6+50×4 = 54+64+100+160+180+200 = 758 → 6,064,000 元
    assert result.forecast.details["medical_grant"][0] == pytest.approx(6_064_000)
    assert "暂用参考值" in _note(result)
    build_draft(draft_tables(result))


def test_following_the_warning_advice_confirms_the_standards(tmp_path):
    # the V601 advice: enter the province's own months in 参数调整 with their basis → no warning left for them
    inputs = _tiny_in("海南省", medical_grant_months=((20, 16, 12, 10, 8, 6), "琼府〔2026〕1号 第三条"),
                      reserve_months_floor=((12,), "琼人社发〔2026〕2号"))
    path = _save(inputs, tmp_path / "海南.xlsx")
    assert not [f for f in check_workbook(path) if f.rule == "V601"]


# ---------------------------------------------------------------- 参数调整


def test_an_override_changes_the_figure_it_should(tmp_path):
    base = _tiny_in("山东省", "shandong")
    months = ((24, 18, 13, 10, 7, 4), "山东省人民政府令（示例依据）第二十条")
    path = _save(_tiny_in("山东省", "shandong", medical_grant_months=months), tmp_path / "调整.xlsx")
    changed, _ = read_inputs(path)
    assert changed.parameter_overrides == {"medical_grant_months": months}
    before = forecast(base, parameters_for(base)).budget["disability"]
    after = forecast(changed, parameters_for(changed)).budget["disability"]
    # grade 5 only: 22 → 24 months; 甲市 and 乙市 have 3 such cases each at 8,000 元/月:
    # 3 × (24 − 22) × 8,000 = 48,000 元 more each; 省本级 has none
    assert after - before == pytest.approx([48_000, 48_000, 0])
    # a year before the budget year still runs on the file's months
    assert parameters_for(changed).value("medical_grant_months", 2026)[0] == 22
    note = _note(run_budget(changed))
    assert "一次性工伤医疗补助金" in note and "依据：山东省人民政府令（示例依据）第二十条" in note and "24、18" in note


def _with_override_row(path: Path, name, value, basis) -> Path:
    wb = load_workbook(path)
    ws = wb[layout.PARAMS_SHEET]
    table = layout.OVERRIDE_TABLE
    for j, v in enumerate((name, value, basis)):
        ws.cell(table.row + 1, table.col + j, v)
    wb.save(path)
    return path


@pytest.mark.parametrize(("name", "value", "basis", "words"), [
    ("medical_grant_month", "20, 16, 10, 8, 6, 4", "某文件", "medical_grant_months"),   # misspelt: names listed
    ("medical_grant_months", "20, 16", "某文件", "6 个数"),                              # wrong count
    ("funeral_months", "=6", "某文件", "调整后数值"),                                   # not a number
    ("funeral_months", "7", None, "依据"),                                             # no basis
])
def test_a_bad_override_is_refused_with_its_cell(tmp_path, name, value, basis, words):
    path = _with_override_row(_save(_tiny_in("山东省"), tmp_path / "坏.xlsx"), name, value, basis)
    with pytest.raises(BudgetInputError) as err:
        read_inputs(path)
    text = str(err.value)
    assert "参数!" in text and words in text
    findings = check_workbook(path)                               # the check names the same problem
    assert any(f.severity == "error" and f.sheet == "参数" for f in findings)
