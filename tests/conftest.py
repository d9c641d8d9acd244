"""A tiny hand-checkable province: 甲市, 乙市 (设区市) and 省本级, budget year 2027.

甲市's figures are written out below; 乙市 has half of 甲市's flows and insured but the same
beneficiaries (so it runs a gap); 省本级 has a fifth of 甲市's flows and no beneficiaries.
The hand calculations in tests/test_forecast.py and tests/test_balance.py start from here.
"""

from __future__ import annotations

import copy

import openpyxl
import pandas as pd
import pytest
from hypothesis import settings

from addin.excel import inputs as udf_inputs
from addin.excel.builder import default_options
from addin.excel.builder.common import input_values
from addin.workbook.writer import write_inputs
from examples import load_example
from models.inputs import Assumptions, BudgetInputs

# Property tests judge results, never speed: no per-example deadline on a loaded 2-core machine.
settings.register_profile("wibudget", deadline=None)
settings.load_profile("wibudget")

FLOWS = ["premium", "other_revenue", "medical", "disability", "death", "appraisal", "prevention",
         "other_expenditure"]
# 甲市 full years (yuan)
A_2024 = dict(insured_end=95_000, avg_wage=55_000, premium=38_000_000, other_revenue=100_000,
              medical=15_000_000, disability=16_000_000, death=7_000_000, appraisal=400_000,
              prevention=800_000, other_expenditure=200_000)
A_2025 = dict(insured_end=100_000, avg_wage=57_000, premium=40_000_000, other_revenue=110_000,
              medical=16_000_000, disability=17_000_000, death=7_500_000, appraisal=420_000,
              prevention=900_000, other_expenditure=220_000)
# 2026 Jan–Sep: exactly 75 % of the full-year figures below, as in 2025
A_2026_FULL = dict(premium=44_000_000, other_revenue=120_000, medical=17_000_000, disability=18_000_000,
                   death=8_000_000, appraisal=440_000, prevention=1_000_000, other_expenditure=240_000)
A_2026_STOCKS = dict(insured_end=110_000, avg_wage=60_000)

A_BENEFICIARIES = dict(
    allowance_1=10, allowance_2=20, allowance_3=30, allowance_4=40, allowance_wage=5_000,
    care_1=5, care_2=10, care_3=15,
    dependants_spouse=20, dependants_other=30, dependants_lone_extra=5, dependants_wage=6_000,
    new_1=0, new_2=0, new_3=1, new_4=2, new_5=3, new_6=4, new_7=10, new_8=20, new_9=30, new_10=50,
    new_wage=6_000,
    medical_grant_5=3, medical_grant_6=4, medical_grant_7=10, medical_grant_8=20, medical_grant_9=30,
    medical_grant_10=50, deaths=5,
)
SCALE = {"甲市": 1.0, "乙市": 0.5, "省本级": 0.2}


def _rows() -> list[dict]:
    rows = []
    for unit, s in SCALE.items():
        for year, full in ((2024, A_2024), (2025, A_2025)):
            row = {"unit": unit, "year": year, "months": 12, **{k: v * s for k, v in full.items()}}
            row["avg_wage"] = full["avg_wage"]
            rows.append(row)
        ytd25 = {k: A_2025[k] * s * 0.75 for k in FLOWS}
        # stocks without seasonality: September 2025 = December 2025, so the seasonal year-end ratio is 1
        # and 2026's year-end estimate equals its September figure (issue 10; was 98,000 and 56,500)
        rows.append({"unit": unit, "year": 2025, "months": 9, "insured_end": A_2025["insured_end"] * s,
                     "avg_wage": A_2025["avg_wage"],
                     **ytd25})
        ytd26 = {k: A_2026_FULL[k] * s * 0.75 for k in FLOWS}
        rows.append({"unit": unit, "year": 2026, "months": 9,
                     "insured_end": A_2026_STOCKS["insured_end"] * s, "avg_wage": A_2026_STOCKS["avg_wage"],
                     **ytd26})
    return rows


def make_tiny(**assumption_overrides) -> BudgetInputs:
    """The tiny province; keyword arguments override assumptions."""
    units = pd.DataFrame({
        "unit": list(SCALE), "kind": ["city", "city", "province"], "coefficient": [1.0, 1.0, None],
        "fiscal_revenue": [30e9, 10e9, None], "assessment_rank": [1, 2, None]})
    history = pd.DataFrame(_rows())
    province_history = pd.DataFrame([
        {"year": 2024, "months": 12, "subsidy": 0.0, "interest": 1_000_000, "balance_end": 80_000_000},
        {"year": 2025, "months": 12, "subsidy": 0.0, "interest": 1_200_000, "balance_end": 90_000_000},
        {"year": 2025, "months": 9, "subsidy": 0.0, "interest": 900_000, "balance_end": 89_000_000},
        {"year": 2026, "months": 9, "subsidy": 0.0, "interest": 900_000, "balance_end": 90_100_000},
    ])
    plans = pd.DataFrame({"unit": list(SCALE), "expansion": [4_000 * s for s in SCALE.values()],
                          "collection_plan_prev": [45_000_000, 23_000_000, None],
                          "prevention_plan": [1_100_000 * s for s in SCALE.values()]})
    ben = [{"unit": "甲市", **A_BENEFICIARIES}, {"unit": "乙市", **A_BENEFICIARIES},
           {"unit": "省本级", **{k: (5_000 if k.endswith("wage") else 0) for k in A_BENEFICIARIES}}]
    settings = dict(wage_growth=0.05, timing=0.5, medical_growth=0.04, benefit_adjustment=0.03,
                    avg_monthly_wage=8_000, national_income=60_000, interest_rate=0.015, subsidy_plan=0.0,
                    reserve_months=12, trend_years=3, trend_tolerance=0.10)
    settings.update(assumption_overrides)
    return BudgetInputs(
        province="示例省", province_code="jiangxi", budget_year=2027, units=units, history=history,
        province_history=province_history, plans=plans, beneficiaries=pd.DataFrame(ben),
        assumptions=Assumptions(**settings),
        prior_budget=pd.Series({"premium": 80_000_000.0, "medical": 30_000_000.0}), synthetic=True)


@pytest.fixture
def tiny() -> BudgetInputs:
    return make_tiny()


# ---------------------------------------------------------------- the example's input ranges, as Excel hands them over


@pytest.fixture(scope="module")
def example_ranges():
    """The seven inp_* ranges of the example workbook, as the functions receive them."""
    inputs = load_example()
    wb = openpyxl.Workbook()
    write_inputs(wb, inputs, default_options(inputs))
    return input_values(wb)


@pytest.fixture
def ranges(example_ranges):
    """A fresh copy of those ranges, every cache of the functions emptied (content-keyed or not)."""
    udf_inputs.clear_caches()
    return copy.deepcopy(example_ranges)
