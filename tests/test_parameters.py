"""法定参数: dated lookups, province overrides, sources, and clear errors for bad files and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import BudgetInputError, ParameterError
from models.parameter_set import (
    ParameterSet,
    available_provinces,
    format_value,
    load_parameters,
    parse_parameters,
    to_date,
)

REQUIRED_NATIONAL = [
    "wage_floor_ratio", "wage_ceiling_ratio", "disability_grant_months", "disability_allowance_ratio",
    "employer_allowance_ratio", "care_ratio", "funeral_months", "death_grant_income_multiple",
    "dependant_ratio_spouse", "dependant_ratio_other", "dependant_ratio_lone_extra", "prevention_cap_ratio",
    "industry_base_rates", "rate_float_band", "national_urban_income",
]
REQUIRED_JIANGXI = ["reserve_months_floor", "medical_grant_months", "allowance_increase_monthly"]


@pytest.fixture(scope="module")
def national() -> ParameterSet:
    return load_parameters()


@pytest.fixture(scope="module")
def jiangxi() -> ParameterSet:
    return load_parameters("jiangxi")


def test_packaged_files_hold_every_required_parameter(national, jiangxi):
    assert set(REQUIRED_NATIONAL) <= set(national.names())
    assert set(REQUIRED_NATIONAL + REQUIRED_JIANGXI) <= set(jiangxi.names())
    assert "jiangxi" in available_provinces()


def test_statutory_values_of_the_2010_regulation(national):
    on = dt.date(2024, 6, 30)
    assert national.value("wage_floor_ratio", on) == 0.6
    assert national.value("wage_ceiling_ratio", on) == 3.0
    assert national.value("disability_grant_months", on) == (27, 25, 23, 21, 18, 16, 13, 11, 9, 7)
    assert national.value("disability_allowance_ratio", on) == (0.90, 0.85, 0.80, 0.75)
    assert national.value("employer_allowance_ratio", on) == (0.70, 0.60)
    assert national.value("care_ratio", on) == (0.5, 0.4, 0.3)
    assert national.value("funeral_months", on) == 6
    assert national.value("death_grant_income_multiple", on) == 20
    assert (national.value("dependant_ratio_spouse", on), national.value("dependant_ratio_other", on),
            national.value("dependant_ratio_lone_extra", on)) == (0.4, 0.3, 0.1)
    assert national.value("prevention_cap_ratio", on) == 0.03
    assert national.value("industry_base_rates", on) == (0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019)
    assert national.value("rate_float_band", on) == (0.5, 1.5)


def test_every_value_cites_a_source(jiangxi):
    for name in jiangxi.names():
        e = jiangxi.entry(name, 2025)
        assert e.reference and e.effective <= dt.date(2025, 1, 1), name
    assert "〔2015〕71号" in jiangxi.entry("industry_base_rates", 2025).reference
    assert "第三十九条" in jiangxi.entry("death_grant_income_multiple", 2025).reference
    assert "赣人社发〔2023〕18号" in jiangxi.entry("reserve_months_floor", 2025).reference
    # the province medical-grant months are an example, and the file says so
    assert "待核实" in jiangxi.entry("medical_grant_months", 2025).reference


def test_national_income_changes_on_1_january(national):
    # the 2023 figure 51,821 is used for deaths in 2024, the 2024 figure 54,188 from 2025
    assert national.value("national_urban_income", dt.date(2023, 12, 31)) == 49_283
    assert national.value("national_urban_income", dt.date(2024, 1, 1)) == 51_821
    assert national.value("national_urban_income", 2022) == 47_412
    assert national.value("national_urban_income", 2025) == 54_188
    # after the last entry the latest value stays in force; its date tells how old it is
    later = national.entry("national_urban_income", 2027)
    assert (later.value, later.effective) == (54_188, dt.date(2025, 1, 1))


def test_a_year_means_1_january():
    assert to_date(2024) == dt.date(2024, 1, 1)
    assert to_date(dt.datetime(2024, 3, 5, 10, 30)) == dt.date(2024, 3, 5)
    assert to_date("2024-07-01") == dt.date(2024, 7, 1)
    assert to_date(2024.0) == dt.date(2024, 1, 1)       # how Excel passes a year
    with pytest.raises(BudgetInputError, match="日期无法识别"):
        to_date("明年")
    with pytest.raises(BudgetInputError):
        to_date(45_292)                                  # an Excel serial number, not a year


def test_a_date_before_the_first_value_names_parameter_and_date(national):
    with pytest.raises(ParameterError) as err:
        national.value("national_urban_income", dt.date(2021, 6, 30))
    text = str(err.value)
    assert "national_urban_income" in text and "2021-06-30" in text
    assert "2022-01-01" in text and "national.toml" in text      # what to do: add a value there
    assert err.value.field == "national_urban_income"
    with pytest.raises(ParameterError, match="death_grant_income_multiple"):
        national.value("death_grant_income_multiple", dt.date(2010, 12, 31))


def test_unknown_name_lists_the_names(national):
    with pytest.raises(ParameterError) as err:
        national.value("funeral_month", 2024)
    assert "funeral_month" in str(err.value) and "funeral_months" in str(err.value)
    # a province-set standard is not in the national file: the message says how to load it
    with pytest.raises(ParameterError, match="load_parameters"):
        national.value("medical_grant_months", 2024)


def test_province_file_adds_and_falls_back(jiangxi):
    assert jiangxi.value("reserve_months_floor", 2024) == 12
    assert jiangxi.value("allowance_increase_monthly", 2024) == (124, 117, 110, 103, 96, 83)
    # not in the province file → national value, and the entry says where it came from
    floor = jiangxi.entry("wage_floor_ratio", 2024)
    assert (floor.value, floor.source) == (0.6, "national.toml")
    assert jiangxi.entry("reserve_months_floor", 2024).source == "provinces/jiangxi.toml"
    with pytest.raises(ParameterError, match="allowance_increase_monthly"):
        jiangxi.value("allowance_increase_monthly", dt.date(2023, 12, 31))


NATIONAL_TEXT = """
[prevention_cap_ratio]
description = "工伤预防费上限 — prevention cap"
unit = "比例 ratio"
[[prevention_cap_ratio.values]]
date = 2017-09-01
value = 0.03
reference = "人社部规〔2017〕13号 第五条"

