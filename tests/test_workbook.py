"""budget.xlsm: built from xlwings' macro template, formulas that Excel 2016 and formula engines can read,
the same figures as the engine when its formulas are evaluated (the 多年预测与风险 and 数据检查 sheets too),
native charts, and a committed file equal to a fresh build."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import bas_path, build_workbook, default_options, template_path
from addin.excel.builder.common import CHECK_SHEET, CONF_SHEET, OUTLOOK_SHEET, SHEET_ORDER, UDF_MODULE
from addin.excel.builder.intro_sheets import STEPS
from addin.excel.outside import OUTSIDE_NAME
from addin.excel.recalc import (
    Recalculation,
    excel_shape,
    formula_cells,
    functions_in,
    is_cell_reference,
    references_in,
    udf_calls,
)
from addin.excel.vba import generate_vba, udf_signatures
from addin.report.tables import displayed_result
from examples import load_example
from models.balance import official_lines
from models.budget import run_budget
from models.compare import MEASURES
from models.money import round_wan
from models.projection import project
from models.risk import DEFAULT_SEED, simulate
from models.sensitivity import sensitivity

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "budget.xlsm"
EXCEL_FUNCTIONS = {"IF", "INDEX", "COUNTA"}   # Excel's own functions the workbook uses (titles, captions, 区域外 counts)
RESULT_SHEETS = ("收入预算", "支出预算", "收支结余", "分市预算", "缺口分担", "方案比较", "多年预测与风险", "数据检查")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("wb") / "budget.xlsm")


@pytest.fixture(scope="module")
def wb(built):
    return openpyxl.load_workbook(built, keep_vba=True)


@pytest.fixture(scope="module")
def engine():
    inputs = load_example()
    return displayed_result(run_budget(inputs, default_options(inputs)))   # shares as the tables show them


@pytest.fixture(scope="module")
def recalculated(wb):
    udf_inputs.clear_caches()
    results = Recalculation(wb, udfs).run()
    return {f"{c.cell.sheet}!{c.cell.ref}": r for c, r in results.items()}, udf_inputs.CACHE.stats.misses


def vba_parameters(vba_text: str) -> dict[str, tuple[int, int]]:
    """{function: (required, total) parameters} from the VBA wrapper."""
    out = {}
    for name, args in re.findall(r"^Function (\w+)\((.*)\)\s*$", vba_text, flags=re.MULTILINE):
        parts = [a.strip() for a in args.split(",") if a.strip()]
        out[name] = (sum(not p.startswith("Optional") for p in parts), len(parts))
    return out


# ---------------------------------------------------------------------------------------------
# structure


def test_sheets_in_order_with_an_active_xlwings_conf(wb):
    assert wb.sheetnames == list(SHEET_ORDER)
    assert wb.sheetnames[:3] == ["说明", CHECK_SHEET, "参数"]                # the check right after 说明
    assert wb.sheetnames[-2:] == [OUTLOOK_SHEET, CONF_SHEET]
    assert wb.sheetnames[-1] == CONF_SHEET == "xlwings.conf"
    conf = wb[CONF_SHEET]
    keys = [conf.cell(r, 1).value for r in range(1, 10)]
    assert keys == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Conda Path", "Conda Env", "UDF Modules",
                    "Debug UDFs", "Use UDF Server", "Show Console"]
    assert conf.cell(10, 1).value is None                      # keys stop here: xlwings reads A1 down to a gap
    assert conf["B6"].value == UDF_MODULE == "addin.excel.udfs"
    assert conf["B1"].value.endswith("pythonw.exe")


def test_vba_part_is_the_templates_byte_for_byte(built):
    with zipfile.ZipFile(built) as ours, zipfile.ZipFile(template_path()) as theirs:
        assert ours.read("xl/vbaProject.bin") == theirs.read("xl/vbaProject.bin")
        types = ours.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types


def test_intro_sheet_explains_the_setup_and_says_the_data_are_synthetic(wb):
    text = "\n".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v is not None)
    assert "虚构的示例数据" in text
    for needed in ("信任对 VBA 工程对象模型的访问", "ImportPythonUDFs", "Ctrl+Alt+F9", "#NAME?", "Interpreter_Win"):
        assert needed in text
    steps = [wb["说明"].cell(r, 1).value for r in range(1, 25)]
    assert [s for s in steps if isinstance(s, int)] == list(range(1, len(STEPS) + 1)) == list(range(1, 13))
    for needed in ("数据检查", "多年预测与风险", "随机种子", "GS_PROJECT", "GS_SENSITIVITY", "GS_RISK", "GS_CHECK"):
        assert needed in text


# ---------------------------------------------------------------------------------------------
# formulas Excel (and formula engines) can read


def test_every_formula_names_known_functions_and_existing_names(wb):
    signatures = vba_parameters(generate_vba(udfs, module_name=UDF_MODULE))
    names = set(wb.defined_names.keys())
    seen_udfs = set()
    for cell in formula_cells(wb):
        for fn in functions_in(cell.text):
            assert fn in signatures or fn in EXCEL_FUNCTIONS, (cell.sheet, cell.ref, fn)
            seen_udfs |= {fn} & set(signatures)
        for ref in references_in(cell.text):
            assert is_cell_reference(ref) or ref in names, (cell.sheet, cell.ref, ref)
        assert "[" not in cell.text                           # no structured references (tbl[Col])
    for call in udf_calls(wb):
        required, total = signatures[call.function]
        assert required <= len(call.args) <= total, (call.cell.sheet, call.cell.ref, call.function)
    assert seen_udfs == set(signatures)                          # the workbook shows every function


def test_the_shipped_bas_covers_every_function_the_workbook_calls(wb, built):
    shipped = bas_path(COMMITTED)
    fresh = bas_path(built)
    assert fresh.read_bytes() == shipped.read_bytes(), "budget_udfs.bas is stale: run wibudget build-workbook"
    signatures = udf_signatures(shipped.read_text(encoding="ascii"))
    assert {c.function for c in udf_calls(wb)} <= set(signatures)
    assert 'XLPy.CallUDF("addin.excel.udfs", "GS_SHARE"' in shipped.read_text(encoding="ascii")


def test_result_tables_are_legacy_array_formulas_one_per_table(wb):
    per_sheet = {}
    for call in udf_calls(wb):
        per_sheet.setdefault(call.cell.sheet, []).append(call)
    n_options = len(default_options(load_example()))
    assert {s: len(c) for s, c in per_sheet.items() if s in RESULT_SHEETS} == {
        "收入预算": 1, "支出预算": 1, "收支结余": 1, "分市预算": 1, "缺口分担": n_options, "方案比较": 2,
        "多年预测与风险": 4, "数据检查": 1}
    assert sorted(c.function for c in per_sheet[OUTLOOK_SHEET]) == ["GS_PROJECT", "GS_PROJECT", "GS_RISK",
                                                                    "GS_SENSITIVITY"]
    for sheet in RESULT_SHEETS:
        assert all(c.cell.array for c in per_sheet[sheet])
        assert all(a in (*udf_inputs.INPUT_NAMES, OUTSIDE_NAME) for c in per_sheet[sheet] for a in c.args
                   if a and not a.startswith('"') and not a.isdigit() and not a.startswith("$"))


def test_array_ranges_are_exactly_the_size_of_their_tables(recalculated):
    results, engine_runs = recalculated
    assert engine_runs == 1                                      # one engine run for the whole recalculation
    for where, result in results.items():
        if not isinstance(result, list):
            assert not (isinstance(result, str) and result.startswith("#")), where
            continue
        c1, r1, c2, r2 = range_boundaries(where.split("!")[1])
        assert (len(result), len(result[0])) == (r2 - r1 + 1, c2 - c1 + 1), where
        assert not str(result[0][0]).startswith("#"), (where, result[0][0])


def test_print_setup_formats_and_frozen_headers(wb):
    for sheet in RESULT_SHEETS + ("说明",):
        ws = wb[sheet]
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_area
    for sheet in RESULT_SHEETS:
        assert wb[sheet].freeze_panes
    assert wb["收入预算"]["D5"].number_format == "#,##0.00"      # 本年预算数, 万元
    assert wb["收支结余"]["D15"].number_format == "0.000%"       # 现行平均费率
    assert wb["收支结余"]["D10"].number_format == "0.00"         # 可支付月数


def chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]


def test_comparison_sheet_has_a_bar_chart_of_shares_per_city_per_option(built):
    charts = chart_xml(built)
    assert len(charts) == 3                                       # 方案比较, and two on 多年预测与风险
    xml = next(c for c in charts if "'方案比较'!" in c)
    n_options = len(default_options(load_example()))
    assert "<barChart>" in xml and xml.count("<ser>") == n_options
    # categories: the 11 cities (rows 6–16); first series: the first option's 分担额 column
    assert "'方案比较'!$A$6:$A$16" in xml and "'方案比较'!$B$6:$B$16" in xml


def test_outlook_sheet_has_a_line_chart_of_balance_and_floor_and_a_tornado_bar_chart(built, recalculated):
    labels = {}                                                   # first-column label → sheet row, as computed
    for where, result in recalculated[0].items():
        sheet, ref = where.split("!")
        if sheet == OUTLOOK_SHEET:
            top = range_boundaries(ref)[1]
            labels.update({r[0]: top + i for i, r in enumerate(result)})
    closing, floor = labels["年末滚存结余"], labels["储备下限（年末滚存结余）"]
    charts = [c for c in chart_xml(built) if f"'{OUTLOOK_SHEET}'!" in c]
    line = next(c for c in charts if "<lineChart>" in c)
    bar = next(c for c in charts if "<barChart>" in c)
    # years across columns C–E (3 years); P5 and P95 of the simulated balance as two more lines
    assert line.count("<ser>") == 4
    assert f"'{OUTLOOK_SHEET}'!$C${closing}:$E${closing}" in line and f"'{OUTLOOK_SHEET}'!$C${floor}:$E${floor}" in line
    assert f"'{OUTLOOK_SHEET}'!$C${labels['年末滚存结余 P5']}:$E${labels['年末滚存结余 P5']}" in line
    # tornado: horizontal bars of 较基准变化（低/高）(columns F, G) for the 6 drivers, widest at the top
    first = labels["新发工伤率（伤残与工亡）"]
    assert '<barDir val="bar"' in bar and bar.count("<ser>") == 2 and '<orientation val="maxMin"' in bar
    assert f"'{OUTLOOK_SHEET}'!$A${first}:$A${first + 5}" in bar
    assert f"'{OUTLOOK_SHEET}'!$F${first}:$F${first + 5}" in bar and f"'{OUTLOOK_SHEET}'!$G${first}:$G${first + 5}" in bar


def test_risk_draws_and_seed_are_input_cells_the_formula_reads(wb):
    ws = wb[OUTLOOK_SHEET]
    risk = next(c for c in udf_calls(wb) if c.function == "GS_RISK")
    draws, years, seed = risk.args[7:10]
    assert years == "3" and draws.startswith("$B$") and seed.startswith("$D$")
    assert ws[draws.replace("$", "")].value == 2_000 and ws[seed.replace("$", "")].value == DEFAULT_SEED
    assert any(draws.replace("$", "") in str(dv.sqref) for dv in ws.data_validations.dataValidation)


def test_vba_wrapper_has_the_new_functions_with_their_argument_counts():
    signatures = vba_parameters(generate_vba(udfs, module_name=UDF_MODULE))
    # 6 required input tables; options optional; then years, view / view / draws, years, seed, view
    assert signatures["GS_PROJECT"] == (6, 9)
    assert signatures["GS_SENSITIVITY"] == (6, 8)
    assert signatures["GS_RISK"] == (6, 11)
    assert signatures["GS_CHECK"] == (6, 9)          # + the 区域外 counts (chk_outside), the share tables
    shipped = COMMITTED.with_name("budget_udfs.bas").read_text(encoding="ascii")
    assert {n: udf_signatures(shipped)[n] for n in signatures} == {n: total for n, (_, total) in signatures.items()}
    assert ('Function GS_RISK(params, history, province_history, prior_budget, plans, beneficiaries, Optional options,'
            ' Optional draws, Optional years, Optional seed, Optional view)') in shipped


def test_builder_sizes_the_ranges_from_the_input_data(tmp_path, tiny):
    path = build_workbook(tmp_path / "tiny.xlsm", inputs=tiny)
    small = openpyxl.load_workbook(path, keep_vba=True)
    refs = {}
    for c in udf_calls(small):
        refs.setdefault((c.cell.sheet, c.function), []).append(c.cell.ref)
    # 2 cities + 省本级 + 省级统收项目 + 合计 under the header: 6 rows; 2 cities + 合计 + 省级承担 + 应分担缺口: 6
    assert refs[("分市预算", "GS_FORECAST")] == ["A4:N9"]
    assert refs[("缺口分担", "GS_SHARE")][0] == "A5:L10"
    # 方案比较: 2 header rows + 2 cities + 7 summary rows; 1 + 4 measures × 4 options columns
    assert refs[("方案比较", "GS_COMPARE")][0] == "A4:Q14"
    # the findings table and the projection table do not depend on the number of units
    assert refs[(CHECK_SHEET, "GS_CHECK")] == ["A4:E34"]
    assert refs[(OUTLOOK_SHEET, "GS_PROJECT")][0] == "A5:E29"         # header + 23 lines + first breach year
    udf_inputs.CACHE.clear()
    for call, result in Recalculation(small, udfs).run().items():
        if call.cell.array:
            c1, r1, c2, r2 = call.cell.bounds
            assert (len(result), len(result[0])) == (r2 - r1 + 1, c2 - c1 + 1), call.cell.ref


# ---------------------------------------------------------------------------------------------
# the committed file


def _structure(path: Path) -> dict:
    book = openpyxl.load_workbook(path, keep_vba=True)
    cells = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, ArrayFormula):
                    v = ("array", v.ref, v.text)
                if v is not None:
                    cells[(ws.title, c.coordinate)] = v
    return {
        "sheets": book.sheetnames,
        "cells": cells,
        "names": {n: d.attr_text for n, d in book.defined_names.items()},
        "tables": {(ws.title, t.name): t.ref for ws in book.worksheets for t in ws.tables.values()},
        "merged": {ws.title: sorted(str(m) for m in ws.merged_cells.ranges) for ws in book.worksheets},
        "vba": zipfile.ZipFile(path).read("xl/vbaProject.bin"),
    }


def test_committed_workbook_equals_a_fresh_build(built):
    assert COMMITTED.is_file(), "budget.xlsm is missing: run wibudget build-workbook"
    committed, fresh = _structure(COMMITTED), _structure(built)
    for key in ("sheets", "names", "tables", "merged", "vba"):
        assert committed[key] == fresh[key], f"{key} differ: rebuild budget.xlsm"
    diff = {k for k in committed["cells"].keys() ^ fresh["cells"].keys()}
    diff |= {k for k in committed["cells"].keys() & fresh["cells"].keys() if committed["cells"][k] != fresh["cells"][k]}
    assert not diff, f"cells differ (first: {sorted(diff)[:5]}): rebuild budget.xlsm"


# ---------------------------------------------------------------------------------------------
# parity: the workbook's formulas evaluated by a formula engine give the engine's numbers


@pytest.fixture(scope="module")
def evaluated(built):
    formulas = pytest.importorskip("formulas")
    import schedula
    from formulas.tokens.operand import XlError

    def plain(v):
        if v is schedula.EMPTY:
            return None
        if isinstance(v, XlError):
            return str(v)
        return v.item() if isinstance(v, np.generic) else v

    def excel_value(x):
        return excel_shape([[plain(v) for v in r] for r in x.tolist()]) if isinstance(x, np.ndarray) else plain(x)

    def bound(fn):
        def call(*args):
            out = fn(*[excel_value(a) for a in args])
            return np.array(out if isinstance(out, list) else [[out]], dtype=object)
        return formulas.functions.wrap_func(call)

    functions = formulas.get_functions()
    saved = {n: functions.get(n) for n in dir(udfs) if n.startswith("GS_")}
    for name in saved:
        functions[name] = bound(getattr(udfs, name))
    try:
        udf_inputs.CACHE.clear()
        solution = formulas.ExcelModel().loads(str(built)).finish().calculate()
    finally:
        for name, fn in saved.items():
            if fn is None:
                functions.pop(name, None)
            else:
                functions[name] = fn
    values = {}
    for key, value in solution.items():
        if "!" not in key:
            continue
        sheet, ref = key.rsplit("!", 1)
        values[(sheet.split("]")[-1].strip("'"), ref)] = np.asarray(value.value, dtype=object).tolist()
    return values


def _numbers(rows):
    return [[None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in r] for r in rows]


def test_formula_engine_gives_the_official_tables(evaluated, engine):
    for sheet, ref, side in (("收入预算", "A4:F9", "revenue"), ("支出预算", "A4:F12", "expenditure")):
        got = evaluated[(sheet, ref)]
        want = official_lines(engine.province, side)
        assert [r[0] for r in got[1:]] == want["label"].tolist()
        assert _numbers([r[1:] for r in got[1:]]) == _numbers(
            want[["prior_budget", "estimate", "budget", "change", "growth"]].to_numpy(dtype=float).tolist())
    assert evaluated[("收入预算", "A1")] == [["2027年江西省工伤保险基金收入预算表（示例数据，数字为虚构）"]]


def test_formula_engine_gives_every_sharing_table_and_the_comparison(evaluated, engine):
    sharing = engine.sharing
    for k, code in enumerate(sharing.names):
        table = next(v for (s, ref), v in evaluated.items() if s == "缺口分担" and ":" in ref
                     and v[0][0] == "单位" and ref.startswith(f"A{5 + 18 * k}:"))
        want = sharing.table(code)
        assert [r[0] for r in table[1:-1]] == want["单位"].tolist()
        assert [r[-1] for r in table[1:-1]] == want["分担额"].tolist()
        assert table[-1][-1] == round(float(sharing.rounded["amount"][k]), 2)
        caption = evaluated[("缺口分担", f"A{4 + 18 * k}")][0][0]
        assert caption == f"方案{k + 1}：{sharing.options[k].label}"
    wide = evaluated[("方案比较", "A4:Q23")]
    options = list(dict.fromkeys(engine.comparison.wide.columns.get_level_values(0)))
    shares = [r[1:1 + len(options)] for r in wide[2:13]]
    assert shares == engine.comparison.wide.iloc[:11][[(o, MEASURES[0]) for o in options]].to_numpy().tolist()


def test_formula_engine_gives_the_unit_table_and_the_worked_examples(evaluated, engine):
    units = evaluated[("分市预算", "A4:N18")]
    assert [r[0] for r in units[1:]] == [*engine.forecast.units, "省级统收项目", "合计"]
    assert units[-1][5] == official_lines(engine.province, "revenue").loc["revenue_total", "budget"]
    single = [v[0][0] for (s, ref), v in evaluated.items() if s == "说明" and ":" not in ref]
    assert 38_556_000.0 in single                                          # GS_PREMIUM worked example
    assert 1_083_760.0 in single                                           # 20 × 54,188
    months = [v for v in single if isinstance(v, float) and 11 < v < 12]
    assert months and round(months[0], 2) == round(float(engine.province.months_payable), 2) == 11.52


def _array(evaluated, wb, function, view):
    """The evaluated range of the one `function` call whose last argument is the text `view`."""
    call = next(c for c in udf_calls(wb) if c.function == function and c.args[-1] == f'"{view}"')
    return evaluated[(call.cell.sheet, call.cell.ref)]


def test_formula_engine_gives_the_projection_tornado_and_risk(evaluated, wb, engine):
    projection = _array(evaluated, wb, "GS_PROJECT", "预测表")
    want = project(engine.inputs, 3, result=engine).table(wan=True)
    rows = {r[0]: r for r in projection}
    assert rows["年末滚存结余"][2:] == [float(want.loc["closing_balance", y]) for y in (2027, 2028, 2029)]
    assert rows["保持储备下限所需平均费率"][2:] == [float(want.loc["rate_needed", y]) for y in (2027, 2028, 2029)]
    assert rows["首次低于储备下限年度"][2] == 2027
    tornado = _array(evaluated, wb, "GS_SENSITIVITY", "龙卷风")
    sens = sensitivity(engine.inputs, result=engine).tornado()
    assert [r[0] for r in tornado[1:-1]] == sens["label"].tolist()
    assert [r[3] for r in tornado[1:-1]] == [float(round_wan(v)) for v in sens["closing_low"]]
    risk = _array(evaluated, wb, "GS_RISK", "逐年风险")
    sim = simulate(engine.inputs, 2_000, 3, seed=DEFAULT_SEED, result=engine)       # the sheet's yellow cells
    assert risk[1][2:] == sim.prob_below_floor.tolist()
    assert risk[5][0] == "年末滚存结余 P5" and risk[5][2:] == [float(v) for v in round_wan(sim.closing_bands[0])]
    assumptions = _array(evaluated, wb, "GS_PROJECT", "假设")
    assert assumptions[0][0] == "预测假设" and len(assumptions) == 11


def test_formula_engine_gives_a_clean_data_check(evaluated, wb):
    call = next(c for c in udf_calls(wb) if c.function == "GS_CHECK")
    table = evaluated[(call.cell.sheet, call.cell.ref)]
    assert table[0] == ["规则", "级别", "位置", "单位", "说明"]
    assert table[1][4] == "未发现问题" and len(table) == 31
    title = evaluated[(OUTLOOK_SHEET, "A1")][0][0]
    assert title == "2027–2029年江西省工伤保险基金多年收支预测与储备风险（示例数据，数字为虚构）"


# ---------------------------------------------------------------------------------------------
# LibreOffice opens it


def test_libreoffice_opens_the_workbook_and_prints_it(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed here: the PDF check of budget.xlsm is skipped")
    work = tmp_path / "in.xlsm"
    shutil.copy(COMMITTED, work)                 # LibreOffice never touches the committed file
    profile = (tmp_path / "profile").as_uri()
    run = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(tmp_path / "pdf"), str(work)], capture_output=True, timeout=180)
    pdf = tmp_path / "pdf" / "in.pdf"
    assert run.returncode == 0 and pdf.is_file(), run.stderr.decode(errors="replace")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, timeout=60).stdout.decode()
        assert "2027年江西省工伤保险基金收入预算表" in text       # the title formula, computed by LibreOffice
        assert "方案1：结余正负分档分担" in text
