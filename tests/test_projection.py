"""多年预测 — the tiny province rolled forward (figures in conftest.py; year-1 figures in test_forecast.py)."""

from __future__ import annotations

import numpy as np
import pytest

from examples import load_example
from models import items
from models.balance import interest_exact
from models.budget import run_budget
from models.errors import BudgetInputError
from models.projection import (
    ProjectionAssumptions,
    Shocks,
    load_projection_defaults,
    prepare_projection,
    project,
    roll_forward,
    share_by_year,
)
from tests.conftest import make_tiny

A = 0  # 甲市
B = 1  # 乙市

# Later-year assumptions spelled out so the hand calculations do not depend on the data file.
PLAIN = ProjectionAssumptions(expansion_growth=0.0, avg_wage_growth=0.05, national_income_growth=0.05,
                              allowance_exit_rate=0.1, dependant_exit_rate=0.0, dependants_per_death=(1, 0, 0),
                              subsidy_growth=0.0)


@pytest.mark.parametrize("make", [make_tiny, load_example], ids=["tiny", "example"])
def test_year_one_is_the_one_year_budget_exactly(make):
    inputs = make()
    r = run_budget(inputs)
    p = project(inputs, 5)
    pb = r.province
    for name in ("revenue", "expenditure", "surplus", "opening_balance", "closing_balance", "months_payable",
                 "floor", "floor_shortfall", "payroll", "average_rate", "premium_needed", "rate_needed"):
        assert getattr(p, name)[0] == getattr(pb, name), name
    for code in pb.lines.index:
        assert p.lines[code][0] == pb.lines.loc[code, "budget"], code
    for code in items.UNIT_ITEMS:
        np.testing.assert_array_equal(p.unit_lines[code][0], r.forecast.budget[code])
    ctx = p.sharing_context(p.years[0])
    for name in ("gap", "collections", "insured", "expenditure", "payroll", "collection_shortfall",
                 "province_deficit", "floor_shortfall", "current_surplus", "opening_balance"):
        np.testing.assert_array_equal(getattr(ctx, name), getattr(r.context, name))
    np.testing.assert_array_equal(share_by_year(p, r.options).share[:, 0], r.sharing.share)


