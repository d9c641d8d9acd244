"""budget.xlsm computed by LibreOffice Calc with the wibudget extension equals the Python functions.

One build, one install into a temporary profile and one headless recalculation of budget.xlsm are
shared by the tests below (about 10 s); a second extension whose engine cannot be imported shows
that every cell then carries one readable message. Skipped only where LibreOffice or python3-uno is
missing (.ci/run installs both).
"""

from __future__ import annotations

import hashlib
import importlib
import math
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from addin.libreoffice import (
    build_extension,
    commands,
    extension,
    install_extension,
    office,
    recalc_workbook,
    spec,
)

ROOT = Path(__file__).resolve().parents[1]
BUDGET = ROOT / "budget.xlsm"
ERROR_VALUES = ("#NAME?", "#VALUE!", "#N/A", "#REF!", "#DIV/0!", "#NUM!", "#NULL!", "Err:")
# GS_INFO reports the interpreter: LibreOffice's Python is another one than this test's
INTERPRETER_ROWS = ("Python 版本", "Python 路径")


def _udf_recalc():
    """The project's own recalculation of the workbook's GS_* formulas in Python (the reference)."""
    return importlib.import_module("addin.excel.recalc")


def _office_missing() -> str:
    try:
        office.soffice()
        office.uno_python()
    except office.OfficeUnavailable as exc:
        return str(exc)
    return ""


pytestmark = pytest.mark.skipif(bool(_office_missing()), reason="LibreOffice 或 python3-uno 未安装")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("lo")
    oxt, profile, out = folder / "wibudget.oxt", folder / "profile", folder / "budget_values.xlsx"
    before = _sha256(BUDGET)
    sessions: list[dict[str, Any]] = []

    def recorded_session(*args: Any) -> dict[str, Any]:
        sessions.append({**run_session(*args), "arguments": args})
        return sessions[-1]

    run_session = office.run_session
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(office, "run_session", recorded_session)
        codes = {"build": build_extension(oxt), "install": install_extension(oxt, profile)}
        codes["recalc"] = recalc_workbook(BUDGET, out, profile_dir=profile)
    return {"codes": codes, "out": out, "profile": profile, "before": before, "summary": sessions[-1]}


def _same(expected: Any, got: Any) -> bool:
    if expected in (None, "") and got in (None, ""):
        return True
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return math.isclose(expected, got, rel_tol=1e-12, abs_tol=1e-9)
    return expected == got


def test_build_install_and_recalc_succeed_and_leave_the_input_alone(recalculated: dict[str, Any]) -> None:
    assert recalculated["codes"] == {"build": 0, "install": 0, "recalc": 0}
    assert _sha256(BUDGET) == recalculated["before"]
    assert not list(BUDGET.parent.glob(".~lock.*"))                      # LibreOffice never opened the input
    assert (recalculated["profile"] / commands.MARKER).is_file()
    assert [p.name for p in recalculated["out"].parent.iterdir() if p.name.startswith(".wibudget-")] == []


def test_the_load_job_binds_the_names_without_marking_the_workbook_modified(recalculated: dict[str, Any]) -> None:
    # the profile already had this extension (install_extension): the recalc session did not reinstall it
    summary = recalculated["summary"]
    assert summary["arguments"][0] == "recalc" and len(summary["arguments"]) == 4     # no extension to add
    assert summary["formulas"] == 21 and summary["problems"] == []
    assert summary["modified_after_load"] is False


def _differences(workbook: Path, out: Path) -> tuple[int, int, list[tuple[Any, ...]]]:
    """(formulas, cells compared, differing cells): LibreOffice's values against the Python functions."""
    # reference: the same workbook's GS_* formulas recalculated in Python with the UDF module
    reference = _udf_recalc().recalculate(openpyxl.load_workbook(workbook), spec.udf_module())
    values = openpyxl.load_workbook(out)
    compared, differing = 0, []
    for call, result in reference.items():
        rows = result if isinstance(result, list) and result and isinstance(result[0], list) else [[result]]
        c1, r1, c2, r2 = call.cell.bounds
        sheet = values[call.cell.sheet]
        for i, r in enumerate(range(r1, r2 + 1)):
            if call.function == "GS_INFO" and rows[i][0] in INTERPRETER_ROWS:
                continue
            for j, c in enumerate(range(c1, c2 + 1)):
                compared += 1
                got = sheet.cell(r, c).value
                if not _same(rows[i][j], got):
                    differing.append((call.cell.sheet, sheet.cell(r, c).coordinate, rows[i][j], got))
    return len(reference), compared, differing


def test_every_gs_cell_equals_the_python_functions(recalculated: dict[str, Any]) -> None:
    formulas, compared, differing = _differences(BUDGET, recalculated["out"])
    assert formulas == 21                             # 16 array tables + 5 single-cell formulas
    assert compared > 1900
    assert differing == []


