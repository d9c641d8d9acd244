"""The Excel functions (addin.excel.udfs) called as Excel calls them: raw cell values, header rows, None for blanks.

The input ranges are the example province written into a workbook by `writer.write_inputs` and read
back cell by cell, exactly as xlwings hands them over; every table must equal the engine's own table for
the same inputs (the projection, sensitivity and a seeded risk run included), GS_CHECK must report what the
validation rules report, and the single-value functions are checked against hand calculations.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect

import numpy as np
import openpyxl
import pytest

from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import default_options
from addin.excel.builder.common import input_values
from addin.excel.check import CHECK_ROWS
from addin.excel.outlook import DEFAULT_DRAWS, TORNADO_HEADERS
from addin.excel.tables import SHARE_HEADERS
from addin.report.tables import balance_table, check_table, displayed_result, unit_budget_table
from addin.workbook.check import FINDING_HEADERS, check_sheets
from addin.workbook.reader import inputs_from_sheets
from addin.workbook.writer import write_inputs
from examples import load_example
from models import benefits, items
from models.balance import official_lines
from models.budget import run_budget
from models.compare import MEASURES, compare
from models.money import round_wan
from models.parameter_set import load_parameters
from models.projection import project, share_by_year
from models.risk import DEFAULT_SEED, simulate
from models.sensitivity import sensitivity
from models.validation import SEVERITY_LABELS, validate

UDF_NAMES = ("GS_TREND", "GS_PREMIUM", "GS_BENEFIT", "GS_FORECAST", "GS_BALANCE", "GS_MONTHS_PAYABLE", "GS_SHARE",
             "GS_COMPARE", "GS_INFO", "GS_PROJECT", "GS_SENSITIVITY", "GS_RISK", "GS_CHECK")
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
    return {"ranges": input_values(wb), "result": displayed_result(run_budget(load_example(), options)), "options": options}


@pytest.fixture
def ranges(example):
    """A fresh copy of the seven raw input ranges (tests may edit it)."""
    udf_inputs.clear_caches()
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
    # 本年预算数: 301,223.66 + 3,750.00 + 4,665.01 + 2,579.68 = 312,218.35 万元 (收入合计; recalibrated, issue 10)
    assert round(sum(r[3] for r in revenue[1:-1]), 2) == revenue[-1][3] == 312_218.35


def test_balance_table_is_the_drafts_and_adds_up(ranges, example):
    result = example["result"]
    got = udfs.GS_BALANCE(*ranges)                       # default part: 收支结余
    rev, exp = official_lines(result.province, "revenue"), official_lines(result.province, "expenditure")
    want = balance_table(result, rev, exp)
    assert [r[0] for r in got[1:]] == want["label"].tolist()
    rows = {r[0]: r for r in got[1:]}
    # 本年: 312,218.35 − 319,981.18 = −7,762.83; 年末 314,882.26 − 7,762.83 = 307,119.43 万元 (recalibrated
    # example, issue 10; the yuan closing balance alone rounds to 307,119.42)
    assert rows["本年收支结余"][3] == round(rows["收入合计"][3] - rows["支出合计"][3], 2) == -7_762.83
    assert rows["年末滚存结余"][3] == round(rows["年初滚存结余"][3] + rows["本年收支结余"][3], 2)
    assert rows["可支付月数"][3] == round(float(result.province.months_payable), 2) == 11.52
    assert rows["是否触发费率调整"][3] == "是"                 # 11.52 months < 12


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


@pytest.mark.parametrize("option", [1, "anhui", "结余正负分档分担（参照安徽省2025年办法）"])
def test_share_table_by_number_code_or_name_is_the_engines(ranges, example, option):
    got = udfs.GS_SHARE(option, *ranges)
    want = example["result"].sharing.table("anhui")
    assert got[0] == list(SHARE_HEADERS)                   # every component column, used or not
    for k, row in enumerate(got[1:-1]):
        for head, value in zip(SHARE_HEADERS[1:], row[1:], strict=True):
            expected = want[head].iloc[k] if head in want.columns else np.nan
            assert (value is None and np.isnan(expected)) or value == expected, (row[0], head)
    rows = {r[0]: r for r in got[1:]}
    # 城市合计 7,724.71 + 省级承担 22,782.01 = 应分担缺口 30,506.72 万元, the cities' own gaps (issue 10)
    assert round(rows["合计"][-1] + rows["省级承担"][-1], 2) == rows["应分担缺口"][-1] == 30_506.72
    assert rows["合计"][-1] == 7_724.71


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
    want = compare(result.options, result.context, baseline="liaoning", result=result.sharing).wide
    n = len(result.options)
    change_liaoning = [r[1 + 3 * n + 1] for r in got[2:2 + 11]]
    assert change_liaoning == [0.0] * 11                     # the baseline changes by nothing
    assert [r[1 + 3 * n] for r in got[2:2 + 11]] == want.iloc[:11][(want.columns[3][0], MEASURES[3])].tolist()
    summary = udfs.GS_COMPARE(ranges[-1], *ranges[:-1], None, "方案说明")
    rows = {r[0]: r[1:] for r in summary}
    assert rows["方案代码"] == list(result.sharing.names)
    for city, province, amount in zip(rows["城市合计"], rows["省级承担"], rows["应分担缺口"], strict=True):
        assert round(city + province, 2) == amount
    # anhui and liaoning share the cities' own gaps, own_gap and weighted_mix the province deficit (issue 10),
    # as the 收支结余表 shows it: −本年收支结余 = −(312,218.35 − 319,981.18) = 7,762.83 (one rounded chain)
    assert rows["应分担缺口"] == [30_506.72, 30_506.72, 7_762.83, 7_762.83]
    assert "省:市 = 8:2" in rows["省级承担依据"][0]           # deficit year: Anhui's 8:2 applies


def test_long_view_has_a_row_per_option_and_unit(ranges, example):
    got = udfs.GS_COMPARE(ranges[-1], *ranges[:-1], None, "长表")
    assert len(got) - 1 == len(example["result"].comparison.long) == 4 * 12     # 4 options × (11 市 + 省级)


# ---------------------------------------------------------------------------------------------
# beyond one year: GS_PROJECT, GS_SENSITIVITY, GS_RISK = the engine's runs on the same inputs


def shown(value):
    """A cell value as a comparable number (None for blank/NaN)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def test_projection_table_is_the_engines_and_year_one_is_the_budget(ranges, example):
    result = example["result"]
    got = udfs.GS_PROJECT(*ranges)                                   # default: 3 years, the table
    want = project(result.inputs, 3, result=result).table(wan=True)
    assert got[0] == ["项目", "单位", "2027年", "2028年", "2029年"]
    body = {r[0]: r for r in got[1:]}
    assert [r[0] for r in got[1:-1]] == want["label"].tolist()
    for code, row in want.iterrows():
        line = body[row["label"]]
        for j, year in enumerate((2027, 2028, 2029)):
            expected = row[year]
            if code == "below_floor":
                assert line[2 + j] == ("是" if expected else "否")
            elif code == "months_payable":
                assert line[2 + j] == round(expected, 2), code
            else:
                assert shown(line[2 + j]) == shown(float(expected)), (code, year)
    # year 1 is the one-year budget: 312,218.35 − 319,981.18 = −7,762.83; 年末 307,119.43; 11.52 months
    balance = {r[0]: r[3] for r in udfs.GS_BALANCE(*ranges)[1:]}
    assert body["本年收支结余"][2] == balance["本年收支结余"] == -7_762.83
    assert body["年末滚存结余"][2] == balance["年末滚存结余"] == 307_119.43
    assert body["可支付月数"][2] == balance["可支付月数"] == 11.52
    # the chain: next year's 年初 is this year's 年末; 307,119.43 − 5,406.88 = 301,712.55 (recalibrated, issue 10)
    assert body["年初滚存结余"][3] == body["年末滚存结余"][2]
    assert body["年末滚存结余"][3] == round(307_119.43 - 5_406.88, 2) == 301_712.55
    # 307,119.43 < 12 months of 319,981.18: below the floor from the budget year on
    assert got[-1][:3] == ["首次低于储备下限年度", "年", 2027.0]


