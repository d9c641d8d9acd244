"""示例省份 — the synthetic Jiangxi example loads, is complete and has sane magnitudes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from examples import example_files, load_example
from models import items
from models.inputs import CITY, COLUMNS, OPTIONAL_COLUMNS, PROVINCE, BudgetInputs

YI = 1e8  # 亿元
CITIES = ["南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶"]
PERIODS = {(2022, 12), (2023, 9), (2023, 12), (2024, 9), (2024, 12), (2025, 9), (2025, 12), (2026, 9)}


@pytest.fixture(scope="module")
def example() -> BudgetInputs:
    return load_example()


def _full(example: BudgetInputs, year: int) -> pd.DataFrame:
    h = example.history
    return h[(h["year"] == year) & (h["months"] == 12)].set_index("unit")


def _province_row(example: BudgetInputs, year: int, months: int) -> pd.Series:
    ph = example.province_history
    return ph[(ph["year"] == year) & (ph["months"] == months)].iloc[0]


def test_example_is_jiangxi_2027_and_says_it_is_synthetic(example):
    assert example.province == "江西省"
    assert example.province_code == "jiangxi"
    assert example.budget_year == 2027
    assert example.synthetic is True
    assert "虚构" in example.notes and "示例数据" in example.notes
    assert example.options == []
    # recalibrated (issue 10): was 8,000; now the 2026 provincial level 92,794 × 1.05³ ÷ 12 = 8,952.6 → 8,950
    assert example.assumptions.avg_monthly_wage == 8950.0
    assert example.assumptions.reserve_months == 12.0


def test_packaged_files_are_listed():
    found = example_files()
    assert set(found) == set(COLUMNS) | {"example"}
    assert all(f.is_file() for f in found.values())


def test_each_call_returns_fresh_tables():
    first = load_example()
    first.history.loc[:, "premium"] = 0.0
    first.units.loc[:, "coefficient"] = 0.0
    second = load_example()
    assert second.units["coefficient"].gt(0).all()
    assert second.history["premium"].gt(0).all()


def test_units_are_eleven_cities_then_the_province(example):
    assert example.unit_names == [*CITIES, "省本级"]
    assert list(example.units["kind"]) == [CITY] * 11 + [PROVINCE]
    # old revolutionary base areas carry the 0.8 coefficient, everyone else 1.0
    coef = example.units.set_index("unit")["coefficient"]
    assert sorted(coef[coef == 0.8].index) == sorted(["赣州", "吉安", "抚州"])
    ranks = example.units.set_index("unit")["assessment_rank"]
    assert sorted(ranks[CITIES]) == list(range(1, 12))
    assert np.isnan(ranks["省本级"])


def test_every_unit_appears_once_per_table_and_period(example):
    names = set(example.unit_names)
    for table in ("plans", "beneficiaries"):
        df = getattr(example, table)
        assert sorted(df["unit"]) == sorted(names), table
    h = example.history
    counts = h.groupby(["unit", "year", "months"]).size()
    assert (counts == 1).all()
    assert len(h) == len(names) * len(PERIODS)
    assert set(zip(h["year"], h["months"], strict=True)) == PERIODS
    ph = example.province_history
    assert sorted(zip(ph["year"], ph["months"], strict=True)) == sorted(PERIODS)


def test_columns_follow_the_contract_and_required_cells_are_filled(example):
    for table in COLUMNS:
        df = getattr(example, table)
        assert list(df.columns) == list(COLUMNS[table]), table
        required = [c for c in COLUMNS[table] if c not in OPTIONAL_COLUMNS.get(table, set())]
        assert not df[required].isna().any().any(), table
    assert not example.plans[["expansion", "collection_plan_prev", "prevention_plan"]].isna().any().any()
    # only one per-unit override: 赣州's wage growth
    overrides = example.plans.set_index("unit")["wage_growth"].dropna()
    assert overrides.to_dict() == {"赣州": 0.06}
    assert example.plans["rate_change"].isna().all()


def test_prior_budget_covers_every_item(example):
    assert list(example.prior_budget.index) == list(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    # recalibrated (issue 10): was 35–60 亿; the 2026 premium is now about 27–28 亿
    assert 20 * YI < example.prior_budget[items.PREMIUM] < 35 * YI


def test_magnitudes_are_plausible_for_jiangxi(example):
    # recalibrated (issue 10): premiums were 30–60 亿 and the effective rate 0.6–0.8 %; now the example
    # follows the national bulletins scaled by Jiangxi's share (see test_example_matches_public_figures).
    f25 = _full(example, 2025)
    premium = f25[items.PREMIUM].sum()
    expenditure = f25[list(items.EXPENDITURE_ITEMS)].sum().sum()
    assert 20 * YI < premium < 35 * YI
    assert 6e6 < f25["insured_end"].sum() < 9e6
    wages = f25.loc[CITIES, "avg_wage"]
    assert wages.idxmax() == "南昌"
    assert 1.2 < wages.max() / wages.min() < 1.4
    # 可支付月数 = 年末滚存结余 ÷ (支出合计 ÷ 12); built at 14 months
    months = _province_row(example, 2025, 12)["balance_end"] / (expenditure / 12)
    assert 10 < months < 20
    # effective premium rate about 0.25 %–0.5 % of payroll per unit, 0.3 %–0.4 % province-wide
    payroll = (_full(example, 2024)["insured_end"] + f25["insured_end"]) / 2 * f25["avg_wage"]
    assert ((f25[items.PREMIUM] / payroll).between(0.0025, 0.005)).all()
    assert 0.003 < premium / payroll.sum() < 0.004


def test_example_matches_public_figures(example):
    """示例2022年数 within ±20 % of the national 2022 bulletin scaled by Jiangxi's share (all approximate).

    收入: 1,053 亿 × 2.0 % = 21.06 亿;  参保人数: 2.91 亿 × 2.4 % = 698.4 万人;
    人均保费: 21.06 亿 ÷ 698.4 万 = 301.5 元 (全国 2022: 1,053 亿 ÷ 2.91 亿 = 362 元).
    """
    f22 = _full(example, 2022)
    row = _province_row(example, 2022, 12)
    revenue = f22[list(items.UNIT_REVENUE_ITEMS)].sum().sum() + row[items.SUBSIDY] + row[items.INTEREST]
    insured = f22["insured_end"].sum()
    assert revenue == pytest.approx(21.06 * YI, rel=0.20)
    assert insured == pytest.approx(6.984e6, rel=0.20)
    assert f22[items.PREMIUM].sum() / insured == pytest.approx(301.5, rel=0.20)
    # wages at the published provincial level: 2023 92,794 元 grown 5 % → 2025 102,305 元 (insured-weighted)
    f25 = _full(example, 2025)
    weighted = (f25["avg_wage"] * f25["insured_end"]).sum() / f25["insured_end"].sum()
    assert weighted == pytest.approx(92_794 * 1.05**2, rel=0.05)
    # 南昌 at its 2019 published ratio to the province, 84,196 ÷ 73,725 = 1.142 (±3 % noise)
    assert f25.loc["南昌", "avg_wage"] / (92_794 * 1.05**2) == pytest.approx(84_196 / 73_725, rel=0.03)


def test_example_toml_records_each_calibration_source():
    import tomllib

    from examples import example_files

    with example_files()["example"].open("rb") as fh:
        config = tomllib.load(fh)
    sources = {s["key"]: s for s in config["calibration"]["sources"]}
    assert {"national_revenue_2022", "national_insured_2022", "jiangxi_insured_share",
            "jiangxi_revenue_share", "jiangxi_wage_2023"} <= set(sources)
    assert all(s["source"] for s in sources.values())
    assert sources["jiangxi_wage_2019"]["approximate"] is False
    assert sources["national_revenue_2022"]["approximate"] is True
    assert config["calibration"]["target_2022"]["revenue"] == pytest.approx(21.06 * YI)


def test_expenditure_split_is_roughly_the_usual_one(example):
    f25 = _full(example, 2025)
    share = f25[list(items.EXPENDITURE_ITEMS)].sum() / f25[list(items.EXPENDITURE_ITEMS)].sum().sum()
    assert 0.30 < share[items.MEDICAL] < 0.40
    assert 0.35 < share[items.DISABILITY] < 0.45
    assert 0.13 < share[items.DEATH] < 0.21
    assert share[items.APPRAISAL] < 0.02
    assert share[items.PREVENTION] < 0.04
    assert share[items.OTHER_EXPENDITURE] < 0.04
    assert (f25[items.OTHER_REVENUE] < 0.02 * f25[items.PREMIUM]).all()


def test_old_industrial_cities_run_gaps_and_nanchang_a_surplus(example):
    f25 = _full(example, 2025)
    ratio = f25[list(items.EXPENDITURE_ITEMS)].sum(axis=1) / f25[items.PREMIUM]
    for city in ("萍乡", "新余", "景德镇"):
        assert ratio[city] > 1.25, city
    assert ratio["南昌"] < 0.95


def test_balance_identity_holds_to_the_yuan(example):
    # 年末滚存结余_t = 年末滚存结余_{t-1} + Σ(保险费+其他收入) + 财政补贴 + 利息 − Σ支出, for 2023–2025
    # and for every January–September row (opening balance = the previous year-end).
    h = example.history
    revenue_cols = list(items.UNIT_REVENUE_ITEMS)
    expenditure_cols = list(items.EXPENDITURE_ITEMS)
    for year, months in sorted(PERIODS - {(2022, 12)}):
        rows = h[(h["year"] == year) & (h["months"] == months)]
        row = _province_row(example, year, months)
        opening = _province_row(example, year - 1, 12)["balance_end"]
        expected = (opening + rows[revenue_cols].sum().sum() + row[items.SUBSIDY] + row[items.INTEREST]
                    - rows[expenditure_cols].sum().sum())
        assert row["balance_end"] == expected, (year, months)


def test_interest_is_about_one_and_a_half_percent_of_the_balance(example):
    for year in (2023, 2024, 2025):
        average = (_province_row(example, year - 1, 12)["balance_end"]
                   + _province_row(example, year, 12)["balance_end"]) / 2
        assert _province_row(example, year, 12)[items.INTEREST] / average == pytest.approx(0.015, abs=2e-4)
    for year in (2022, 2023, 2024, 2025):
        assert 0 <= _province_row(example, year, 12)[items.SUBSIDY] <= 2 * YI


def test_january_to_september_is_70_to_76_percent_of_the_year(example):
    h = example.history.set_index(["unit", "year", "months"])
    flows = list(items.UNIT_ITEMS)
    for year in (2023, 2024, 2025):
        share = h.xs((year, 9), level=("year", "months"))[flows] / h.xs((year, 12), level=("year", "months"))[flows]
        assert share.stack().between(0.695, 0.765).all(), year


def _disability_driver(b: pd.Series, avg_monthly_wage: float, adjustment: float) -> float:
    grant_months = [27, 25, 23, 21, 18, 16, 13, 11, 9, 7]
    allowance_ratio = [0.90, 0.85, 0.80, 0.75]
    care_ratio = [0.5, 0.4, 0.3]
    medical_grant_months = [18, 16, 10, 8, 6, 4]
    return (sum(b[f"new_{g}"] * m for g, m in zip(range(1, 11), grant_months, strict=True)) * b["new_wage"]
            + sum(b[f"allowance_{g}"] * r for g, r in zip(range(1, 5), allowance_ratio, strict=True))
            * b["allowance_wage"] * 12 * (1 + adjustment)
            + sum(b[f"care_{lv}"] * r for lv, r in zip(range(1, 4), care_ratio, strict=True)) * avg_monthly_wage * 12
            + sum(b[f"medical_grant_{g}"] * m for g, m in zip(range(5, 11), medical_grant_months, strict=True))
            * avg_monthly_wage)


def _death_driver(b: pd.Series, avg_monthly_wage: float, adjustment: float) -> float:
    national_income_2026 = 54_188 * 1.05**2
    dependants = 0.4 * b["dependants_spouse"] + 0.3 * b["dependants_other"] + 0.1 * b["dependants_lone_extra"]
    return (b["deaths"] * (20 * national_income_2026 + 6 * avg_monthly_wage)
            + dependants * b["dependants_wage"] * 12 * (1 + adjustment))


def _trend_2027(example: BudgetInputs, unit: str, line: str) -> float:
    """2026 预计执行数 (Jan–Sep ÷ average earlier Jan–Sep share) grown by the average growth of 2023→2026."""
    h = example.history[example.history["unit"] == unit].set_index(["year", "months"])[line]
    share = np.mean([h[(y, 9)] / h[(y, 12)] for y in (2023, 2024, 2025)])
    series = [h[(2023, 12)], h[(2024, 12)], h[(2025, 12)], h[(2026, 9)] / share]
    growth = np.mean([b / a - 1 for a, b in zip(series, series[1:], strict=False)])
    return series[-1] * (1 + growth)


def test_beneficiaries_explain_the_history_except_two_planted_lines(example):
    a = example.assumptions
    ben = example.beneficiaries.set_index("unit")
    off = {}
    for unit in example.unit_names:
        b = ben.loc[unit]
        for line, driver in ((items.DISABILITY, _disability_driver), (items.DEATH, _death_driver)):
            ratio = driver(b, a.avg_monthly_wage, a.benefit_adjustment) / _trend_2027(example, unit, line)
            if abs(ratio - 1) > 0.10:
                off[(unit, line)] = ratio
    # planted: 九江's disability drivers run ~15 % above its history, 上饶's deaths below it
    assert set(off) == {("九江", items.DISABILITY), ("上饶", items.DEATH)}
    assert off[("九江", items.DISABILITY)] > 1.10
    assert off[("上饶", items.DEATH)] < 0.90


def test_people_counts_have_the_expected_shape(example):
    ben = example.beneficiaries.set_index("unit").loc[CITIES]
    new = ben[[f"new_{g}" for g in range(1, 11)]]
    assert (new[[f"new_{g}" for g in range(7, 11)]].sum(axis=1) > 0.8 * new.sum(axis=1)).all()
    assert new.sum(axis=1).between(100, 6000).all()
    assert ben["deaths"].between(10, 60).all()
    for col in ("allowance_wage", "new_wage", "dependants_wage"):
        assert ben[col].between(4800, 8500).all(), col  # recalibrated wages (issue 10): was ≤ 7,500
    # no whole-person counts with fractions
    counts = ben.drop(columns=["allowance_wage", "new_wage", "dependants_wage"])
    assert (counts == counts.round()).all().all()


def test_plans_leave_prevention_under_the_cap_and_some_cities_below_plan(example):
    h = example.history
    ytd = h[(h["year"] == 2026) & (h["months"] == 9)].set_index("unit")[items.PREMIUM]
    estimate_2026 = ytd / 0.74  # Jan–Sep ≈ 74 % of the year
    plans = example.plans.set_index("unit")
    # 工伤预防费 ≤ 3 % of last year's premiums, province-wide
    assert plans["prevention_plan"].sum() < 0.03 * estimate_2026.sum()
    below_plan = plans.index[plans["collection_plan_prev"] > estimate_2026 * 1.01]
    assert {"萍乡", "新余", "景德镇"} <= set(below_plan)
    assert "南昌" not in below_plan
    expansion_share = plans["expansion"] / ytd.index.map(
        h[(h["year"] == 2026) & (h["months"] == 9)].set_index("unit")["insured_end"])
    assert expansion_share.between(0.01, 0.03).all()


def test_committed_files_match_the_generator():
    from examples.generate import build

    data = build()
    loaded = load_example()
    for name in COLUMNS:
        expected = data[name]
        got = getattr(loaded, name)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False, obj=name)
    assert loaded.prior_budget.to_dict() == data["prior_budget"]
