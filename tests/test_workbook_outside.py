"""budget.xlsm never ignores a user's input silently: 参数调整 typed beside the parameters reaches every function
(as `wibudget` reads it), and rows typed past the room the inp_* names leave are reported by GS_CHECK (V005) at the
first cell outside, counted by Excel's own COUNTA in 数据检查's 函数读取的输入区域 block."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from addin.cli import main
from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.outside import OUTSIDE_NAME, outside_findings
from addin.excel.recalc import Recalculation
from addin.workbook import layout
from addin.workbook.reader import read_inputs
from models.budget import run_budget

MONTHS = "24, 18, 13, 10, 7, 4"         # 一次性工伤医疗补助金月数, grade 5 raised from 22 to 24
BASIS = "某省人民政府令（示例依据）第二十条"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("outside") / "budget.xlsm")


def _recalculate(path: Path) -> dict[str, object]:
    udf_inputs.clear_caches()
    wb = openpyxl.load_workbook(path, keep_vba=True)
    return {f"{c.cell.sheet}!{c.cell.ref}": r for c, r in Recalculation(wb, udfs).run().items()}


def _table(results: dict[str, object], sheet: str) -> list[list[object]]:
    return next(t for ref, t in results.items() if ref.startswith(sheet + "!"))


def _check_rows(results: dict[str, object]) -> list[list[object]]:
    return [r for r in _table(results, "数据检查")[1:] if r[0]]


def test_an_override_typed_in_the_workbook_reaches_the_functions_as_it_reaches_wibudget(shipped, tmp_path):
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    table = layout.OVERRIDE_TABLE
    for j, value in enumerate(("medical_grant_months", MONTHS, BASIS)):   # typed under the blank first row
        wb[table.sheet].cell(table.row + 2, table.col + j, value)
    edited = tmp_path / "调整.xlsm"
    wb.save(edited)

    before, after = _recalculate(shipped), _recalculate(edited)
    inputs, options = read_inputs(edited)
    assert inputs.parameter_overrides == {"medical_grant_months": ((24, 18, 13, 10, 7, 4), BASIS)}
    cli = run_budget(inputs, options).province.lines["budget"]
    row = next(r for r in _table(after, "支出预算") if r[0] == "伤残待遇支出")
    old = next(r for r in _table(before, "支出预算") if r[0] == "伤残待遇支出")
    # 本年预算数 (万元) = the command line's figure of the same file, rounded; the override raised it
    assert row[3] == round(cli["disability"] / 1e4, 2)
    assert row[3] > old[3]
    assert _table(after, "数据检查")[1] == [None, None, None, None, "未发现问题"]


def test_the_block_counts_what_lies_outside_each_name(shipped):
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    ws = wb["数据检查"]
    ref = wb.defined_names[OUTSIDE_NAME].attr_text.split("!")[1].replace("$", "")
    c1, r1, c2, r2 = range_boundaries(ref)
    assert (c1, c2, r2 - r1 + 1) == (4, 4, 7)                       # one count per input range, in argument order
    formulas = [ws.cell(r, 4).value for r in range(r1, r2 + 1)]
    plans = wb.defined_names["inp_plans"].attr_text                  # '扩面计划'!$A$4:$J$76
    last = range_boundaries(plans.split("!")[1].replace("$", ""))[3]
    assert formulas[4] == f"=COUNTA('扩面计划'!A{last + 1}:J1048576)"
    assert formulas[6].startswith("=COUNTA('分担方案'!A29:N1048576)+COUNTA('分担方案'!O4:XFD28)")
    # a fresh workbook has nothing outside: seven zeros, and the check is clean
    recalc = Recalculation(wb, udfs)
    assert recalc.value(OUTSIDE_NAME, "数据检查") == [0.0] * 7


def test_rows_typed_past_the_names_room_are_an_error_until_the_workbook_is_rebuilt(shipped, tmp_path):
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    last = range_boundaries(wb.defined_names["inp_plans"].attr_text.split("!")[1].replace("$", ""))[3]
    ws = wb["扩面计划"]
    far = last + 3                                                   # two blank rows below the name's last row
    ws.cell(far, 1, "共青城")
    ws.cell(far, 2, "设区市")
    ws.cell(far + 1, 5, 1200)                                        # 3 cells in all
    wb["分担方案"].cell(6, 40, "方案13")                               # far right of the option columns: 1 cell
    edited = tmp_path / "超出.xlsm"
    wb.save(edited)

    rows = _check_rows(_recalculate(edited))
    assert rows[0][:3] == ["V005", "错误", f"扩面计划!A{last + 1}"]
    assert f"有 3 个单元格有内容，不在函数读取的区域 A4:J{last} 内" in rows[0][4]
    assert "wibudget build-workbook --from" in rows[0][4] and len(rows[0][4]) <= 255
    assert rows[1][:3] == ["V005", "错误", "分担方案!O4"] and "有 1 个单元格" in rows[1][4]


def test_counts_from_an_older_workbook_or_an_error_cell_report_nothing():
    ranges = [[["表头"]]] * 7
    assert outside_findings(ranges, None) == []                      # built before chk_outside existed
    assert outside_findings(ranges, [None, "#REF!", 0, 0, 0, 0, 0]) == []


def test_rebuilding_takes_the_typed_unit_in_and_the_error_goes(shipped, tmp_path):
    """A 13th unit typed well below 扩面计划's table (and its rows in the other tables): before the rebuild the
    functions do not see it (V005); `build-workbook --from` sizes the names around it and the check is clean."""
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    sheets = {"扩面计划": "tblPlans", "待遇人员": "tblBeneficiaries", "历年执行": "tblHistory"}
    for sheet, name in sheets.items():
        ws = wb[sheet]
        c1, r1, c2, r2 = range_boundaries(ws.tables[name].ref)
        last = range_boundaries(wb.defined_names[layout.TABLES[
            {"扩面计划": "plans", "待遇人员": "beneficiaries", "历年执行": "history"}[sheet]].defined_name
        ].attr_text.split("!")[1].replace("$", ""))[3]
        rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)
                if ws.cell(r, c1).value == "新余"]
        for i, values in enumerate(rows):                            # pasted right under the name's spare rows
            for j, value in enumerate(values):
                ws.cell(last + 1 + i, c1 + j, "共青城" if j == 0 else value)
    edited = tmp_path / "粘贴.xlsm"
    wb.save(edited)
    rule_cells = [r[:3] for r in _check_rows(_recalculate(edited)) if r[0] == "V005"]
    assert [c[2].split("!")[0] for c in rule_cells] == ["历年执行", "扩面计划", "待遇人员"]

    rebuilt = tmp_path / "重建.xlsm"
    assert main(["build-workbook", "--from", str(edited), "-o", str(rebuilt), "-q"]) == 0
    results = _recalculate(rebuilt)
    assert not [r for r in _check_rows(results) if r[0] == "V005"]     # (a copied city breaks V304: data, not room)
    units = _table(results, "分市预算")
    assert "共青城" in [r[0] for r in units] and units[-1][0] == "合计"


def test_a_fifth_option_without_its_share_table_is_an_error_until_the_rebuild(shipped, tmp_path):
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    ws = wb["分担方案"]
    for r in range(4, ws.max_row + 1):                               # 方案5 in column G: a copy of 方案4 (F)
        ws.cell(r, 7, ws.cell(r, 6).value)
    ws["G4"], ws["G5"], ws["G6"] = "方案5", "mix_copy", "多因素加权（复制）"
    edited = tmp_path / "五个方案.xlsm"
    wb.save(edited)
    results = _recalculate(edited)
    v006 = [r for r in _check_rows(results) if r[0] == "V006"]
    # 4 share tables were built (one per option); the 5th option (column G = A + 2 label columns + 4) has none
    assert v006 == [["V006", "错误", "分担方案!G4", None, v006[0][4]]]
    assert v006[0][4].startswith("分担方案表有 5 个方案，缺口分担工作表只有 4 张分担表，方案5没有分担表")
    # 缺口分担 says so itself, with Excel's own formula: the option codes in 分担方案's 方案代码 row (its 2nd) less
    # the two label columns, against the 4 tables (LibreOffice shows "分担方案表有5个方案，本表只有 4 张分担表…")
    assert wb["缺口分担"]["A3"].value.startswith(
        '=IF((COUNTA(INDEX(inp_options,2,0))-2)>4,"分担方案表有"&(COUNTA(INDEX(inp_options,2,0))-2)&"个方案，')

    rebuilt = tmp_path / "五个方案-重建.xlsm"
    assert main(["build-workbook", "--from", str(edited), "-o", str(rebuilt), "-q"]) == 0
    after = _recalculate(rebuilt)
    assert not [r for r in _check_rows(after) if r[0] in ("V005", "V006")]
    assert len([ref for ref in after if ref.startswith("缺口分担!")]) == 5