def test_projection_years_and_the_assumptions_view(ranges, example):
    result = example["result"]
    five = udfs.GS_PROJECT(*ranges, 5.0)
    assert five[0][2:] == ["2027年", "2028年", "2029年", "2030年", "2031年"]
    assert [r[:5] for r in five] == [r[:5] for r in udfs.GS_PROJECT(*ranges)]   # longer horizon, same first years
    got = udfs.GS_PROJECT(*ranges, None, "假设")
    proj = project(result.inputs, 3, result=result)
    want = proj.assumption_table()
    assert got[0] == ["预测假设", "2027年", "2028年", "2029年", "来源"]
    assert [r[0] for r in got[1:]] == want["label"].tolist()
    rows = {r[0]: r for r in got[1:]}
    assert rows["医疗费用增长率"][1:4] == [0.04, 0.04, 0.04]           # the budget assumption carried forward
    assert rows["扩面计划增长率"][1] is None                              # used from the second year on only
    assert rows["扩面计划增长率"][4].startswith("参数文件 projection_defaults.toml")
    for bad in (0.0, 11.0, 2.5, "三年"):
        message = udfs.GS_PROJECT(*ranges, bad)[0][0]
        assert message.startswith("#输入错误") and "预测年数" in message, bad
    assert "预测表" in udfs.GS_PROJECT(*ranges, None, "明细")[0][0]


