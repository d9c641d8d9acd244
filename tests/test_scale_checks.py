"""元/万元 slips found by the vectorised median-of-others (plausibility), unit by unit, as a reviewer checks them."""

from __future__ import annotations

import numpy as np

from models.validation.plausibility import _ratio_outliers


def naive(values: np.ndarray) -> np.ndarray:
    """The rule as written: each positive value against np.median of the other positive values."""
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    out = np.zeros(len(v), dtype=bool)
    if ok.sum() < 3:
        return out
    for k in np.flatnonzero(ok):
        ratio = v[k] / np.median(v[ok & (np.arange(len(v)) != k)])
        out[k] = ratio >= 1000 or ratio <= 1 / 1000
    return out


def test_a_premium_typed_in_yuan_among_wan_yuan_years_is_flagged():
    # 保险费: 4,000 / 4,200 / 4,400 (万元 typed by mistake) and 46,000,000 yuan.
    # Others of 46,000,000: median of 4,000, 4,200, 4,400 = 4,200 → 46e6 / 4,200 ≈ 10,952 ≥ 1,000: flagged.
    # Others of 4,000: median of 4,200, 4,400, 46e6 = 4,400 → ratio 0.91: not flagged.
    values = np.array([4_000.0, 4_200.0, 4_400.0, 46_000_000.0])
    assert _ratio_outliers(values).tolist() == [False, False, False, True]


def test_units_are_judged_apart_and_need_three_positive_years():
    # 南昌: 100, 110, 120,000, 105 → 120,000 / median(100, 105, 110) = 120,000 / 105 ≈ 1,143: flagged.
    # 九江: 50,000,000 and 60,000,000 only (and a blank, a zero): fewer than three positive years, nothing flagged,
    # although 50e6 is 1,000× 南昌's values — units are never compared with each other here.
    values = np.array([100.0, 110.0, 120_000.0, 105.0, 50e6, np.nan, 0.0, 60e6])
    units = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert _ratio_outliers(values, units).tolist() == [False, False, True, False, False, False, False, False]


def test_same_flags_as_the_median_of_the_others_one_value_at_a_time():
    rng = np.random.default_rng(7)
    for size in range(0, 14):
        for _ in range(40):
            values = rng.lognormal(10, 1, size) * rng.choice([1, 1, 1, 1e-3, 1e3, 0, -1, np.nan], size)
            groups = rng.integers(0, 3, size)
            expected = np.zeros(size, dtype=bool)
            for g in range(3):
                expected[groups == g] = naive(values[groups == g])
            assert _ratio_outliers(values, groups).tolist() == expected.tolist()
            assert _ratio_outliers(values).tolist() == naive(values).tolist()


def test_the_synthetic_large_province_passes_the_data_check_its_balances_roll_forward():
    # The benchmark province (300 units, sizes drawn at random) must be a budget the gate accepts, else the
    # draft benchmarks would time a refusal. 2024 year-end balance = 2023 year-end balance + the units' revenue
    # + subsidy + interest − the units' expenditure, to the cent.
    from examples.synthetic import scaled_province
    from models import items
    from models.validation import validate

    inputs = scaled_province(300, seed=1)
    errors = [f for f in validate(inputs) if f.severity == "error"]
    assert errors == []
    ph = inputs.province_history.set_index(["year", "months"])
    h = inputs.history[(inputs.history["year"] == 2024) & (inputs.history["months"] == 12)]
    revenue = h[list(items.UNIT_REVENUE_ITEMS)].to_numpy().sum() + ph.loc[(2024, 12), items.SUBSIDY] \
        + ph.loc[(2024, 12), items.INTEREST]
    expenditure = h[list(items.EXPENDITURE_ITEMS)].to_numpy().sum()
    assert abs(ph.loc[(2023, 12), "balance_end"] + revenue - expenditure - ph.loc[(2024, 12), "balance_end"]) < 0.01
