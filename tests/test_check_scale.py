"""The data check at province scale (issue 15): a 300-unit workbook read and checked over whole columns gives the
findings the cell-by-cell check gave, at the cells a person finds by counting rows; the check hands over the
inputs it read; the safe inspection still counts rows written with a namespace prefix and notes error cells.

The 300-unit workbook (examples.synthetic.scaled_province, written with the template layout):
- 历年执行: header row 4; each unit has 8 rows (2022 全年, 2023 1–9月, 2023 全年, 2024 1–9月, 2024 全年,
  2025 1–9月, 2025 全年, 2026 1–9月), so unit k starts at row 5 + 8 × (k − 1): 单位0150 → 5 + 8 × 149 = 1197
  (2022 全年), 1198 (2023 1–9月); 单位0163 → 5 + 8 × 162 = 1301, its 2023 1–9月 row 1302.
  Columns A 单位, B 年度, C 月数, D 期末参保人数, E 平均缴费工资, F 工伤保险费收入.
- 扩面计划 and 待遇人员: header row 4, unit k on row 4 + k (单位0250 → 254, 单位0050 → 54).
  扩面计划 G 上年征缴计划; 待遇人员 F 伤残津贴人员本人工资.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from addin.workbook import reader, safe_open, writer
from addin.workbook.check import check_and_read, check_workbook
from addin.workbook.coerce_tables import plain_column
from addin.workbook.layout import TABLES
from examples.synthetic import scaled_province
from models.errors import BudgetInputError
from models.sharing import load_presets

HIST, PLANS, BEN = "历年执行", "扩面计划", "待遇人员"


@pytest.fixture(scope="module")
def province_300(tmp_path_factory) -> Path:
    wb = Workbook()
    writer.write_inputs(wb, scaled_province(300, seed=1), [o.to_dict() for o in load_presets()])
    path = tmp_path_factory.mktemp("scale") / "province_300.xlsx"
    wb.save(path)
    return path


def _edited(src: Path, out: Path, edit) -> Path:
    wb = load_workbook(src)
    edit(wb)
    wb.save(out)
    return out


def test_the_300_unit_province_as_written_passes_the_check(province_300):
    assert check_workbook(province_300) == []


def test_planted_bad_cells_of_a_300_unit_province_are_found_at_their_cells(province_300, tmp_path):
    def plant(wb):
        assert wb[HIST]["A1197"].value == "单位0150" and wb[HIST]["B1198"].value == 2023
        assert wb[HIST]["A1302"].value == "单位0163" and wb[HIST]["C1302"].value == 9
        assert wb[PLANS]["A254"].value == "单位0250" and wb[BEN]["A54"].value == "单位0050"
        wb[HIST]["F1197"] = "待定"                    # text in a number column
        wb[HIST]["D1302"] = None                      # a blank 期末参保人数
        wb[BEN]["F54"] = -7660                        # a negative wage
        wb[PLANS]["G254"] = 12_345_678.9              # a currency-formatted amount: a number like any other
        wb[PLANS]["G254"].number_format = '"¥"#,##0.00'

    path = _edited(province_300, tmp_path / "planted.xlsx", plant)
    found = [(f.rule, f.location, f.unit, f.message) for f in check_workbook(path)]
    assert found == [
        ("V103", f"{HIST}!F1197", "单位0150", "单位0150的“工伤保险费收入”不是数字，请只填数字（不带单位或文字）"),
        ("V102", f"{HIST}!D1302", "单位0163", "单位0163的“期末参保人数”为空或为错误值（如 #N/A），请填入数值"),
        ("V104", f"{BEN}!F54", "单位0050", "单位0050的“伤残津贴人员本人工资”为 -7,660.00，不能为负数：请填写正数或 0"
                                          "（人数以人、金额以元为单位）"),      # read, then refused by validation
    ]
    # the reader stops at its first bad cell, column by column (期末参保人数 D comes before 保险费收入 F)
    with pytest.raises(BudgetInputError) as caught:
        reader.read_inputs(path)
    assert caught.value.cell == f"{HIST}!D1302" and caught.value.rule == "V102"


def test_a_blank_row_inserted_inside_the_table_moves_the_cells_it_names(province_300, tmp_path):
    # a sheet row inserted above 单位0150's first row: its rows move down one (F1197 → F1198); the blank row is skipped
    def plant(wb):
        wb[HIST].insert_rows(1197)
        wb[HIST]["F1198"] = "待定"

    found = [(f.rule, f.location) for f in check_workbook(_edited(province_300, tmp_path / "row.xlsx", plant))]
    assert found == [("V103", f"{HIST}!F1198")]


def test_check_and_read_hands_over_what_the_reader_reads(province_300, tmp_path):
    checked = check_and_read(province_300)
    inputs, options = reader.read_inputs(province_300)
    assert checked.findings == [] and checked.options == options
    for table in ("units", "plans", "history", "province_history", "beneficiaries"):
        pd.testing.assert_frame_equal(getattr(checked.inputs, table), getattr(inputs, table))
    pd.testing.assert_series_equal(checked.inputs.prior_budget, inputs.prior_budget)
    assert checked.inputs.assumptions == inputs.assumptions and len(inputs.units) == 300

    bad = _edited(province_300, tmp_path / "bad.xlsx", lambda wb: wb[HIST].__setitem__("F1197", "待定"))
    refused = check_and_read(bad)
    assert refused.inputs is None and [f.location for f in refused.findings] == [f"{HIST}!F1197"]


def test_whole_column_values_are_those_of_the_cell_by_cell_coercion():
    # 工伤保险费收入 of five rows: two plain numbers taken as they are; text, a blank and a 1e20 go cell by cell
    column = TABLES["history"].column("premium")
    values, slow = plain_column([20_676_924.03, 7, "1,234", None, 1e20], column)
    assert list(values[:2]) == [20_676_924.03, 7.0] and slow == [2, 3, 4]
    # the data check's own scan leaves the 1e20 to the reader's read-time limit (as before), not the text or blank
    assert plain_column([20_676_924.03, 7, "1,234", None, 1e20], column, limits=False)[1] == [2, 3]
    # 单位 column: plain names as they are, a zero-width space dropped (the cell rule, once per distinct text);
    # a blank goes cell by cell (it is refused with its cell)
    names, slow = plain_column(["南昌", " 九江 ", "南昌", "赣\u200b州", None], TABLES["history"].column("unit"))
    assert names[:4] == ["南昌", "九江", "南昌", "赣州"] and slow == [4]


def _prefixed(src: Path, out: Path, part: str) -> Path:
    """The workbook with one worksheet's elements written as <x:row>, <x:c> … (a namespace prefix, as some
    generators write them)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                data = re.sub(rb"<(/?)([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", data)
                data = data.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="', 1)
            zout.writestr(item, data)
    return out