def test_sensitivity_tornado_is_the_engines_widest_first(ranges, example):
    result = example["result"]
    got = udfs.GS_SENSITIVITY(*ranges)
    sens = sensitivity(result.inputs, result=result)
    want = sens.tornado()
    assert got[0] == list(TORNADO_HEADERS)
    drivers, base = got[1:-1], got[-1]
    assert [r[0] for r in drivers] == want["label"].tolist()
    assert [r[3] for r in drivers] == [float(round_wan(v)) for v in want["closing_low"]]
    assert [r[4] for r in drivers] == [float(round_wan(v)) for v in want["closing_high"]]
    swings = [r[7] for r in drivers]
    assert swings == sorted(swings, reverse=True)                    # widest swing first
    # baseline = the budget's 年末滚存结余 as the 收支结余表 and the draft show it (307,119.43, the rounded chain
    # 年初 + 结余; the engine's own rounding gives .42); 新发工伤率 −10 %: 321,448.50 − 307,119.43 = 14,329.07
    assert base[0] == "基准（预算假设）" and base[3] == base[4] == 307_119.43
    first = drivers[0]
    assert first[0] == "新发工伤率（伤残与工亡）" and first[1:3] == ["-10%", "+10%"]
    assert first[5] == round(first[3] - base[3], 2) == 14_329.07
    assert first[7] == round(abs(first[4] - first[3]), 2)


@pytest.mark.parametrize("option", ["anhui", 1, "结余正负分档分担（参照安徽省2025年办法）"])
def test_sensitivity_share_view_is_each_citys_change_under_an_option(ranges, example, option):
    result = example["result"]
    got = udfs.GS_SENSITIVITY(*ranges, option)
    sens = sensitivity(result.inputs, result=result)
    order = list(sens.tornado().index)
    names = [d.name for d in sens.drivers]
    assert got[0][:4] == ["单位", "基准分担额", "新发工伤率（伤残与工亡）（-10%）", "新发工伤率（伤残与工亡）（+10%）"]
    assert [r[0] for r in got[1:]] == list(sens.cities)
    table = result.sharing.table("anhui")                           # the 缺口分担表 of the option
    assert [r[1] for r in got[1:]] == table["分担额"].iloc[:len(sens.cities)].tolist()
    for c, row in enumerate(got[1:]):
        for k, name in enumerate(order):
            i = names.index(name)
            assert row[2 + 2 * k:4 + 2 * k] == [float(round_wan(sens.share_effect[i, 0, 0, c])),
                                              float(round_wan(sens.share_effect[i, 1, 0, c]))], (row[0], name)
    assert udfs.GS_SENSITIVITY(*ranges, "shandong")[0][0].startswith("#输入错误")


