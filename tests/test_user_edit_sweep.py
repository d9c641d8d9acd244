"""budget.xlsm edited as a finance bureau edits it, recalculated in Python the way Excel calls the functions, and
held against the command line on the same file (`wibudget check` / `draft`: the checked read of the file, the
engine and the draft's tables). Every GS_* table either shows the command line's figures (万元, rounded the same
way) or a short Chinese message naming the sheet and cell; nothing is cut off and no input is ignored silently.

Edits are stored as Excel stores them (openpyxl: cells typed, a table's ref grown, a whole sheet row inserted with
the tables and names that span it grown). What xlwings hands the functions differs from the file in two cases,
imitated in memory: a currency / 会计专用 cell arrives as decimal.Decimal, an Excel error value (#N/A …) as None.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from addin.cli import main
from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.recalc import Recalculation
from addin.report.compute import outlook_tables
from addin.report.tables import DraftTables, draft_tables
from addin.workbook.check import check_and_read, check_workbook
from addin.workbook.reader import read_inputs
from models.budget import run_budget

Edit = Callable[[Any], None]
NEW_CITY, TWIN = "共青城", "新余"
UNIT_TABLES = {"历年执行": "tblHistory", "扩面计划": "tblPlans", "待遇人员": "tblBeneficiaries"}
INPUT_SHEETS = ("参数", "历年执行", "扩面计划", "待遇人员", "分担方案")
ACCOUNTING = '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ '
MESSAGE = ("#输入错误", "区域不足")


# ---------------------------------------------------------------------------------------------
# the user's edits, stored as Excel stores them

def _grow(ws, name: str, last_col: int | None = None, last_row: int | None = None) -> None:
    """Excel's bookkeeping when a row or column is typed right below / beside a table: its ref grows."""
    table = ws.tables[name]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(last_col or c2)}{last_row or r2}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def _unit_rows(ws, table: str, unit: str) -> list[int]:
    c1, r1, _, r2 = range_boundaries(ws.tables[table].ref)
    return [r for r in range(r1 + 1, r2 + 1) if ws.cell(r, c1).value == unit]


def add_city(grow: bool) -> Edit:
    """共青城 typed under every unit table: a copy of 新余's rows (with or without Excel growing the tables)."""
    def edit(wb) -> None:
        for sheet, table in UNIT_TABLES.items():
            ws = wb[sheet]
            c1, r1, c2, r2 = range_boundaries(ws.tables[table].ref)
            rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in _unit_rows(ws, table, TWIN)]
            for i, values in enumerate(rows, 1):
                for j, value in enumerate(values):
                    ws.cell(r2 + i, c1 + j, NEW_CITY if j == 0 else value)
            if grow:
                _grow(ws, table, last_row=r2 + len(rows))
    return edit


def add_options(*numbers: int) -> Edit:
    """Options typed in their columns of 分担方案 (方案1 is column C): copies of 方案1 under their own codes."""
    def edit(wb) -> None:
        ws = wb["分担方案"]
        c1, r1, c2, r2 = range_boundaries(ws.tables["tblOptions"].ref)
        for n in numbers:
            col = 2 + n
            ws.cell(r1, col, f"方案{n}")
            for r in range(r1 + 1, r2 + 1):
                own = {"name": f"copy{n}", "label": f"方案一副本{n}", "name_zh": f"副本{n}"}
                ws.cell(r, col, own.get(ws.cell(r, 2).value, ws.cell(r, 3).value))
        _grow(ws, "tblOptions", last_col=max(c2, 2 + max(numbers)))
    return edit


def clear_city(wb) -> None:
    """新余's rows selected and cleared with the Delete key: blank rows stay inside the tables."""
    for sheet, table in UNIT_TABLES.items():
        ws = wb[sheet]
        c1, _, c2, _ = range_boundaries(ws.tables[table].ref)
        for r in _unit_rows(ws, table, TWIN):
            for c in range(c1, c2 + 1):
                ws.cell(r, c).value = None


