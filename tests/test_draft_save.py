"""Saving the draft: the cell data written as text (addin.draft.save) reads back exactly as openpyxl's own writer
would have written it — values, number formats, fonts, fills, borders, row heights, merged areas."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook, load_workbook

from addin.draft.cells import dress, merge
from addin.draft.frame import WAN, Frame
from addin.draft.save import save_workbook, sheet_data_xml
from addin.draft.style import load_style


def _budget_sheet() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "分市预算表"
    fr = Frame(ws, load_style(), n_cols=4)
    fr.title("某省2027年工伤保险基金分市收支预算表")
    fr.header(["单位", "收入合计", "支出合计", "收支缺口"])
    fr.body(["南昌", 13_796.83, 12_000.5, -1_796.33], [None, WAN, WAN, WAN])
    fr.body([" 九江 & <省本级>", 0.0, 1e-2, None], [None, WAN, WAN, WAN])
    fr.body(["=cmd|' /C calc'!A0", 3, float("nan"), float("inf")], [None, "persons", WAN, WAN])
    fr.body(["合计", 13_796.83, 12_000.51, -1_796.32], [None, WAN, WAN, WAN], bold=True, fill="total_fill")
    fr.notes(["注：收支缺口 = 支出合计 − 收入合计。"])
    fr.column_widths()
    fr.finish(synthetic=True)
    return wb


def _cells(ws) -> dict:
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            out[c.coordinate] = (c.value, c.number_format, c.font.name, c.font.b, c.font.color and c.font.color.rgb,
                                 c.fill.fgColor.rgb, c.border.left.style, c.alignment.horizontal)
    return out


def test_the_draft_writer_reads_back_as_openpyxl_wrote_it(tmp_path):
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "openpyxl.xlsx"
    save_workbook(_budget_sheet(), ours)
    _budget_sheet().save(theirs)
    a, b = load_workbook(ours)["分市预算表"], load_workbook(theirs)["分市预算表"]
    assert _cells(a) == _cells(b)
    assert {r: d.height for r, d in a.row_dimensions.items()} == {r: d.height for r, d in b.row_dimensions.items()}
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    assert a.dimensions == b.dimensions
    # the figures themselves, to the cent; text stays text (never a formula), spaces and & < > kept
    # rows: 1 title, 2 header, 3–6 the units and 合计
    assert a["B3"].value == 13_796.83 and a["D3"].value == -1_796.33 and a["C4"].value == 0.01
    assert a["A4"].value == " 九江 & <省本级>" and a["A5"].value == "=cmd|' /C calc'!A0" and a["A5"].data_type == "s"
    assert a["B5"].value == 3 and a["C5"].value is None and a["D5"].value == "基数为零"
    assert a["B6"].font.b and a["B6"].fill.fgColor.rgb.endswith("F2F2F2") and a["B3"].number_format == "#,##0.00"


def test_a_merged_area_takes_its_first_cells_border_and_fill():
    wb = Workbook()
    ws = wb.active
    style = load_style()
    merge(ws, 2, 1, 2, 3)
    dress(ws.cell(row=2, column=1, value="分担规则"), style, fill="header_fill", border=True)
    from addin.draft.cells import settle_merges

    settle_merges(wb)
    assert ws.cell(row=2, column=3).border.right.style == "thin"
    assert ws.cell(row=2, column=2).fill.fgColor.rgb == ws.cell(row=2, column=1).fill.fgColor.rgb


def test_a_sheet_with_a_date_is_left_to_openpyxls_writer(tmp_path):
    wb = Workbook()
    wb.active["A1"] = dt.date(2026, 12, 3)
    assert sheet_data_xml(wb.active) is None
    save_workbook(wb, tmp_path / "d.xlsx")
    assert load_workbook(tmp_path / "d.xlsx").active["A1"].value == dt.datetime(2026, 12, 3)
