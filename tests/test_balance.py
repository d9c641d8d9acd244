"""全省收支与储备 — balance identities, exact interest, reserve trigger and the rate needed."""

from __future__ import annotations

import numpy as np
import pytest

from models.balance import interest_exact, months_payable, premium_to_reach, province_budget
from models.forecast import forecast
from tests.conftest import make_tiny


def test_interest_on_average_balance_is_exact():
    # B0 = 100, S = −20, ρ = 2 %: I = 0.02 × (100 − 10)/(1 − 0.01) = 1.8/0.99 = 1.818181…
    i = float(interest_exact(100.0, -20.0, 0.02))
    assert i == pytest.approx(1.8 / 0.99)
    b1 = 100.0 - 20.0 + i
    assert i == pytest.approx(0.02 * (100.0 + b1) / 2)  # the defining identity holds
    assert float(interest_exact(-50.0, -20.0, 0.02)) == 0.0  # a negative balance earns nothing


def test_months_payable():
    # 1,200 万 balance, 2,400 万 a year → 200 万 a month → 6 months
    assert float(months_payable(12_000_000, 24_000_000)) == pytest.approx(6.0)
    assert float(months_payable(1.0, 0.0)) == np.inf


def test_premium_to_reach_hits_the_target():
    # opening 100, other revenue 5, expenditure 120, ρ 1.5 %: find P so that B1 = 110
    p = float(premium_to_reach(110.0, 100.0, 5.0, 120.0, 0.015))
    s = p + 5.0 - 120.0
    assert 100.0 + s + float(interest_exact(100.0, s, 0.015)) == pytest.approx(110.0)


def tiny_budget(**kw):
    inputs = make_tiny(**kw)
    fc = forecast(inputs)
    return inputs, fc, province_budget(inputs, fc)


def test_province_totals_and_balance_identities():
    _, fc, pb = tiny_budget()
    # units: 甲 = 1, 乙 = 0.5, 省本级 = 0.2 of 甲's flows; 乙 keeps 甲's disability and death benefits
    other_rev = 120_000 * (1 + (0.1 + 10_000 / 110_000) / 2)
    revenue_units = 1.7 * (49_280_000 + other_rev)
    medical = 17_000_000 * 112_000 / 105_000 * 1.04
    appraisal = 440_000 * (1 + (0.05 + 20_000 / 420_000) / 2)
    other_exp = 240_000 * (1 + (0.1 + 20_000 / 220_000) / 2)
    # 伤残待遇 18,970,000 (allowance 4,932,000 with Jiangxi's fixed increases; 18,982,000 before issue 10)
    expenditure = 1.7 * (medical + appraisal + 1_100_000 + other_exp) + 2 * (18_970_000 + 7_537_800)
    assert pb.expenditure == pytest.approx(expenditure)
    # 2026 estimate: units' revenue 1.7 × 44.12 M, expenditure 1.7 × 44.68 M, interest 1.2 M, subsidy 0
    b0 = 90_000_000 + 1.7 * 44_120_000 + 1_200_000 - 1.7 * 44_680_000
    assert pb.opening_balance == pytest.approx(b0)                  # 90,248,000
    s = revenue_units - expenditure
    interest = 0.015 * (b0 + s / 2) / (1 - 0.0075)
    assert pb.lines.loc["interest", "budget"] == pytest.approx(interest)
    assert pb.revenue == pytest.approx(revenue_units + interest)
    assert pb.surplus == pytest.approx(pb.revenue - pb.expenditure)                 # 本年收支结余
    assert pb.closing_balance == pytest.approx(pb.opening_balance + pb.surplus)     # 年末滚存结余
    assert pb.months_payable == pytest.approx(pb.closing_balance / (pb.expenditure / 12))
    assert pb.lines["budget"].sum() == pytest.approx(pb.revenue + pb.expenditure)


def test_reserve_trigger_and_rate_needed():
    _, fc, pb = tiny_budget()
    # closing ≈ 87.38 M is below 12 months of expenditure ≈ 88.20 M: the trigger fires
    assert pb.closing_balance < pb.floor
    assert pb.trigger
    assert pb.floor_shortfall == pytest.approx(pb.floor - pb.closing_balance)
    # raising premiums to premium_needed puts the closing balance exactly on the floor
    extra = pb.premium_needed - fc.budget["premium"].sum()
    s = pb.revenue - pb.lines.loc["interest", "budget"] + extra - pb.expenditure
    b1 = pb.opening_balance + s + float(interest_exact(pb.opening_balance, s, 0.015))
    assert b1 == pytest.approx(pb.floor)
    assert pb.rate_needed == pytest.approx(pb.premium_needed / pb.payroll)
    assert pb.rate_needed > pb.average_rate


def test_no_trigger_with_a_shorter_floor():
    _, _, pb = tiny_budget(reserve_months=6)
    assert not pb.trigger
    assert pb.floor_shortfall == 0.0
    assert pb.rate_needed < pb.average_rate  # 以支定收: the floor could be kept with a lower rate