def delete_city(wb) -> None:
    """新余's rows removed with 删除 → 表格行: the rows below move up inside the table and the table shrinks."""
    for sheet, table in UNIT_TABLES.items():
        ws = wb[sheet]
        c1, r1, c2, r2 = range_boundaries(ws.tables[table].ref)
        keep = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)
                if ws.cell(r, c1).value != TWIN]
        for i in range(r2 - r1):
            for j in range(c2 - c1 + 1):
                ws.cell(r1 + 1 + i, c1 + j).value = keep[i][j] if i < len(keep) else None
        _grow(ws, table, last_row=r1 + len(keep))


_ROW_REF = re.compile(r"(\$?[A-Z]{1,3}\$?)(\d+)")


def _shifted(text: str, sheet: str, at: int) -> str:
    """Row numbers from `at` on, one lower, in the parts of a name or COUNTA formula that refer to `sheet`."""
    def shift(part: str) -> str:
        return _ROW_REF.sub(lambda m: m.group(1) + str(int(m.group(2)) + (int(m.group(2)) >= at)), part)
    return "".join(shift(p) if f"'{sheet}'!" in p else p for p in re.split(r"(\+)", text))


def insert_sheet_row(sheet: str, at: int) -> Edit:
    """A whole sheet row inserted at `at` (右键 → 插入): Excel grows every table and name that spans it."""
    def edit(wb) -> None:
        ws = wb[sheet]
        ws.insert_rows(at)
        for table in ws.tables.values():
            c1, r1, c2, r2 = range_boundaries(table.ref)
            if r1 < at <= r2:
                _grow(ws, table.name, last_row=r2 + 1)
        for name in wb.defined_names.values():
            if f"'{sheet}'!" in name.attr_text:
                name.attr_text = _shifted(name.attr_text, sheet, at)
        for row in wb["数据检查"].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=COUNTA(") and f"'{sheet}'!" in cell.value:
                    cell.value = _shifted(cell.value, sheet, at)
    return edit


def rename_city(new: str, sheets: tuple[str, ...] = tuple(UNIT_TABLES)) -> Edit:
    """新余 renamed in its rows (typed as text: '=新余 is stored as the string =新余)."""
    def edit(wb) -> None:
        for sheet in sheets:
            ws = wb[sheet]
            for r in _unit_rows(ws, UNIT_TABLES[sheet], TWIN):
                ws.cell(r, 1).value = new
                ws.cell(r, 1).data_type = "s"
    return edit


def param_cell(wb, code: str):
    ws = wb["参数"]
    return next(ws.cell(r, 3) for r in range(5, 60) if ws.cell(r, 2).value == code)


def set_param(code: str, value: Any) -> Edit:
    def edit(wb) -> None:
        cell = param_cell(wb, code)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    return edit


def type_text(sheet: str, ref: str, text: str) -> Edit:
    """Text typed into a cell (a number stored as text, a pasted value with a currency sign …)."""
    def edit(wb) -> None:
        wb[sheet][ref].value = text
        wb[sheet][ref].data_type = "s"
    return edit


def type_value(sheet: str, ref: str, value: Any) -> Edit:
    def edit(wb) -> None:
        wb[sheet][ref].value = value
    return edit


def override(code: str, value: Any, basis: str | None = "某省人民政府令（示例依据）第十条", row: int = 5) -> Edit:
    """A 参数调整 row typed in 参数!G:I."""
    def edit(wb) -> None:
        for col, v in zip((7, 8, 9), (code, value, basis), strict=True):
            wb["参数"].cell(row, col, v)
    return edit


# what xlwings hands the functions, in memory only

def as_decimal(*cells: tuple[str, str]) -> Edit:
    """Currency / 会计专用 cells: xlwings passes decimal.Decimal."""
    def edit(wb) -> None:
        for sheet, ref in cells:
            wb[sheet][ref].value = Decimal(str(wb[sheet][ref].value))
    return edit


def errors_as_none(wb) -> None:
    """Excel error values in the input sheets: xlwings passes None."""
    for sheet in INPUT_SHEETS:
        for row in wb[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in ERROR_CODES:
                    cell.value = None


# ---------------------------------------------------------------------------------------------
# the two faces on one file

@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("sweep") / "budget.xlsm")


@pytest.fixture(scope="module")
def shipped_results(shipped) -> dict[str, Any]:
    return recalculate(shipped)


def edited(shipped: Path, name: str, *edits: Edit) -> Path:
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    for edit in edits:
        edit(wb)
    path = shipped.with_name(f"{name}.xlsm")
    wb.save(path)
    return path


def recalculate(path: Path, as_xlwings: Edit | None = None) -> dict[str, Any]:
    """Every GS_* formula's value, by sheet!range, after a full recalculation (fresh caches)."""
    udf_inputs.clear_caches()
    wb = openpyxl.load_workbook(path, keep_vba=True)
    if as_xlwings is not None:
        as_xlwings(wb)
    return {f"{c.cell.sheet}!{c.cell.ref}": r for c, r in Recalculation(wb, udfs).run().items()}


def rebuild(path: Path) -> Path:
    out = path.with_name(path.stem + "_rebuilt.xlsm")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["build-workbook", "--from", str(path), "-o", str(out), "-q", "--force"]) == 0
    return out


