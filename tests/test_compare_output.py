"""`wibudget compare` output — the terminal tables and the CSV, built a column at a time from the comparison.

The fast renderer must print exactly what the generic aligned table (`text_table`) prints for the same rows,
and the CSV must keep its injection-safe unit names and plain figures.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from addin.cli.budget_commands import comparison_csv, comparison_measure_table, comparison_rows
from addin.report.text import text_table
from models.compare import CHANGE, MEASURES, compare
from models.sharing import load_presets, make_context


@pytest.fixture(scope="module")
def comparison():
    # four cities, one named "=A1" as a user may type it, one with a long Chinese name; a deficit year
    ctx = make_context(["南昌", "景德镇市高新技术产业开发区", "=A1", "萍乡"],
                       gap=[3_000_000.0, -500_000.0, 1_000_000.0, 12_345_678.9],
                       collections=[40e6, 8e6, 6e6, 25e6], insured=[120_000, 30_000, 20_000, 90_000],
                       expenditure=[43e6, 7.5e6, 7e6, 37e6], payroll=[9e9, 2e9, 1.5e9, 6e9],
                       fiscal_revenue=[6e10, 1e10, 8e9, 3e10], coefficient=[1.0, 0.8, 1.0, 1.0],
                       assessment_rank=[1, 2, np.nan, 3], current_surplus=-9_876_543.21, opening_balance=5e6)
    return compare(load_presets(), ctx, baseline="own_gap")


def generic_table(comp, measure: str) -> str:
    """The table as the generic renderer gives it (how `compare` printed it before)."""
    headers, rows = comparison_rows(comp, measure)
    if measure == CHANGE:
        rows = [[r[0], *[int(v) if r[0] in ("增加城市数", "减少城市数") else v for v in r[1:]]] for r in rows]
    return text_table(headers, rows, decimals=[0] + [2] * (len(headers) - 1), title=measure)


@pytest.mark.parametrize("measure", MEASURES)
def test_each_measure_prints_as_the_generic_aligned_table(comparison, measure):
    assert comparison_measure_table(comparison, measure) == generic_table(comparison, measure)


def test_rows_leave_out_only_all_blank_rows(comparison):
    # 人均分担 has no figure in the 省级承担 and 未能分配返还省级 rows (blank for every option)
    headers, rows = comparison_rows(comparison, "人均分担(元/人)")
    assert headers == ["单位", "anhui", "liaoning", "own_gap", "weighted_mix"]
    units = [r[0] for r in rows]
    assert "省级承担" not in units and "未能分配返还省级" not in units and "=A1" in units
    # the change in the counts of cities: the baseline (own_gap) against itself is 0 more, 0 fewer
    _, change_rows = comparison_rows(comparison, CHANGE)
    more = next(r for r in change_rows if r[0] == "增加城市数")
    assert more[3] == 0.0


def test_csv_keeps_plain_figures_and_quotes_formula_like_names(comparison):
    rows = list(csv.reader(io.StringIO(comparison_csv(comparison))))
    names = list(comparison.result.names)
    assert rows[0] == ["单位", *[f"{code}:{m}" for code in names for m in MEASURES]]
    by_unit = {r[0]: r[1:] for r in rows[1:]}
    assert "'=A1" in by_unit and "=A1" not in by_unit          # a name that would run as a formula
    wide = comparison.wide
    for unit, cells in by_unit.items():
        name = unit[1:] if unit == "'=A1" else unit
        expected = ["" if math.isnan(v) else f"{v:.2f}" for v in wide.loc[name].to_numpy(dtype=float)]
        assert cells == expected
    # own_gap, α = 0: the cities bear the whole deficit 987.65 万元 (9,876,543.21 元 rounded)
    share_total = by_unit["城市合计"][names.index("own_gap") * len(MEASURES)]
    assert share_total == "987.65"