def test_risk_table_is_simulate_with_the_same_seed(ranges, example):
    result = example["result"]
    got = udfs.GS_RISK(*ranges, 500.0, 3.0, 7.0)
    risk = simulate(result.inputs, 500, 3, seed=7, result=result)
    rows = {r[0]: r for r in got[1:]}
    assert got[0] == ["项目", "单位", "2027年", "2028年", "2029年"]
    assert rows["低于储备下限的概率"][2:] == risk.prob_below_floor.tolist()
    assert rows["至当年累计低于储备下限的概率"][2:] == risk.prob_breached_by.tolist()
    for name, bands, money in (("年末滚存结余", risk.closing_bands, True), ("当年收支缺口", risk.deficit_bands, True),
                               ("可支付月数", risk.months_bands, False)):
        for p, band in zip(risk.percentiles, bands, strict=True):
            want = round_wan(band) if money else np.round(band, 2)
            assert rows[f"{name} P{p:g}"][2:] == [float(v) for v in want], (name, p)
        for k in range(3):                                           # percentiles never decrease
            column = [rows[f"{name} P{p:g}"][2 + k] for p in risk.percentiles]
            assert column == sorted(column)
    # the deterministic lines are the projection table's
    projection = {r[0]: r for r in udfs.GS_PROJECT(*ranges)}
    assert rows["年末滚存结余（基准预测）"][2:] == projection["年末滚存结余"][2:]
    assert rows["储备下限（基准预测）"][2:] == projection["储备下限（年末滚存结余）"][2:]
    # reproducible: the same seed again gives the same table, another seed another one
    udf_inputs.clear_caches()
    assert udfs.GS_RISK(*ranges, 500.0, 3.0, 7.0) == got
    assert udfs.GS_RISK(*ranges, 500.0, 3.0, 8.0) != got


def test_risk_defaults_are_modest_and_seeded(ranges, example):
    result = example["result"]
    got = udfs.GS_RISK(*ranges)
    risk = simulate(result.inputs, DEFAULT_DRAWS, 3, seed=DEFAULT_SEED, result=result)
    assert DEFAULT_DRAWS == 2_000
    assert got[1][2:] == risk.prob_below_floor.tolist()
    for bad, field in ((0.0, "模拟次数"), (-1.0, "随机种子"), (12.0, "预测年数")):
        args = {"模拟次数": (bad, None, None), "随机种子": (None, None, bad), "预测年数": (None, bad, None)}[field]
        message = udfs.GS_RISK(*ranges, *args)[0][0]
        assert message.startswith("#输入错误") and field in message


def test_risk_share_view_is_the_bands_of_one_option(ranges, example):
    result = example["result"]
    got = udfs.GS_RISK(*ranges, 500.0, 2.0, 7.0, "anhui")
    risk = simulate(result.inputs, 500, 2, seed=7, result=result)
    base = share_by_year(risk.baseline, [risk.options[0]]).rounded
    cities = list(risk.cities)
    assert got[0] == ["年度", "单位", "基准预测", "P5", "P25", "P50", "P75", "P95"]
    assert len(got) - 1 == 2 * (len(cities) + 1)                       # 2 years × (11 市 + 省级承担)
    for k, year in enumerate((2027, 2028)):
        block = got[1 + k * (len(cities) + 1): 1 + (k + 1) * (len(cities) + 1)]
        assert [r[0] for r in block] == [float(year)] * len(block)
        assert [r[1] for r in block] == [*cities, "省级承担"]
        assert [r[2] for r in block[:-1]] == base["share"][0, k].tolist()
        # cities + 省级承担 = the amount shared that year (the projection's sharing, reconciled)
        assert round(sum(r[2] for r in block), 2) == float(base["amount"][0, k])
        for c, row in enumerate(block[:-1]):
            assert row[3:] == [float(round_wan(risk.share_bands[i, 0, k, c])) for i in range(5)], row[1]
    assert got[1:1 + len(cities) + 1][0][2] == result.sharing.table("anhui")["分担额"].iloc[0]    # budget year


def test_outlook_functions_reuse_the_cached_budget_and_their_own_runs(ranges):
    udfs.GS_BALANCE(*ranges)
    udfs.GS_PROJECT(*ranges)
    udfs.GS_PROJECT(*ranges, None, "假设")
    udfs.GS_SENSITIVITY(*ranges)
    udfs.GS_SENSITIVITY(*ranges, 2.0)
    udfs.GS_RISK(*ranges, 200.0)
    udfs.GS_RISK(*ranges, 200.0, None, None, "anhui")
    assert udf_inputs.CACHE.stats.misses == 1                       # one budget run for everything
    derived = udf_inputs.DERIVED.stats
    # projection, sensitivity: once each; risk: the yearly run (no option shared), then one sharing the options
    assert (derived.misses, derived.hits) == (4, 3)
    udfs.GS_RISK(*ranges, 200.0, None, 1.0)                         # another seed: a new run
    assert derived.misses == 5