def command_line(path: Path) -> DraftTables:
    """What `wibudget draft` shows for the file: its checked read, the engine, the draft's tables (all options)."""
    checked = check_and_read(path)
    if checked.inputs is not None:
        inputs, options = checked.inputs, (list(checked.options) if checked.options else None)
    else:
        inputs, options = read_inputs(path)
    result = run_budget(inputs, options)
    tables = draft_tables(result, [o.name for o in result.options])
    tables.outlook = outlook_tables(tables.result, 3, with_sensitivity=False, risk_draws=None)
    return tables


def cli_findings(path: Path) -> list[tuple[str, str]]:
    """`wibudget check`: (rule, sheet!cell) of every finding."""
    return [(f.rule, f"{f.sheet}!{f.cell}") for f in check_workbook(path)]


def check_rows(results: dict[str, Any]) -> list[list[Any]]:
    return [r for r in table(results, "数据检查")[1:] if r[0]]


def gs_findings(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r[0], r[2]) for r in check_rows(results)]


def table(results: dict[str, Any], sheet: str) -> list[list[Any]]:
    return next(t for ref, t in results.items() if ref.startswith(sheet + "!") and isinstance(t, list))


def tables_on(results: dict[str, Any], sheet: str) -> list[list[list[Any]]]:
    return [t for ref, t in results.items() if ref.startswith(sheet + "!") and isinstance(t, list)]


def row(block: list[list[Any]], label: str) -> list[Any]:
    return next(r for r in block if r[0] == label)


def _same(cell: Any, cli: Any) -> bool:
    if cli != cli:                                          # NaN on the command line: a blank cell
        return cell is None
    if isinstance(cli, str) or isinstance(cell, str):
        return cell == cli
    return cell is not None and round(float(cell), 2) == round(float(cli), 2)


def assert_readable(results: dict[str, Any]) -> None:
    """Every text a function returns fits a cell and is no traceback or internal English name."""
    for ref, value in results.items():
        rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [[value]]
        for text in (v for r in rows for v in r if isinstance(v, str)):
            assert len(text) <= 255, ref
            if not ref.startswith("说明!"):                   # GS_INFO lists package names on purpose
                assert not re.search(r"Traceback|Error|\.py\b|\bnan\b|\bNone\b", text), (ref, text)