def test_a_workbook_edited_by_a_user_computes_the_same_as_python(recalculated: dict[str, Any], tmp_path: Path,
                                                                 capsys) -> None:
    # 南昌's latest premium raised by 10 % and typed into a currency-formatted cell; the sample
    # trend input 说明!C59 typed in words — GS_TREND must show a readable message, not #VALUE!
    wb = openpyxl.load_workbook(BUDGET, keep_vba=True)
    history = wb["历年执行"]
    rows = [r for r in range(5, history.max_row + 1) if history.cell(r, 1).value == "南昌"]
    latest = max(rows, key=lambda r: (history.cell(r, 2).value, history.cell(r, 3).value))
    history.cell(latest, 6).value = round(history.cell(latest, 6).value * 1.1)
    history.cell(latest, 6).number_format = '"¥"#,##0.00'
    wb["说明"]["C59"] = "一百一十"
    edited, out = tmp_path / "江西（修改）.xlsm", tmp_path / "edited_values.xlsx"
    wb.save(edited)
    assert recalc_workbook(edited, out, profile_dir=recalculated["profile"]) == 2
    printed = capsys.readouterr().out
    assert "1 个单元格显示错误信息" in printed and "说明!C62：#输入错误" in printed
    formulas, compared, differing = _differences(edited, out)
    assert formulas == 21 and compared > 1900 and differing == []
    # the edit took effect: 南昌's budget differs from the untouched workbook's
    before = openpyxl.load_workbook(recalculated["out"])["分市预算"]
    after = openpyxl.load_workbook(out)["分市预算"]
    nanchang = next(r for r in range(5, 19) if after.cell(r, 1).value == "南昌")
    assert [after.cell(nanchang, c).value for c in range(2, 15)] != [before.cell(nanchang, c).value
                                                                     for c in range(2, 15)]


def test_province_tables_show_the_figures(recalculated: dict[str, Any]) -> None:
    # 收支结余 A4:E18: header row, then 收入合计 / 支出合计 in 万元 with 2 decimals
    sheet = openpyxl.load_workbook(recalculated["out"])["收支结余"]
    assert [sheet.cell(4, c).value for c in range(1, 5)] == ["项目", "单位", "上年预计执行数", "本年预算数"]
    assert sheet["A5"].value == "收入合计" and sheet["B5"].value == "万元"
    assert round(sheet["D5"].value, 2) == sheet["D5"].value > 0


def test_province_tables_equal_the_drafts_figures(recalculated: dict[str, Any]) -> None:
    # the draft's 收支结余表 and 分市预算表 computed by the engine from budget.xlsm's own inputs
    from addin.report.tables import draft_tables
    from addin.workbook.reader import read_inputs
    from models.budget import resolve_options, run_budget

    inputs, options = read_inputs(BUDGET)
    tables = draft_tables(run_budget(inputs, resolve_options(options or inputs.options)))
    out = openpyxl.load_workbook(recalculated["out"])
    balance = out["收支结余"]
    rows = {balance.cell(r, 1).value: [balance.cell(r, c).value for c in (3, 4)] for r in range(5, 19)}
    compared = 0
    for label, estimate, budget in tables.balance[["label", "estimate", "budget"]].itertuples(index=False):
        for want, got in ((estimate, rows[label][0]), (budget, rows[label][1])):
            if isinstance(want, float) and not math.isnan(want):
                assert got == pytest.approx(want, abs=1e-9), label
                compared += 1
            elif isinstance(want, str):
                assert got == want, label
    assert len(tables.balance) == len(rows) and compared >= 20
    # 本年收支结余 = 收入合计 − 支出合计, on the displayed figures (2027 example: 312,218.35 − 319,981.18 = −7,762.83)
    assert rows["本年收支结余"][1] == round(rows["收入合计"][1] - rows["支出合计"][1], 2)
    units = out["分市预算"]
    width = len(tables.units.columns)
    for r, (unit, figures) in enumerate(zip(tables.units.index, tables.units.to_numpy(dtype=float), strict=True)):
        assert units.cell(5 + r, 1).value == unit
        assert [units.cell(5 + r, 2 + j).value for j in range(width)] == pytest.approx(figures.tolist(), abs=1e-9)


def test_output_has_no_error_cells_and_no_service_names(recalculated: dict[str, Any]) -> None:
    values = openpyxl.load_workbook(recalculated["out"], data_only=True)
    formulas = openpyxl.load_workbook(recalculated["out"])
    errors, qualified = [], []
    for ws in values.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(ERROR_VALUES):
                    errors.append(f"{ws.title}!{cell.coordinate}={cell.value}")
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "ORG.WIBUDGET" in cell.value.upper():
                    qualified.append(f"{ws.title}!{cell.coordinate}")
    assert errors == [] and qualified == []


def test_an_existing_output_is_refused_and_kept(recalculated: dict[str, Any], capsys) -> None:
    out = recalculated["out"]
    before = _sha256(out)
    assert recalc_workbook(BUDGET, out, profile_dir=recalculated["profile"]) == 2
    assert "输出文件已存在" in capsys.readouterr().err
    assert _sha256(out) == before
    assert recalc_workbook(BUDGET, out.with_suffix(".xlsm")) == 2
    assert "输出文件应以 .xlsx 结尾" in capsys.readouterr().err


