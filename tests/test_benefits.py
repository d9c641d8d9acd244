"""工伤保险待遇标准: hand-checked benefit cases under the 2010 regulation (Jiangxi parameters)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import benefits as b
from models.errors import BudgetInputError, ParameterError
from models.parameter_set import ParameterSet, load_parameters, parse_parameters

ON = dt.date(2024, 7, 1)
AVG = 7_000.0   # 上年度全省职工月平均工资 (synthetic): floor 0.6 × 7,000 = 4,200, ceiling 3 × 7,000 = 21,000


@pytest.fixture(scope="module")
def jx() -> ParameterSet:
    return load_parameters("jiangxi")


def test_own_wage_clamped_to_60_and_300_percent(jx):
    # 3,000 < 4,200 → 4,200; 6,000 inside; 30,000 > 21,000 → 21,000
    np.testing.assert_allclose(b.clamp_wage([3_000, 6_000, 30_000], AVG, jx, ON), [4_200, 6_000, 21_000])
    assert b.clamp_wage(3_000, AVG, jx, ON) == 4_200


def test_disability_grant_grade_5(jx):
    # grade 5: 18 months × 6,000 = 108,000
    assert b.disability_grant(5, 6_000, AVG, jx, ON) == 108_000


def test_disability_grant_uses_clamped_wage(jx):
    # grade 10 below the floor: 7 × 4,200 = 29,400; grade 1 above the ceiling: 27 × 21,000 = 567,000
    assert b.disability_grant(10, 3_000, AVG, jx, ON) == 29_400
    assert b.disability_grant(1, 30_000, AVG, jx, ON) == 567_000


def test_disability_grant_broadcasts_grades_against_units(jx):
    # two units (wages 5,000 and 10,000) × ten grades → (2, 10); row 2 = 10,000 × months
    out = b.disability_grant(np.arange(1, 11), np.array([[5_000], [10_000]]), AVG, jx, ON)
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out[1], 10_000 * np.array([27, 25, 23, 21, 18, 16, 13, 11, 9, 7]))
    assert out[0, 4] == 5_000 * 18    # 90,000


def test_disability_allowance_fund_grades_1_to_4_employer_5_6(jx):
    # W = 8,000: 0.90/0.85/0.80/0.75 × 8,000 = 7,200 / 6,800 / 6,400 / 6,000; grades 5–6 are employer-paid → 0
    np.testing.assert_allclose(b.disability_allowance_monthly(np.arange(1, 7), 8_000, AVG, jx, ON),
                               [7_200, 6_800, 6_400, 6_000, 0, 0])
    with pytest.raises(BudgetInputError) as err:
        b.disability_allowance_monthly(7, 8_000, AVG, jx, ON)
    assert err.value.field == "grade" and err.value.value == 7


def test_disability_allowance_topped_up_to_minimum_wage(jx):
    # avg 5,000: W = max(3,000, 0.6 × 5,000 = 3,000) = 3,000; grade 4: 0.75 × 3,000 = 2,250 < 2,400 → 2,400
    assert b.disability_allowance_monthly(4, 3_000, 5_000, jx, ON, minimum_wage=2_400) == 2_400
    assert b.disability_allowance_monthly(1, 3_000, 5_000, jx, ON, minimum_wage=2_400) == 2_700  # 0.9 × 3,000
    assert b.disability_allowance_monthly(5, 3_000, 5_000, jx, ON, minimum_wage=2_400) == 0


def test_care_allowance_each_level(jx):
    # 50 / 40 / 30 % × 7,000 = 3,500 / 2,800 / 2,100 a month
    np.testing.assert_allclose(b.care_allowance_monthly([1, 2, 3], AVG, jx, ON), [3_500, 2_800, 2_100])
    with pytest.raises(BudgetInputError, match="1–3"):
        b.care_allowance_monthly(4, AVG, jx, ON)


def test_death_in_2024(jx):
    # 20 × 51,821 = 1,036,420; funeral 6 × 7,000 = 42,000; together 1,078,420
    assert b.death_grant(None, jx, ON) == 1_036_420
    assert b.funeral_grant(AVG, jx, ON) == 42_000
    assert b.death_grant(None, jx, ON) + b.funeral_grant(AVG, jx, ON) == 1_078_420
    # a death in 2025 uses the 2024 figure: 20 × 54,188 = 1,083,760
    assert b.death_grant(None, jx, 2025) == 1_083_760
    assert b.death_grant(60_000, jx, 2027) == 1_200_000   # an assumed income: 20 × 60,000


def test_dependant_pension_one_family(jx):
    # deceased W = 6,000: spouse + 1 child = (0.4 + 0.3) × 6,000 = 4,200
    assert b.dependant_pension_monthly(1, 1, 0, 6_000, AVG, jx, ON) == pytest.approx(4_200)
    # two orphans (others, both +10 %): (0.3 + 0.1) × 2 × 6,000 = 4,800
    assert b.dependant_pension_monthly(0, 2, 2, 6_000, AVG, jx, ON) == pytest.approx(4_800)
    # spouse + 3 others = 1.3 × 6,000 = 7,800 → capped at W = 6,000
    assert b.dependant_pension_monthly(1, 3, 0, 6_000, AVG, jx, ON) == pytest.approx(6_000)
    assert b.dependant_pension_monthly(1, 3, 0, 6_000, AVG, jx, ON, cap=False) == pytest.approx(7_800)
    # below the floor the base is 4,200: spouse alone 0.4 × 4,200 = 1,680
    assert b.dependant_pension_monthly(1, 0, 0, 3_000, AVG, jx, ON) == pytest.approx(1_680)


def test_dependant_pension_vectorised_families(jx):
    # three families, W 6,000: 0.7 × 6,000 = 4,200; 1.3 → capped 6,000; 0.4 × 6,000 = 2,400
    out = b.dependant_pension_monthly([1, 1, 1], [1, 3, 0], [0, 0, 0], 6_000, AVG, jx, ON)
    np.testing.assert_allclose(out, [4_200, 6_000, 2_400])


def test_dependant_stock_is_uncapped(jx):
    # a unit's stock: 20 spouses, 30 others, 5 lone: (8 + 9 + 0.5) × 6,000 = 105,000 a month
    assert b.dependant_stock_monthly(20, 30, 5, 6_000, AVG, jx, ON) == pytest.approx(105_000)


def test_more_lone_extras_than_dependants_is_refused(jx):
    with pytest.raises(BudgetInputError) as err:
        b.dependant_pension_monthly(1, 1, 3, 6_000, AVG, jx, ON)
    assert err.value.field == "lone_extra" and err.value.value == 3


def test_medical_grant_uses_province_months(jx):
    # Jiangxi example months 18,16,10,8,6,4 (to be verified): grade 5 → 18 × 7,000 = 126,000; grade 10 → 28,000
    np.testing.assert_allclose(b.medical_grant([5, 10], AVG, jx, ON), [126_000, 28_000])
    with pytest.raises(BudgetInputError, match="5–10"):
        b.medical_grant(4, AVG, jx, ON)
    with pytest.raises(ParameterError, match="medical_grant_months"):
        b.medical_grant(5, AVG, load_parameters(), ON)       # national file has no province months


def test_prevention_cap(jx):
    # 3 % × 40,000,000 = 1,200,000
    assert b.prevention_cap(40_000_000, jx, ON) == pytest.approx(1_200_000)


def test_standards_before_the_regulation_raise_with_the_name(jx):
    with pytest.raises(ParameterError) as err:
        b.disability_grant(5, 6_000, AVG, jx, dt.date(2010, 6, 1))
    assert "2010-06-01" in str(err.value)
    assert err.value.field in {"wage_floor_ratio", "disability_grant_months"}


def test_formulas_follow_the_parameter_file():
    # a hypothetical later revision (test data only): grade-5 grant 20 months, floor 0.5
    text = """
