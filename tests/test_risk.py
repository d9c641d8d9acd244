"""储备风险 — Monte Carlo on the tiny province (figures in conftest.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from examples import load_example
from models import risk
from models.errors import BudgetInputError
from models.projection import SHOCK_FIELDS
from models.risk import (
    DRAFT_DRAWS_MAX,
    DRAFT_DRAWS_MIN,
    MAX_DRAWS,
    Distribution,
    check_distributions,
    draw_shocks,
    draws_for_size,
    load_distributions,
    max_draws,
    simulate,
    zero_variance,
)
from tests.conftest import make_tiny


def only(name: str, **spread) -> tuple[Distribution, ...]:
    """Every driver without spread except `name`."""
    return tuple(replace(d, **spread) if d.name == name else d for d in zero_variance(load_distributions()))


def test_zero_variance_is_the_deterministic_projection():
    r = simulate(make_tiny(), draws=50, years=4, distributions=zero_variance(load_distributions()))
    base = r.baseline
    np.testing.assert_array_equal(r.closing, np.broadcast_to(base.closing_balance, (50, 4)))
    np.testing.assert_array_equal(r.surplus, np.broadcast_to(base.surplus, (50, 4)))
    for bands, exact in ((r.closing_bands, base.closing_balance), (r.deficit_bands, base.deficit),
                         (r.months_bands, base.months_payable)):
        np.testing.assert_array_equal(bands, np.broadcast_to(exact, bands.shape))
    np.testing.assert_array_equal(r.share_bands, np.broadcast_to(r.baseline_shares, r.share_bands.shape))
    np.testing.assert_array_equal(r.prob_below_floor, base.below_floor.astype(float))


def test_same_seed_same_result_other_seed_differs():
    one = simulate(make_tiny(), draws=500, years=3, seed=7)
    two = simulate(make_tiny(), draws=500, years=3, seed=7)
    other = simulate(make_tiny(), draws=500, years=3, seed=8)
    np.testing.assert_array_equal(one.closing, two.closing)
    np.testing.assert_array_equal(one.share_bands, two.share_bands)
    np.testing.assert_array_equal(one.prob_below_floor, two.prob_below_floor)
    assert not np.array_equal(one.closing, other.closing)


def test_percentiles_monotone_and_probabilities_bounded():
    r = simulate(make_tiny(), draws=2_000, years=5, seed=1)
    assert r.percentiles == (5.0, 25.0, 50.0, 75.0, 95.0)
    for bands in (r.deficit_bands, r.surplus_bands, r.closing_bands, r.months_bands, r.share_bands, r.province_bands):
        assert (np.diff(bands, axis=0) >= 0).all()
    assert r.share_bands.shape == (5, 4, 5, 2)         # percentile, option, year, city
    for p in (r.prob_below_floor, r.prob_breached_by):
        assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(r.prob_breached_by) >= 0).all()
    assert (r.prob_breached_by >= r.prob_below_floor).all()
    assert (r.deficit_bands >= 0).all()
    table = r.table()
    assert list(table.index) == [2027, 2028, 2029, 2030, 2031]
    assert table.loc[2027, "closing_p5"] <= table.loc[2027, "closing_p95"]
    shares = r.share_table("own_gap", 2028)
    assert list(shares.columns) == ["baseline", "p5", "p25", "p50", "p75", "p95"]


def test_collection_risk_probability_by_hand():
    # Only collections vary: premium × (1 + c), c ~ N(0, 2 %), the same draw for every unit.
    # 2027: closing 87,378,886.06 vs floor 88,200,788.31 → short by 821,902.25; a premium change cP
    # moves the closing balance by cP × (1 + ρ/2 ÷ (1 − ρ/2)) with P = 83,776,000, ρ = 1.5 %.
    # P(below floor) = P(c < 821,902.25 / (83,776,000 × 1.0075567)) = Φ(0.0097374 / 0.02) = Φ(0.4869) ≈ 0.687
    r = simulate(make_tiny(), draws=20_000, years=1, seed=3,
                 distributions=only("collection", sd=0.02, scope="province"))
    z = 821_902.25 / (83_776_000 * (1 + 0.0075 / 0.9925)) / 0.02
    phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    assert phi == pytest.approx(0.687, abs=0.001)
    assert r.prob_below_floor[0] == pytest.approx(phi, abs=0.015)   # 20,000 draws: standard error 0.0033


def test_lognormal_factors_have_mean_one_and_poisson_spread():
    rng = np.random.default_rng(11)
    dists = [Distribution("deaths", "工亡人数", "deaths", "lognormal", cv=0.0, poisson=True)]
    shocks = draw_shocks(dists, 40_000, 2, 2, rng, expected_counts={"deaths": np.array([4.0, 0.0])})
    factor = 1 + shocks.deaths                        # (draws, years, units)
    assert factor.shape == (40_000, 2, 2)
    # 4 expected deaths: Poisson-like coefficient of variation 1/√4 = 0.5; mean 1
    assert factor[..., 0].mean() == pytest.approx(1.0, abs=0.01)
    assert factor[..., 0].std() == pytest.approx(0.5, abs=0.02)
    assert (factor[..., 1] == 1.0).all()              # no expected deaths: no noise


def test_province_and_unit_scopes():
    rng = np.random.default_rng(0)
    dists = [Distribution("w", "工资增长率", "wage_growth", sd=0.01, scope="province"),
             Distribution("c", "征缴率", "collection", sd=0.02, scope="unit")]
    shocks = draw_shocks(dists, 10, 3, 4, rng)
    assert np.shape(shocks.wage_growth) == (10, 3, 1)
    assert np.shape(shocks.collection) == (10, 3, 4)


@pytest.mark.parametrize("draws", [0, -5, 2.5, 10**9])
def test_bad_draw_count_is_refused(draws):
    with pytest.raises(BudgetInputError, match="模拟次数"):
        simulate(make_tiny(), draws=draws, years=2)


def test_bad_distributions_are_refused():
    with pytest.raises(BudgetInputError, match="泊松"):
        simulate(make_tiny(), 10, 2, distributions=[Distribution("w", "工资", "wage_growth", "normal", poisson=True)])
    twice = [Distribution("a", "甲", "collection", sd=0.1), Distribution("b", "乙", "collection", sd=0.2)]
    with pytest.raises(BudgetInputError, match="只能有一个分布"):
        simulate(make_tiny(), 10, 2, distributions=twice)
    with pytest.raises(BudgetInputError):
        simulate(make_tiny(), 10, 2, distributions=[Distribution("a", "甲", "collection", sd=-0.1)])


def test_progress_is_reported_after_each_step():
    calls = []
    simulate(make_tiny(), draws=20, years=3, progress=lambda done, total: calls.append((done, total)))
    # the projection of all draws, then the sharing of each of the 3 years
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_too_large_a_run_is_refused_and_the_limit_counts_options():
    # The example: 4 options, 11 cities. Kept for every draw and year: 4 × (11 + 1) shares and province
    # figures + 6 per-draw series = 54 numbers; 10 years → 540. 512 MiB = 67,108,864 numbers ÷ 540 = 124,275.
    assert max_draws(10, 4, 11) == 124_275
    with pytest.raises(BudgetInputError, match="最多 124,275 次"):
        simulate(load_example(), draws=200_000, years=10)
    # one option: 10 × (12 + 6) = 180 a draw → 372,827, above MAX_DRAWS; ten options: 10 × 126 → 53,261
    assert max_draws(10, 1, 11) == MAX_DRAWS
    assert max_draws(10, 10, 11) == 53_261


# Figures of a seeded run of the tiny province (300 draws, 3 years, default seed and distributions), taken
# from the engine run as one block of draws (re-taken after the year-end stock estimate and the uprating rules
# changed the budget year's figures); a block-wise run must reproduce them.
TINY_PROB_BELOW_FLOOR = [123 / 300, 225 / 300, 274 / 300]
TINY_CLOSING_P50 = [88_404_089.16878566, 86_278_340.60591358, 84_741_757.03193554]
TINY_WEIGHTED_MIX_P95 = [[2_796_468.145391581, 2_432_585.7893496687], [3_199_578.28551235, 2_647_540.544293065],
                         [3_031_731.31238788, 2_879_971.168467098]]
TINY_MONTHS_P50 = [12.181012501234957, 11.064694634750566, 9.9483966482576]
TINY_CLOSING_FIRST_DRAW = [90_285_518.98162523, 88_619_524.97930783, 88_166_291.51377545]
TINY_CLOSING_LAST_DRAW = [88_989_971.30643526, 90_716_438.69156064, 91_558_074.5805814]


def check_tiny_figures(r) -> None:
    assert r.prob_below_floor.tolist() == TINY_PROB_BELOW_FLOOR                # counts of draws: exact
    assert r.closing_bands[2] == pytest.approx(TINY_CLOSING_P50, rel=1e-9)
    assert r.share_bands[4, 3] == pytest.approx(np.array(TINY_WEIGHTED_MIX_P95), rel=1e-9)
    assert r.months_bands[2] == pytest.approx(TINY_MONTHS_P50, rel=1e-9)
    assert r.closing[0].tolist() == TINY_CLOSING_FIRST_DRAW                   # the same random numbers
    assert r.closing[-1].tolist() == TINY_CLOSING_LAST_DRAW


def test_seeded_run_reproduces_the_figures_of_the_one_block_engine():
    check_tiny_figures(simulate(make_tiny(), draws=300, years=3))


@pytest.mark.parametrize("work_bytes", [1, 300_000])
def test_blocks_of_draws_give_the_same_run(monkeypatch, work_bytes):
    whole = simulate(make_tiny(), draws=300, years=3)
    monkeypatch.setattr(risk, "WORK_BYTES", work_bytes)   # 1 byte: one draw a block; else a few dozen a block
    assert risk.draws_per_block(3, 3, 2) < 300
    calls = []
    r = simulate(make_tiny(), draws=300, years=3, progress=lambda done, total: calls.append((done, total)))
    check_tiny_figures(r)
    for name in ("surplus", "closing", "floor", "prob_breached_by", "deficit_bands", "closing_bands", "months_bands"):
        np.testing.assert_array_equal(getattr(r, name), getattr(whole, name))
    # shares: the same up to the last bits of float sums (a one-row block may sum in another order)
    np.testing.assert_allclose(r.share_bands, whole.share_bands, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(r.province_bands, whole.province_bands, rtol=1e-12, atol=1e-6)
    blocks = -(-300 // risk.draws_per_block(3, 3, 2))
    assert calls[-1] == (blocks * 4, blocks * 4) and len(calls) == blocks * 4


def test_shock_stream_hands_out_the_one_shot_draws_block_by_block():
    dists = [replace(d, cv=0.1, poisson=True) if d.field == "deaths" else d for d in load_distributions()]
    counts = {"new_cases": np.array([3.0, 0.0, 9.0]), "deaths": np.array([1.0, 2.0, 0.0])}
    whole = draw_shocks(dists, 50, 4, 3, np.random.default_rng(9), counts)
    stream = risk._ShockStream(check_distributions(dists), 50, 4, 3, np.random.default_rng(9), counts)
    parts = [stream.next_block(n) for n in (7, 1, 30, 12)]
    for name in SHOCK_FIELDS:
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(whole, name))


def test_draws_for_size_follows_the_documented_rule():
    # small provinces keep the full 2,000 draws
    assert draws_for_size(12, 1, 3) == DRAFT_DRAWS_MAX
    assert draws_for_size(300, 1, 3) == DRAFT_DRAWS_MAX
    # 3,000 units, 1 option, 3 years: one draw ≈ 3 × (3,000 × 0.3 µs + 1 × 3,000 × 0.5 µs) = 7.2 ms;
    # 1.5 s ÷ 7.2 ms = 208 → 200 (whole hundreds)
    assert draws_for_size(3_000, 1, 3) == 200
    # twice the time budget: 3 s ÷ 7.2 ms = 416 → 400
    assert draws_for_size(3_000, 1, 3, time_budget_s=3.0) == 400
    # never below the floor of 200 draws, and never above what memory allows
    # (30,000 units, 1 option, 5 years: one draw ≈ 0.12 s, 1.5 s → 12; memory allows 447)
    assert draws_for_size(30_000, 1, 5) == DRAFT_DRAWS_MIN
    assert draws_for_size(3_000, 1, 3, time_budget_s=1e6) == DRAFT_DRAWS_MAX
    # 30,000 units, 10 options, 10 years: 10 × (10 × 30,001 + 6) = 3,000,070 numbers a draw;
    # 67,108,864 ÷ 3,000,070 = 22 draws fit
    assert draws_for_size(30_000, 10, 10, time_budget_s=1e6) == max_draws(10, 10, 30_000) == 22
    for units in (1, 12, 299, 3_000, 30_000):
        d = draws_for_size(units, 4, 5)
        assert 1 <= d <= DRAFT_DRAWS_MAX and (d % 100 == 0 or d == max_draws(5, 4, units))


def test_the_yearly_figures_need_no_sharing():
    # GS_RISK's yearly table shares no option (share=False): the same draws give the same yearly figures as a
    # run that shares every option — 123 of 300 draws below the floor in year 1, P50 of 年末滚存结余 as above
    alone = simulate(make_tiny(), draws=300, years=3, share=False)
    shared = simulate(make_tiny(), draws=300, years=3)
    assert alone.prob_below_floor.tolist() == TINY_PROB_BELOW_FLOOR
    assert alone.closing_bands[2] == pytest.approx(TINY_CLOSING_P50, rel=1e-9)
    for name in ("surplus", "closing", "floor", "prob_breached_by", "deficit_bands", "closing_bands", "months_bands"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(shared, name))
    assert alone.options == () and alone.share_bands.shape == (5, 0, 3, 2)