def test_install_check_names_what_libreoffices_python_cannot_import(tmp_path: Path) -> None:
    # LibreOffice's own Python with only an empty folder to search: the check says which import failed
    problem = commands._engine_check(office.uno_python(), [str(tmp_path)])
    assert "ModuleNotFoundError" in problem and "No module named" in problem


def _small_workbook(path: Path) -> Path:
    """One sheet: an array formula (GS_INFO, 3×2) and two single-cell formulas."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "测算"
    ws["A1"] = ArrayFormula("A1:B3", '=GS_INFO("")')
    ws["D1"] = "=GS_MONTHS_PAYABLE(1200,1200)"
    ws["D2"] = '=GS_TREND(F1:F3,"平均增长率",3)'
    for row, value in enumerate((100, 110, 121), start=1):
        ws.cell(row, 6, value)
    wb.save(path)
    return path


def test_a_missing_engine_gives_one_readable_message_in_every_cell(tmp_path: Path, monkeypatch,
                                                                   capsys) -> None:
    # an extension whose Python path leads nowhere: LibreOffice's own Python has no numpy, no wibudget
    monkeypatch.setattr(extension, "engine_folders", lambda: ([str(tmp_path / "nowhere")], []))
    oxt, profile, out = tmp_path / "broken.oxt", tmp_path / "profile", tmp_path / "out.xlsx"
    oxt.write_bytes(extension.oxt_bytes())
    workbook = _small_workbook(tmp_path / "测算.xlsx")
    summary = office.run_session("recalc", profile, workbook, out, oxt)
    texts = {text for _, text in summary["problems"]}
    assert summary["formulas"] == 3 and summary["cells"] == 8              # 3×2 array + 2 single cells
    assert len(summary["problems"]) == 8                                    # every cell, none left #VALUE!
    assert len(texts) == 1 and texts.pop().startswith("#未安装 wibudget：LibreOffice 的 Python 找不到计算引擎")
    # the command refuses to write such a file and says why (the same session result, not a second run)
    monkeypatch.setattr(office, "run_session", lambda *args: summary)
    assert recalc_workbook(workbook, tmp_path / "never.xlsx") == 1
    assert "#未安装 wibudget" in capsys.readouterr().err
    assert not (tmp_path / "never.xlsx").exists()


def test_a_session_over_its_time_limit_is_stopped_with_its_libreoffice(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(office, "SESSION_TIMEOUT", 1.0)
    profile = tmp_path / "slow-profile"
    with pytest.raises(office.OfficeFailed, match="秒内没有完成"):
        office.run_session("recalc", profile, shutil.copy(BUDGET, tmp_path), tmp_path / "out.xlsx")
    for _ in range(50):                               # a killed process group may take a moment to be reaped
        left = subprocess.run(["pgrep", "-f", str(profile)], capture_output=True, text=True)
        if left.stdout == "":
            break
        time.sleep(0.1)
    assert left.stdout == ""                          # no soffice of that profile still running
    assert not (tmp_path / "out.xlsx").exists()


def test_an_added_city_and_option_compute_in_calc_after_rebuild(recalculated: dict[str, Any], tmp_path: Path) -> None:
    # the user's edits of the workbook-growth tests (a 13th city 共青城 copied from 九江's rows into 历年执行,
    # 扩面计划 and 待遇人员; a 5th option typed beside 分担方案's table), then `build-workbook --from`, then
    # LibreOffice: every GS_* cell equals the Python functions and the tables carry the new city and option
    growth = pytest.importorskip("test_workbook_growth")
    from addin.cli import main

    wb = openpyxl.load_workbook(BUDGET, keep_vba=True)
    growth._append_copies(wb["历年执行"], "tblHistory")
    growth._append_copies(wb["扩面计划"], "tblPlans")
    growth._append_copies(wb["待遇人员"], "tblBeneficiaries")
    growth._add_option(wb["分担方案"])
    grown, rebuilt, out = tmp_path / "grown.xlsm", tmp_path / "rebuilt.xlsm", tmp_path / "rebuilt_values.xlsx"
    wb.save(grown)
    assert main(["build-workbook", "--from", str(grown), "-o", str(rebuilt), "-q"]) == 0
    assert recalc_workbook(rebuilt, out, profile_dir=recalculated["profile"]) == 0
    formulas, compared, differing = _differences(rebuilt, out)
    assert differing == [] and compared > 2000
    values = openpyxl.load_workbook(out)
    assert growth.NEW_CITY in [c.value for c in values["分市预算"]["A"]]
    captions = [c.value for c in values["缺口分担"]["A"] if str(c.value).startswith('="方案')]   # Excel's own formulas
    assert len(captions) == 5                                                          # one share table per option
    shown = {c.value for row in values["方案比较"].iter_rows() for c in row if isinstance(c.value, str)}
    assert any("五市平均" in v for v in shown)                                        # the 5th option compared
