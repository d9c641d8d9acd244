"""二维受控舍入 — the 分市预算表's rounding: rows and columns add up, each cell within one cent.

Cells are in yuan; one step is 0.01 万元 = 100 元.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.report.rounding import MAX_WIDENING, controlled_round
from models.money import round_wan


def steps(wan: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(wan) * 100).astype(np.int64)


def test_three_cities_two_items_by_hand():
    # 医疗 and 伤残 of three cities, in yuan:
    #   甲 150 + 250 = 400 → 0.015 + 0.025 万元, row total exactly 0.04
    #   乙 150 + 150 = 300 → 0.015 + 0.015 万元, row total exactly 0.03
    #   丙 200 +  50 = 250 → 0.02  + 0.005 万元, row total 0.025 (remainder .5)
    # column totals as the official tables round them: 医疗 500 元 = 0.05, 伤残 450 元 = 0.045 → 0.05 (half up)
    # grand total 0.10; rows by largest remainder: 0.04, 0.03 and 丙 0.03 (the only remainder).
    # 丙's 医疗 0.02 is exact, so 丙's 伤残 goes up to 0.01; 伤残 then needs 0.05 − 0.01 = 0.04 from 甲 (0.02|0.03)
    # and 乙 (0.01|0.02); 医疗 needs 0.05 − 0.02 = 0.03 from 甲 and 乙 (0.01|0.02 each).
    # 甲 = 0.04 and 乙 = 0.03: 甲 takes 0.02 + 0.02 or 0.01 + 0.03; 乙 0.01 + 0.02 or 0.02 + 0.01 — the
    # columns force one of the two pairings, each cell down or up from its exact value.
    yuan = np.array([[150.0, 250.0], [150.0, 150.0], [200.0, 50.0]])
    cells, rows = controlled_round(yuan, np.array([0.05, 0.05]))
    assert rows.tolist() == [0.04, 0.03, 0.03]
    got = steps(cells)
    assert got[2].tolist() == [2, 1]
    assert got.tolist() in ([[2, 2], [1, 2], [2, 1]], [[1, 3], [2, 1], [2, 1]])
    assert steps(cells).sum(axis=0).tolist() == [5, 5]
    assert (np.abs(cells - yuan / 1e4) <= 0.01 + 1e-12).all()


def planted(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A table that has a down-or-up rounding: whole steps A ≥ 1 plus offsets e that sum to 0 in each
    row (so each row's exact total is whole) and |e| < 1 (so A is the floor or the ceiling of A + e)."""
    rng = np.random.default_rng(seed)
    whole = rng.integers(1, 10**6, (n, k))
    offsets = rng.uniform(-0.45, 0.45, (n, k))
    offsets -= offsets.mean(axis=1, keepdims=True)
    yuan = (whole + offsets) * 100.0
    return yuan, whole.sum(axis=0) / 100.0


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3_000), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_a_down_or_up_rounding_is_found_at_any_size(n, k, seed):
    yuan, col_totals = planted(n, k, seed)
    cells, rows = controlled_round(yuan, col_totals)
    got = steps(cells)
    assert (got.sum(axis=0) == steps(col_totals)).all()
    assert (got.sum(axis=1) == steps(rows)).all()
    assert (np.abs(got - yuan / 100.0) < 1.0).all()                  # every cell its floor or its ceiling


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3_000), st.integers(1, 8), st.integers(0, 2**32 - 1), st.sampled_from([1e2, 1e4, 1e7]),
       st.floats(0.0, 0.6))
def test_rows_and_columns_always_reconcile(n, k, seed, scale, zero_share):
    rng = np.random.default_rng(seed)
    yuan = np.round(rng.lognormal(0.0, 1.5, (n, k)) * scale * (rng.random((n, k)) >= zero_share), 2)
    col_totals = np.array([round_wan(c) for c in yuan.sum(axis=0)])
    cells, rows = controlled_round(yuan, col_totals)
    got = steps(cells)
    assert (got.sum(axis=0) == steps(col_totals)).all()
    assert (got.sum(axis=1) == steps(rows)).all()
    assert steps(rows).sum() == steps(col_totals).sum()                 # row totals share the grand total
    # row totals: largest remainder to the shown grand total Σ 列合计, so each is within a cent of its exact
    # total plus however far Σ 列合计 (each column rounded on its own) is from the exact grand total — e.g.
    # five columns of 3.40, 3.47, 2.32, 16.37, 15.30 steps (0.01 万元) shown as 3, 3, 2, 16, 15: 2.85 steps to take off
    drift = abs(col_totals.sum() - yuan.sum() / 1e4)
    assert (np.abs(rows - yuan.sum(axis=1) / 1e4) < 0.01 + drift + 1e-9).all()
    assert (got[yuan == 0] == 0).all()                                  # zero cells stay zero
    assert (np.abs(got - yuan / 100.0) <= MAX_WIDENING + 1).all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 50.0, 100.0, 150.0, 250.0, 320.0, 480.0]), min_size=2, max_size=3),
                min_size=2, max_size=3).filter(lambda t: len({len(r) for r in t}) == 1))
def test_whenever_a_down_or_up_rounding_exists_it_is_used(table):
    # Brute force over every down-or-up choice of a small table (at most 2^9 of them).
    yuan = np.array(table)
    col_totals = np.array([round_wan(c) for c in yuan.sum(axis=0)])
    cells, rows = controlled_round(yuan, col_totals)
    x = yuan / 100.0
    choices = [sorted({int(np.floor(v)), int(np.ceil(v))}) for v in x.ravel()]
    exists = any((np.array(c).reshape(x.shape).sum(axis=0) == steps(col_totals)).all()
                 and (np.array(c).reshape(x.shape).sum(axis=1) == steps(rows)).all()
                 for c in itertools.product(*choices))
    if exists:
        assert (np.abs(steps(cells) - x) < 1.0).all()