[funeral_months]
description = "丧葬补助金月数 — funeral months"
unit = "月"
[[funeral_months.values]]
date = 2011-01-01
value = 6
reference = "工伤保险条例 第三十九条"
"""

PROVINCE_TEXT = """
[prevention_cap_ratio]
description = "工伤预防费上限（省提高） — prevention cap raised by the province"
unit = "比例 ratio"
[[prevention_cap_ratio.values]]
date = 2020-01-01
value = 0.05
reference = "某省文件（测试用）"
"""


def test_province_override_beats_national_from_its_first_date():
    national = parse_parameters(NATIONAL_TEXT, "national.toml")
    province = parse_parameters(PROVINCE_TEXT, "provinces/test.toml")
    params = ParameterSet(national, province, "test")
    assert params.value("prevention_cap_ratio", 2019) == 0.03     # before the province rule: national
    assert params.value("prevention_cap_ratio", 2021) == 0.05     # province rule in force
    assert params.entry("prevention_cap_ratio", 2021).source == "provinces/test.toml"
    assert params.value("funeral_months", 2021) == 6              # untouched national parameter
    with pytest.raises(ParameterError, match="prevention_cap_ratio"):
        params.value("prevention_cap_ratio", 2016)                # before both


def test_cached_and_case_insensitive():
    assert load_parameters("jiangxi") is load_parameters(" Jiangxi ")
    assert load_parameters() is load_parameters(None)


def test_unknown_province_runs_on_national_parameters_with_reference_values():
    # issue 14: no file is not an error — the national set plus reference values the province must confirm
    params = load_parameters("atlantis")
    assert not params.has_file and params.province == "atlantis"
    assert set(params.unconfirmed) == {"medical_grant_months", "reserve_months_floor"}
    assert params.value("funeral_months", 2027) == 6                     # national
    assert "一次性工伤医疗补助金" in params.unconfirmed_text()


def _one(entry_lines: str, name: str = "care_ratio") -> str:
    return f"""
