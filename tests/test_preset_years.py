"""预置方案在缺口年度和结余年度 — every preset on the example province, as shipped (a deficit year) and
with 3 亿元 more fiscal subsidy (a surplus year). Figures in 万元; the hand calculations use the example's
forecast: the cities' own gaps (支出 − 收入, positive part) add up to 30,506.72 万元 — 景德镇 5,404.92,
萍乡 9,945.21, 九江 2,145.63, 新余 7,703.57, 吉安 1,036.59, 宜春 1,246.69, 抚州 1,498.93, 上饶 1,525.18 — and
the management charges (上年征缴计划 − 预计征缴收入) to 2,029.21 万元 (景德镇 460.73, 萍乡 684.64, 新余 510.16,
吉安 24.26, 上饶 349.43).
"""

from __future__ import annotations

import dataclasses

import pytest

from examples import load_example
from models import items
from models.budget import run_budget

OWN_GAPS = 30_506.72
MANAGEMENT = 2_029.21


@pytest.fixture(scope="module")
def deficit_year():
    return run_budget(load_example())


@pytest.fixture(scope="module")
def surplus_year(deficit_year):
    inputs = load_example()
    subsidy = float(deficit_year.province.lines.loc[items.SUBSIDY, "budget"])   # 3,750 万元 by trend
    inputs.assumptions = dataclasses.replace(inputs.assumptions, subsidy_plan=subsidy + 3e8)
    return run_budget(inputs)


def shares(result, option: str):
    t = result.sharing.table(option).set_index("单位")
    return t, t.attrs


def test_the_two_years(deficit_year, surplus_year):
    # as shipped: 本年收支结余 −7,762.84 (the exact figure rounded); +3 亿 subsidy (and its interest)
    # turns it into a surplus of 22,463.86
    assert round(deficit_year.province.surplus / 1e4, 2) == -7_762.84
    assert round(surplus_year.province.surplus / 1e4, 2) == 22_463.86
    # the cities' gaps do not depend on the subsidy
    assert deficit_year.context.gap.tolist() == surplus_year.context.gap.tolist()


def test_anhui_deficit_year_8_2(deficit_year):
    # D = 30,506.72; rest after management charges 30,506.72 − 2,029.21 = 28,477.51; 结余 < 0 → 8:2:
    # cities 0.2 × 28,477.51 = 5,695.50 + 2,029.21 = 7,724.71; province 0.8 × 28,477.51 = 22,782.01.
    # 上饶: 349.43 + 5,695.50 × 1,525.18 / 30,506.72 = 349.43 + 284.75 = 634.18 (shown 634.17: the shares
    # are rounded so that they add up to the rounded total)
    t, attrs = shares(deficit_year, "anhui")
    assert attrs["应分担缺口"] == OWN_GAPS
    assert round(deficit_year.sharing.management[0].sum() / 1e4, 2) == MANAGEMENT
    assert t.loc["合计", "分担额"] == 7_724.71 and t.loc["省级承担", "分担额"] == 22_782.01
    assert t.loc["上饶", "自身缺口"] == 284.75 and t.loc["上饶", "分担额"] == pytest.approx(634.18, abs=0.011)
    assert "8:2" in attrs["条件"]


def test_anhui_surplus_year_9_1_keeps_the_management_charges(surplus_year):
    # 结余 > 0 → 9:1: cities 0.1 × 28,477.51 = 2,847.75 + 2,029.21 = 4,876.96; province 0.9 × 28,477.51
    # = 25,629.76. 上饶 keeps its 349.43 management charge: 349.43 + 2,847.75 × 1,525.18 / 30,506.72
    # = 349.43 + 142.37 = 491.80.
    # (Before issue 10 the preset shared max(0, E − R) = 0 here: every city 0, 上饶's charge gone.)
    t, attrs = shares(surplus_year, "anhui")
    assert attrs["应分担缺口"] == OWN_GAPS
    assert round(surplus_year.sharing.management[0].sum() / 1e4, 2) == MANAGEMENT
    assert t.loc["合计", "分担额"] == 4_876.96 and t.loc["省级承担", "分担额"] == 25_629.76
    assert t.loc["上饶", ["自身缺口", "分担额"]].tolist() == [142.37, 491.80]
    assert "9:1" in attrs["条件"]


@pytest.mark.parametrize("year", ["deficit_year", "surplus_year"])
def test_liaoning_both_years_8_2_with_the_reward(year, request):
    # 年初滚存结余 314,882.26 ≥ D 30,506.72 in both years → 8:2: cities 0.2 × 30,506.72 = 6,101.34,
    # 上饶 (rank 3) gets its 300 reward against its 305.04 → 5.04 (ranks 1 and 2, 赣州 and 南昌, have no gap,
    # so nothing to reduce); cities 6,101.34 − 300 = 5,801.34; province 24,405.38 + 300 = 24,705.38.
    t, attrs = shares(request.getfixturevalue(year), "liaoning")
    assert attrs["应分担缺口"] == OWN_GAPS
    assert t.loc["合计", ["自身缺口", "考核奖励", "分担额"]].tolist() == [6_101.34, -300.00, 5_801.34]
    assert t.loc["省级承担", "分担额"] == 24_705.38
    assert t.loc["上饶", "分担额"] == 5.04
    assert "足以弥补" in attrs["条件"]


def test_own_gap_and_weighted_mix_share_the_province_deficit_only(deficit_year, surplus_year):
    # deficit year: D = 7,762.84 — own_gap all to the cities, weighted_mix 5:5 → 3,881.42 each;
    # surplus year: D = max(0, E − R) = 0 → nothing to share
    t, attrs = shares(deficit_year, "own_gap")
    assert attrs["应分担缺口"] == 7_762.84 and t.loc["合计", "分担额"] == 7_762.84
    t, attrs = shares(deficit_year, "weighted_mix")
    assert t.loc["合计", "分担额"] == 3_881.42 and t.loc["省级承担", "分担额"] == 3_881.42
    for option in ("own_gap", "weighted_mix"):
        t, attrs = shares(surplus_year, option)
        assert attrs["应分担缺口"] == 0 and t.loc["合计", "分担额"] == 0