# ---------------------------------------------------------------------------------------------
# GS_CHECK = addin.workbook.check on the same cells = the validation rules


def findings_rows(table):
    return [r for r in table[1:] if any(v is not None for v in r)]


def test_check_on_the_example_finds_nothing_like_the_validation_module(ranges, example):
    got = udfs.GS_CHECK(*ranges)
    assert validate(load_example(), example["options"]) == []
    assert got[0] == list(FINDING_HEADERS) == ["规则", "级别", "位置", "单位", "说明"]
    assert findings_rows(got) == [[None, None, None, None, "未发现问题"]]
    assert len(got) == 1 + CHECK_ROWS and all(len(r) == 5 for r in got)   # fixed size: the array range


def test_check_reports_the_validation_modules_issues_at_their_cells(ranges):
    plans = ranges[4]
    head = plans[0]
    plans[1][head.index("工资增长率")] = 0.5                          # 南昌 50 % wage growth → V402
    plans[3][head.index("扩面计划（人）")] = 420_800.0                  # 萍乡 expansion × 10 → V401
    province = ranges[2]
    province[1][province[0].index("期末滚存结余（元）")] -= 100_000_000   # 2022 balance off by 1 亿 → V304, V305
    got = findings_rows(udfs.GS_CHECK(*ranges))
    inputs, options = inputs_from_sheets(udf_inputs.sheets_from_ranges(ranges))
    issues = validate(inputs, options)
    assert [r[0] for r in got] == [i.rule for i in issues] == ["V304", "V305", "V401", "V402"]
    assert [r[1] for r in got] == [SEVERITY_LABELS[i.severity] for i in issues] == ["错误", "提示", "提示", "提示"]
    assert [r[4] for r in got] == [i.message for i in issues]
    assert [r[3] for r in got] == [i.unit for i in issues]
    where = {r[0]: r[2] for r in got}
    # 扩面计划 starts at A4: 南昌 is row 5, 萍乡 row 7; 扩面计划 is column F, 工资增长率 column I
    assert where["V402"] == "扩面计划!I5" and where["V401"] == "扩面计划!F7"
    assert all(w.startswith("历年执行!") for w in (where["V304"], where["V305"]))


def test_check_on_a_broken_input_range_names_the_cell(ranges):
    ranges[1][8][5] = "四千万"              # inp_history starts at A4: row 4 + 8 = 12, column F = 工伤保险费收入
    got = findings_rows(udfs.GS_CHECK(*ranges))
    assert got == [["V103", "错误", "历年执行!F12", "吉安", "吉安的“工伤保险费收入”不是数字，请只填数字（不带单位或文字）"]]
    assert got == [f.as_row() for f in check_sheets(udf_inputs.sheets_from_ranges(ranges))]   # = wibudget check


def test_check_lists_an_empty_range_and_says_when_findings_do_not_fit(ranges):
    empty = copy.deepcopy(ranges)
    empty[4] = [[None, None], [None, None]]                           # inp_plans points at blank cells
    got = findings_rows(udfs.GS_CHECK(*empty))
    assert len(got) == 1 and got[0][1] == "错误" and "inp_plans" in got[0][4]
    history = ranges[1]
    for i in range(1, 41):                                            # 40 text cells in two columns
        history[i][5 if i <= 20 else 6] = "待定"
    everything = check_sheets(udf_inputs.sheets_from_ranges(ranges))
    table = udfs.GS_CHECK(*ranges)
    assert len(everything) > CHECK_ROWS and len(table) == 1 + CHECK_ROWS
    assert [r[2] for r in table[1:CHECK_ROWS]] == [f.location for f in everything[:CHECK_ROWS - 1]]
    assert table[-1][4].startswith(f"另有 {len(everything) - CHECK_ROWS + 1} 条未列出")


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
    # 1,200 ÷ (1,200 ÷ 12) = 12 months; 307,119.42 ÷ (319,981.18 ÷ 12) = 11.52
    assert udfs.GS_MONTHS_PAYABLE(1_200.0, 1_200.0) == 12.0
    assert round(udfs.GS_MONTHS_PAYABLE(307_119.42, 319_981.18), 2) == 11.52
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