def assert_same_as_cli(results: dict[str, Any], cli: DraftTables) -> None:
    """Each GS_* table of budget.xlsm shows the command line's figures, cell by cell (万元, 2 dp)."""
    assert_readable(results)
    for ref, block in results.items():
        if isinstance(block, list) and block and isinstance(block[0], list):
            first = block[0][0]
            assert not (isinstance(first, str) and first.startswith(MESSAGE)), (ref, first)
    for sheet, frame in (("收入预算", cli.revenue), ("支出预算", cli.expenditure)):
        shown = [r for r in table(results, sheet)[1:] if r[0]]
        assert [r[0] for r in shown] == frame["label"].tolist()
        for r, line in zip(shown, frame.itertuples(), strict=True):
            for cell, figure in zip(r[1:6], (line.prior_budget, line.estimate, line.budget, line.change,
                                             line.growth), strict=True):
                assert _same(cell, figure), (sheet, r[0], cell, figure)
    balance = {r[0]: r for r in table(results, "收支结余")[1:] if r[0]}
    for line in cli.balance.itertuples():
        assert _same(balance[line.label][2], line.estimate) and _same(balance[line.label][3], line.budget), line.label
    units = [r for r in table(results, "分市预算")[1:] if r[0]]
    assert [r[0] for r in units] == cli.units.index.tolist()
    for r in units:
        assert all(_same(c, f) for c, f in zip(r[1:], cli.units.loc[r[0]].tolist(), strict=True)), r[0]
    shares = tables_on(results, "缺口分担")
    assert len(shares) <= len(cli.sharing)
    for block, (code, frame) in zip(shares, cli.sharing.items(), strict=False):
        shown = {r[0]: r for r in block[1:] if r[0]}
        assert set(shown) - {"应分担缺口"} == set(frame["单位"]), code
        for _, line in frame.iterrows():
            for j, header in enumerate(block[0]):
                if header in frame.columns and header != "单位":
                    assert _same(shown[line["单位"]][j], line[header]), (code, line["单位"], header)
    wide = next(t for t in tables_on(results, "方案比较") if t[0][0] == "指标")
    columns, measure = {}, None
    for j, (m, label) in enumerate(zip(wide[0][1:], wide[1][1:], strict=True), 1):
        measure = m or measure
        if label is not None:
            columns[(label, measure)] = j
    assert set(columns) == set(cli.comparison.wide.columns)
    shown = {r[0]: r for r in wide[2:] if r[0]}
    for unit in cli.comparison.wide.index:
        for key, j in columns.items():
            assert _same(shown[unit][j], cli.comparison.wide.loc[unit, key]), (unit, key)


    shown = next(t for t in tables_on(results, "多年预测与风险") if t[1][0] == "工伤保险费收入")
    projection = {r[0]: r for r in shown[1:] if r[0]}
    for line in cli.outlook.table.itertuples(index=False):
        for cell, figure in zip(projection[line.label][2:], line[1:], strict=True):
            if isinstance(figure, bool | np.bool_):                       # 低于储备下限: 是 / 否
                assert cell == ("是" if figure else "否"), line.label
            elif line.label.endswith("费率"):
                assert cell == pytest.approx(figure, rel=1e-9), line.label
            else:
                assert _same(cell, figure), (line.label, cell, figure)


def figures(results: dict[str, Any]) -> dict[str, Any]:
    """The budget tables (not the seeded risk or the check), to compare two recalculations."""
    keep = ("收入预算", "支出预算", "收支结余", "分市预算", "缺口分担", "方案比较", "多年预测与风险")
    return {ref: t for ref, t in results.items() if ref.split("!")[0] in keep}


# ---------------------------------------------------------------------------------------------
# edits that change nothing: the same figures as the shipped workbook, and as the command line

UNCHANGED: dict[str, tuple[tuple[Edit, ...], Edit | None]] = {
    # 南昌's 2026 1–9月 row (历年执行 row 89: insured, wage, premium, medical), 2026's province row (Q12, S12), a
    # 上年预算数 (W5), 南昌's plan (D5, F5, G5), three assumptions and an option's province share — every one a
    # cell the figures depend on — formatted 会计专用 and handed over as Decimal
    "currency cells arrive as Decimal": (
        (lambda wb: [setattr(wb["历年执行"][ref], "number_format", ACCOUNTING) for ref in ("D89", "E89", "F89", "H89")],),
        as_decimal(("历年执行", "D89"), ("历年执行", "E89"), ("历年执行", "F89"), ("历年执行", "H89"),
                   ("历年执行", "Q12"), ("历年执行", "S12"), ("历年执行", "W5"), ("扩面计划", "D5"),
                   ("扩面计划", "F5"), ("扩面计划", "G5"), ("参数", "C10"), ("参数", "C15"), ("参数", "C18"),
                   ("分担方案", "F10"))),
    # the same numbers typed as text: 南昌 2026 1–9月 premium '513,511,074'; 景德镇's wage '103 077'; full-width
    # '４５７７０' (南昌's 扩面计划); '5%' = 0.05 wage growth; '50%' = 0.5 province share of weighted_mix; a year '2022'
    "numbers stored as text": (
        (type_text("历年执行", "F89", "513,511,074"), type_text("历年执行", "E90", "103 077"),
         type_text("扩面计划", "F5", "４５７７０"), set_param("wage_growth", "5%"), type_text("分担方案", "F10", "50%"),
         type_text("历年执行", "B5", "2022")), None),
    "a sheet row inserted inside 历年执行 (row 9)": ((insert_sheet_row("历年执行", 9),), None),
    "a sheet row inserted under 历年执行's headers (row 5)": ((insert_sheet_row("历年执行", 5),), None),
    "a sheet row inserted inside 扩面计划 (row 8)": ((insert_sheet_row("扩面计划", 8),), None),
    # spaces around a name are not part of it (in every table, or in one)
    "新余 typed with spaces": ((rename_city("  新余 "),), None),
    "新余 typed with a space in 扩面计划 only": ((rename_city("新余 ", ("扩面计划",)),), None),
}


