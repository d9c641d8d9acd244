"""Input cells as Excel hands them over in a finance office: currency/accounting cells as Decimal, a blank row
inserted inside a table, Excel error values arriving as None; results never longer than Excel's 255 characters
per cell, and array results fitted to the calling range (xlwings' reserved `caller`)."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from addin.excel import inputs as udf_inputs
from addin.excel import udfs, vba
from addin.excel.results import MAX_CELL_TEXT, fit_to_caller, too_small, udf_result

HISTORY, PLANS, OPTIONS = 1, 4, 6          # positions of inp_history, inp_plans, inp_options among the ranges


def caller(rows: int, cols: int) -> SimpleNamespace:
    """An object shaped like the xlwings Range passed as `caller` on Windows."""
    return SimpleNamespace(rows=SimpleNamespace(count=rows), columns=SimpleNamespace(count=cols))


def _row(block: list[list], unit: str, year: int | None = None) -> int:
    return next(i for i, r in enumerate(block) if r[0] == unit and (year is None or r[1] == year))


# ---------------------------------------------------------------------------------------------
# Decimal (会计专用 / 货币 formats)

def test_currency_cells_arriving_as_decimal_give_the_same_tables(ranges):
    plain, plain_check = udfs.GS_FORECAST(*ranges), udfs.GS_CHECK(*ranges)
    i = _row(ranges[HISTORY], "南昌", 2022)
    ranges[HISTORY][i][5] = Decimal(str(ranges[HISTORY][i][5]))          # 工伤保险费收入 521,937,344.00 元
    j = _row(ranges[PLANS], "景德镇")
    ranges[PLANS][j][3] = Decimal(str(ranges[PLANS][j][3]))               # 一般公共预算收入
    udf_inputs.clear_caches()
    assert udfs.GS_FORECAST(*ranges) == plain
    assert udfs.GS_CHECK(*ranges) == plain_check                           # no finding for a Decimal cell
    assert not str(udfs.GS_SHARE(1, *ranges)[0][0]).startswith("#")


def test_premium_from_decimal_arguments():
    # (100,000 + 0.5 × 10,000) × 60,000 × 1.05 × 0.5% = 105,000 × 60,000 × 1.05 × 0.005 = 33,075,000 元
    value = udfs.GS_PREMIUM(Decimal("100000"), Decimal("10000"), Decimal("60000.00"), Decimal("0.05"),
                            Decimal("0.005"))
    assert value == pytest.approx(33_075_000.0)


# ---------------------------------------------------------------------------------------------
# blank rows inside a table (a sheet row inserted in 历年执行 rows 5–12)

def test_a_blank_row_inside_the_history_table_is_skipped(ranges):
    plain = udfs.GS_BALANCE(*ranges)
    check = udfs.GS_CHECK(*ranges)
    width = len(ranges[HISTORY][0])
    ranges[HISTORY].insert(5, [None] * width)          # sheet row 9 inserted: between 2022 rows of two cities
    ranges[PLANS].insert(3, [None] * len(ranges[PLANS][0]))
    udf_inputs.clear_caches()
    assert udfs.GS_BALANCE(*ranges) == plain
    assert udfs.GS_CHECK(*ranges) == check


def test_a_blank_made_by_an_excel_error_is_worded_as_such(ranges):
    i = _row(ranges[HISTORY], "南昌", 2022)
    ranges[HISTORY][i][5] = None                        # #N/A in the cell: xlwings passes None
    message = udfs.GS_FORECAST(*ranges)[0][0]
    assert message.startswith("#输入错误")
    assert "为空或为错误值（如 #N/A）" in message and f"历年执行!F{4 + i}" in message
    assert "保存" not in message                   # no "open and save in Excel" advice inside Excel


# ---------------------------------------------------------------------------------------------
# 255 characters

def test_a_long_option_name_is_clipped_to_255_characters(ranges):
    label_row = next(r for r in ranges[OPTIONS] if r[1] == "label")
    label_row[2] = "按征缴收入和支出规模加权分担" * 30                 # 420 characters
    table = udfs.GS_COMPARE(ranges[OPTIONS], *ranges[:OPTIONS], None, "方案说明")
    texts = [v for r in table for v in r if isinstance(v, str)]
    assert max(len(t) for t in texts) == MAX_CELL_TEXT
    assert next(t for t in texts if t.startswith("按征缴")).endswith("…")


def test_every_text_an_array_function_returns_is_clipped():
    @udf_result(array=True)
    def findings(caller=None):
        return [["说明"], ["第" + "很长的说明" * 100]]

    assert [len(r[0]) for r in findings()] == [2, MAX_CELL_TEXT]


# ---------------------------------------------------------------------------------------------
# fitted to the calling range

def test_a_range_too_small_shows_the_rebuild_message_in_its_first_cell(ranges):
    full = udfs.GS_FORECAST(*ranges)                     # header + 12 units + 省级统收项目 + 合计 = 15 × 14
    assert (len(full), len(full[0])) == (15, 14)
    cut = udfs.GS_FORECAST(*ranges, caller=caller(14, 14))
    assert cut[0][0] == "区域不足：需要 15 行 × 14 列，请用 wibudget build-workbook --from 重建"
    assert (len(cut), len(cut[0])) == (14, 14)
    assert sum(v is not None for r in cut for v in r) == 1
    narrow = udfs.GS_SHARE(1, *ranges, caller=caller(30, 5))
    assert narrow[0][0] == too_small(15, 12)


def test_a_larger_range_is_padded_with_blanks_not_na(ranges):
    full = udfs.GS_BALANCE(*ranges, "收入")
    padded = udfs.GS_BALANCE(*ranges, "收入", caller=caller(len(full) + 3, len(full[0]) + 1))
    assert [r[:len(full[0])] for r in padded[:len(full)]] == full
    assert all(v is None for r in padded[len(full):] for v in r)
    assert all(r[-1] is None for r in padded)


def test_an_exact_range_and_no_caller_give_the_table_itself(ranges):
    full = udfs.GS_COMPARE(ranges[OPTIONS], *ranges[:OPTIONS])
    assert udfs.GS_COMPARE(ranges[OPTIONS], *ranges[:OPTIONS], caller=caller(len(full), len(full[0]))) == full


def test_an_input_error_fills_no_more_than_the_first_cell(ranges):
    ranges[PLANS][1][0] = None
    out = udfs.GS_FORECAST(*ranges, caller=caller(15, 14))
    assert out[0][0].startswith("#输入错误") and sum(v is not None for r in out for v in r) == 1


def test_fit_to_caller_keeps_a_table_that_fits():
    assert fit_to_caller([[1.0, 2.0]], caller(1, 2)) == [[1.0, 2.0]]
    assert fit_to_caller([[1.0, 2.0]], None) == [[1.0, 2.0]]
    assert fit_to_caller([[1.0, 2.0]], object()) == [[1.0, 2.0]]        # no shape: as without a caller


def test_caller_is_not_a_worksheet_argument():
    text = vba.generate_vba(udfs)
    headers = re.findall(r"^Function (\w+)\((.*)\)\s*$", text, flags=re.MULTILINE)
    assert headers and all("caller" not in args for _, args in headers)
    assert "Nothing), ThisWorkbook, Application.Caller)" in text          # xlwings fills it with the range
    assert vba.worksheet_parameters(udfs.GS_SHARE) == ["scheme", "params", "history", "province_history",
                                                        "prior_budget", "plans", "beneficiaries", "options"]
    assert vba.worksheet_parameters(udfs.GS_TREND) == ["history", "method", "periods"]
