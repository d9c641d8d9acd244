"""budget.xlsm grows with the province: a 13th city and a 5th option typed into the input tables (stored as Excel
stores them: rows and a column right below / beside each table, the table's ref grown) reach every function through
the inp_* names; result ranges too small say 区域不足 in their first cell instead of showing a cut-off table; and
`wibudget build-workbook --from` rebuilds the workbook around those inputs (every table and chart sized), reading
the user's file only."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from addin.cli import main
from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.builder.common import input_values
from addin.excel.recalc import CallerRange, Recalculation
from addin.excel.results import too_small
from addin.workbook.reader import read_inputs

NEW_CITY, TWIN = "共青城", "新余"        # the 13th unit: a copy of 新余's rows under a new name
NEW_OPTION = "equal_five"                 # the 5th option: a copy of 方案1 under a new code


def _grow_table(ws, name: str, last_col: int | None = None, last_row: int | None = None) -> None:
    """Excel's own bookkeeping when a row or column is typed right below / beside a table: its ref grows."""
    table = ws.tables[name]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(last_col or c2)}{last_row or r2}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def _append_copies(ws, table: str, unit_col: int = 1) -> None:
    """Copy every row of TWIN below the table's last row, renamed NEW_CITY, and grow the table."""
    c1, r1, c2, r2 = range_boundaries(ws.tables[table].ref)
    rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)
            if ws.cell(r, c1 + unit_col - 1).value == TWIN]
    for i, values in enumerate(rows, 1):
        for j, value in enumerate(values):
            ws.cell(r2 + i, c1 + j, NEW_CITY if j == unit_col - 1 else value)
    _grow_table(ws, table, last_row=r2 + len(rows))


def _add_option(ws) -> None:
    """A 5th option typed in the column right of 分担方案's table (a copy of 方案1 with its own code)."""
    c1, r1, c2, r2 = range_boundaries(ws.tables["tblOptions"].ref)
    new = c2 + 1
    ws.cell(r1, new, "方案5")
    for r in range(r1 + 1, r2 + 1):
        code = ws.cell(r, 2).value
        value = ws.cell(r, 3).value
        ws.cell(r, new, {"name": NEW_OPTION, "label": "五市平均（测试）"}.get(code, value))
    _grow_table(ws, "tblOptions", last_col=new)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("grow") / "budget.xlsm")


@pytest.fixture(scope="module")
def grown(shipped) -> Path:
    """The shipped workbook after a user added 共青城 (history, plans, beneficiaries) and a 5th option."""
    wb = openpyxl.load_workbook(shipped, keep_vba=True)
    _append_copies(wb["历年执行"], "tblHistory")
    _append_copies(wb["扩面计划"], "tblPlans")
    _append_copies(wb["待遇人员"], "tblBeneficiaries")
    _add_option(wb["分担方案"])
    path = shipped.with_name("grown.xlsm")
    wb.save(path)
    return path


def _recalculate(path: Path) -> dict[str, object]:
    udf_inputs.clear_caches()
    wb = openpyxl.load_workbook(path, keep_vba=True)
    return {f"{c.cell.sheet}!{c.cell.ref}": r for c, r in Recalculation(wb, udfs).run().items()}


def _size(ref: str) -> tuple[int, int]:
    c1, r1, c2, r2 = range_boundaries(ref)
    return r2 - r1 + 1, c2 - c1 + 1


def test_the_names_cover_an_added_city_and_option(grown):
    # inp_plans etc. reach past their tables: the functions get 13 units and 5 options, as wibudget does
    wb = openpyxl.load_workbook(grown, keep_vba=True)
    result = udf_inputs.budget_result(*input_values(wb))
    inputs, options = read_inputs(grown)
    assert len(result.inputs.units) == len(inputs.units) == 13
    assert NEW_CITY in result.inputs.units["unit"].tolist()
    assert [o.name for o in result.options] == [o["name"] for o in options]
    assert len(result.options) == 5 and result.options[-1].name == NEW_OPTION


def test_before_rebuild_too_small_ranges_say_so_and_nothing_is_cut_off(grown):
    results = _recalculate(grown)
    # 分市预算: header + 13 units + 省级统收项目 + 合计 = 16 rows, 14 columns; the range A4:N18 holds 15
    units = results["分市预算!A4:N18"]
    assert units[0][0] == too_small(16, 14) == "区域不足：需要 16 行 × 14 列，请用 wibudget build-workbook --from 重建"
    assert all(v is None for row in units for v in row[1:]) and all(row[0] is None for row in units[1:])
    # 缺口分担: each option's table gains a city row (header + 12 cities + 合计 + 省级承担 + 应分担缺口 = 16 rows)
    assert results["缺口分担!A5:L19"][0][0] == too_small(16, 12)
    # every array result either fits its range exactly as the function computes it, or says 区域不足
    wb = openpyxl.load_workbook(grown, keep_vba=True)
    recalc = Recalculation(wb, udfs, caller=False)
    full = {f"{c.cell.sheet}!{c.cell.ref}": r for c, r in recalc.run().items()}
    for ref, table in results.items():
        if not isinstance(table, list):
            continue
        rows, cols = _size(ref.split("!")[1])
        whole = full[ref]
        if len(whole) <= rows and max(len(r) for r in whole) <= cols:
            assert [r[:len(whole[0])] for r in table[:len(whole)]] == whole, ref
        else:
            first = table[0][0]
            assert isinstance(first, str) and first.startswith("区域不足："), ref
            assert first == too_small(len(whole), max(len(r) for r in whole)), ref


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def rebuilt(grown) -> Path:
    before = _digest(grown)
    out = grown.with_name("rebuilt.xlsm")
    assert main(["build-workbook", "--from", str(grown), "-o", str(out), "-q"]) == 0
    assert _digest(grown) == before                  # the user's workbook is only read
    return out