def test_balances_chain_from_year_to_year():
    p = project(make_tiny(), 5)
    assert p.years == (2027, 2028, 2029, 2030, 2031)
    # 年末 = 年初 + 结余; next 年初 = this 年末; 结余 = 收入 − 支出; 收入 = items
    np.testing.assert_allclose(p.closing_balance, p.opening_balance + p.surplus, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(p.opening_balance[1:], p.closing_balance[:-1])
    np.testing.assert_allclose(p.surplus, p.revenue - p.expenditure, rtol=0, atol=1e-6)
    np.testing.assert_allclose(p.revenue, sum(p.lines[i] for i in items.REVENUE_ITEMS), rtol=1e-12)
    np.testing.assert_allclose(p.expenditure, p.unit_expenditure.sum(axis=-1), rtol=1e-12)
    # interest each year is ρ × the average of that year's opening and closing balance
    np.testing.assert_allclose(p.lines[items.INTEREST], 0.015 * (p.opening_balance + p.closing_balance) / 2,
                               rtol=1e-12)
    # 可支付月数 = 年末 ÷ (支出 ÷ 12); the floor is 12 months of expenditure
    np.testing.assert_allclose(p.months_payable, p.closing_balance / (p.expenditure / 12), rtol=1e-12)
    np.testing.assert_allclose(p.floor, p.expenditure, rtol=1e-12)


def test_two_year_roll_forward_by_hand():
    p = project(make_tiny(), 2, PLAIN)
    # 参保: 2027 end 110,000 + 4,000 = 114,000; 2028 average 114,000 + 0.5 × 4,000 = 116,000
    assert p.drivers["insured_avg"][1, A] == pytest.approx(116_000)
    assert p.drivers["insured_end"][1, A] == pytest.approx(118_000)
    # wage 63,000 × 1.05 = 66,150; premium = 116,000 × 66,150 × 44e6/6.3e9 = 53,592,000
    assert p.drivers["avg_wage"][1, A] == pytest.approx(66_150)
    assert p.unit_lines["premium"][1, A] == pytest.approx(53_592_000)
    # medical: 18,858,666.67 × 116,000/112,000 × 1.04 = 17e6 × 116,000/105,000 × 1.04²
    assert p.unit_lines["medical"][1, A] == pytest.approx(17e6 * 116_000 / 105_000 * 1.04**2)
    # 伤残待遇 2028:
    #  allowance (4,932,000 × (1 − 0.1) + new grades 3–4 of 2027 (1 × 0.80 + 2 × 0.75) × 6,000 × 12) × 1.03
    #          = (4,438,800 + 165,600) × 1.03 = 4,742,532 (2027 from Jiangxi's fixed increases, issue 10;
    #          later years still roll forward by the percentage path)
    #  care: recipients 100 × 0.9 + 3 = 93 → 1,056,000 × 93/100 × 1.05 (avg wage 8,400) = 1,031,184
    #  grants: 1,153 months × own wage 6,300 × 116/112 (same incidence) = 7,523,325
    #  medical grants: 758 months × 8,400 × 116/112 = 6,594,600
    assert p.unit_lines["disability"][1, A] == pytest.approx(4_742_532 + 1_031_184 + 7_523_325 + 6_594_600)
    # 工亡待遇 2028: dependants (1,297,800 + 5 deaths × 1 spouse × 0.4 × 6,000 × 12) × 1.03 = 1,485,054
    #  lump sums: 5 × 116/112 × (20 × 63,000 + 6 × 8,400) = 6,786,000
    assert p.unit_lines["death"][1, A] == pytest.approx(1_485_054 + 6_786_000)
    # 其他收入 keeps its trend growth: (10 % + 9.0909 %)/2 a year
    g = (0.1 + 10_000 / 110_000) / 2
    assert p.unit_lines["other_revenue"][1, A] == pytest.approx(120_000 * (1 + g) ** 2)
    # prevention plan grows by its trend growth (12.5 % + 11.11 %)/2; cap 3 % × 83,776,000 does not bind
    assert p.unit_lines["prevention"][1, A] == pytest.approx(1_100_000 * (1 + (0.125 + 1 / 9) / 2))
    # the province: opening 2028 = closing 2027; interest solved on the 2028 opening balance
    pre_interest = (p.unit_revenue[1].sum() - p.unit_expenditure[1].sum())
    assert p.opening_balance[1] == p.closing_balance[0]
    assert p.lines["interest"][1] == pytest.approx(float(interest_exact(p.opening_balance[1], pre_interest, 0.015)))


def test_rate_needed_puts_the_balance_on_the_floor_each_year():
    p = project(make_tiny(), 4)
    other = p.revenue - p.lines["premium"] - p.lines["interest"]
    net = p.premium_needed + other - p.expenditure
    closing = p.opening_balance + net + interest_exact(p.opening_balance, net, 0.015)
    np.testing.assert_allclose(closing, p.floor, rtol=1e-12)
    np.testing.assert_allclose(p.rate_needed, p.premium_needed / p.payroll, rtol=1e-12)


def test_first_breach_year():
    # months payable 11.89, 10.75, 9.79, 8.98, 8.32: a 12-month floor is breached in 2027, an
    # 11-month floor in 2028, a 0-month floor never
    assert project(make_tiny(), 5).first_breach == 2027
    assert project(make_tiny(reserve_months=11), 5).first_breach == 2028
    assert project(make_tiny(reserve_months=0), 5).first_breach is None


def test_zero_shocks_change_nothing_and_scenarios_broadcast():
    base = prepare_projection(make_tiny(), 3)
    plain = roll_forward(base)
    zero = roll_forward(base, Shocks(wage_growth=np.zeros((4, 1, 1)), new_cases=np.zeros((1, 3, 3))))
    assert zero.closing_balance.shape == (4, 3)
    assert zero.unit_lines["premium"].shape == (4, 3, 3)
    np.testing.assert_array_equal(zero.closing_balance, np.broadcast_to(plain.closing_balance, (4, 3)))
    np.testing.assert_array_equal(zero.unit_lines["death"][2], plain.unit_lines["death"])


def test_wage_shock_equals_a_budget_with_higher_wage_growth():
    # +1 point on wage growth in every year = the same province budgeted with 6 % instead of 5 %
    shocked = roll_forward(prepare_projection(make_tiny(), 3), Shocks(wage_growth=np.array([0.0, 0.01])[:, None, None]))
    higher = project(make_tiny(wage_growth=0.06), 3)
    np.testing.assert_allclose(shocked.closing_balance[1], higher.closing_balance, rtol=1e-12)
    np.testing.assert_allclose(shocked.unit_lines["premium"][1], higher.unit_lines["premium"], rtol=1e-12)


def test_collection_shortfall_after_year_one_against_a_plan():
    base = prepare_projection(make_tiny(), 2)
    plain = roll_forward(base)
    low = roll_forward(base, Shocks(collection=-0.1), collection_plan=plain.unit_lines["premium"])
    # 2027 shortfall is last year's data (甲市 45,000,000 − 44,000,000); 2028 charges the 10 % missed in 2027
    assert low.collection_shortfall[0, A] == pytest.approx(1_000_000)
    assert low.collection_shortfall[1, A] == pytest.approx(0.1 * 49_280_000)
    assert plain.collection_shortfall[1, A] == 0.0


def test_tables_reconcile_in_wan():
    p = project(load_example(), 5)
    t = p.table(wan=True)
    years = list(p.years)
    rev = t.loc[list(items.REVENUE_ITEMS), years].astype(float).sum()
    exp = t.loc[list(items.EXPENDITURE_ITEMS), years].astype(float).sum()
    np.testing.assert_allclose(rev, t.loc["revenue_total", years].astype(float), atol=1e-6)
    np.testing.assert_allclose(exp, t.loc["expenditure_total", years].astype(float), atol=1e-6)
    closing = t.loc["closing_balance", years].astype(float).to_numpy()
    opening = t.loc["opening_balance", years].astype(float).to_numpy()
    surplus = t.loc["surplus", years].astype(float).to_numpy()
    np.testing.assert_allclose(closing, opening + surplus, atol=1e-6)
    np.testing.assert_array_equal(opening[1:], closing[:-1])
    # rounded to the 万元: within a few cents of the unrounded figures
    np.testing.assert_allclose(closing, p.closing_balance / 1e4, atol=0.05)
    assert t.loc["revenue_total", "label"] == "收入合计"
    gap = p.unit_table("gap")
    assert list(gap.columns) == years and gap.shape == (12, 5)


def test_assumption_paths_and_sources():
    p = project(make_tiny(), 4, ProjectionAssumptions(wage_growth=[0.0, 0.10], medical_growth=0.06))
    np.testing.assert_allclose(p.paths["wage_growth"][:, A], [0.05, 0.0, 0.10, 0.10])   # last value repeats
    np.testing.assert_allclose(p.paths["medical_growth"], [0.04, 0.06, 0.06, 0.06])
    np.testing.assert_allclose(p.paths["interest_rate"], 0.015)                        # budget assumption kept
    table = p.assumption_table()
    assert "projection_defaults.toml" in table.loc["avg_wage_growth", "source"]
    assert table.loc["medical_growth", "source"] == "用户设定"
    # the data file marks every default as an assumption, not statute
    defaults = load_projection_defaults()
    for name in ("avg_wage_growth", "national_income_growth", "allowance_exit_rate"):
        assert "非法定" in defaults.entry(name, 2030).reference


@pytest.mark.parametrize("years", [0, 11, 2.5, True])
def test_years_out_of_range_are_refused(years):
    with pytest.raises(BudgetInputError, match="预测年数"):
        project(make_tiny(), years)


@pytest.mark.parametrize("kw", [dict(allowance_exit_rate=1.5), dict(wage_growth="abc"), dict(avg_wage_growth=-1.0),
                                dict(dependants_per_death=(1, 2)), dict(dependants_per_death=("a", 0, 0))])
def test_bad_projection_assumptions_are_refused(kw):
    with pytest.raises(BudgetInputError):
        project(make_tiny(), 3, ProjectionAssumptions(**kw))


def test_scenario_budget_assumptions_are_refused():
    with pytest.raises(BudgetInputError, match="单个数值"):
        project(make_tiny(wage_growth=np.array([0.04, 0.05])), 3)
