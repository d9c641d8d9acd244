"""Raw cell values as Excel hands them to a UDF: numbers, text that reads as numbers, blanks, errors, ranges."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from addin.excel.results import cell_error, to_excel_table, udf_result
from addin.workbook.coerce import to_bool, to_float, to_int, to_str, to_vector
from addin.workbook.coerce_tables import to_mapping, to_table
from models.errors import BudgetInputError

# ---------------------------------------------------------------- scalars


@pytest.mark.parametrize(("raw", "expected"), [
    (40_000_000.0, 40_000_000.0),          # a number cell
    (7, 7.0),
    ("1,234", 1234.0),                     # typed with a thousands separator
    ("1,234,567.89", 1_234_567.89),
    ("12%", 0.12),                         # a rate typed as a percentage
    ("1.1%", 0.011),
    ("１２３４", 1234.0),                    # full-width digits from a Chinese IME
    ("１２％", 0.12),
    ("  -3.5 ", -3.5),
    ("(1,000)", -1000.0),                  # accounting-style negative
    (np.float64(2.5), 2.5),
])
def test_to_float_reads_numbers_and_number_text(raw, expected):
    assert to_float(raw, "增长率") == expected


@pytest.mark.parametrize(("raw", "words"), [
    ("abc", "不是数字"),
    ("12元", "不带单位"),
    ("1,23", "不是数字"),                    # not a valid thousands grouping
    (True, "逻辑值"),
    (dt.datetime(2024, 1, 1), "日期"),
    ("#DIV/0!", "#DIV/0!"),
    ("#N/A", "#N/A"),
    (-2146826246, "#N/A"),                 # the same error as a COM code
    (float("inf"), "有限"),
])
def test_to_float_refuses_with_the_field_named(raw, words):
    with pytest.raises(BudgetInputError) as err:
        to_float(raw, "工资增长率")
    assert words in str(err.value) and "工资增长率" in str(err.value)


def test_blank_is_an_error_unless_a_default_is_given():
    for blank in (None, "", "   ", float("nan")):
        with pytest.raises(BudgetInputError, match="为空"):
            to_float(blank, "利率")
        assert to_float(blank, "利率", default=0.015) == 0.015


def test_to_int_accepts_whole_numbers_only():
    assert to_int(2024.0, "年度") == 2024 and to_int("2,024", "年度") == 2024
    assert to_int(None, "考核排名", default=None) is None
    with pytest.raises(BudgetInputError, match="整数"):
        to_int(2024.5, "年度")


def test_to_str_strips_and_writes_whole_numbers_without_decimals():
    assert to_str("  南昌\u3000", "单位") == "南昌"
    assert to_str(101.0, "单位") == "101" and to_str(0.5, "x") == "0.5"
    assert to_str(dt.datetime(2024, 9, 30), "日期") == "2024-09-30"
    assert to_str(None, "备注", default="") == ""
    with pytest.raises(BudgetInputError, match="#REF!"):
        to_str("#REF!", "单位")


def test_to_bool_understands_excel_and_chinese_answers():
    assert [to_bool(v, "使用系数") for v in (True, 1.0, "是", "TRUE", "yes")] == [True] * 5
    assert [to_bool(v, "使用系数") for v in (False, 0, "否", "false", "N")] == [False] * 5
    with pytest.raises(BudgetInputError, match="是 或 否"):
        to_bool("也许", "使用系数")


# ---------------------------------------------------------------- ranges


def test_to_vector_takes_a_row_a_column_or_a_flat_list():
    column = [[0.05], ["6%"], [0.07]]        # A1:A3, one value typed as text
    assert to_vector(column, "增长率").tolist() == [0.05, 0.06, 0.07]
    assert to_vector([[1.0, 2.0, 3.0]], "x").tolist() == [1.0, 2.0, 3.0]
    assert to_vector([1.0, "1,000"], "x").tolist() == [1.0, 1000.0]
    assert to_vector(4.0, "x").tolist() == [4.0]   # a single cell arrives as a scalar


def test_to_vector_names_the_position_of_a_blank_or_text_cell():
    with pytest.raises(BudgetInputError, match="第2行第1列 为空"):
        to_vector([[1.0], [None], [3.0]], "扩面计划")
    with pytest.raises(BudgetInputError, match="第1行第3列 不是数字"):
        to_vector([[1.0, 2.0, "三"]], "扩面计划")
    with pytest.raises(BudgetInputError, match="第3个单元格"):
        to_vector([1.0, 2.0, "#VALUE!"], "扩面计划")
    with pytest.raises(BudgetInputError, match="2 行 × 2 列"):
        to_vector([[1.0, 2.0], [3.0, 4.0]], "扩面计划")


def test_to_vector_can_drop_blanks_at_the_end_of_an_oversized_selection():
    assert to_vector([[1.0], [2.0], [None], [None]], "x", drop_trailing_blanks=True).tolist() == [1.0, 2.0]
    with pytest.raises(BudgetInputError, match="第2行第1列"):   # a gap inside is still refused
        to_vector([[1.0], [None], [3.0], [None]], "x", drop_trailing_blanks=True)


UNITS_RANGE = [
    ["单位", "类型", "coefficient", "一般公共预算收入（元）", "备注"],   # Chinese headers, one code, one extra
    ["南昌", "设区市", 1.0, "30,000,000,000", "省会"],
    ["赣州", "city", "0.8", 12e9, None],
    ["省本级", "省本级", None, None, None],
    [None, None, None, None, None],                              # the rest of the selection
    [None, None, None, None, None],
]


def test_to_table_maps_headers_to_codes_and_converts_cells():
    df = to_table(UNITS_RANGE, "units")
    assert list(df.columns) == ["unit", "kind", "coefficient", "fiscal_revenue"]   # 备注 ignored
    assert df["unit"].tolist() == ["南昌", "赣州", "省本级"]                        # blank rows dropped
    assert df["kind"].tolist() == ["city", "city", "province"]
    assert df["coefficient"].tolist()[:2] == [1.0, 0.8] and np.isnan(df["coefficient"].iloc[2])
    assert df["fiscal_revenue"].iloc[0] == 30e9


def test_to_table_reads_the_merged_plans_table_for_units_or_plans():
    rows = [["单位", "类型", "扩面计划（人）", "上年征缴计划（元）"],
            ["南昌", "设区市", 4000.0, 45e6], ["九江", "设区市", 2000.0, 23e6]]
    assert list(to_table(rows, "units").columns) == ["unit", "kind"]
    plans = to_table(rows, "plans")
    assert plans["expansion"].tolist() == [4000.0, 2000.0]


def test_to_table_explains_missing_columns_and_bad_cells():
    with pytest.raises(BudgetInputError, match=r"缺少列 类型.*未识别的表头：种类"):
        to_table([["单位", "种类"], ["南昌", "设区市"]], "units")
    with pytest.raises(BudgetInputError, match=r"第3行第2列 须为 设区市、省本级 之一"):
        to_table([["单位", "类型"], ["南昌", "设区市"], ["九江", "地级市"]], "units")
    with pytest.raises(BudgetInputError, match=r"第3行第1列 重复"):
        to_table([["单位", "类型"], ["南昌", "设区市"], ["南昌", "设区市"]], "units")
    with pytest.raises(BudgetInputError, match="万元"):   # money in 万元 would be 10,000 times too small
        to_table([["单位", "年度", "月数", "期末参保人数", "平均缴费工资", "工伤保险费收入(万元)"]], "history",
                 required=["unit", "premium"])


def test_to_table_blank_in_a_required_column_names_the_cell_and_the_unit():
    rows = [["unit", "expansion"], ["南昌", 4000.0], ["九江", None]]
    with pytest.raises(BudgetInputError) as err:
        to_table(rows, "plans")
    assert "第3行第2列 为空" in str(err.value) and "九江" in str(err.value)


def test_to_mapping_reads_two_columns():
    rows = [["wage_growth", 0.05], [None, None], ["备注", " 示例 "], ["national_income", None]]
    assert to_mapping(rows, "参数") == {"wage_growth": 0.05, "备注": "示例", "national_income": None}
    with pytest.raises(BudgetInputError, match="两列"):
        to_mapping([["a", 1.0, 2.0]], "参数")
    with pytest.raises(BudgetInputError, match="重复"):
        to_mapping([["a", 1.0], ["a", 2.0]], "参数")
    with pytest.raises(BudgetInputError, match="第1行第2列.*#N/A"):
        to_mapping([["a", "#N/A"]], "参数")


# ---------------------------------------------------------------- results back to Excel


def test_cell_error_is_short_and_never_a_traceback():
    long = BudgetInputError("请填入数值" * 100, unit="南昌", field="工伤保险费收入")
    text = cell_error(long)
    assert text.startswith("#输入错误: 单位 南昌，字段 工伤保险费收入") and len(text) <= 255
    assert cell_error(ZeroDivisionError("division by zero\nmore")) == "#内部错误: ZeroDivisionError: division by zero"
    assert "Traceback" not in cell_error(KeyError("premium"))


def test_udf_result_turns_errors_into_cell_messages():
    @udf_result
    def growth(value):
        return to_float(value, "增长率") * 2

    @udf_result(array=True)
    def table(value):
        if value is None:
            raise RuntimeError("boom")
        return pd.DataFrame({"单位": ["南昌"], "金额": [np.float64(1.5)]})

    assert growth("5%") == 0.1
    assert growth("abc").startswith("#输入错误: 字段 增长率")
    assert table(None) == [["#内部错误: RuntimeError: boom"]]
    assert table(1) == [["单位", "金额"], ["南昌", 1.5]]
    assert growth.__wrapped__.__name__ == "growth"      # xlwings reads the signature through this


def test_to_excel_table_gives_plain_python_values():
    df = pd.DataFrame({"unit": ["南昌", "九江"], "amount": [np.float64(1.25), np.nan],
                       "rank": np.array([1, 2], dtype=np.int64), "months": [np.inf, 12.0]})
    rows = to_excel_table(df, headers={"unit": "单位", "amount": "金额"})
    assert rows == [["单位", "金额", "rank", "months"], ["南昌", 1.25, 1.0, "#NUM!"], ["九江", None, 2.0, 12.0]]
    assert type(rows[1][1]) is float and type(rows[1][2]) is float
    series = pd.Series({"premium": 2.0}, name="上年预算数")
    assert to_excel_table(series) == [["", "上年预算数"], ["premium", 2.0]]
    assert to_excel_table([{"a": 1}, {"a": 2, "b": "x"}]) == [["a", "b"], [1.0, None], [2.0, "x"]]
