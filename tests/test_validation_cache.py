"""校验缓存: validation keeps the work that reads one input table by that table's content — edit after edit, the
findings (rule, severity, table, row, column, unit, message, order) are those of a run without the memo.

Each test edits the example province the way a user does, one step at a time, on the same DataFrames (so an
entry kept for the old content would be stale), and compares every step with a fresh run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from examples import load_example
from models.inputs import BudgetInputs
from models.sharing import load_presets
from models.validation import Issue, cells, memo, validate


@pytest.fixture
def ex() -> BudgetInputs:
    memo.clear()
    return load_example()


def fresh(inputs: BudgetInputs, options: list | None = None) -> list[Issue]:
    with memo.disabled():
        return validate(inputs, options)


def checked(inputs: BudgetInputs, options: list | None = None) -> list[Issue]:
    """Validation with the memo, asserted equal to a fresh run (repr: a NaN value compares as text)."""
    kept = validate(inputs, options)
    assert [repr(i) for i in kept] == [repr(i) for i in fresh(inputs, options)]
    return kept


def rules_at(issues: list[Issue]) -> list[tuple]:
    return [(i.rule, i.table, i.row, i.column, i.unit) for i in issues]


def at(inputs: BudgetInputs, unit: str, year: int, months: int = 12) -> int:
    h = inputs.history
    return int(np.flatnonzero((h["unit"] == unit) & (h["year"] == year) & (h["months"] == months))[0])


def presets() -> list[dict]:
    return [o.to_dict() for o in load_presets()]


def test_an_error_typed_then_removed_leaves_no_finding_behind(ex):
    assert checked(ex) == []
    row = at(ex, "新余", 2024)
    premium = float(ex.history.loc[row, "premium"])
    ex.history["premium"] = ex.history["premium"].astype(object)
    ex.history.loc[row, "premium"] = "#N/A"                          # an error value pasted into 保险费收入
    found = checked(ex)
    assert ("V105", "history", row, "premium", "新余") in rules_at(found)
    ex.history.loc[row, "premium"] = premium                        # typed back
    ex.history["premium"] = ex.history["premium"].astype(float)     # the table as it was: kept entries serve it
    assert checked(ex) == []


def test_a_money_slip_and_its_correction(ex):
    checked(ex)
    row = at(ex, "萍乡", 2025)
    wage = float(ex.history.loc[row, "avg_wage"])
    ex.history.loc[row, "avg_wage"] = wage / 10_000                  # 平均缴费工资 typed in 万元
    found = checked(ex)
    # the slip is 10,000× off 萍乡's other years (V405); the change and rate rules it explains stay silent there
    assert ("V405", "history", row, "avg_wage", "萍乡") in rules_at(found)
    assert not [i for i in found if i.rule in ("V402", "V403") and i.row == row]
    ex.history.loc[row, "avg_wage"] = wage
    assert checked(ex) == []


def test_a_13th_unit_added_table_by_table(ex):
    checked(ex)
    city = pd.DataFrame([{"unit": "赣江新区", "kind": "city", "coefficient": 1.0, "fiscal_revenue": 5.0e9,
                          "assessment_rank": 12.0}])
    ex.units = pd.concat([ex.units, city], ignore_index=True)
    found = checked(ex)
    # the new city has no row in 扩面计划 or 待遇人员, nor any history year 2022–2026
    assert ("V202", "plans", None, "unit", "赣江新区") in rules_at(found)
    assert ("V202", "beneficiaries", None, "unit", "赣江新区") in rules_at(found)
    plan = ex.plans[ex.plans["unit"] == "新余"].assign(unit="赣江新区")
    ex.plans = pd.concat([ex.plans, plan], ignore_index=True)
    found = checked(ex)
    assert ("V202", "plans", None, "unit", "赣江新区") not in rules_at(found)
    assert ("V202", "beneficiaries", None, "unit", "赣江新区") in rules_at(found)
    ex.units = ex.units.iloc[:-1].reset_index(drop=True)          # the unit list back: the plans row is unknown
    found = checked(ex)
    assert ("V203", "plans", 12, "unit", "赣江新区") in rules_at(found)


def test_a_unit_renamed_in_the_unit_list_only(ex):
    checked(ex)
    ex.units.loc[ex.units["unit"] == "鹰潭", "unit"] = "鹰潭市"
    found = checked(ex)
    # every table still says 鹰潭: unknown there, and 鹰潭市 has no rows
    assert ("V203", "plans", 5, "unit", "鹰潭") in rules_at(found)
    assert ("V202", "plans", None, "unit", "鹰潭市") in rules_at(found)
    ex.units.loc[ex.units["unit"] == "鹰潭市", "unit"] = "鹰潭"
    assert checked(ex) == []


def test_a_fifth_option_added_broken_and_mended(ex):
    options = presets()
    assert len(options) == 4 and checked(ex, options) == []
    fifth = dict(options[3], name="weighted_mix2", label="多因素加权（调整）")
    options.append(fifth)
    assert checked(ex, options) == []
    fifth["name"] = "weighted_mix"                                    # the code of the 4th option again
    assert rules_at(checked(ex, options)) == [("V504", "options", 4, "name", None)]
    fifth["name"] = "weighted_mix2"
    fifth["weights"] = dict(fifth["weights"], own_gap=fifth["weights"]["own_gap"] + 0.1)   # weights add up to 110 %
    assert [i.rule for i in checked(ex, options)] == ["V502"]
    fifth["weights"] = dict(options[3]["weights"])
    assert checked(ex, options) == []


def test_the_budget_year_moved_on_and_back(ex):
    checked(ex)
    ex.budget_year = 2028                                             # 2026 full year and 2027 progress now missing
    found = checked(ex)
    assert {("V302", "history")} <= {(i.rule, i.table) for i in found}
    ex.budget_year = 2027
    assert checked(ex) == []


def test_a_province_balance_and_a_plan_edited_in_turn(ex):
    checked(ex)
    ph_row = 4                                                        # 2024 full year
    balance = float(ex.province_history.loc[ph_row, "balance_end"])
    ex.province_history.loc[ph_row, "balance_end"] = balance - 1_000_000.0
    # 2024: the year-end balance is 1,000,000 below 2023's + revenue − expenditure (V304); 2025 starts from it and
    # is off by the opposite amount, so only 2024 is reported
    assert [(i.rule, i.row) for i in checked(ex)] == [("V304", ph_row)]
    ex.plans.loc[0, "expansion"] = 10_000_000.0                       # 南昌 plans 10 million new insured
    found = checked(ex)
    assert [(i.rule, i.table) for i in found] == [("V304", "province_history"), ("V401", "plans")]
    ex.province_history.loc[ph_row, "balance_end"] = balance
    assert [(i.rule, i.table) for i in checked(ex)] == [("V401", "plans")]


def test_many_bad_cells_keep_the_cap_and_its_count(ex):
    checked(ex)
    ex.plans["expansion"] = -1.0                                      # 12 negative cells: listed, not capped (≤ 20)
    ex.history["insured_end"] = ex.history["insured_end"].astype(object)
    ex.history["insured_end"] = "无"                                   # 96 text cells: 20 listed and one count row
    found = checked(ex)
    text = [i for i in found if i.rule == "V103" and i.column == "insured_end"]
    assert len(text) == 20 + 1 and "另有 76 处" in text[-1].message   # 96 − 20 = 76
    assert len([i for i in found if i.rule == "V104" and i.table == "plans"]) == 12
    assert checked(ex) == found                                       # the same inputs again: all from the memo


def test_an_edit_of_one_table_checks_only_that_table_again(ex, monkeypatch):
    checked(ex)
    seen = []
    original = cells.check_table
    monkeypatch.setattr("models.validation.check_table",
                        lambda inputs, table, f: seen.append(table) or original(inputs, table, f))
    ex.plans.loc[2, "prevention_plan"] += 1.0                         # one cell of 扩面计划
    assert validate(ex) == []
    assert seen == ["plans"]
    seen.clear()
    ex.plans.loc[2, "prevention_plan"] -= 1.0                         # typed back: both versions are kept
    assert validate(ex) == []
    assert seen == []
    with memo.disabled():
        validate(ex)
    assert seen == ["units", "history", "province_history", "plans", "beneficiaries"]


def test_equal_tables_in_new_objects_share_the_entry_and_unpicklable_ones_are_not_kept(ex):
    table = ex.history.copy()
    assert memo.content_key(table) == memo.content_key(table.copy())   # by content, not by object
    other = table.copy()
    other.loc[0, "premium"] = math.nextafter(float(other.loc[0, "premium"]), math.inf)   # one last digit
    assert memo.content_key(other) != memo.content_key(table)
    assert memo.content_key(table.astype({"premium": object})) != memo.content_key(table)
    assert memo.content_key(pd.DataFrame({"unit": [lambda: None]})) is None
    ex.history["unit"] = ex.history["unit"].astype(object)
    ex.history.loc[0, "unit"] = lambda: None                         # not a name: reported, never kept
    found = checked(ex)
    assert ("V203", "history", 0) in [(i.rule, i.table, i.row) for i in found]


def test_two_tables_edited_at_once_then_validated_again_from_the_memo(ex):
    ex.plans.loc[0, "expansion"] = 10_000_000.0                       # 南昌 plans 10 million new insured …
    row = at(ex, "南昌", 2026, 9)
    ex.history.loc[row, "insured_end"] *= 1.01                        # … and its 2026 progress row moves by 1 %
    first = checked(ex)
    # 10,000,000 ÷ 南昌's insured at the end of 1–9月 2026 is far above 30 %
    assert [(i.rule, i.table, i.row) for i in first] == [("V401", "plans", 0)]
    assert checked(ex) == first                                       # every step now replayed from the memo


def test_rows_pasted_twice_then_deleted(ex):
    checked(ex)
    history, province = ex.history, ex.province_history
    ex.history = pd.concat([history, history.iloc[[at(ex, "南昌", 2025)]]], ignore_index=True)
    ex.province_history = pd.concat([province, province.iloc[[2]]], ignore_index=True)     # 2023 full year again
    found = checked(ex)
    # the copies are the last rows: history row 96 (96 rows before), province row 8 (8 rows before)
    assert {("V201", "history", 96), ("V201", "province_history", 8)} <= {(i.rule, i.table, i.row) for i in found}
    ex.history, ex.province_history = history, province
    assert checked(ex) == []


def test_a_premium_cut_to_an_eighth_in_a_full_year_then_in_the_progress_row(ex):
    checked(ex)
    full, progress = at(ex, "九江", 2024), at(ex, "九江", 2026, 9)
    premium = ex.history["premium"].copy()
    ex.history.loc[full, "premium"] /= 8       # 2024's rate an eighth of the 2023–2024 payroll's: below the band
    assert [(i.rule, i.row) for i in checked(ex)] == [("V304", 4), ("V403", full)]   # province 2024 no longer adds up
    ex.history["premium"] = premium
    ex.history.loc[progress, "premium"] /= 8   # 2026 Jan–Sep: the engine's 2026 estimate falls below the band
    found = checked(ex)
    assert ("V403", "history", progress, "premium", "九江") in rules_at(found)
    ex.history["premium"] = premium
    assert checked(ex) == []