@pytest.mark.parametrize("case", list(UNCHANGED))
def test_edits_that_change_no_figure_show_the_shipped_tables(case, shipped, shipped_results):
    edits, as_xlwings = UNCHANGED[case]
    path = edited(shipped, "unchanged", *edits)
    results = recalculate(path, as_xlwings)
    assert figures(results) == figures(shipped_results)
    assert_same_as_cli(results, command_line(path))
    assert gs_findings(results) == cli_findings(path) == []


# ---------------------------------------------------------------------------------------------
# edits that change figures: the functions agree with the command line

def test_a_surplus_year_shares_nothing_where_only_a_deficit_is_shared(shipped):
    # 财政补贴收入计划 2,000,000,000 元 = 200,000.00 万元: the province runs a surplus
    path = edited(shipped, "surplus", set_param("subsidy_plan", 2_000_000_000))
    results = recalculate(path)
    cli = command_line(path)
    assert_same_as_cli(results, cli)
    assert row(table(results, "收入预算"), "财政补贴收入")[3] == 200_000.00
    assert row(table(results, "收支结余"), "本年收支结余")[3] > 0
    # own_gap and weighted_mix share the province's current deficit: none in a surplus year
    wide = next(t for t in tables_on(results, "方案比较") if t[0][0] == "指标")
    shares = tables_on(results, "缺口分担")
    assert [row(s, "应分担缺口")[-1] for s in shares[2:]] == [0.0, 0.0]
    assert row(wide, "城市合计")[3] == row(wide, "城市合计")[4] == 0.0
    assert gs_findings(results) == cli_findings(path)


FUNERAL_RISE = 2 * 8_950 * 144 / 1e4     # 6 → 8 months × 8,950 元 monthly wage × 144 expected deaths = 257.76 万元


@pytest.mark.parametrize("sheet_row", [5, 27], ids=["first row of 参数调整", "spare row 27"])
def test_an_override_reaches_the_functions_as_it_reaches_wibudget(shipped, shipped_results, sheet_row):
    path = edited(shipped, f"override{sheet_row}", override("funeral_months", 8, row=sheet_row))
    results = recalculate(path)
    assert_same_as_cli(results, command_line(path))
    deaths = sum(r[30] or 0 for r in openpyxl.load_workbook(path)["待遇人员"].iter_rows(min_row=5, values_only=True))
    assert deaths == 144
    death = row(table(results, "支出预算"), "工亡待遇支出")[3]
    assert death - row(table(shipped_results, "支出预算"), "工亡待遇支出")[3] == pytest.approx(FUNERAL_RISE, abs=0.011)
    assert gs_findings(results) == cli_findings(path) == []


@pytest.mark.parametrize("province, findings", [
    ("山东省", []),                                           # parameters of shandong.toml (参数代码 left blank)
    ("安徽省", [("V601", "参数!C6")]),                          # no parameter file: national + reference values
])
def test_another_province(shipped, shipped_results, province, findings):
    path = edited(shipped, "province", set_param("province", province), set_param("province_code", None))
    results = recalculate(path)
    assert_same_as_cli(results, command_line(path))
    assert gs_findings(results) == cli_findings(path) == findings
    assert figures(results) != figures(shipped_results)      # another province's standards apply