[wage_floor_ratio]
description = "下限 — floor"
unit = "比例"
[[wage_floor_ratio.values]]
date = 2011-01-01
value = 0.6
reference = "条例 第六十四条"
[[wage_floor_ratio.values]]
date = 2030-01-01
value = 0.5
reference = "假设修订（测试用）"

[wage_ceiling_ratio]
description = "上限 — ceiling"
unit = "比例"
[[wage_ceiling_ratio.values]]
date = 2011-01-01
value = 3.0
reference = "条例 第六十四条"

[disability_grant_months]
description = "月数 — months"
unit = "月"
[[disability_grant_months.values]]
date = 2011-01-01
value = [27, 25, 23, 21, 18, 16, 13, 11, 9, 7]
reference = "条例 第三十五至三十七条"
[[disability_grant_months.values]]
date = 2030-01-01
value = [30, 28, 26, 24, 20, 18, 15, 12, 10, 8]
reference = "假设修订（测试用）"
"""
    params = ParameterSet(parse_parameters(text, "national.toml"))
    # 2029: W = max(3,000, 4,200) = 4,200 × 18 = 75,600; 2030: W = max(3,000, 3,500) = 3,500 × 20 = 70,000
    assert b.disability_grant(5, 3_000, AVG, params, 2029) == 75_600
    assert b.disability_grant(5, 3_000, AVG, params, 2030) == 70_000


def test_wrong_array_length_in_file_is_reported():
    text = """