def test_rows_written_with_a_namespace_prefix_are_still_counted(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    for r in range(1, 61):                           # 60 rows of values; row 7 hidden
        ws.cell(r, 1, r)
        ws.cell(r, 2, "南昌")
    ws.row_dimensions[7].hidden = True
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    part = safe_open.inspect_workbook(plain).sizes["数据"].part
    prefixed = _prefixed(plain, tmp_path / "prefixed.xlsx", part)
    assert b"<x:row" in zipfile.ZipFile(prefixed).read(part)
    for path in (plain, prefixed):
        size = safe_open.inspect_workbook(path).sizes["数据"]
        assert (size.rows, size.hidden_rows, size.error_cells) == (60, (7,), False)
        with pytest.raises(safe_open.WorkbookFileError) as caught:
            safe_open.inspect_workbook(path, safe_open.Limits(max_rows=59))
        assert caught.value.reason == safe_open.LIMIT


def test_the_inspection_notes_sheets_with_error_cells(province_300, tmp_path):
    def plant(wb):
        wb[HIST]["F1197"] = "#N/A"
        wb[HIST]["F1197"].data_type = "e"

    path = _edited(province_300, tmp_path / "error.xlsx", plant)
    sizes = safe_open.inspect_workbook(path).sizes
    assert sizes[HIST].error_cells and not sizes[PLANS].error_cells
    found = [(f.rule, f.location) for f in check_workbook(path)]
    assert found == [("V105", f"{HIST}!F1197")]


def test_year_on_year_wage_changes_are_found_at_their_rows_in_a_300_unit_province(province_300, tmp_path):
    # 单位0150: 2022 全年 row 1197, 2023 全年 row 1199, 2024 全年 row 1201 (E = 平均缴费工资).
    # 2023 set to twice 2022: +100%; 2024 set back to the 2022 wage: 2024 ÷ 2023 − 1 = 1/2 − 1 = −50%;
    # both beyond ±30% (V402). The other 2,399 rows are unchanged and raise no such warning.
    def plant(wb):
        wage_2022 = wb[HIST]["E1197"].value
        wb[HIST]["E1199"] = 2 * wage_2022
        wb[HIST]["E1201"] = wage_2022

    path = _edited(province_300, tmp_path / "wages.xlsx", plant)
    changes = [(f.location, f.message) for f in check_workbook(path) if f.rule == "V402"]
    assert [where for where, _ in changes] == [f"{HIST}!E1199", f"{HIST}!E1201"]
    assert "单位0150 2023年全年平均缴费工资" in changes[0][1] and "增加 100%" in changes[0][1]
    assert "单位0150 2024年全年平均缴费工资" in changes[1][1] and "减少 50%" in changes[1][1]