@pytest.mark.parametrize("edit", [clear_city, delete_city], ids=["cleared", "table rows deleted"])
def test_a_city_removed(shipped, edit):
    path = edited(shipped, "removed", edit)
    results = recalculate(path)
    assert_same_as_cli(results, command_line(path))
    units = [r[0] for r in table(results, "分市预算")[1:] if r[0]]
    assert TWIN not in units and len(units) == 11 + 2              # 10 cities + 省本级 + 省级统收项目 + 合计
    # the province table still holds 新余's past flows: the yearly balances no longer add up (V304), both faces
    assert gs_findings(results) == cli_findings(path)
    assert ("V304", "历年执行!S7") in gs_findings(results)


def test_a_name_starting_with_equals_stays_text_and_is_flagged(shipped):
    path = edited(shipped, "equals", rename_city("=新余"))
    results = recalculate(path)
    assert_same_as_cli(results, command_line(path))
    assert "=新余" in [r[0] for r in table(results, "分市预算")]
    assert gs_findings(results) == cli_findings(path) == [("V410", "扩面计划!A9")]
    rebuilt = rebuild(path)
    assert openpyxl.load_workbook(rebuilt)["扩面计划"]["A9"].data_type == "s"   # written back as text


# ---------------------------------------------------------------------------------------------
# growth: never cut off, and rebuilt around the new inputs

def test_a_13th_city_without_the_tables_growing(shipped):
    path = edited(shipped, "city13", add_city(grow=False))
    results = recalculate(path)
    # header + 12 cities + 省本级 ... : 16 rows where the range holds 15; each share table 16 rows (has 15)
    assert table(results, "分市预算")[0][0] == "区域不足：需要 16 行 × 14 列，请用 wibudget build-workbook --from 重建"
    assert all(t[0][0] == "区域不足：需要 16 行 × 12 列，请用 wibudget build-workbook --from 重建"
               for t in tables_on(results, "缺口分担"))
    assert_readable(results)
    rebuilt_results = recalculate(rebuild(path))
    assert_same_as_cli(rebuilt_results, command_line(path))
    assert NEW_CITY in [r[0] for r in table(rebuilt_results, "分市预算")]
    # the copy of 新余 breaks the province's yearly balances (V304): the same findings before and after
    assert gs_findings(results) == gs_findings(rebuilt_results) == cli_findings(path)


def test_options_5_to_10_are_all_shown_after_the_rebuild(shipped):
    path = edited(shipped, "options10", add_options(5, 6, 7, 8, 9, 10))
    results = recalculate(path)
    # 方案比较: 1 label column + 4 measures × 10 options = 41 columns; 方案说明: 1 + 10 columns
    wide, summary = tables_on(results, "方案比较")
    assert wide[0][0] == "区域不足：需要 20 行 × 41 列，请用 wibudget build-workbook --from 重建"
    assert summary[0][0] == "区域不足：需要 6 行 × 11 列，请用 wibudget build-workbook --from 重建"
    rebuilt_results = recalculate(rebuild(path))
    assert len(tables_on(rebuilt_results, "缺口分担")) == 10
    assert_same_as_cli(rebuilt_results, command_line(path))
    # before the rebuild the workbook's check says options 5–10 have no 缺口分担 table (V006 at 方案5's column)
    assert gs_findings(results) == [("V006", "分担方案!G4")]
    assert gs_findings(rebuilt_results) == cli_findings(path) == []


def test_an_option_typed_with_blank_columns_before_it_is_the_5th(shipped):
    # 方案10's column (L) with H–K blank: the functions, like wibudget, see 5 options
    path = edited(shipped, "option_l", add_options(10))
    results = recalculate(path)
    assert tables_on(results, "方案比较")[0][0][0] == "区域不足：需要 20 行 × 21 列，请用 wibudget build-workbook --from 重建"
    assert len(command_line(path).sharing) == 5
    assert gs_findings(results) == [("V006", "分担方案!L4")]          # its column: no 缺口分担 table yet
    assert cli_findings(path) == []


