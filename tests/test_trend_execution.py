"""趋势测算与预计执行数 — hand-checked trend figures and full-year estimates."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import BudgetInputError
from models.execution import estimate_full_year, estimate_year_end_stock
from models.trend import average_growth, cagr, deviation, linear, trend


def test_average_growth_of_the_last_three_years():
    # 100 → 110 → 121 → 133.1: every year +10 % → 146.41
    assert float(average_growth(np.array([100, 110, 121, 133.1])).value) == pytest.approx(146.41)
    # 100 → 120 → 108: growth +20 %, −10 % → mean +5 % → 113.4
    assert float(average_growth(np.array([100, 120, 108])).value) == pytest.approx(113.4)


def test_cagr_uses_first_and_last_point():
    # 100 → … → 133.1 over 3 years: CAGR 10 % (numpy-financial rate) → 146.41
    assert float(cagr(np.array([100, 150, 90, 133.1])).value) == pytest.approx(146.41)


def test_linear_trend_extends_the_line():
    # 10, 12, 14, 16 → 18
    assert float(linear(np.array([10, 12, 14, 16.0]))) == pytest.approx(18.0)
    # only the last k+1 = 3 points count with k = 2: 50, 12, 14 → least squares at t=3: 12 + … ;
    # points (0,50),(1,12),(2,14): slope −18, mean 25.333 → 25.333 − 18 × (3 − 1) = −10.667
    assert float(linear(np.array([1, 50, 12, 14.0]), years=2)) == pytest.approx(76 / 3 - 36)


def test_zero_base_falls_back_to_linear_and_says_so():
    r = average_growth(np.array([[0.0, 1.0, 2.0, 3.0], [100.0, 110.0, 121.0, 133.1]]))
    assert r.fallback.tolist() == [True, False]
    assert r.value[0] == pytest.approx(4.0)


def test_unknown_method_is_named():
    with pytest.raises(BudgetInputError, match="quadratic"):
        trend(np.array([1.0, 2.0]), "quadratic")


def test_deviation_and_zero_trend():
    assert float(deviation(110.0, 100.0)) == pytest.approx(0.10)
    assert float(deviation(0.0, 0.0)) == 0.0
    assert float(deviation(5.0, 0.0)) == np.inf


def test_full_year_estimate_from_earlier_years_progress():
    # 2024: Jan–Sep 70 of 100; 2025: 80 of 100 → share (70 + 80)/(100 + 100) = 0.75; 2026 Jan–Sep 90 → 120
    est = estimate_full_year(np.array([90.0]), np.array([[70.0, 80.0]]), np.array([[100.0, 100.0]]), 9)
    assert est.full_year[0] == pytest.approx(120.0)
    assert est.share[0] == pytest.approx(0.75)
    assert not est.fallback[0]


def test_no_progress_history_uses_the_calendar():
    # nothing earlier to learn from: Jan–Sep is 9/12 of the year → 90 ÷ 0.75 = 120
    est = estimate_full_year(np.array([90.0]), np.array([[np.nan]]), np.array([[np.nan]]), 9)
    assert est.full_year[0] == pytest.approx(120.0)
    assert est.fallback[0]


def test_year_end_stock_by_the_seasonal_ratio():
    # 参保人数 of one unit: Sep → Dec was 98,000 → 100,000 (2024) and 100,000 → 103,000 (2025);
    # seasonal ratio = (100,000 + 103,000) ÷ (98,000 + 100,000) = 203,000 ÷ 198,000 = 1.025253
    # 2026 Sep 110,000 → year-end estimate 110,000 × 1.025253 = 112,777.8
    est = estimate_year_end_stock(np.array([110_000.0]), np.array([[98_000.0, 100_000.0]]),
                                  np.array([[100_000.0, 103_000.0]]), months=9)
    assert est.ratio[0] == pytest.approx(203_000 / 198_000)
    assert est.year_end[0] == pytest.approx(112_777.78, abs=0.01)
    assert not est.fallback[0]


def test_year_end_stock_per_unit_and_with_gaps():
    # unit 1 (平均缴费工资): only 2025 has both figures, 56,500 → 57,000: 60,000 × 57,000/56,500 = 60,530.97
    # unit 2: no earlier September figure at all → kept at its September value, flagged as a fallback
    est = estimate_year_end_stock(np.array([60_000.0, 80_000.0]),
                                  np.array([[np.nan, 56_500.0], [np.nan, np.nan]]),
                                  np.array([[55_000.0, 57_000.0], [75_000.0, 78_000.0]]), months=9)
    assert est.year_end.tolist() == pytest.approx([60_530.97, 80_000.0], abs=0.01)
    assert est.fallback.tolist() == [False, True]


def test_a_full_year_stock_is_its_own_year_end():
    est = estimate_year_end_stock(np.array([5.0]), np.array([[1.0]]), np.array([[2.0]]), months=12)
    assert est.year_end[0] == 5.0 and est.ratio[0] == 1.0
