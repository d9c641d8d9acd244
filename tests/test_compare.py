"""方案比较 — side-by-side comparison of sharing options (figures in 万元 unless said otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

from models.compare import CHANGE, MEASURES, PCT_COLLECTIONS, PER_INSURED, SHARE, compare
from models.errors import BudgetInputError
from models.sharing import load_presets, make_context

CITIES = ("甲", "乙", "丙")
WAN = 10_000.0


def context(**overrides):
    """甲 gap 6000, 乙 2000, 丙 −1000; deficit 5000; insured 10/20/30 万人; collections 1亿/3亿/6亿."""
    base = dict(
        gap=np.array([6000, 2000, -1000]) * WAN, collections=np.array([10_000, 30_000, 60_000]) * WAN,
        insured=[100_000, 200_000, 300_000], expenditure=np.array([16_000, 32_000, 59_000]) * WAN,
        payroll=np.array([1e6, 3e6, 6e6]) * WAN, fiscal_revenue=np.array([1e5, 2e5, 3e5]) * WAN,
        collection_shortfall=np.array([0, 500, 100]) * WAN, assessment_rank=[3, 1, 2],
        current_surplus=-5000 * WAN, opening_balance=30_000 * WAN,
    )
    base.update(overrides)
    return make_context(CITIES, **base)


def options(*names):
    return [p for p in load_presets() if p.name in names]


def test_anhui_against_own_gap_baseline():
    # anhui (issue 10: shares the cities' own gaps, D = 8000): 甲 1110, 乙 870, 丙 100, province 5920
    # (see test_sharing). own_gap: the province deficit 5000 split 6000:2000:0 → 3750, 1250, 0, province 0.
    # Per insured (元/人): 11,100,000 / 100,000 = 111.00; 8,700,000 / 200,000 = 43.50; 1,000,000 / 300,000 = 3.33.
    # % of collections: 1110 / 10000 = 11.10; 870 / 30000 = 2.90; 100 / 60000 = 0.17.
    # Change vs own_gap: −2640, −380, +100 → one city pays more, two pay less.
    c = compare(options("anhui", "own_gap"), context(), baseline="own_gap")
    assert c.baseline == "own_gap"
    anhui = c.wide[c.result.options[0].label]
    assert list(anhui.columns) == list(MEASURES)
    assert anhui.loc[list(CITIES), SHARE].tolist() == [1110, 870, 100]
    assert anhui.loc[list(CITIES), PER_INSURED].tolist() == [111.0, 43.5, 3.33]
    assert anhui.loc[list(CITIES), PCT_COLLECTIONS].tolist() == [11.1, 2.9, 0.17]
    assert anhui.loc[list(CITIES), CHANGE].tolist() == [-2640, -380, 100]
    # 城市合计: 2080; 20,800,000 / 600,000 = 34.67 元/人; 2080 / 100000 = 2.08 %; change 2080 − 5000 = −2920.
    assert anhui.loc["城市合计"].tolist() == [2080, 34.67, 2.08, -2920]
    assert anhui.loc["省级承担", [SHARE, CHANGE]].tolist() == [5920, 5920]
    assert anhui.loc["未能分配返还省级", SHARE] == 0
    assert anhui.loc["最高"].tolist() == [1110, 111.0, 11.1, 100]
    assert anhui.loc["最低"].tolist() == [100, 3.33, 0.17, -2640]
    assert (anhui.loc["增加城市数", CHANGE], anhui.loc["减少城市数", CHANGE]) == (1, 2)
    base = c.wide[c.result.options[1].label]
    assert base.loc[list(CITIES), SHARE].tolist() == [3750, 1250, 0]
    assert (base[CHANGE].dropna() == 0).all()


def test_long_table_for_charts():
    c = compare(options("anhui", "own_gap"), context())
    assert c.baseline == "anhui"                      # default: the first option
    assert len(c.long) == 2 * 4                       # 2 options × (3 cities + 省级承担)
    first = c.long[c.long["方案"] == "anhui"]
    assert first["单位"].tolist() == ["甲", "乙", "丙", "省级承担"]
    assert first[SHARE].tolist() == [1110, 870, 100, 5920]
    assert first["基准方案"].all() and not c.long[c.long["方案"] == "own_gap"]["基准方案"].any()
    # own_gap against anhui: 3750 − 1110 = 2640, 1250 − 870 = 380, 0 − 100 = −100, province 0 − 5920
    assert c.long[c.long["方案"] == "own_gap"][CHANGE].tolist() == [2640, 380, -100, -5920]


def test_returned_to_province_row():
    # Own gaps 100:300:600; caps of 10 % of collections 1000/2000/3000 → 100, 200, 300 against
    # D = 1000: every city pays its cap and 400 cannot be placed.
    opt = dict(name="cap", amount="fixed", fixed_amount=1000 * WAN, weights={"own_gap": 1.0},
               cap={"basis": "collections", "ratio": 0.1})
    c = compare([opt], context(gap=np.array([100, 300, 600]) * WAN, collections=np.array([1000, 2000, 3000]) * WAN))
    col = c.wide[("cap", SHARE)]
    assert col.loc[["甲", "乙", "丙", "城市合计", "省级承担", "未能分配返还省级"]].tolist() == [100, 200, 300, 600, 400, 400]


def test_zero_insured_or_collections_leave_the_ratio_blank():
    c = compare(options("own_gap"), context(insured=[0, 200_000, 300_000], collections=[0, 3e8, 6e8]))
    row = c.wide.loc["甲"]
    assert np.isnan(row.iloc[1]) and np.isnan(row.iloc[2])
    assert row.iloc[0] == 3750


def test_unknown_baseline_lists_the_options():
    with pytest.raises(BudgetInputError) as err:
        compare(options("anhui", "own_gap"), context(), baseline="shandong")
    assert "anhui" in err.value.message and "own_gap" in err.value.message


def test_scenarios_need_an_index():
    ctx = context(current_surplus=np.array([-5000, -20_000]) * WAN)
    with pytest.raises(BudgetInputError, match="情景"):
        compare(options("anhui"), ctx)
    second = compare(options("anhui", "own_gap"), ctx, index=(1,))
    alone = compare(options("anhui", "own_gap"), context(current_surplus=-20_000 * WAN))
    assert second.wide.equals(alone.wide)
