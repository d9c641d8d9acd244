"""Sharing and comparison worked out in blocks of options give the figures of one pass, to the last bit.

The engine normalises the factors once and then works the options in blocks (``block_cells``); caps are
solved only for the rows where they may bind; the components are rebuilt on demand. None of this may
change a figure: every test here compares against a hand calculation or against another blocking.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from examples.synthetic import scaled_province
from models.budget import run_budget
from models.compare import compare
from models.sharing import COMPONENTS, load_presets, make_context, share_options
from models.sharing.engine import _cap_option, _fill_to_caps, option_blocks


def seven_options():
    """The four presets and three variants of the weighted mix: another province share, coefficients off with
    a tight cap on payroll, and rewards for the first two ranks."""
    presets = list(load_presets())
    mix = presets[3]
    return [*presets,
            replace(mix, name="mix_70", label="加权·省70%", alpha_if_true=0.7, alpha_if_false=0.7),
            replace(mix, name="mix_payroll", label="加权·缴费工资封顶", use_coefficients=False,
                    cap_basis="payroll", cap_ratio=0.002),
            replace(mix, name="mix_rewards", label="加权·奖励", rewards=(2_000_000.0, 1_000_000.0))]


@pytest.fixture(scope="module")
def province_300():
    inputs = scaled_province(300, seed=1)
    result = run_budget(inputs, seven_options())
    return result


def test_option_blocks_cover_every_option_once():
    # 7 options × 300 cities = 2,100 cells; 1,000 cells a block → 3 options a block: [0, 3), [3, 6), [6, 7)
    assert option_blocks(7, 300, 1_000) == [slice(0, 3), slice(3, 6), slice(6, 7)]
    # a block never holds fewer than one option, however small the bound
    assert option_blocks(2, 300, 1) == [slice(0, 1), slice(1, 2)]


@pytest.mark.parametrize("block_cells", [1, 600, 1_000_000])
def test_blocks_of_options_give_the_one_shot_figures_to_the_last_bit(province_300, block_cells):
    ctx, opts = province_300.context, province_300.options
    whole = province_300.sharing
    blocked = share_options(opts, ctx, block_cells=block_cells)
    for name in ("amount", "alpha", "province_base", "pot", "unplaced", "cap_returned", "province", "management",
                 "rewards", "share", "components"):
        np.testing.assert_array_equal(getattr(blocked, name), getattr(whole, name), err_msg=name)
    for name in ("share", "province", "amount"):
        np.testing.assert_array_equal(blocked.rounded[name], whole.rounded[name], err_msg=name)
    # the comparison of the seven options, to the cent, and the long table alike
    one, other = compare(opts, ctx, result=whole), compare(opts, ctx, result=blocked)
    assert one.wide.equals(other.wide) and one.long.equals(other.long)
    for o in range(len(opts)):
        assert whole.table(o).equals(blocked.table(o))


def test_one_city_share_by_hand(province_300):
    # own_gap preset: α = 0, D = the province's deficit, shared by the cities' own (positive) gaps.
    # 300-unit synthetic province (seed 1): D = 71,101,708.09 元; 单位0201 has the largest gap, 6,147,226.09 元,
    # of Σ positive gaps 301,328,923.14 元 → share = 71,101,708.09 × 6,147,226.09 / 301,328,923.14
    # = 1,450,502.23 元 = 145.05 万元.
    r = province_300.sharing
    o = r.names.index("own_gap")
    i = r.cities.index("单位0201")
    assert r.amount[o] == pytest.approx(71_101_708.09, abs=0.01)
    assert r.share[o, i] == pytest.approx(1_450_502.23, abs=0.01)
    assert r.rounded["share"][o, i] == 145.05
    assert province_300.comparison.wide.loc["单位0201", ("按自身缺口分担（省级不承担）", "分担额(万元)")] == 145.05
    # the components of that share: all of it from the own-gap factor
    parts = r.option_components(o)[i]
    assert parts[COMPONENTS.index("own_gap")] == r.share[o, i]
    assert parts.sum() == pytest.approx(r.share[o, i], abs=1e-6)


def test_caps_solved_only_where_they_may_bind_give_the_full_solution():
    # Row 0: target 100 over scores 1, 1, 2 (λ0 = 25: uncapped shares 25, 25, 50) with caps 40, 40, 80 —
    #   no cap binds, the screen keeps the uncapped shares.
    # Row 1: the same with city 3's cap 30: it takes 30, the other 70 goes by score to cities 1 and 2 (35, 35).
    # Row 2: city 3's cap exactly at its uncapped share (50): a tie at the cap, left to the exact solver.
    # Row 3: caps 10, 10, 10 cannot take 100: each takes 10, 70 is returned.
    score = np.array([[1.0, 1.0, 2.0]] * 4)
    target = np.array([100.0] * 4)
    cap = np.array([[40.0, 40.0, 80.0], [40.0, 40.0, 30.0], [40.0, 40.0, 50.0], [10.0, 10.0, 10.0]])
    precap = target[:, None] * score / score.sum(axis=1, keepdims=True)
    shares, returned = _cap_option(target, score, cap, precap)
    full_shares, full_returned = _fill_to_caps(target, score, cap, precap)
    np.testing.assert_array_equal(shares, full_shares)
    np.testing.assert_array_equal(returned, full_returned)
    np.testing.assert_allclose(shares, [[25, 25, 50], [35, 35, 30], [25, 25, 50], [10, 10, 10]])
    np.testing.assert_allclose(returned, [0, 0, 0, 70])
    # only row 0: nothing binds, no shares to replace; only rows 1 and 3: every row solved
    none, nothing = _cap_option(target[:1], score[:1], cap[:1], precap[:1])
    assert none is None and nothing.tolist() == [0.0]
    both, back = _cap_option(target[[1, 3]], score[[1, 3]], cap[[1, 3]], precap[[1, 3]])
    np.testing.assert_array_equal(both, full_shares[[1, 3]])
    np.testing.assert_array_equal(back, full_returned[[1, 3]])


def test_scenarios_in_blocks_match_one_pass():
    # 3 scenarios × 4 cities (one named "=A1", as a user may type it); two options a block and one at a time
    rng = np.random.default_rng(3)
    lead = (3,)
    ctx = make_context(["甲", "乙", "丙", "=A1"], gap=rng.normal(2e6, 3e6, (*lead, 4)),
                       collections=rng.uniform(1e7, 3e7, (*lead, 4)), insured=rng.uniform(1e4, 5e4, (*lead, 4)),
                       expenditure=rng.uniform(1e7, 4e7, (*lead, 4)), payroll=rng.uniform(1e9, 3e9, (*lead, 4)),
                       fiscal_revenue=[3e9, 2e9, 1e9, 5e8], coefficient=[1.0, 0.8, 1.0, 1.2],
                       assessment_rank=[1, np.nan, 2, 3], current_surplus=[-5e6, 2e6, -1e7],
                       opening_balance=[1e8, 1e6, 5e6])
    opts = seven_options()
    whole = share_options(opts, ctx)
    for cells in (1, 8):
        blocked = share_options(opts, ctx, block_cells=cells)
        np.testing.assert_array_equal(blocked.share, whole.share)
        np.testing.assert_array_equal(blocked.components, whole.components)
        np.testing.assert_array_equal(blocked.rounded["share"], whole.rounded["share"])
    # every scenario on its own gives the same shares
    for s in range(3):
        one = share_options(opts, make_context(
            ctx.cities, gap=ctx.gap[s], collections=ctx.collections[s], insured=ctx.insured[s],
            expenditure=ctx.expenditure[s], payroll=ctx.payroll[s], fiscal_revenue=ctx.fiscal_revenue,
            coefficient=ctx.coefficient, assessment_rank=ctx.assessment_rank,
            current_surplus=ctx.current_surplus[s], opening_balance=ctx.opening_balance[s]))
        np.testing.assert_allclose(one.share, whole.share[:, s], rtol=1e-12, atol=1e-6)
