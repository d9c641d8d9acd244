"""V506 分担方案条件或因素无法生效 — options whose branch or factor can never take effect."""

from __future__ import annotations

import numpy as np
import pytest

from examples import load_example
from models.sharing import load_presets, make_context
from models.validation import RULES, WARNING, validate
from models.validation.reachability import branch_findings, factor_findings, option_reachability

W = 10_000.0  # 万元 → 元


def context(**overrides):
    """甲 gap 6000, 乙 2000, 丙 −1000 万元; fiscal revenue 10/20/30 亿元; a deficit year."""
    base = dict(gap=np.array([6000, 2000, -1000]) * W, collections=np.array([1e4, 3e4, 6e4]) * W,
                insured=[100_000, 200_000, 300_000], expenditure=np.array([16e3, 32e3, 59e3]) * W,
                payroll=np.array([1e6, 3e6, 6e6]) * W, fiscal_revenue=np.array([1e5, 2e5, 3e5]) * W,
                current_surplus=-5000 * W, opening_balance=30_000 * W)
    base.update(overrides)
    return make_context(("甲", "乙", "丙"), **base)


# The old Anhui preset: it shared the province deficit max(0, E − R) under “本年收支结余为正 → 9:1”.
OLD_ANHUI = dict(name="old_anhui", label="旧安徽方案", amount="deficit", management_charge_ratio=1.0,
                 province_share={"basis": "surplus_positive", "if_true": 0.9, "if_false": 0.8},
                 weights={"own_gap": 1.0})


def test_rule_is_registered_as_a_warning():
    assert RULES["V506"].severity == WARNING and RULES["V506"].title == "分担方案条件或因素无法生效"


def test_deficit_basis_with_a_surplus_condition_never_applies_its_9_1_branch():
    # When 本年收支结余 > 0, D = max(0, −结余) = 0: the 9:1 branch and the 100 % management charge vanish
    found = branch_findings([OLD_ANHUI])
    assert [(i.rule, i.row, i.column, i.value) for i in found] == [
        ("V506", 0, "province_share.if_true", 0.9), ("V506", 0, "management_charge_ratio", 1.0)]
    assert "9:1" in found[0].message and "各市正缺口之和" in found[0].message
    assert all(i.severity == WARNING and i.table == "options" for i in found)


def test_the_same_condition_with_city_gaps_or_a_fixed_ratio_is_fine():
    city_gaps = {**OLD_ANHUI, "amount": "city_gaps"}
    same_ratio = {**OLD_ANHUI, "province_share": {"basis": "surplus_positive", "if_true": 0.8, "if_false": 0.8},
                  "management_charge_ratio": 0.0}
    balance = {**OLD_ANHUI, "province_share": {"basis": "balance_covers", "if_true": 0.8, "if_false": 0.6},
               "management_charge_ratio": 0.0}
    assert branch_findings([city_gaps, same_ratio, balance]) == []


def test_every_shipped_preset_is_reachable():
    assert option_reachability(load_presets(), context()) == []


def test_a_factor_zero_for_every_city():
    # fiscal capacity left 0 in every city: its 10 % of the pot returns to the province; with no city
    # running a gap (−1, 0, −5) the own-gap weight cannot place anything either
    mix = dict(name="mix", label="混合", weights={"own_gap": 0.6, "equal": 0.3, "fiscal_capacity": 0.1})
    found = factor_findings([mix], context(fiscal_revenue=[0, 0, 0]))
    assert [(i.row, i.column, i.value) for i in found] == [(0, "weights.fiscal_capacity", 0.1)]
    assert "财力" in found[0].message and "10%" in found[0].message
    found = factor_findings([mix], context(gap=np.array([-1, 0, -5]) * W))
    assert [(i.column, i.value) for i in found] == [("weights.own_gap", 0.6)]
    assert "没有支出大于收入的设区市" in found[0].message
    # 平均分摊 is never zero; one city with a value is enough
    assert factor_findings([mix], context(fiscal_revenue=[0, 0, 1])) == []


def test_a_zero_factor_in_one_scenario_is_found():
    gaps = np.array([[6000, 2000, -1000], [-1, -2, -3]]) * W     # the second scenario has no gap at all
    found = factor_findings([{"name": "g", "weights": {"own_gap": 1.0}}],
                            context(gap=gaps, current_surplus=np.array([-5000, 100]) * W))
    assert [i.column for i in found] == ["weights.own_gap"]


def test_unreadable_options_are_left_to_the_option_rules():
    assert option_reachability([{"name": "bad", "weights": {"luck": 1.0}}, "不是方案"], context()) == []


@pytest.fixture
def ex():
    return load_example()


def test_validate_reports_the_old_anhui_option_on_the_example(ex):
    # the example runs; the old option is the second in the user's list → row 1
    issues = [i for i in validate(ex, [load_presets()[2].to_dict(), OLD_ANHUI]) if i.rule == "V506"]
    assert [(i.row, i.column) for i in issues] == [(1, "province_share.if_true"), (1, "management_charge_ratio")]


def test_validate_reports_a_fiscal_factor_that_is_zero_everywhere(ex):
    ex.units.loc[ex.units["kind"] == "city", "fiscal_revenue"] = 0.0
    mix = next(o for o in load_presets() if o.name == "weighted_mix").to_dict()
    issues = [i for i in validate(ex, [mix]) if i.rule == "V506"]
    assert [(i.row, i.column, i.severity) for i in issues] == [(0, "weights.fiscal_capacity", WARNING)]
