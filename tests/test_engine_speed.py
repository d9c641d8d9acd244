"""The engine's quick paths give what the general paths give — figures, row order and the refusal messages.

Columns the reader hands over are already numbers, so `numeric_column` and `per_unit` skip pandas'
conversion; the report and UDF tables read rows and columns by position instead of by label. Each test
puts a budget case through both ways (numbers and the same cells as text, the quick table and the one
read by label) and checks the figures by hand where there are figures to check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addin.excel import results
from addin.excel import tables as udf_tables
from addin.report import tables as report_tables
from models.balance import official_lines
from models.budget import run_budget, sharing_context
from models.compare import MEASURES
from models.errors import BudgetInputError
from models.inputs import numeric_column
from models.sharing import PROVINCE_LABEL, SHARE_LABEL, TOTAL_LABEL
from models.tables import _lookup, per_unit, unit_index
from tests.conftest import make_tiny


def _message(call) -> str:
    with pytest.raises(BudgetInputError) as caught:
        call()
    return caught.value.describe()


# ---------------------------------------------------------------------------------------------
# numeric_column and per_unit: numbers read as they are, bad cells named as before

def _plans(expansion: list) -> pd.DataFrame:
    return pd.DataFrame({"unit": ["甲市", "乙市", "省本级"], "expansion": expansion})


def test_numeric_column_reads_numbers_and_names_a_blank_the_same_way_as_text_cells():
    # 扩面计划 4,000 / 2,000 / 800 persons: read as they are, whether the cells are numbers or text
    numbers = _plans([4_000.0, 2_000.0, 800.0])
    text = _plans(["4000", "2000", "800"])
    assert numeric_column(numbers, "plans", "expansion").tolist() == [4_000.0, 2_000.0, 800.0]
    assert numeric_column(text, "plans", "expansion").tolist() == [4_000.0, 2_000.0, 800.0]
    # 乙市 left blank: a float column holds NaN, an object column holds None — one message, 乙市 named
    blank_float = _plans([4_000.0, np.nan, 800.0])
    blank_object = _plans([4_000, None, "800"])
    said = _message(lambda: numeric_column(blank_float, "plans", "expansion"))
    assert said == _message(lambda: numeric_column(blank_object, "plans", "expansion"))
    assert "乙市" in said and "空白" in said
    # a blank where blanks are allowed stays NaN
    assert np.isnan(numeric_column(blank_float, "plans", "expansion", allow_blank=True)[1])


def test_numeric_column_refuses_a_negative_number_with_its_unit_and_value():
    # 省本级 −800 persons: refused with 省本级 and −800.0 named, from a float column as from a text one
    floats = _plans([4_000.0, 2_000.0, -800.0])
    texts = _plans(["4000", "2000", "-800"])
    said = _message(lambda: numeric_column(floats, "plans", "expansion"))
    assert said == _message(lambda: numeric_column(texts, "plans", "expansion"))
    assert "省本级" in said and "不能为负数" in said and "-800.0" in said
    # allowed where negatives are allowed (费率调整 may lower the rate)
    assert numeric_column(floats, "plans", "expansion", allow_negative=True)[2] == -800.0


def test_numeric_column_of_whole_numbers_gives_floats():
    # an integer column (年度 2024, 2025) comes back as float64 with the same figures
    years = pd.DataFrame({"unit": ["甲市", "甲市"], "year": np.array([2024, 2025], dtype=np.int64)})
    got = numeric_column(years, "history", "year")
    assert got.dtype == np.float64 and got.tolist() == [2024.0, 2025.0]


def test_per_unit_aligns_rows_to_the_unit_list_with_numbers_or_text():
    # the plans table in another order than the unit list, one name with a stray space:
    # 甲市 4,000, 乙市 2,000, 省本级 800 come back in unit-list order, 预防费计划 blank for 省本级 (optional)
    idx = unit_index(pd.DataFrame({"unit": ["甲市", "乙市", "省本级"]}))
    frame = pd.DataFrame({"unit": ["省本级", " 甲市", "乙市"], "expansion": [800.0, 4_000.0, 2_000.0],
                          "prevention_plan": [np.nan, 1_100_000.0, 550_000.0]})
    cols = ["expansion", "prevention_plan"]
    quick = per_unit(idx, frame, "plans", cols, optional=("prevention_plan",))
    general = per_unit(idx, frame.astype({"expansion": object}), "plans", cols, optional=("prevention_plan",))
    for got in (quick, general):
        assert got["expansion"].tolist() == [4_000.0, 2_000.0, 800.0]
        assert got["prevention_plan"][:2].tolist() == [1_100_000.0, 550_000.0]
        assert np.isnan(got["prevention_plan"][2])


def test_per_unit_names_the_first_bad_cell_as_the_column_by_column_reading_does():
    # 乙市's 扩面计划 blank (required) and 甲市's 费率调整 −0.001 (may be negative): only the blank is refused
    idx = unit_index(pd.DataFrame({"unit": ["甲市", "乙市"]}))
    frame = pd.DataFrame({"unit": ["甲市", "乙市"], "expansion": [4_000.0, np.nan], "rate_change": [-0.001, 0.0]})
    cols = ["rate_change", "expansion"]
    said = _message(lambda: per_unit(idx, frame, "plans", cols, optional=("rate_change",)))
    assert "乙市" in said and "扩面计划" in said and "空白" in said
    text = frame.astype({"expansion": object})
    assert said == _message(lambda: per_unit(idx, text, "plans", cols, optional=("rate_change",)))
    # a missing required column is named too
    complete = frame.fillna({"expansion": 2_000.0})
    said = _message(lambda: per_unit(idx, complete, "plans", ["expansion", "collection_plan_prev"]))
    assert "上年征缴计划" in said


def test_unit_lookup_matches_pandas_for_odd_names():
    # names as cells hold them: a number, a blank, a name with spaces, a Chinese name, a text "1"
    idx = pd.Index(["南昌", "a", "b c", "1", ""], dtype=object)
    names = np.array(["a", "b c", 1, None, float("nan"), "南昌", " a", "1", True, "", 1.0], dtype=object)
    assert _lookup(idx, names).tolist() == idx.get_indexer(names).tolist() == [1, 2, -1, -1, -1, 0, -1, 3, -1, 4, -1]


# ---------------------------------------------------------------------------------------------
# the report tables: 收入/支出预算表, 分市预算表, 收支结余表

def test_official_lines_round_parts_to_the_rounded_total():
    # tiny province: 收入预算表 合计 = Σ of the shown items in every column, 增减额 = 本年 − 上年预计
    result = run_budget(make_tiny())
    for side, total in (("revenue", "revenue_total"), ("expenditure", "expenditure_total")):
        table = official_lines(result.province, side)
        items = [c for c in table.index if c not in (total, "benefit_total")]
        for col in ("estimate", "budget"):
            assert round(table.loc[items, col].sum(), 2) == table.loc[total, col]
        change = (table["budget"] - table["estimate"]).round(2)
        assert table["change"].tolist() == change.tolist()
    # 工伤保险待遇支出 = 医疗 + 伤残 + 工亡 as shown
    spend = official_lines(result.province, "expenditure")
    assert spend.index[0] == "benefit_total"
    for col in ("estimate", "budget"):
        assert spend.loc["benefit_total", col] == round(spend.loc[["medical", "disability", "death"], col].sum(), 2)
    # 上年预算数 given for 工伤保险费收入 only (8,000 万元) on the revenue side: the other lines show it as 0
    revenue = official_lines(result.province, "revenue")
    assert revenue.loc["premium", "prior_budget"] == 8_000.0


@pytest.mark.parametrize("units", [3, 13])
def test_unit_budget_table_reconciles_with_the_official_tables(units):
    from examples.synthetic import scaled_province

    result = run_budget(make_tiny() if units == 3 else scaled_province(units))
    revenue = official_lines(result.province, "revenue")
    expenditure = official_lines(result.province, "expenditure")
    table = report_tables.unit_budget_table(result, revenue, expenditure)
    # 合计 row: each column's units plus 省级统收项目 (exact in 0.01 万元 steps)
    body = table.iloc[:-1]
    assert np.array_equal(np.rint(body.to_numpy() * 100).sum(axis=0), np.rint(table.iloc[-1].to_numpy() * 100))
    # and each item's 合计 is the official table's 本年预算数 of that item, to the cent
    for lines, codes in ((revenue, ("premium", "other_revenue", "subsidy", "interest")),
                         (expenditure, ("medical", "disability", "death", "appraisal", "prevention",
                                        "other_expenditure"))):
        for code in codes:
            assert table.iloc[-1][code] == lines.loc[code, "budget"], code
    # each unit's row adds up: 收入合计 − 支出合计 = 收支缺口 with the signs of the table (缺口 = 支出 − 收入)
    assert np.array_equal(np.rint((body["expenditure_total"] - body["revenue_total"]) * 100),
                          np.rint(body["gap"] * 100))


def test_a_unit_named_like_a_summary_row_keeps_its_own_figures():
    # 省本级 entered as 省级统收项目: rows are taken by position, so that unit's row (3rd) keeps its premium and
    # the summary row below it holds only the province's own items (财政补贴, 利息), never the unit's
    inputs = make_tiny()
    for frame in (inputs.units, inputs.plans, inputs.beneficiaries, inputs.history):
        frame["unit"] = frame["unit"].replace({"省本级": report_tables.PROVINCE_ROW})
    result = run_budget(inputs)
    revenue = official_lines(result.province, "revenue")
    expenditure = official_lines(result.province, "expenditure")
    table = report_tables.unit_budget_table(result, revenue, expenditure)
    unit_row, summary_row = table.iloc[2], table.iloc[3]
    assert abs(unit_row["premium"] - result.forecast.budget["premium"][2] / 1e4) <= 0.01
    assert summary_row["premium"] == 0.0 and summary_row["interest"] == revenue.loc["interest", "budget"] > 0
    assert unit_row["interest"] == 0.0               # read by label, the unit's row took the province's 利息 too
    assert np.array_equal(np.rint(table.iloc[:-1].to_numpy() * 100).sum(axis=0), np.rint(table.iloc[-1].to_numpy() * 100))


# ---------------------------------------------------------------------------------------------
# the UDF tables

def _shown():
    result = run_budget(make_tiny())
    return report_tables.displayed_result(result, balance=udf_tables.balance_frame(result),
                                          units=udf_tables.unit_frame(result))


def test_share_table_adds_up_and_leaves_unused_factors_blank():
    # each option: Σ cities + 省级承担 = 应分担缺口 (万元); factor columns the option does not use are blank
    shown = _shown()
    for o, option in enumerate(shown.sharing.options):
        rows = udf_tables.share_table(shown, o + 1)
        assert rows[0] == list(udf_tables.SHARE_HEADERS)
        share = rows[0].index(SHARE_LABEL)
        cities = [r for r in rows[1:] if r[0] not in (TOTAL_LABEL, PROVINCE_LABEL, udf_tables.AMOUNT_ROW)]
        province = next(r for r in rows if r[0] == PROVINCE_LABEL)[share]
        amount = rows[-1][share]
        assert round(sum(r[share] for r in cities) + province, 2) == amount
        frame = shown.sharing.table(o)
        for k, head in enumerate(udf_tables.SHARE_HEADERS):
            if head not in frame.columns:
                assert all(r[k] is None for r in rows[1:-1]), (option.name, head)


def test_wide_comparison_equals_the_table_read_from_the_wide_frame():
    # five options, two with the same name (their heads carry the code): same cells as Comparison.wide gives
    shown = _shown()
    result = shown
    options = [*result.options, result.options[-1].__class__(**{**result.options[-1].__dict__, "name": "again"})]
    from models.compare import compare

    again = compare(options, result.context)
    assert len(set(again.heads)) == len(again.heads) == len(options)
    import dataclasses

    five = dataclasses.replace(result, options=options, sharing=again.result, comparison=again)
    assert udf_tables.compare_table(five, "wide") == _wide_from_frame(five.comparison)
    assert udf_tables.compare_table(shown, "wide") == _wide_from_frame(shown.comparison)


def _wide_from_frame(comparison) -> list[list]:
    """The reference: the wide 方案比较 table read from `Comparison.wide` by column label."""
    wide = comparison.wide
    options = list(dict.fromkeys(wide.columns.get_level_values(0)))
    by_measure = wide[[(o, m) for m in MEASURES for o in options]]        # 指标 × 方案: shares side by side
    top = ["指标"] + [m if k == 0 else None for m in MEASURES for k in range(len(options))]
    second = ["单位"] + [o for _ in MEASURES for o in options]
    body = results.to_excel_table(pd.DataFrame(by_measure.to_numpy(), index=wide.index), index=True)[1:]
    return [top, second, *body]


def test_options_table_takes_the_city_total_from_the_share_table():
    # 城市合计 of each option = the 合计 row of its 缺口分担表; 城市合计 + 省级承担 = 应分担缺口
    shown = _shown()
    rows = udf_tables.options_table(shown)
    heads = [r[0] for r in rows]
    for o in range(len(shown.sharing.options)):
        table = udf_tables.share_table(shown, o + 1)
        total = next(r for r in table if r[0] == TOTAL_LABEL)[-1]
        column = [r[o + 1] for r in rows]
        assert column[heads.index("城市合计")] == total
        assert round(column[heads.index("城市合计")] + column[heads.index("省级承担")], 2) == \
            column[heads.index("应分担缺口")]


def test_frame_rows_are_the_plain_values_excel_takes():
    # every kind of cell a frame may hold, as Excel takes it: numbers as floats, blanks as None,
    # infinity as #NUM!, logical values as bool, categories and text as text, dates as datetimes
    frame = pd.DataFrame({
        "money": [1.5, np.nan, np.inf], "count": np.array([1, 2, 3], dtype=np.int64),
        "text": ["甲市", None, "=SUM(A1)"], "flag": [True, False, True],
        "nullable": pd.array([1, None, 3], dtype="Int64"), "kind": pd.Categorical(["设区市", "省级", None]),
        "day": pd.to_datetime(["2027-01-01", None, "2027-12-31"])})
    rows = results.to_excel_table(frame)
    assert rows[0] == list(frame.columns)
    assert rows[1][:6] == [1.5, 1.0, "甲市", True, 1.0, "设区市"]
    assert rows[2][:6] == [None, 2.0, None, False, None, "省级"]
    assert rows[3][:6] == ["#NUM!", 3.0, "=SUM(A1)", True, 3.0, None]
    assert rows[1][6].year == 2027 and rows[2][6] is None
    assert all(type(v) is float for v in (rows[1][0], rows[1][1], rows[1][4]))


def test_sharing_context_reads_text_and_number_cells_alike():
    # 一般公共预算收入 300 亿 / 100 亿 as numbers or as text cells: the same context figures
    inputs = make_tiny()
    result = run_budget(inputs)
    as_numbers = sharing_context(inputs, result.forecast, result.province)
    inputs.units["fiscal_revenue"] = inputs.units["fiscal_revenue"].astype(object)
    as_text = sharing_context(inputs, result.forecast, result.province)
    assert as_numbers.fiscal_revenue.tolist() == as_text.fiscal_revenue.tolist() == [30e9, 10e9]
    assert as_numbers.coefficient.tolist() == [1.0, 1.0]


def test_a_repeated_history_row_is_named_by_its_unit_year_and_months():
    # 乙市's 2025 full-year row entered twice: the second one is refused, 乙市 and 2025年12个月 named
    inputs = make_tiny()
    history = inputs.history
    again = history[(history["unit"] == "乙市") & (history["year"] == 2025) & (history["months"] == 12)]
    inputs.history = pd.concat([history, again], ignore_index=True)
    said = _message(lambda: run_budget(inputs))
    assert "乙市" in said and "2025年12个月的数据重复" in said


@pytest.mark.parametrize("as_text", [False, True])
def test_the_year_end_balance_is_taken_from_the_full_year_row(as_text):
    # 2026's opening balance starts from 2025's 期末滚存结余 (12-month row, 90,000,000 元), read alike from number
    # or text cells; without that row, or with its cell blank, the budget is refused
    inputs = make_tiny()
    if as_text:
        inputs.province_history = inputs.province_history.astype(object)
    assert run_budget(inputs).province.opening_balance == run_budget(make_tiny()).province.opening_balance
    ph = inputs.province_history
    inputs.province_history = ph[~((ph["year"] == 2025) & (ph["months"] == 12))].reset_index(drop=True)
    with pytest.raises(BudgetInputError):      # the 2025 full year is missing altogether
        run_budget(inputs)
    inputs = make_tiny()
    inputs.province_history.loc[1, "balance_end"] = np.nan
    said = _message(lambda: run_budget(inputs))
    assert "缺少2025年末滚存结余" in said


def test_per_unit_gives_blank_optional_columns_the_plans_table_lacks():
    # a plans table without 工资增长率 and 费率调整 (both optional): NaN for every unit, 扩面计划 read as given
    idx = unit_index(pd.DataFrame({"unit": ["甲市", "乙市"]}))
    frame = pd.DataFrame({"unit": ["乙市", "甲市"], "expansion": [2_000.0, 4_000.0]})
    got = per_unit(idx, frame, "plans", ["expansion", "wage_growth", "rate_change"],
                   optional=("wage_growth", "rate_change"))
    assert got["expansion"].tolist() == [4_000.0, 2_000.0]
    assert np.isnan(got["wage_growth"]).all() and np.isnan(got["rate_change"]).all()
