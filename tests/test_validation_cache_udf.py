"""GS_CHECK with its memos (validation kept by table content, sheets whose cells passed the scan not scanned
again) gives, edit after edit, the findings of the whole check run afresh on the same cells; the cell scan's
quick pass over whole-number floats in integer columns finds what the cell-by-cell rules find.

The ranges are the example workbook's, as Excel hands them to the UDF; each test edits them one cell or row at a
time, as a user types, and compares every step with `check_sheets` run without any memo.
"""

from __future__ import annotations

from addin.excel import check as udf_check
from addin.excel import inputs as udf_inputs
from addin.workbook import cell_scan, check
from models.validation import memo

HISTORY, PLANS, BENEFICIARIES, OPTIONS = 1, 4, 5, 6


def gs_check(ranges) -> list[tuple]:
    """GS_CHECK's findings, asserted equal to the whole check of the same cells with nothing kept."""
    found = udf_check.findings(ranges)
    with memo.disabled():
        whole = check.check_sheets(udf_inputs.sheets_from_ranges([check.trim_range(r) for r in ranges]))
    assert found == whole
    return [(f.rule, f.sheet, f.cell, f.unit) for f in found]


def first_blank_row(table: list) -> int:
    return next(i for i, r in enumerate(table) if i and all(v is None for v in r))


def test_text_typed_into_history_then_the_number_again(ranges):
    assert gs_check(ranges) == []
    line = ranges[HISTORY][8]                               # 历年执行 row 12: 吉安 2022, 保险费收入 in column F
    number = line[5]
    line[5] = "四千万"
    assert gs_check(ranges) == [("V103", "历年执行", "F12", "吉安")]
    line[5] = number
    assert gs_check(ranges) == []
    line[5] = "四千万"                                       # the same text again: its sheet is scanned again
    assert gs_check(ranges) == [("V103", "历年执行", "F12", "吉安")]


def test_a_13th_unit_typed_into_the_plans_then_the_beneficiaries(ranges):
    gs_check(ranges)
    plans, ben = ranges[PLANS], ranges[BENEFICIARIES]
    at = first_blank_row(plans)                             # the row under 省本级 (row 14 of 扩面计划)
    new = list(next(r for r in plans if r[0] == "新余"))
    new[0] = "赣江新区"
    plans[at] = new
    found = gs_check(ranges)
    # a unit with a plan but no beneficiaries and no history rows
    assert any(f[0] == "V202" and f[1] == "待遇人员" and f[3] == "赣江新区" for f in found)
    row = list(next(r for r in ben if r[0] == "新余"))
    row[0] = "赣江新区"
    ben[first_blank_row(ben)] = row
    found = gs_check(ranges)
    assert not any(f[1] == "待遇人员" and f[3] == "赣江新区" for f in found)
    assert any(f[0] == "V202" and f[1] == "历年执行" and f[3] == "赣江新区" for f in found)
    plans[at] = [None] * len(plans[0])                      # the unit taken out of the list again
    found = gs_check(ranges)
    assert any(f[0] == "V203" and f[1] == "待遇人员" and f[3] == "赣江新区" for f in found)


def test_a_fifth_option_typed_next_to_the_fourth(ranges):
    gs_check(ranges)
    options = ranges[OPTIONS]
    for r in options:                                       # column G: a copy of 方案4 under a new code
        r[6] = r[5]
    options[0][6] = "方案5"
    code = next(r for r in options if r[1] == "name")
    code[6] = "weighted_mix2"
    assert gs_check(ranges) == []
    code[6] = "weighted_mix"                                # the 4th option's code again
    assert [f[:2] for f in gs_check(ranges)] == [("V504", "分担方案")]
    code[6] = "weighted_mix2"
    assert gs_check(ranges) == []


def test_year_and_month_cells_as_floats_are_judged_as_one_by_one(ranges, monkeypatch):
    history = ranges[HISTORY]
    odd = [2024.0, 2024.5, 1989.0, 2101.0, 1e16, float("inf"), float("nan"), "2024", True, 2024, -0.0, None]
    for k, value in enumerate(odd):                          # 年度 (column B) of rows 1–12 under the header
        history[1 + k][1] = value
    for k, value in enumerate([12.0, 13.0, 0.0, 9.5, -1.0, 12]):   # 月数 (column C) of rows 13–18
        history[13 + k][2] = value
    sheets = udf_inputs.sheets_from_ranges([check.trim_range(r) for r in ranges])
    quick = check.scan_cells(sheets)
    monkeypatch.setattr(cell_scan, "_whole_float", lambda value, spec: False)     # every such cell one by one
    assert quick == check.scan_cells(sheets)
    # years: 2024.5, 1989, 2101, 1e16, inf, NaN (blank), TRUE, −0 and None (blank) refused, 2024.0, "2024" and
    # 2024 taken — 9 cells; month counts: 13, 0, 9.5 and −1 refused, 12.0 and 12 taken — 4 cells
    assert [f.rule for f in quick] == ["V106"] * 4 + ["V103", "V102", "V103", "V106", "V102"] + ["V106"] * 4