def test_after_rebuild_every_table_uses_the_13th_city_and_the_5th_option(rebuilt):
    results = _recalculate(rebuilt)
    texts = [v for table in results.values() if isinstance(table, list) for row in table for v in row
             if isinstance(v, str)]
    assert not [t for t in texts if t.startswith(("区域不足", "#"))]
    units = next(t for ref, t in results.items() if ref.startswith("分市预算!"))
    assert len(units) == 16 and units[-1][0] == "合计" and NEW_CITY in [r[0] for r in units]
    shares = [t for ref, t in results.items() if ref.startswith("缺口分担!")]
    assert len(shares) == 5                                            # one table per option, 方案5 too
    assert all(NEW_CITY in [r[0] for r in t] and t[-1][0] == "应分担缺口" for t in shares)
    wide = next(t for ref, t in results.items() if ref.startswith("方案比较!") and t[0][0] == "指标")
    assert "五市平均（测试）" in wide[1] and NEW_CITY in [r[0] for r in wide]
    # 分市预算 row 合计 = Σ units + 省级统收项目, column by column (万元, rows add up to the cent)
    for j in range(1, 14):
        assert sum(r[j] for r in units[1:-1]) == pytest.approx(units[-1][j], abs=0.011)


def test_rebuild_reanchors_the_share_chart_on_13_cities(rebuilt):
    with zipfile.ZipFile(rebuilt) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    refs = {f for c in charts for f in re.findall(r"<f>'方案比较'!\$A\$(\d+):\$A\$(\d+)</f>", c)}
    # header rows 4–5, cities from row 6: 12 cities (11 + 共青城) end on row 17
    assert refs == {("6", "17")}
    series = {f for c in charts for f in re.findall(r"<f>'方案比较'!\$([A-Z]+)\$6:", c)}
    assert series == {"A", "B", "C", "D", "E", "F"}                 # categories + 5 options


def test_rebuild_refuses_to_overwrite_and_never_writes_over_its_source(grown, tmp_path, capsys):
    out = tmp_path / "again.xlsm"
    out.write_bytes(b"keep me")
    assert main(["build-workbook", "--from", str(grown), "-o", str(out), "-q"]) != 0
    assert out.read_bytes() == b"keep me"
    before = _digest(grown)
    assert main(["build-workbook", "--from", str(grown), "-o", str(grown), "--force", "-q"]) != 0
    assert _digest(grown) == before
    assert "只读不写" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".wibudget-")]


def test_caller_range_shape_is_the_formula_range():
    from addin.excel.recalc import FormulaCell

    caller = CallerRange.of(FormulaCell("分市预算", "A4:N18", "=GS_FORECAST()", True))
    assert (caller.rows.count, caller.columns.count) == (15, 14)


def test_file_properties_name_the_province_and_conf_columns_do_not_overlap(shipped):
    with zipfile.ZipFile(shipped) as z:
        core = z.read("docProps/core.xml").decode()
        book = z.read("xl/workbook.xml").decode()
        sheet_ids = dict(re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', book))
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        target = re.search(rf'Id="{sheet_ids["xlwings.conf"]}"[^>]*Target="([^"]+)"|'
                           rf'Target="([^"]+)"[^>]*Id="{sheet_ids["xlwings.conf"]}"', rels)
        conf = z.read("xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")).decode()
    dc = "{http://purl.org/dc/elements/1.1/}"
    props = ElementTree.fromstring(core)          # parsed: with lxml installed openpyxl writes namespaces per element
    assert props.find(f"{dc}creator").text == "江西省人力资源和社会保障厅"
    assert props.find(f"{dc}title").text == "2027年江西省工伤保险基金预算" and "Felix" not in core
    spans = sorted((int(a), int(b)) for a, b in re.findall(r'<col [^>]*min="(\d+)" max="(\d+)"', conf))
    assert spans[0][0] == 1 and spans[-1][1] == 16384
    assert all(prev[1] < nxt[0] for prev, nxt in zip(spans, spans[1:], strict=False))   # no column twice


def test_rebuild_keeps_the_projection_horizon(tmp_path):
    source = build_workbook(tmp_path / "five.xlsm", years=5)
    out = tmp_path / "again.xlsm"
    assert main(["build-workbook", "--from", str(source), "-o", str(out), "-q"]) == 0
    wb = openpyxl.load_workbook(out, keep_vba=True)
    project = [c for c in Recalculation(wb, udfs).calls if c.function == "GS_PROJECT"]
    assert project and all(c.args[7] == "5" for c in project)
