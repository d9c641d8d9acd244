"""储备风险 — Monte Carlo on the tiny province (figures in conftest.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from examples import load_example
from models.errors import BudgetInputError
from models.risk import Distribution, draw_shocks, load_distributions, simulate, zero_variance
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


def test_too_large_a_run_is_refused():
    with pytest.raises(BudgetInputError, match="模拟规模过大"):
        simulate(load_example(), draws=100_000, years=10)   # 100,000 × 10 × 12 units = 12 million cells
