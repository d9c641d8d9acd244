"""Fast sheet values (calamine) give the cells openpyxl gives: the example province's input sheets, and a sheet
with dates, Excel errors, blanks, booleans, merged cells and formulas with cached results; messages keep their cell."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.workbook import layout
from addin.workbook.check import check_workbook
from addin.workbook.reader import read_inputs
from addin.workbook.sheet_values import load_sheet_rows
from addin.workbook.writer import write_inputs
from examples import load_example
from models.errors import BudgetInputError
from models.sharing import load_presets


def openpyxl_rows(path: Path) -> dict[str, list[list]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {n: [list(r) for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames}
    finally:
        wb.close()


def trimmed(rows: list[list]) -> list[list]:
    """Rows without trailing blank cells and rows (openpyxl pads to the sheet's declared dimension)."""
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] is None:
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def typed(rows: list[list]) -> list[list]:
    """Each value with its type, so that 2 (int) and 2.0 (float), datetime and date differ."""
    return [[(type(v).__name__, v) for v in r] for r in trimmed(rows)]


@pytest.fixture(scope="module")
def example_book(tmp_path_factory) -> Path:
    wb = Workbook()
    write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    path = tmp_path_factory.mktemp("values") / "example.xlsx"
    wb.save(path)
    return path


def with_cached_formulas(path: Path, cells: dict[str, str]) -> None:
    """Put formulas with cached results into sheet1 as Excel saves them (openpyxl writes no cached values):
    `cells` maps a cell to the XML of its formula and value."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, inner in cells.items():
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + len("</c>")
        xml = xml[:start] + inner + xml[end:]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


@pytest.fixture(scope="module")
def mixed_book(tmp_path_factory) -> Path:
    """A sheet starting at C3 (not A1) with every kind of value a user's workbook holds, and a hidden sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "混合"
    ws["C3"], ws["D3"], ws["E3"], ws["F3"], ws["G3"] = 12, 2.5, True, False, "南昌"
    ws["C4"] = dt.datetime(2024, 3, 1)                   # a date without time: datetime, as openpyxl gives it
    ws["D4"] = dt.datetime(2024, 3, 1, 12, 0, 5)
    ws["E4"] = dt.time(13, 30)
    ws["F4"] = "#N/A"
    ws["F4"].data_type = "e"                             # an Excel error value typed in the cell
    ws["G4"] = "=1+1"                                    # a formula whose cached value is missing: blank
    ws["C5"], ws["D5"], ws["E5"], ws["F5"] = "=A1", "=A1", "=A1", "=A1"
    ws["C6"], ws["D6"], ws["E6"] = 10**12, 1e-7, -3
    ws["F6"] = "=证券"                                    # text that starts with "=" as a user types it: a formula
    ws.merge_cells("C8:D9")
    ws["C8"] = "合并"
    ws["B10"] = 40_000_000                               # a blank row 7 stays between
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["B2"] = 3.25
    path = tmp_path_factory.mktemp("values") / "mixed.xlsx"
    wb.save(path)
    with_cached_formulas(path, {
        "C5": '<c r="C5"><f>SUM(C3,1)</f><v>13</v></c>',                      # cached number 13
        "D5": '<c r="D5" t="e"><f>1/0</f><v>#DIV/0!</v></c>',                   # cached error
        "E5": '<c r="E5" t="str"><f>G3&amp;"市"</f><v>南昌市</v></c>',          # cached text
        "F5": '<c r="F5" t="b"><f>C3&gt;10</f><v>1</v></c>',                    # cached logical
        "F6": '<c r="F6"><f>证券</f><v></v></c>',
    })
    return path


def test_example_input_sheets_read_the_same_as_openpyxl(example_book):
    fast, slow = load_sheet_rows(example_book), openpyxl_rows(example_book)
    assert list(fast) == list(slow)
    for name in layout.INPUT_SHEETS:
        assert typed(fast[name]) == typed(slow[name]), name


def test_dates_errors_blanks_booleans_and_cached_formulas_read_the_same_as_openpyxl(mixed_book):
    fast, slow = load_sheet_rows(mixed_book), openpyxl_rows(mixed_book)
    assert list(fast) == ["混合", "隐藏"]
    assert typed(fast["混合"]) == typed(slow["混合"])
    assert typed(fast["隐藏"]) == typed(slow["隐藏"])
    rows = fast["混合"]
    # positions from A1: C3 is rows[2][2]; the values a person reads off the sheet
    assert rows[2][2:7] == [12, 2.5, True, False, "南昌"]
    assert type(rows[2][2]) is int and rows[3][2] == dt.datetime(2024, 3, 1)
    assert rows[3][5] == "#N/A" and rows[3][6] is None
    assert rows[4][2:6] == [13, "#DIV/0!", "南昌市", True]      # cached results: 12 + 1 = 13, 1/0, text, 12 > 10
    assert rows[7][2] == "合并" and rows[7][3] is None and rows[8][2] is None
    assert rows[9][1] == 40_000_000 and fast["隐藏"][1][1] == 3.25


def test_only_the_named_sheets_are_read(mixed_book):
    assert list(load_sheet_rows(mixed_book, ["隐藏", "没有的表"])) == ["隐藏"]


def test_messages_keep_their_cell_when_the_tables_do_not_start_at_a1(example_book, tmp_path):
    """历年执行 moved two rows down and one column right (header A4 → B6): a bad premium cell is named where it
    now stands, by the reader and by check."""
    wb = load_workbook(example_book)
    ws = wb[layout.TABLES["history"].sheet]
    ws.insert_rows(1, 2)
    ws.insert_cols(1, 1)
    header = [ws.cell(6, c).value for c in range(1, ws.max_column + 1)]
    col = next(c for c, h in enumerate(header, start=1) if isinstance(h, str) and "保险费" in h)
    ws.cell(8, col).value = "#REF!"              # the second data row of the table (sheet row 8)
    letter = ws.cell(8, col).column_letter
    path = tmp_path / "moved.xlsx"
    wb.save(path)
    with pytest.raises(BudgetInputError) as err:
        read_inputs(path)
    assert f"{ws.title}!{letter}8" in str(err.value)
    found = [f for f in check_workbook(path) if f.rule == "V105"]
    assert [(f.sheet, f.cell) for f in found] == [(ws.title, f"{letter}8")]
