"""The validation rule set on pure data: the synthetic example province, broken one thing at a time.

Rows of the example's history table (examples/jiangxi/history.csv) are found by unit, year and
months; figures quoted in comments are the example's own.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from examples import load_example
from models.inputs import BudgetInputs
from models.sharing import load_presets
from models.validation import ERROR, MAX_PER_COLUMN, RULES, WARNING, Issue, rules_table, validate


@pytest.fixture
def ex() -> BudgetInputs:
    return load_example()


def at(inputs: BudgetInputs, unit: str, year: int, months: int = 12) -> int:
    """Row position of (unit, year, months) in the history table."""
    h = inputs.history
    hits = np.flatnonzero((h["unit"] == unit) & (h["year"] == year) & (h["months"] == months))
    assert len(hits) == 1
    return int(hits[0])


def where(issues: list[Issue]) -> set[tuple]:
    return {(i.rule, i.table, i.row, i.column) for i in issues}


def only(issues: list[Issue], rule: str) -> list[Issue]:
    return [i for i in issues if i.rule == rule]


def as_object(frame: pd.DataFrame, column: str) -> None:
    frame[column] = frame[column].astype(object)


# ---------------------------------------------------------------- the registry


def test_every_rule_has_an_id_severity_title_and_description():
    assert len(RULES) >= 30
    for rid, rule in RULES.items():
        assert rid == rule.id and rid[0] == "V" and len(rid) == 4
        assert rule.severity in (ERROR, WARNING)
        assert rule.title and rule.description
    table = rules_table()
    assert list(table.columns) == ["规则", "级别", "名称", "说明"]
    assert len(table) == len(RULES)


def test_the_example_province_and_the_presets_pass_every_rule(ex):
    assert validate(ex, [o.to_dict() for o in load_presets()]) == []


# ---------------------------------------------------------------- cells


def test_text_error_values_and_logicals_in_number_columns_are_named(ex):
    as_object(ex.history, "premium")
    ex.history.loc[at(ex, "九江", 2022), "premium"] = "1,234"      # numeric text: converted by the reader, not here
    ex.history.loc[at(ex, "新余", 2022), "premium"] = "#DIV/0!"
    ex.history.loc[at(ex, "赣州", 2022), "premium"] = True
    issues = validate(ex)
    assert {("V103", "history", at(ex, "九江", 2022), "premium"), ("V105", "history", at(ex, "新余", 2022), "premium"),
            ("V103", "history", at(ex, "赣州", 2022), "premium")} <= where(issues)
    assert only(issues, "V105")[0].unit == "新余"
    assert "1,234" in only(issues, "V103")[0].message


def test_blank_is_an_error_only_in_required_columns(ex):
    ex.plans.loc[0, "wage_growth"] = math.nan              # optional: the assumption is used
    ex.beneficiaries.loc[2, "care_1"] = math.nan           # 萍乡 护理1级人数: required
    issues = validate(ex)
    assert where(issues) == {("V102", "beneficiaries", 2, "care_1")}
    assert issues[0].unit == "萍乡"


def test_negative_counts_and_amounts_are_refused_but_rate_changes_may_be_negative(ex):
    ex.history.loc[at(ex, "鹰潭", 2022), "medical"] = -5.0
    ex.beneficiaries.loc[0, "deaths"] = -1
    ex.plans["rate_change"] = -0.1                          # a 10 % rate cut is a policy, not an error
    issues = validate(ex)
    assert {("V104", "history", at(ex, "鹰潭", 2022), "medical"), ("V104", "beneficiaries", 0, "deaths")} \
        == {w for w in where(issues) if w[0] == "V104"}


def test_months_and_years_must_be_whole_and_in_range(ex):
    ex.history["months"] = ex.history["months"].astype(float)
    ex.history.loc[at(ex, "南昌", 2023, 9), "months"] = 13
    ex.history.loc[at(ex, "九江", 2022), "months"] = 9.5
    issues = validate(ex)
    assert ("V106", "history", 12, "months") in where(issues)
    assert ("V106", "history", 3, "months") in where(issues)


def test_issues_per_column_are_capped_and_the_rest_counted(ex):
    as_object(ex.history, "other_revenue")
    ex.history.loc[:24, "other_revenue"] = "n/a"            # 25 rows of text
    issues = only(validate(ex), "V103")
    listed = [i for i in issues if i.row is not None]
    assert len(listed) == MAX_PER_COLUMN
    summary = [i for i in issues if i.row is None]
    assert len(summary) == 1 and f"另有 {25 - MAX_PER_COLUMN} 处" in summary[0].message


# ---------------------------------------------------------------- units


def test_duplicated_and_missing_units_are_named(ex):
    ex.plans.loc[3, "unit"] = "南昌"                          # 九江's row now says 南昌
    ex.beneficiaries = ex.beneficiaries.drop(index=4).reset_index(drop=True)   # 新余 gone
    ex.history.loc[at(ex, "上饶", 2022), "unit"] = "上饶市"
    issues = validate(ex)
    got = {(i.rule, i.table, i.unit) for i in issues}
    assert {("V201", "plans", "南昌"), ("V202", "plans", "九江"), ("V202", "beneficiaries", "新余"),
            ("V203", "history", "上饶市"), ("V202", "history", "上饶")} <= got


def test_unit_kind_and_at_least_one_city(ex):
    ex.units["kind"] = "province"
    issues = validate(ex)
    assert ("V204", "units", None, "kind") in where(issues)
    ex = load_example()
    ex.units.loc[0, "kind"] = "市"
    assert ("V107", "units", 0, "kind") in where(validate(ex))


# ---------------------------------------------------------------- years


def test_a_year_missing_for_every_unit_is_a_gap(ex):
    ex.history = ex.history[ex.history["year"] != 2023].reset_index(drop=True)
    issues = validate(ex)
    assert [(i.rule, i.value) for i in issues if i.severity == ERROR] == [("V301", 2023)]


def test_the_progress_row_of_the_year_being_drafted_is_required(ex):
    # budget year 2027 → the year being executed is 2026; 吉安 has no 2026 row left
    ex.history = ex.history.drop(index=at(ex, "吉安", 2026, 9)).reset_index(drop=True)
    issues = validate(ex)
    assert [(i.rule, i.unit, i.value) for i in issues] == [("V302", "吉安", 2026)]


def test_progress_months_must_agree_and_rows_must_not_repeat(ex):
    ex.history.loc[at(ex, "吉安", 2026, 9), "months"] = 8
    issues = validate(ex)
    assert where(issues) >= {("V303", "history", 91, "months")}
    ex = load_example()
    ex.history = pd.concat([ex.history, ex.history.iloc[[0]]], ignore_index=True)
    assert ("V201", "history", 96, "year") in where(validate(ex))


def test_years_after_the_drafting_year_are_a_warning(ex):
    late = ex.history.iloc[[0]].copy()
    late["year"] = 2027
    ex.history = pd.concat([ex.history, late], ignore_index=True)
    issues = validate(ex)
    assert [(i.rule, i.severity, i.row) for i in issues] == [("V306", WARNING, 96)]


# ---------------------------------------------------------------- balance identity


def test_balance_identity_holds_within_one_yuan(ex):
    # 2023 全年 (example recalibrated in issue 10): 3,148,806,748 (2022 year end) + 2,384,451,604 revenue
    #          − 2,350,025,271 expenditure = 3,183,233,081, exactly the example's 2023 year-end balance
    ex.province_history.loc[2, "balance_end"] += 0.5
    assert validate(ex) == []
    ex.province_history.loc[2, "balance_end"] += 999.5       # now 1,000 yuan too high
    issues = validate(ex)
    # 2024 starts from the wrong 2023 balance and is off by −1,000: not blamed a second time
    assert [(i.rule, i.row, i.column, i.value) for i in issues] == [("V304", 2, "balance_end", 1000.0)]
    assert "3,183,233,081.00" in issues[0].message


def test_progress_balance_off_is_a_warning(ex):
    ex.province_history.loc[7, "balance_end"] += 5_000      # 2026 1–9月
    issues = validate(ex)
    assert [(i.rule, i.severity, i.row, i.value) for i in issues] == [("V305", WARNING, 7, 5000.0)]


# ---------------------------------------------------------------- 元 / 万元


def test_one_unit_year_in_wan_yuan_is_flagged_against_its_other_years(ex):
    i = at(ex, "南昌", 2023, 9)
    ex.history.loc[i, "premium"] /= 10_000                   # 420,424,483 → 42,042.45
    issues = validate(ex)
    assert ("V405", "history", i, "premium") in where(issues)
    assert all(x.severity == WARNING for x in issues)


def test_a_whole_unit_in_wan_yuan_shows_as_a_premium_under_one_yuan_per_person(ex):
    # every 南昌 row ÷ 10,000 agrees with itself, but 2022: 52,193.73 yuan ÷ 1,680,994 insured
    # = 0.031 yuan per person and year, below 1 yuan (example recalibrated in issue 10)
    rows = ex.history["unit"] == "南昌"
    ex.history.loc[rows, "premium"] /= 10_000
    flagged = {i.row for i in validate(ex) if i.rule == "V405" and i.column == "premium"}
    assert flagged == set(np.flatnonzero(rows))
    per_head = 521_937_344 / 10_000 / 1_680_994
    assert per_head == pytest.approx(0.0310, abs=1e-4)


def test_prior_budget_and_plans_in_wan_yuan(ex):
    ex.prior_budget["premium"] /= 10_000                      # 2,853,810,000 → 285,381
    ex.plans.loc[5, "collection_plan_prev"] /= 10_000         # 鹰潭 90,280,000 → 9,028
    got = where(validate(ex))
    assert ("V405", "prior_budget", None, "premium") in got
    assert ("V405", "plans", 5, "collection_plan_prev") in got


# ---------------------------------------------------------------- rates, wages, plausibility


def test_effective_rate_outside_the_legal_band(ex):
    # band from models/parameters/national.toml: 0.2 % × 50 % = 0.10 % to 1.9 % × 150 % = 2.85 %.
    # 鹰潭 2025 (example recalibrated in issue 10): average insured (212,302 + 215,000)/2 = 213,651
    # × wage 103,000 = 22,006,053,000
    i = at(ex, "鹰潭", 2025)
    ex.history.loc[i, "premium"] = 0.03 * 213_651 * 103_000   # a 3.00 % rate
    rates = only(validate(ex), "V403")
    assert [(r.row, r.column, r.unit) for r in rates] == [(i, "premium", "鹰潭")]
    assert rates[0].value == pytest.approx(0.03)
    assert "0.10%–2.85%" in rates[0].message


def test_own_wage_within_60_to_300_percent_of_the_average(ex):
    # average monthly wage 8,950 (example recalibrated in issue 10; was 8,000): the floor is
    # 0.6 × 8,950 = 5,370 and the ceiling 3 × 8,950 = 26,850
    ex.beneficiaries.loc[0, "allowance_wage"] = 5_370        # exactly 60 %: fine
    ex.beneficiaries.loc[1, "allowance_wage"] = 26_850       # exactly 300 %: fine
    ex.beneficiaries.loc[2, "dependants_wage"] = 5_300       # 59.2 %
    ex.beneficiaries.loc[3, "new_wage"] = 26_851
    got = {(i.row, i.column) for i in validate(ex) if i.rule == "V404"}
    assert got == {(2, "dependants_wage"), (3, "new_wage")}


def test_wage_of_a_group_with_nobody_in_it_is_not_judged(ex):
    row = ex.beneficiaries.index[ex.beneficiaries["unit"] == "省本级"][0]
    ex.beneficiaries.loc[row, [f"allowance_{g}" for g in range(1, 5)]] = 0
    ex.beneficiaries.loc[row, "allowance_wage"] = 1_000      # 12.5 % of 8,000, but nobody draws it
    assert [i for i in validate(ex) if i.rule == "V404"] == []


def test_insured_change_above_thirty_percent_is_a_warning(ex):
    # 鹰潭 2023 year end 207,875 (example recalibrated in issue 10; was 193,372)
    i = at(ex, "鹰潭", 2024)
    ex.history.loc[i, "insured_end"] = 207_875 * 1.30        # +30 %: still plausible
    assert [x for x in validate(ex) if x.rule == "V401" and x.row == i] == []
    ex.history.loc[i, "insured_end"] = 207_875 * 1.31
    assert ("V401", "history", i, "insured_end") in where(validate(ex))


def test_wage_growth_assumption_and_override(ex):
    ex.assumptions.wage_growth = 0.5
    ex.plans.loc[6, "wage_growth"] = -0.4                    # 赣州
    got = where(validate(ex))
    assert {("V402", "assumptions", None, "wage_growth"), ("V402", "plans", 6, "wage_growth")} <= got


def test_prevention_plans_above_the_cap(ex):
    # plans add up to 76,280,000 (example recalibrated in issue 10; was 122,880,000); the cap is 3 % of
    # the 2026 premium estimate 2,807,985,000 ≈ 84.24 million; +13,000,000 → 89,280,000 is above it
    ex.plans.loc[0, "prevention_plan"] += 13_000_000
    issues = only(validate(ex), "V406")
    assert len(issues) == 1 and issues[0].value == pytest.approx(89_280_000)


# ---------------------------------------------------------------- assumptions, parameters, prior budget


def test_assumptions_out_of_range(ex):
    ex.assumptions.timing = 1.5
    ex.assumptions.avg_monthly_wage = 0.0
    ex.assumptions.trend_years = 2.5
    ex.assumptions.trend_methods = {"premium": "cubic", "bonus": "average"}
    ex.province_code = "mars"
    got = {(i.rule, i.column) for i in validate(ex)}
    assert {("V106", "timing"), ("V106", "avg_monthly_wage"), ("V106", "trend_years"),
            ("V107", "trend_methods.premium"), ("V107", "trend_methods.bonus"), ("V601", "province_code")} <= got


def test_budget_year_must_be_a_year(ex):
    ex.budget_year = "2027年"
    assert ("V106", "assumptions", None, "budget_year") in where(validate(ex))


def test_prior_budget_items_and_signs(ex):
    ex.prior_budget["bonus"] = 1.0
    ex.prior_budget["medical"] = -1.0
    got = where(validate(ex))
    assert {("V701", "prior_budget", None, "bonus"), ("V104", "prior_budget", None, "medical")} <= got


# ---------------------------------------------------------------- sharing options


def test_option_problems_come_from_parse_option(ex):
    options = [
        {"name": "a", "weights": {"own_gap": 0.5, "insured": 0.4}},      # Σβ = 0.9
        {"name": "b", "weights": {"luck": 1.0}},                          # unknown factor
        {"name": "c", "province_share": 1.5},                             # α > 1
        {"name": "d"},
        {"name": "d"},                                                    # same code twice
    ]
    issues = validate(ex, options)
    assert [(i.rule, i.row, i.column) for i in issues] == [
        ("V502", 0, "weights"), ("V503", 1, "weights.luck"), ("V501", 2, "province_share"), ("V504", 4, "name")]
    assert issues[0].value == "0.9"


def test_an_option_weighing_fiscal_capacity_needs_every_city_s_fiscal_revenue(ex):
    ex.units.loc[2, "fiscal_revenue"] = math.nan           # 萍乡
    ex.units.loc[11, "fiscal_revenue"] = math.nan          # 省本级 does not share: not needed
    issues = validate(ex, [{"name": "f", "weights": {"fiscal_capacity": 1.0}}])
    assert [(i.rule, i.row, i.unit) for i in issues] == [("V505", 2, "萍乡")]


# ---------------------------------------------------------------- the engine as the last check


def test_an_input_only_the_engine_refuses_is_still_reported(ex):
    # 鹰潭 with no insured in 2025 and 2026: no payroll, no effective rate
    for year, months in ((2025, 12), (2026, 9)):
        ex.history.loc[at(ex, "鹰潭", year, months), "insured_end"] = 0
    issues = validate(ex)
    assert [(i.rule, i.table, i.unit) for i in issues if i.severity == ERROR] == [("V801", "history", "鹰潭")]
    assert issues[0].rule == "V801"                         # errors come first


def test_validate_never_raises_on_missing_tables_and_columns(ex):
    ex.units = ex.units.drop(columns=["kind"])
    ex.beneficiaries = None
    ex.prior_budget = "not a series"
    issues = validate(ex)
    assert {("V101", "units", "kind"), ("V101", "beneficiaries", None), ("V101", "prior_budget", None)} <= {
        (i.rule, i.table, i.column) for i in issues}
