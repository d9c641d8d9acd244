"""Kept random numbers and starting points: a seeded risk run repeated (as an Excel recalculation does after an edit)
reuses its standard normals and the projection's starting point, and its figures are those of a fresh run."""

from __future__ import annotations

import numpy as np
import pytest

from examples import load_example
from models import risk
from models.budget import run_budget
from models.projection import prepare_projection


@pytest.fixture(scope="module")
def result():
    return run_budget(load_example())


def _fresh(result, **kw):
    risk._NORMALS.clear()
    return risk.simulate(result.inputs, result=result, **kw)


def test_a_repeated_seeded_run_gives_the_fresh_runs_figures(result):
    first = _fresh(result, draws=500, years=3, options=result.options[:1], seed=7)
    assert len(risk._NORMALS) == 1                     # 500 draws × 3 years × 12 units: kept
    again = risk.simulate(result.inputs, 500, 3, result.options[:1], seed=7, result=result)
    np.testing.assert_array_equal(first.closing_bands, again.closing_bands)
    np.testing.assert_array_equal(first.share_bands, again.share_bands)


def test_kept_numbers_served_in_blocks_equal_a_fresh_blocked_run(result, monkeypatch):
    _fresh(result, draws=400, years=3, options=result.options[:1], seed=11)     # one block: kept
    monkeypatch.setattr(risk, "draws_per_block", lambda *a, **k: 150)          # now 150 + 150 + 100 draws
    kept = risk.simulate(result.inputs, 400, 3, result.options, seed=11, result=result)
    fresh = _fresh(result, draws=400, years=3, options=result.options, seed=11)
    np.testing.assert_array_equal(kept.deficit_bands, fresh.deficit_bands)
    np.testing.assert_array_equal(kept.share_bands, fresh.share_bands)


def test_another_seed_or_size_draws_anew(result):
    a = _fresh(result, draws=300, years=3, options=result.options[:1], seed=1)
    b = risk.simulate(result.inputs, 300, 3, result.options[:1], seed=2, result=result)
    assert not np.array_equal(a.closing_bands, b.closing_bands)
    assert len(risk._NORMALS) == 2


def test_the_starting_point_is_kept_with_its_budget_result(result):
    # the same result and years: the very same starting point; another number of years or no result: a new one
    assert prepare_projection(result.inputs, 3, result=result) is prepare_projection(result.inputs, 3, result=result)
    assert prepare_projection(result.inputs, 4, result=result) is not prepare_projection(result.inputs, 3,
                                                                                          result=result)
    assert prepare_projection(result.inputs, 3) is not prepare_projection(result.inputs, 3)
