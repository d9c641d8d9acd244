"""预算编制主流程 — the example province end to end: every table reconciles."""

from __future__ import annotations

import numpy as np
import pytest

from examples import load_example
from models import items
from models.balance import official_lines
from models.budget import run_budget
from models.errors import BudgetInputError
from models.money import round_wan


@pytest.fixture(scope="module")
def result():
    return run_budget(load_example())


def test_units_add_up_to_the_province(result):
    fc, pb = result.forecast, result.province
    table = fc.table()
    for it in items.UNIT_ITEMS:
        assert pb.lines.loc[it, "budget"] == pytest.approx(table[it].sum())
    assert pb.expenditure == pytest.approx(table["expenditure_total"].sum())
    assert pb.revenue == pytest.approx(table["revenue_total"].sum() + pb.lines.loc["subsidy", "budget"]
                                       + pb.lines.loc["interest", "budget"])


def test_official_tables_reconcile_to_the_cent(result):
    rev = official_lines(result.province, "revenue")
    exp = official_lines(result.province, "expenditure")
    for df, total in ((rev, "revenue_total"), (exp, "expenditure_total")):
        parts = df.drop(index=[total] + (["benefit_total"] if "benefit_total" in df.index else []))
        for col in ("estimate", "budget"):
            assert round(parts[col].sum(), 2) == df.loc[total, col]
    # the 合计 rows are the engine's totals rounded on their own
    assert rev.loc["revenue_total", "budget"] == round_wan(result.province.revenue)
    assert exp.loc["expenditure_total", "budget"] == round_wan(result.province.expenditure)
    assert exp.loc["benefit_total", "budget"] == round(exp.loc[list(items.BENEFIT_ITEMS), "budget"].sum(), 2)


def test_every_option_shares_exactly_the_amount(result):
    for o, opt in enumerate(result.options):
        table = result.sharing.table(o)
        cities = table.iloc[:-2]
        total_row, province_row = table.iloc[-2], table.iloc[-1]
        assert round(cities["分担额"].sum(), 2) == total_row["分担额"]
        amount = round_wan(float(result.sharing.amount[o]))
        assert round(total_row["分担额"] + province_row["分担额"], 2) == amount, opt.name
        assert (cities["分担额"] >= 0).all()


def test_city_gaps_feed_the_sharing(result):
    fc = result.forecast
    np.testing.assert_allclose(result.context.gap, fc.gap()[fc.city_mask])
    # the province deficit shared is E − R of the province budget
    assert result.context.province_deficit == pytest.approx(max(0.0, -result.province.surplus))


def test_unknown_option_factor_is_a_clear_error():
    # the position is data (the option's weights), not words in the message
    with pytest.raises(BudgetInputError, match="分担因素") as caught:
        run_budget(load_example(), options=[{"name": "x", "label": "x", "weights": {"population": 1.0}}])
    assert caught.value.column.startswith("weights")
