"""收支预测 — hand-checked forecast of the tiny province (see conftest.py for its figures)."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import BudgetInputError
from models.forecast import forecast
from tests.conftest import make_tiny

A = 0  # 甲市
B = 1  # 乙市


def test_last_year_estimated_from_jan_sep_progress(tiny):
    fc = forecast(tiny)
    # 2025: Jan–Sep was 75 % of the full year, so 2026 Jan–Sep 33,000,000 ÷ 0.75 = 44,000,000
    assert fc.estimate["premium"][A] == pytest.approx(44_000_000)
    assert fc.drivers["execution_share"][A] == pytest.approx(0.75)
    assert fc.final["premium"][A] == pytest.approx(40_000_000)  # 2025 决算


def test_premium_from_insured_wage_and_effective_rate(tiny):
    fc = forecast(tiny)
    # N_avg,2026 = (100,000 + 110,000)/2 = 105,000; payroll = 105,000 × 60,000 = 6.3e9
    # r = 44,000,000 / 6.3e9; N_avg,2027 = 110,000 + 0.5 × 4,000 = 112,000; wage 60,000 × 1.05 = 63,000
    # premium = 112,000 × 63,000 × 44e6/6.3e9 = 49,280,000
    assert fc.drivers["insured_avg"][A] == pytest.approx(112_000)
    assert fc.drivers["effective_rate"][A] == pytest.approx(44e6 / 6.3e9)
    assert fc.budget["premium"][A] == pytest.approx(49_280_000)
    # 乙市 has half the insured and flows, the same wage: half the premium
    assert fc.budget["premium"][B] == pytest.approx(24_640_000)


def test_rate_change_raises_premium_proportionally():
    fc = forecast(make_tiny(rate_change=0.10))
    assert fc.budget["premium"][A] == pytest.approx(49_280_000 * 1.10)


def test_medical_follows_insured_and_cost_growth(tiny):
    fc = forecast(tiny)
    # 17,000,000 × 112,000/105,000 × 1.04 = 18,858,666.67
    assert fc.budget["medical"][A] == pytest.approx(17_000_000 * 112_000 / 105_000 * 1.04)


def test_disability_from_people_times_standards(tiny):
    fc = forecast(tiny)
    d = fc.details
    # one-time grants: Σ new_g × months_g = 1×23 + 2×21 + 3×18 + 4×16 + 10×13 + 20×11 + 30×9 + 50×7 = 1,153
    assert d["disability_grants"][A] == pytest.approx(1_153 * 6_000)            # 6,918,000
    # allowance grades 1–4, uprated by Jiangxi's fixed monthly increases 124/117/110/103 元 (issue 10; was
    # × 1.03): (10×(4,500+124) + 20×(4,250+117) + 30×(4,000+110) + 40×(3,750+103)) × 12
    # = (46,240 + 87,340 + 123,300 + 154,120) × 12 = 411,000 × 12 = 4,932,000
    assert d["disability_allowance"][A] == pytest.approx(4_932_000)
    # care: (5×0.5 + 10×0.4 + 15×0.3) × 8,000 × 12 = 11 × 96,000 (not uprated: it follows the average wage)
    assert d["care_allowance"][A] == pytest.approx(1_056_000)
    # one-time medical grant (example months 18,16,10,8,6,4): 3×18+4×16+10×10+20×8+30×6+50×4 = 758 months
    assert d["medical_grant"][A] == pytest.approx(758 * 8_000)                    # 6,064,000
    assert fc.budget["disability"][A] == pytest.approx(6_918_000 + 4_932_000 + 1_056_000 + 6_064_000)


def test_death_benefits(tiny):
    fc = forecast(tiny)
    # 5 deaths × (20 × 60,000 + 6 × 8,000) = 5 × 1,248,000 = 6,240,000
    assert fc.details["death_lump_sum"][A] == pytest.approx(6_240_000)
    # dependants: (20×0.4 + 30×0.3 + 5×0.1) × 6,000 × 12 × 1.03 = 17.5 × 6,000 × 12.36 = 1,297,800
    assert fc.details["dependant_pension"][A] == pytest.approx(1_297_800)
    assert fc.budget["death"][A] == pytest.approx(7_537_800)


def test_trend_lines_and_cross_check_flag(tiny):
    fc = forecast(tiny)
    # 其他收入 100,000 → 110,000 → 120,000: mean growth (10 % + 9.0909 %)/2 → 120,000 × 1.0954545
    assert fc.budget["other_revenue"][A] == pytest.approx(120_000 * (1 + (0.1 + 10_000 / 110_000) / 2))
    # premium trend: 38 → 40 → 44 million, mean growth (5.263 % + 10 %)/2 = 7.632 % → 47,357,895;
    # driver 49,280,000 is 4.06 % above: within ±10 %, not flagged
    assert fc.trend["premium"][A] == pytest.approx(44e6 * (1 + (2 / 38 + 0.1) / 2))
    assert not fc.flags["premium"][A]
    # 乙市 keeps 甲市's beneficiaries with half the history: disability 18,982,000 vs trend ≈ 9.4 million
    assert fc.flags["disability"][B]


def test_prevention_plan_capped_province_wide():
    inputs = make_tiny()
    inputs.plans["prevention_plan"] = [2_000_000.0, 1_000_000.0, 400_000.0]  # 3,400,000 planned
    fc = forecast(inputs)
    # cap = 3 % × 2026 premium estimate (44 + 22 + 8.8 million) = 2,244,000; scale 2,244,000/3,400,000
    assert fc.budget["prevention"].sum() == pytest.approx(2_244_000)
    assert fc.budget["prevention"][A] == pytest.approx(2_000_000 * 2_244_000 / 3_400_000)
    assert any("工伤预防费" in n for n in fc.notes)


def test_scenario_axis_broadcasts():
    fc = forecast(make_tiny(wage_growth=np.array([0.0, 0.05, 0.10])))
    # premium ∝ (1 + g): 112,000 × 60,000 × r × (1+g)
    base = 112_000 * 60_000 * 44e6 / 6.3e9
    np.testing.assert_allclose(fc.budget["premium"][:, A], base * np.array([1.0, 1.05, 1.10]))


@pytest.mark.parametrize("mutate, field", [
    (lambda i: setattr(i, "plans", i.plans.drop(index=1)), "单位"),
    (lambda i: i.history.loc.__setitem__((0, "premium"), -5.0), "工伤保险费收入"),
    (lambda i: i.history.loc.__setitem__((0, "premium"), "abc"), "工伤保险费收入"),
    (lambda i: i.beneficiaries.loc.__setitem__((0, "deaths"), None), "预计工亡人数"),
    (lambda i: i.units.loc.__setitem__((2, "kind"), "county"), "类型"),
])
def test_bad_input_names_unit_and_field(mutate, field):
    inputs = make_tiny()
    inputs.history = inputs.history.astype(object)
    mutate(inputs)
    with pytest.raises(BudgetInputError) as err:
        forecast(inputs)
    assert field in str(err.value)


def test_missing_year_is_named():
    inputs = make_tiny()
    inputs.history = inputs.history[~((inputs.history["unit"] == "乙市") & (inputs.history["year"] == 2024))]
    with pytest.raises(BudgetInputError, match="乙市.*2024"):
        forecast(inputs)


def test_year_end_stocks_estimated_by_the_seasonal_ratio():
    # 甲市's stocks grew from September to December 2025: insured 98,000 → 100,000, wage 56,500 → 57,000.
    # 2026 year-end estimates: insured 110,000 × 100,000/98,000 = 112,244.90; wage 60,000 × 57,000/56,500
    # = 60,530.97. N_avg,2026 = (100,000 + 112,244.90)/2 = 106,122.45; N_avg,2027 = 112,244.90 + 2,000
    # = 114,244.90; premium = 114,244.90 × 60,530.97 × 1.05 × r with r = 44e6/(106,122.45 × 60,530.97)
    # = 114,244.90/106,122.45 × 1.05 × 44,000,000 = 49,736,076.92 (the September stock gave 49,280,000).
    inputs = make_tiny()
    h = inputs.history
    sep25 = (h["unit"] == "甲市") & (h["year"] == 2025) & (h["months"] == 9)
    h.loc[sep25, ["insured_end", "avg_wage"]] = [98_000, 56_500]
    fc = forecast(inputs)
    assert fc.drivers["insured_end_base"][A] == pytest.approx(112_244.90, abs=0.01)
    assert fc.drivers["avg_wage_base"][A] == pytest.approx(60_530.97, abs=0.01)
    assert fc.drivers["year_end_ratio_insured"][A] == pytest.approx(100_000 / 98_000)
    assert fc.budget["premium"][A] == pytest.approx(49_736_076.92, abs=0.01)
    # 乙市 had no seasonality in 2025 (September = December): its September 2026 stock stands
    assert fc.drivers["insured_end_base"][B] == pytest.approx(55_000)