@pytest.mark.parametrize("edit, first_outside", [
    (type_value("分担方案", "O5", "copy13"), "分担方案!O4"),                       # right of the 12 option columns
    (override("funeral_months", 8, row=55), "参数!A54"),                          # below 参数's spare rows
])
def test_content_past_the_names_room_is_an_error_in_gs_check(shipped, edit, first_outside):
    results = recalculate(edited(shipped, "outside", edit))
    rows = check_rows(results)
    assert rows[0][:3] == ["V005", "错误", first_outside]
    assert "wibudget build-workbook --from" in rows[0][4] and len(rows[0][4]) <= 255


# ---------------------------------------------------------------------------------------------
# bad input: one Chinese message naming the cell, in every table and in both faces

def _every_table_says(results: dict[str, Any], *parts: str) -> None:
    blocks = [t for ref, t in results.items() if isinstance(t, list) and not ref.startswith(("数据检查", "说明"))]
    assert blocks
    for block in blocks:
        first = block[0][0]
        assert first.startswith("#输入错误") and all(p in first for p in parts), first
        assert sum(v is not None for r in block for v in r) == 1          # nothing else in the range
    assert_readable(results)


@pytest.mark.parametrize("sheet, ref, error", [
    ("历年执行", "F5", "#N/A"), ("扩面计划", "F6", "#DIV/0!"), ("参数", "C10", "#VALUE!")])
def test_an_excel_error_value_in_an_input_cell(shipped, sheet, ref, error):
    path = edited(shipped, "error", type_value(sheet, ref, error))
    results = recalculate(path, errors_as_none)                  # xlwings passes None for the error
    _every_table_says(results, f"{sheet}!{ref}", "为空或为错误值（如 #N/A）")
    assert gs_findings(results) == [("V102", f"{sheet}!{ref}")]   # blank or error: Excel cannot tell
    assert cli_findings(path) == [("V105", f"{sheet}!{ref}")]      # the file holds the error itself


@pytest.mark.parametrize("text", ["¥521,937,344.00", "52193.7344万"])
def test_a_number_with_a_unit_or_currency_sign_is_refused_at_its_cell(shipped, text):
    path = edited(shipped, "unit_text", type_text("历年执行", "F5", text))
    results = recalculate(path)
    _every_table_says(results, "历年执行!F5", "不是数字")
    assert gs_findings(results) == cli_findings(path) == [("V103", "历年执行!F5")]


def test_an_unknown_override_code_is_named_at_its_cell_in_every_table(shipped):
    path = edited(shipped, "unknown_code", override("funeral_grant_months", 8))
    results = recalculate(path)
    _every_table_says(results, "参数!G5", "funeral_grant_months")
    assert [f[0] for f in gs_findings(results)] == [f[0] for f in cli_findings(path)] == ["V004"]


def test_an_unknown_override_code_is_located_at_its_cell_in_the_check(shipped):
    path = edited(shipped, "unknown_code_check", override("funeral_grant_months", 8))
    assert gs_findings(recalculate(path)) == cli_findings(path) == [("V004", "参数!G5")]


def test_gs_check_gives_no_save_advice_inside_excel(shipped):
    path = edited(shipped, "param_error", type_value("参数", "C10", "#VALUE!"))
    message = check_rows(recalculate(path, errors_as_none))[0][4]
    assert "为空或为错误值" in message and "保存" not in message


def test_the_tornado_starts_from_the_balance_tables_closing_balance(shipped_results):
    # 收支结余 年末滚存结余 307,119.43 万元; the tornado's 基准 row shows the same (as the draft's tornado)
    closing = row(table(shipped_results, "收支结余"), "年末滚存结余")[3]
    tornado = next(t for t in tables_on(shipped_results, "多年预测与风险") if t[0][0] == "因素")
    assert row(tornado, "基准（预算假设）")[3:5] == [closing, closing]


def test_the_rebuild_keeps_the_users_choices_on_the_result_sheets(shipped):
    path = edited(shipped, "choices", type_value("方案比较", "C2", "liaoning"),
                  type_value("多年预测与风险", "B62", 500), type_value("多年预测与风险", "D62", 7))
    wb = openpyxl.load_workbook(rebuild(path))
    assert [wb["方案比较"]["C2"].value, wb["多年预测与风险"]["B62"].value, wb["多年预测与风险"]["D62"].value] == \
        ["liaoning", 500, 7]
