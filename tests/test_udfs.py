"""The Excel functions (addin.udfs) called as Excel calls them: raw cell values, header rows, None for blanks.

The input ranges are the example province written into a workbook by `workbook_io.write_inputs` and read
back cell by cell, exactly as xlwings hands them over; every table must equal the engine's own table for
the same inputs, and the single-value functions are checked against hand calculations.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect

import numpy as np
import openpyxl
import pytest

from addin import udf_inputs, udfs
from addin.draft_tables import balance_table, check_table, unit_budget_table
from addin.udf_tables import SHARE_HEADERS
from addin.workbook_builder import default_options, input_values
from addin.workbook_io import write_inputs
from examples import load_example
from models import benefits, items
from models.balance import official_lines
from models.budget import run_budget
from models.compare import MEASURES, compare
from models.parameter_set import load_parameters

UDF_NAMES = ("GS_TREND", "GS_PREMIUM", "GS_BENEFIT", "GS_FORECAST", "GS_BALANCE", "GS_MONTHS_PAYABLE", "GS_SHARE",
             "GS_COMPARE", "GS_INFO")
# VBA keywords and statement names that cannot name a parameter of the generated wrapper
VBA_RESERVED = {"and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency",
                "date", "declare", "dim", "do", "double", "each", "else", "empty", "end", "enum", "eqv", "erase",
                "error", "event", "exit", "false", "for", "function", "get", "global", "gosub", "goto", "if", "imp",
                "implements", "in", "input", "integer", "is", "let", "like", "lock", "long", "loop", "lset", "me",
                "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option", "optional",
                "or", "paramarray", "preserve", "print", "private", "public", "put", "raiseevent", "redim", "rem",
                "resume", "return", "rset", "seek", "select", "set", "single", "static", "step", "stop", "string",
                "sub", "then", "to", "true", "type", "typeof", "until", "variant", "wend", "while", "with", "write",
                "xor"}


@pytest.fixture(scope="module")
def example():
    inputs = load_example()
    options = default_options(inputs)
    wb = openpyxl.Workbook()
    write_inputs(wb, inputs, options)
    return {"ranges": input_values(wb), "result": run_budget(load_example(), options), "options": options}


@pytest.fixture
def ranges(example):
    """A fresh copy of the seven raw input ranges (tests may edit it)."""
    udf_inputs.CACHE.clear()
    return copy.deepcopy(example["ranges"])


def body(table):
    return [row for row in table[1:]]


def numbers(frame, columns):
    return [[None if np.isnan(v) else float(v) for v in row] for row in frame[columns].to_numpy(dtype=float)]


# ---------------------------------------------------------------------------------------------
# table functions = the engine's tables


def test_revenue_and_expenditure_tables_are_the_official_lines(ranges, example):
    result = example["result"]
    for part, side in (("收入预算", "revenue"), ("支出预算", "expenditure")):
        got = udfs.GS_BALANCE(*ranges, part)
        want = official_lines(result.province, side)
        assert got[0] == ["科目", "上年预算数", "上年预计执行数", "本年预算数", "增减额", "增长%"]
        assert [r[0] for r in got[1:]] == want["label"].tolist()
        assert [r[1:] for r in got[1:]] == numbers(want, ["prior_budget", "estimate", "budget", "change", "growth"])
    revenue = udfs.GS_BALANCE(*ranges, "收入预算")
    # 本年预算数: 484,707.63 + 6,500.00 + 7,530.47 + 4,158.51 = 502,896.61 万元 (收入合计)
    assert round(sum(r[3] for r in revenue[1:-1]), 2) == revenue[-1][3] == 502_896.61


def test_balance_table_is_the_drafts_and_adds_up(ranges, example):
    result = example["result"]
    got = udfs.GS_BALANCE(*ranges)                       # default part: 收支结余
    rev, exp = official_lines(result.province, "revenue"), official_lines(result.province, "expenditure")
    want = balance_table(result, rev, exp)
    assert [r[0] for r in got[1:]] == want["label"].tolist()
    rows = {r[0]: r for r in got[1:]}
    # 本年: 502,896.61 − 514,364.98 = −11,468.37; 年末 507,765.83 − 11,468.37 = 496,297.46 万元
    assert rows["本年收支结余"][3] == round(rows["收入合计"][3] - rows["支出合计"][3], 2) == -11_468.37
    assert rows["年末滚存结余"][3] == round(rows["年初滚存结余"][3] + rows["本年收支结余"][3], 2)
    assert rows["可支付月数"][3] == round(float(result.province.months_payable), 2) == 11.58
    assert rows["是否触发费率调整"][3] == "是"                 # 11.58 months < 12


def test_unit_forecast_table_reconciles_rows_and_columns(ranges, example):
    result = example["result"]
    got = udfs.GS_FORECAST(*ranges)
    rev, exp = official_lines(result.province, "revenue"), official_lines(result.province, "expenditure")
    want = unit_budget_table(result, rev, exp)
    assert [r[0] for r in got[1:]] == list(want.index)
    assert [r[1:] for r in got[1:]] == want.to_numpy(dtype=float).tolist()
    head = got[0]
    total = got[-1]
    for row in got[1:-1]:
        revenue_items = [row[head.index(items.label(c))] for c in items.REVENUE_ITEMS]
        assert round(sum(revenue_items), 2) == row[head.index("收入合计")]
    for j in range(1, len(head)):
        assert round(sum(r[j] for r in got[1:-1]), 2) == total[j]
    assert total[head.index("收入合计")] == rev.loc["revenue_total", "budget"]
    assert total[head.index("支出合计")] == exp.loc["expenditure_total", "budget"]


def test_check_view_lists_every_unit_and_line(ranges, example):
    result = example["result"]
    got = udfs.GS_FORECAST(*ranges, "校验")
    rev, exp = official_lines(result.province, "revenue"), official_lines(result.province, "expenditure")
    want = check_table(result, unit_budget_table(result, rev, exp))
    assert len(got) - 1 == len(want) == 12 * len(items.UNIT_ITEMS)        # 12 units × 8 lines
    assert [r[4] for r in got[1:]] == want["budget"].tolist()
    assert {r[7] for r in got[1:]} <= {"是", "否"}


@pytest.mark.parametrize("option", [1, "anhui", "安徽方案（管理性缺口由市全额承担，省:市 9:1 / 8:2）"])
def test_share_table_by_number_code_or_name_is_the_engines(ranges, example, option):
    got = udfs.GS_SHARE(option, *ranges)
    want = example["result"].sharing.table("anhui")
    assert got[0] == list(SHARE_HEADERS)                   # every component column, used or not
    for k, row in enumerate(got[1:-1]):
        for head, value in zip(SHARE_HEADERS[1:], row[1:], strict=True):
            expected = want[head].iloc[k] if head in want.columns else np.nan
            assert (value is None and np.isnan(expected)) or value == expected, (row[0], head)
    rows = {r[0]: r for r in got[1:]}
    # 城市合计 4,860.26 + 省级承担 6,608.11 = 应分担缺口 11,468.37 万元
    assert round(rows["合计"][-1] + rows["省级承担"][-1], 2) == rows["应分担缺口"][-1] == 11_468.37
    assert rows["合计"][-1] == 4_860.26


def test_comparison_is_the_engines_grouped_by_measure(ranges, example):
    comparison = example["result"].comparison
    got = udfs.GS_COMPARE(ranges[-1], *ranges[:-1])
    options = list(dict.fromkeys(comparison.wide.columns.get_level_values(0)))
    assert got[0][1] == MEASURES[0] and got[1][1:1 + len(options)] == options
    cities = [r[0] for r in got[2:]]
    assert cities == list(comparison.wide.index)
    for m, measure in enumerate(MEASURES):
        for o, option in enumerate(options):
            column = [r[1 + m * len(options) + o] for r in got[2:]]
            want = comparison.wide[(option, measure)].tolist()
            assert all((g is None and np.isnan(w)) or g == w for g, w in zip(column, want, strict=True))


def test_comparison_against_another_baseline_and_the_option_summary(ranges, example):
    result = example["result"]
    got = udfs.GS_COMPARE(ranges[-1], *ranges[:-1], "liaoning")
    want = compare(result.options, result.context, baseline="liaoning").wide
    n = len(result.options)
    change_liaoning = [r[1 + 3 * n + 1] for r in got[2:2 + 11]]
    assert change_liaoning == [0.0] * 11                     # the baseline changes by nothing
    assert [r[1 + 3 * n] for r in got[2:2 + 11]] == want.iloc[:11][(want.columns[3][0], MEASURES[3])].tolist()
    summary = udfs.GS_COMPARE(ranges[-1], *ranges[:-1], None, "方案说明")
    rows = {r[0]: r[1:] for r in summary}
    assert rows["方案代码"] == list(result.sharing.names)
    for city, province, amount in zip(rows["城市合计"], rows["省级承担"], rows["应分担缺口"], strict=True):
        assert round(city + province, 2) == amount == 11_468.37
    assert "省:市 = 8:2" in rows["省级承担依据"][0]           # deficit year: Anhui's 8:2 applies


def test_long_view_has_a_row_per_option_and_unit(ranges, example):
    got = udfs.GS_COMPARE(ranges[-1], *ranges[:-1], None, "长表")
    assert len(got) - 1 == len(example["result"].comparison.long) == 4 * 12     # 4 options × (11 市 + 省级)


# ---------------------------------------------------------------------------------------------
# single values


def test_trend_by_hand():
    # average growth: 110/100 − 1 = 121/110 − 1 = 10 % → 121 × 1.1 = 133.1
    assert udfs.GS_TREND([100.0, 110.0, 121.0]) == pytest.approx(133.1)
    assert udfs.GS_TREND([[100.0], [110.0], [121.0]], "年均复合增长率") == pytest.approx(133.1)
    # linear through (0,100) (1,110) (2,121): slope 10.5, mean 110.33 → 110.33 + 10.5 × 2 = 131.33
    assert udfs.GS_TREND([100.0, 110.0, 121.0, None], "linear") == pytest.approx(131.333333)
    # one series per row → one value per row; the second doubles: 40 × 2 = 80
    assert udfs.GS_TREND([[100.0, 110.0, 121.0], [10.0, 20.0, 40.0]]) == [[pytest.approx(133.1)], [80.0]]


def test_trend_equals_the_forecasts_trend_figure(example):
    fc = example["result"].forecast
    series = fc.history[items.PREMIUM][0].tolist()          # 南昌, full years and the 2026 estimate
    assert udfs.GS_TREND(series, "平均增长率", 3) == pytest.approx(float(fc.trend[items.PREMIUM][0]))


def test_premium_by_hand():
    # (100,000 + 0.5 × 4,000) × 60,000 × 1.05 × 0.6 % = 38,556,000 元
    assert udfs.GS_PREMIUM(100_000.0, 4_000.0, 60_000.0, 0.05, 0.006) == pytest.approx(38_556_000)
    # a full year for the newcomers and a 10 % rate cut: 104,000 × 63,000 × 0.6 % × 0.9 = 35,380,800
    assert udfs.GS_PREMIUM(100_000.0, 4_000.0, 60_000.0, "5%", 0.006, 1.0, -0.1) == pytest.approx(35_380_800)


def test_premium_equals_the_forecast_for_every_unit(example):
    result = example["result"]
    fc = result.forecast
    d = fc.drivers
    growth = result.inputs.plans.set_index("unit")["wage_growth"].fillna(result.inputs.assumptions.wage_growth)
    for u, unit in enumerate(fc.units):
        got = udfs.GS_PREMIUM(float(d["insured_end_base"][u]), float(d["expansion"][u]),
                              float(d["avg_wage_base"][u]), float(growth[unit]), float(d["effective_rate"][u]))
        assert got == pytest.approx(float(fc.budget[items.PREMIUM][u]), rel=1e-12), unit


def test_benefits_by_hand():
    jiangxi = load_parameters("jiangxi")
    # 一次性伤残补助金, 1级: 27 months × own wage 10,000 = 270,000 (within 60–300 % of 8,000)
    assert udfs.GS_BENEFIT("一次性伤残补助金", 1.0, 10_000.0, 1.0, 2027.0, 8_000.0) == 270_000
    # own wage 3,000 is below 60 % × 8,000 = 4,800: 27 × 4,800 = 129,600
    assert udfs.GS_BENEFIT("disability_grant", 1.0, 3_000.0, None, 2027.0, 8_000.0) == 129_600
    # 生活护理费 1级: 50 % × 8,000 = 4,000 a month; two people 8,000
    assert udfs.GS_BENEFIT("生活护理费", 1.0, 8_000.0, 2.0, 2027.0) == 8_000
    # 丧葬补助金: 6 × 8,000 = 48,000 (grade blank)
    assert udfs.GS_BENEFIT("funeral", None, 8_000.0) == 48_000
    # 一次性工亡补助金 in 2027: 20 × 54,188 (parameter file) = 1,083,760; with 51,821 given: 1,036,420
    assert udfs.GS_BENEFIT("一次性工亡补助金", "", "", 1.0, 2027.0) == 1_083_760
    assert udfs.GS_BENEFIT("一次性工亡补助金", None, 51_821.0) == 1_036_420
    # 一次性工伤医疗补助金 5级 in Jiangxi: 18 months × 8,000 = 144,000
    assert udfs.GS_BENEFIT("一次性工伤医疗补助金", 5.0, 8_000.0, 1.0, 2027.0, None, "jiangxi") == 144_000
    # the same as the engine for a dependant: spouse 40 % × 6,000 = 2,400 a month
    assert udfs.GS_BENEFIT("供养亲属抚恤金", 1.0, 6_000.0, 1.0, 2027.0, 8_000.0) == benefits.benefit_amount(
        "dependant_pension", 1, 6_000.0, on=2027, params=jiangxi, avg_monthly_wage=8_000.0) == 2_400


def test_benefit_date_as_an_excel_date_serial_or_date():
    serial = float((dt.date(2027, 1, 1) - dt.date(1899, 12, 30)).days)      # 46388
    by_serial = udfs.GS_BENEFIT("一次性工亡补助金", None, None, 1.0, serial)
    assert by_serial == udfs.GS_BENEFIT("一次性工亡补助金", None, None, 1.0, dt.datetime(2027, 1, 1)) == 1_083_760


def test_benefit_explains_what_is_missing():
    assert udfs.GS_BENEFIT("伤残津贴", 1.0, 6_000.0).startswith("#输入错误")
    assert "月平均工资" in udfs.GS_BENEFIT("伤残津贴", 1.0, 6_000.0)
    unknown = udfs.GS_BENEFIT("误工费", 1.0, 6_000.0)
    assert unknown.startswith("#输入错误") and "一次性伤残补助金" in unknown
    assert "medical_grant_months" in udfs.GS_BENEFIT("一次性工伤医疗补助金", 5.0, 8_000.0, 1.0, 2027.0)


def test_months_payable():
    # 1,200 ÷ (1,200 ÷ 12) = 12 months; 496,297.46 ÷ (514,364.98 ÷ 12) = 11.58
    assert udfs.GS_MONTHS_PAYABLE(1_200.0, 1_200.0) == 12.0
    assert round(udfs.GS_MONTHS_PAYABLE(496_297.46, 514_364.98), 2) == 11.58
    assert udfs.GS_MONTHS_PAYABLE(1_200.0, 0.0).startswith("#输入错误")
    assert udfs.GS_MONTHS_PAYABLE("一千二百", 1_200.0).startswith("#输入错误")


def test_info_reports_interpreter_packages_and_parameters():
    rows = udfs.GS_INFO("jiangxi")
    info = dict(rows)
    assert rows[0] == ["项目", "内容"] and all(len(r) == 2 for r in rows)
    assert info["xlwings 版本"] == "0.37.8"
    assert info["参数集"] == "jiangxi" and "provinces/jiangxi.toml" in info["参数文件"]
    assert udfs.GS_INFO(None) != rows and dict(udfs.GS_INFO(None))["参数集"] == "全国"


# ---------------------------------------------------------------------------------------------
# bad input: a short message in the cell


def test_text_in_a_history_cell_names_the_cell(ranges):
    ranges[1][8][5] = "四千万"              # inp_history starts at A4: row 4 + 8 = 12, column F = 工伤保险费收入
    got = udfs.GS_FORECAST(*ranges)
    assert len(got) == 1 and len(got[0]) == 1              # Excel repeats a 1×1 result over the whole range
    assert got[0][0].startswith("#输入错误") and "历年执行!F12" in got[0][0] and "不是数字" in got[0][0]
    assert "Traceback" not in got[0][0]


def test_a_missing_parameter_row_is_named(ranges):
    ranges[0] = [r for r in ranges[0] if r[1] != "wage_growth"]
    message = udfs.GS_BALANCE(*ranges)[0][0]
    assert message.startswith("#输入错误") and "参数表缺少" in message and "wage_growth" in message


def test_bad_view_and_unknown_option_are_refused(ranges):
    assert "分市预算" in udfs.GS_FORECAST(*ranges, "明细")[0][0]
    assert udfs.GS_SHARE("shandong", *ranges)[0][0].startswith("#输入错误")
    assert udfs.GS_SHARE(9, *ranges)[0][0].startswith("#输入错误")


def test_blank_options_range_uses_the_presets(ranges, example):
    got = udfs.GS_COMPARE(None, *ranges[:-1], None, "方案说明")
    assert got[0][1:] == [o["name"] for o in example["options"]] == ["anhui", "liaoning", "own_gap", "weighted_mix"]


# ---------------------------------------------------------------------------------------------
# one engine run per recalculation


def test_table_functions_share_one_engine_run(ranges):
    udfs.GS_BALANCE(*ranges, "收入预算")
    udfs.GS_BALANCE(*ranges, "支出预算")
    udfs.GS_BALANCE(*ranges)
    udfs.GS_FORECAST(*ranges)
    for k in range(1, 5):
        udfs.GS_SHARE(k, *ranges)
    udfs.GS_COMPARE(ranges[-1], *ranges[:-1])
    assert (udf_inputs.CACHE.stats.misses, udf_inputs.CACHE.stats.hits) == (1, 8)      # 9 calls, 1 engine run
    edited = copy.deepcopy(ranges)
    edited[0][[r[1] for r in edited[0]].index("wage_growth")][2] = 0.06     # 工资增长率 5 % → 6 %
    udfs.GS_FORECAST(*edited)
    assert udf_inputs.CACHE.stats.misses == 2


def test_cache_is_bounded(ranges):
    for k in range(udf_inputs.CACHE_SIZE + 3):
        edited = copy.deepcopy(ranges)
        edited[0][[r[1] for r in edited[0]].index("wage_growth")][2] = 0.01 * k
        udfs.GS_BALANCE(*edited)
    assert len(udf_inputs.CACHE._entries) == udf_inputs.CACHE_SIZE


# ---------------------------------------------------------------------------------------------
# what Excel needs from the module


def test_the_module_has_exactly_the_catalogue():
    assert sorted(n for n in dir(udfs) if n.startswith("GS_")) == sorted(UDF_NAMES)


@pytest.mark.parametrize("name", UDF_NAMES)
def test_udfs_have_bilingual_help_and_no_converters(name):
    fn = getattr(udfs, name)
    doc = fn.__doc__
    assert len(doc) <= 255                                   # Excel's limit for a function description
    assert any("\u4e00" <= ch <= "\u9fff" for ch in doc) and any(w in doc for w in (" the ", " of ", " in "))
    params = inspect.signature(fn).parameters
    assert all(p.annotation is inspect.Parameter.empty for p in params.values())   # hints become converters
    assert inspect.signature(fn).return_annotation is inspect.Signature.empty
    assert not {p.lower() for p in params} & VBA_RESERVED