[{name}]
description = "生活护理费 — care"
unit = "比例"
[[{name}.values]]
{entry_lines}
"""


@pytest.mark.parametrize("entry_lines, what", [
    ('date = 2011-01-01\nvalue = [0.5, 0.4, 0.3]', "reference"),
    ('value = [0.5, 0.4, 0.3]\nreference = "条例 第三十四条"', "date"),
    ('date = 2011-01-01\nreference = "条例 第三十四条"', "value"),
    ('date = "2011-01-01"\nvalue = 0.5\nreference = "条例"', "不带引号"),
    ('date = 2011-01-01\nvalue = "五成"\nreference = "条例"', "数值"),
    ('date = 2011-01-01\nvalue = true\nreference = "条例"', "数值"),
    ('date = 2011-01-01\nvalue = 0.5\nreference = "  "', "reference"),
    ('date = 2011-01-01\nvalue = 0.5\nreference = "条例"\nrefrence = "typo"', "refrence"),
])
def test_malformed_entry_names_file_and_parameter(entry_lines, what):
    with pytest.raises(ParameterError) as err:
        parse_parameters(_one(entry_lines), "provinces/broken.toml")
    text = str(err.value)
    assert "provinces/broken.toml" in text and "care_ratio" in text and what in text


def test_malformed_parameter_tables():
    with pytest.raises(ParameterError, match="broken.toml.*care_ratio.*unit"):
        parse_parameters('[care_ratio]\ndescription = "x"\nvalues = []\n', "broken.toml")
    twice = _one('date = 2011-01-01\nvalue = 0.5\nreference = "a"') + (
        '[[care_ratio.values]]\ndate = 2011-01-01\nvalue = 0.4\nreference = "b"\n')
    with pytest.raises(ParameterError, match="2011-01-01.*重复"):
        parse_parameters(twice, "broken.toml")
    reshaped = _one('date = 2011-01-01\nvalue = [0.5, 0.4, 0.3]\nreference = "a"') + (
        '[[care_ratio.values]]\ndate = 2020-01-01\nvalue = [0.5, 0.4]\nreference = "b"\n')
    with pytest.raises(ParameterError, match="元素个数"):
        parse_parameters(reshaped, "broken.toml")
    with pytest.raises(ParameterError, match="broken.toml.*TOML"):
        parse_parameters("[care_ratio\n", "broken.toml")


def test_province_array_must_match_national_length():
    national = parse_parameters(_one('date = 2011-01-01\nvalue = [0.5, 0.4, 0.3]\nreference = "a"'), "national.toml")
    province = parse_parameters(_one('date = 2024-01-01\nvalue = [0.5, 0.4]\nreference = "b"'), "provinces/x.toml")
    with pytest.raises(ParameterError, match="provinces/x.toml.*care_ratio"):
        ParameterSet(national, province, "x")


def test_table_lists_parameters_in_force(jiangxi):
    table = jiangxi.table(2024)
    assert list(table.columns) == ["name", "description", "value", "unit", "effective", "reference", "note", "source"]
    row = table.set_index("name").loc["national_urban_income"]
    assert (row["value"], row["effective"]) == ("51821", dt.date(2024, 1, 1))
    assert table.set_index("name").loc["disability_grant_months", "value"] == "27、25、23、21、18、16、13、11、9、7"
    # on 2023-06-30 the Jiangxi 2024 standards are not yet in force and are left out
    assert "allowance_increase_monthly" not in set(jiangxi.table(dt.date(2023, 6, 30))["name"])
    assert len(table) == len(jiangxi.names())


def test_format_value():
    assert format_value(0.6) == "0.6"
    assert format_value(1_036_420.0) == "1036420"
    assert format_value((0.002, 0.019)) == "0.002、0.019"
