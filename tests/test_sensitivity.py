"""敏感性分析 — one-at-a-time shocks on the tiny province's 2027 budget (figures in conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from models.budget import run_budget
from models.errors import BudgetInputError
from models.sensitivity import load_drivers, sensitivity
from tests.conftest import make_tiny

# interest on an extra ΔS of surplus before interest: ΔI = ρ/2 ÷ (1 − ρ/2) × ΔS (ρ = 1.5 %)
WITH_INTEREST = 1 + 0.015 / 2 / (1 - 0.015 / 2)


def test_zero_shocks_give_the_baseline_exactly():
    inputs = make_tiny()
    base = run_budget(inputs)
    s = sensitivity(inputs, sizes={d.name: (0.0, 0.0) for d in load_drivers()})
    assert (s.surplus == base.province.surplus).all()
    assert (s.closing == base.province.closing_balance).all()
    assert (s.shares == base.sharing.share).all()
    assert not s.surplus_effect.any() and not s.closing_effect.any() and not s.share_effect.any()


def test_all_shocks_run_as_one_scenario_axis():
    s = sensitivity(make_tiny())
    n = len(load_drivers())
    assert n == 6
    assert s.projection.lead_shape == (2 * n,)        # driver-major: low, high, low, high, …
    assert s.shares.shape == (n, 2, 4, 2)             # driver, low/high, 4 preset options, 2 cities


def test_collection_rate_effect_by_hand():
    s = sensitivity(make_tiny(), sizes={"collection": (-0.03, 0.03)})
    i = [d.name for d in s.drivers].index("collection")
    # premiums 49,280,000 + 24,640,000 + 9,856,000 = 83,776,000; ±3 % = ±2,513,280 before interest
    np.testing.assert_allclose(s.surplus_effect[i], [-2_513_280 * WITH_INTEREST, 2_513_280 * WITH_INTEREST])
    np.testing.assert_allclose(s.closing_effect[i], s.surplus_effect[i])   # the opening balance does not move


def test_new_case_rate_effect_by_hand():
    s = sensitivity(make_tiny(), sizes={"new_case_rate": (-0.1, 0.1)})
    i = [d.name for d in s.drivers].index("new_case_rate")
    # per city: grants 6,918,000 + medical grants 6,064,000 + death lump sums 6,240,000 = 19,222,000;
    # 甲市 and 乙市 → 38,444,000; ±10 % = ∓3,844,400 of surplus before interest
    np.testing.assert_allclose(s.surplus_effect[i], [3_844_400 * WITH_INTEREST, -3_844_400 * WITH_INTEREST])


def test_tornado_widest_swing_first_and_signs():
    t = sensitivity(make_tiny()).tornado()
    assert (np.diff(t["swing"].to_numpy()) <= 0).all()
    assert t.index[0] == "new_case_rate"               # ±10 % of 38.4 million of new-case benefits
    # faster wage growth raises premiums; faster medical growth lowers the balance
    assert t.loc["wage_growth", "surplus_effect_high"] > 0 > t.loc["wage_growth", "surplus_effect_low"]
    assert t.loc["medical_growth", "closing_effect_high"] < 0 < t.loc["medical_growth", "closing_effect_low"]


def test_city_shares_move_with_the_shock():
    s = sensitivity(make_tiny())
    table = s.share_table("own_gap")
    # own_gap: the whole provincial deficit goes to the cities, so a worse year raises their total share
    shares_low = table["base"] + table["collection_low"]
    assert shares_low.sum() > table["base"].sum()
    long = s.share_effects()
    assert len(long) == 6 * 4 * 2
    assert set(long["option"]) == {"anhui", "liaoning", "own_gap", "weighted_mix"}


def test_unknown_driver_is_refused():
    with pytest.raises(BudgetInputError, match="敏感性因素"):
        sensitivity(make_tiny(), sizes={"weather": (-1, 1)})
    with pytest.raises(BudgetInputError):
        sensitivity(make_tiny(), sizes={"collection": (0.1,)})