[care_ratio]
description = "护理 — care"
unit = "比例"
[[care_ratio.values]]
date = 2011-01-01
value = [0.5, 0.4]
reference = "测试用"
"""
    with pytest.raises(ParameterError, match="care_ratio.*3 个"):
        b.care_allowance_monthly(1, AVG, ParameterSet(parse_parameters(text, "national.toml")), ON)


@pytest.mark.parametrize("item, grade, wage, count, expected", [
    ("一次性伤残补助金", 5, 6_000, 2, 216_000),        # 2 × 18 × 6,000
    ("disability_grant", 5, 6_000, 2, 216_000),
    ("伤残津贴", 2, 8_000, 1, 6_800),                  # 0.85 × 8,000 a month
    ("伤残津贴", 6, 8_000, 1, 0),                      # employer-paid
    ("生活护理费", 1, None, 3, 10_500),                # 3 × 0.5 × 7,000 a month
    ("一次性工伤医疗补助金", 6, None, 1, 112_000),      # 16 × 7,000 (example months)
    ("丧葬补助金", None, None, 1, 42_000),              # 6 × 7,000
    ("一次性工亡补助金", None, None, 1, 1_036_420),     # 20 × 51,821
    ("供养亲属抚恤金", 1, 6_000, 1, 2_400),            # spouse 0.4 × 6,000
    ("供养亲属抚恤金", 2, 6_000, 2, 3_600),            # 2 others × 0.3 × 6,000
    ("供养亲属抚恤金", 3, 6_000, 1, 2_400),            # orphan (0.3 + 0.1) × 6,000
    (" Death_Grant ", None, None, 1, 1_036_420),
])
def test_benefit_amount(jx, item, grade, wage, count, expected):
    got = b.benefit_amount(item, grade, wage, count, on=ON, params=jx, avg_monthly_wage=AVG)
    assert got == pytest.approx(expected)


def test_benefit_amount_vectorised(jx):
    # grades 1–10 at W 6,000: 6,000 × months
    got = b.benefit_amount("一次性伤残补助金", np.arange(1, 11), 6_000, on=ON, params=jx, avg_monthly_wage=AVG)
    np.testing.assert_allclose(got, 6_000 * np.array([27, 25, 23, 21, 18, 16, 13, 11, 9, 7]))


def test_unknown_item_lists_valid_names(jx):
    with pytest.raises(BudgetInputError) as err:
        b.benefit_amount("工伤医疗费", 1, 6_000, on=ON, params=jx, avg_monthly_wage=AVG)
    assert err.value.field == "item" and err.value.value == "工伤医疗费"
    assert "一次性伤残补助金" in str(err.value) and "death_grant" in str(err.value)


@pytest.mark.parametrize("grade, shown", [(11, 11), (0, 0), (2.5, 2.5), ("五", None)])
def test_grade_out_of_range_is_refused(jx, grade, shown):
    with pytest.raises(BudgetInputError) as err:
        b.benefit_amount("一次性伤残补助金", grade, 6_000, on=ON, params=jx, avg_monthly_wage=AVG)
    assert err.value.field == "grade"
    if shown is not None:
        assert err.value.value == shown and "1–10" in str(err.value)


def test_missing_or_bad_wages_are_refused(jx):
    with pytest.raises(BudgetInputError) as err:
        b.benefit_amount("一次性伤残补助金", 5, 6_000, on=ON, params=jx)
    assert err.value.field == "avg_monthly_wage"
    with pytest.raises(BudgetInputError) as err:
        b.benefit_amount("伤残津贴", 1, None, on=ON, params=jx, avg_monthly_wage=AVG)
    assert err.value.field == "wage"
    with pytest.raises(BudgetInputError, match="负数"):
        b.disability_grant(5, -6_000, AVG, jx, ON)
    with pytest.raises(BudgetInputError, match="空白"):
        b.disability_grant(5, [6_000, np.nan], AVG, jx, ON)
    with pytest.raises(BudgetInputError, match="大于0"):
        b.funeral_grant(0, jx, ON)


def test_benefit_standards(jx):
    s = b.benefit_standards(jx, ON)
    assert {k: np.shape(v) for k, v in s.items()} == {
        "disability_grant_months": (10,), "disability_allowance_ratio": (4,), "care_ratio": (3,),
        "medical_grant_months": (6,), "funeral_months": (), "death_grant_income_multiple": (),
        "dependant_ratio_spouse": (), "dependant_ratio_other": (), "dependant_ratio_lone_extra": (),
        "wage_floor_ratio": (), "wage_ceiling_ratio": (), "prevention_cap_ratio": ()}
    assert s["disability_grant_months"].sum() == 170        # 27+25+23+21+18+16+13+11+9+7
    assert (s["funeral_months"], s["death_grant_income_multiple"]) == (6, 20)


@given(wage=st.floats(0, 1e6), avg=st.floats(100, 1e5))
def test_clamped_wage_always_inside_the_band(wage, avg):
    w = b.clamp_wage(wage, avg, load_parameters(), ON)
    assert 0.6 * avg * (1 - 1e-12) <= w <= 3.0 * avg * (1 + 1e-12)


@given(spouse=st.integers(0, 1), others=st.integers(0, 6), wage=st.floats(0, 1e5))
def test_capped_family_total_never_exceeds_w(spouse, others, wage):
    params = load_parameters()
    w = b.clamp_wage(wage, AVG, params, ON)
    total = b.dependant_pension_monthly(spouse, others, others, wage, AVG, params, ON)
    assert total <= w * (1 + 1e-12)
