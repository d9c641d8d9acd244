"""示例省份数据生成 — regenerates the synthetic Jiangxi example (示例数据，虚构，仅供演示).

Run ``python -m examples.generate`` to rewrite ``examples/jiangxi/*.csv`` and ``example.toml``.
The output is deterministic (fixed numpy seed) and every figure is invented: no per-city
work-injury data for Jiangxi are public, so the numbers are calibrated to public magnitudes only.

Calibration choices (all synthetic, approximate):
- 11 设区市 + 省本级; year-end insured 2025 about 6.8 million in total (南昌 largest).
- Average contribution wage 2025 about 77–100 thousand yuan a year, 南昌 highest, highest/lowest
  about 1.3 (the 2019 city spread of the non-private average wage), growing about 5 % a year.
- Effective premium rate 0.55–1.0 % of payroll (higher in the old mining and steel cities 萍乡,
  新余, 景德镇), so premium revenue is about 40–45 亿元 a year province-wide.
- The budget-year (2027) disability and death lines are built first from people × statutory
  standards (the `beneficiaries` table); history is then built backwards from them with a
  steady growth rate plus small noise, so that the driver-based 2027 figure is close to the
  trend continuation of history.  Two lines are deliberately about 15 % off (九江 伤残待遇,
  上饶 工亡待遇) so that the trend cross-check has something to flag.
- Expenditure in 2027 is set as a multiple of projected premiums per unit: 萍乡, 新余 and
  景德镇 run large gaps, 南昌 a clear surplus; province-wide expenditure grows a little faster
  than premiums, so the province runs a small deficit in 2027.
- Expenditure split about 36 % medical, 41 % disability, 16 % death, 1 % appraisal,
  2–3 % prevention and 3 % other; other revenue is 0.4–1 % of premiums.
- Year-to-date rows (months = 9) hold 70–76 % of the full-year flows; the province's closing
  balance 2025 is 14 months of 2025 expenditure and satisfies, for every year 2023–2025 and for
  every January–September row, balance_end = previous year-end balance + unit revenues +
  subsidy + interest − unit expenditures, exactly to the yuan (all money is whole yuan).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from examples.calibration import CITY_WAGE_RATIO_2019, YI, provincial_wage
from examples.calibration import toml_lines as calibration_lines
from models import items
from models.inputs import CITY, COLUMNS, PROVINCE

SEED = 2027
PROVINCE_NAME = "江西省"
PROVINCE_CODE = "jiangxi"
BUDGET_YEAR = 2027
FULL_YEARS = (2022, 2023, 2024, 2025)
YTD_YEARS = (2023, 2024, 2025, 2026)
YTD_MONTHS = 9
OUT_DIR = Path(__file__).resolve().parent / "jiangxi"

NOTE = (
    "示例数据，虚构，仅供演示：江西省11个设区市及省本级的工伤保险基金数据均为合成数据，"
    "按公开资料的数量级（全省参保人数、平均缴费工资、费率水平、全国基金收支规模）校准，"
    "不代表任何地区的实际情况。"
)

#: Forecast assumptions written to example.toml (synthetic; avg_monthly_wage = the 2026
#: provincial non-private average monthly wage: the 2023 level 92,794 元/年 grown 5 % a year, ÷ 12).
ASSUMPTIONS = {
    "wage_growth": 0.05,
    "timing": 0.5,
    "rate_change": 0.0,
    "medical_growth": 0.04,
    "benefit_adjustment": 0.03,
    "avg_monthly_wage": float(round(provincial_wage(BUDGET_YEAR - 1) / 12, -1)),
    "income_growth": 0.05,
    "interest_rate": 0.015,
    "reserve_months": 12.0,
    "trend_years": 3,
    "trend_tolerance": 0.10,
}

# Statutory standards used only to calibrate the synthetic people counts (工伤保险条例 2010 revision,
# arts. 35–39; medical-grant months are an example provincial schedule).  The engine takes its own
# standards from models/parameters; these copies never feed the forecast.
GRANT_MONTHS = np.array([27, 25, 23, 21, 18, 16, 13, 11, 9, 7], dtype=float)
ALLOWANCE_RATIO = np.array([0.90, 0.85, 0.80, 0.75])
CARE_RATIO = np.array([0.50, 0.40, 0.30])
MEDICAL_GRANT_MONTHS = np.array([18, 16, 10, 8, 6, 4], dtype=float)  # grades 5–10
FUNERAL_MONTHS = 6.0
DEATH_GRANT_MULTIPLE = 20.0
SPOUSE_RATIO, OTHER_RATIO, LONE_EXTRA_RATIO = 0.40, 0.30, 0.10
#: 2026 national urban per-capita disposable income: 2024 published 54,188 元 grown 5 % a year (approx.).
NATIONAL_INCOME_2026 = 54_188 * 1.05**2

#: New disability cases per grade 1–10 as shares of all new cases (synthetic, grades 7–10 dominate).
NEW_GRADE_SHARES = np.array([0.003, 0.004, 0.006, 0.008, 0.020, 0.030, 0.100, 0.170, 0.270, 0.389])
ALLOWANCE_PER_NEW = np.array([0.020, 0.030, 0.035, 0.035])  # stock of grade 1–4 recipients per new case
CARE_PER_NEW = np.array([0.010, 0.015, 0.020])               # care recipients by level per new case
MEDICAL_GRANT_SHARE = 0.45                                     # new grade 5–10 cases leaving employment
DEPENDANTS_OTHER_PER_SPOUSE = 1.2
LONE_EXTRA_SHARE = 0.08

#: Shares of 2027 non-prevention expenditure by line, and yearly growth used to build history.
LINE_SHARES = {items.MEDICAL: 0.35, items.DISABILITY: 0.44, items.DEATH: 0.17,
               items.APPRAISAL: 0.01, items.OTHER_EXPENDITURE: 0.03}
LINE_GROWTH = {items.DISABILITY: 0.10, items.DEATH: 0.08, items.APPRAISAL: 0.05,
               items.OTHER_EXPENDITURE: 0.04, items.PREVENTION: 0.09}
#: Share of the full year that January–September makes up, by line (noise ±1 point added).
YTD_SHARE = {items.PREMIUM: 0.74, items.OTHER_REVENUE: 0.72, items.MEDICAL: 0.73,
             items.DISABILITY: 0.72, items.DEATH: 0.73, items.APPRAISAL: 0.72,
             items.PREVENTION: 0.71, items.OTHER_EXPENDITURE: 0.73}
#: Lines whose history is deliberately off the driver figure (history × factor).
OFF_TREND = {("九江", items.DISABILITY): 0.85, ("上饶", items.DEATH): 1.20}

#: Province-level 财政补贴收入 (yuan) by year, and the share received by the end of September.
SUBSIDY = {2022: 0.30 * YI, 2023: 0.30 * YI, 2024: 0.35 * YI, 2025: 0.35 * YI, 2026: 0.35 * YI}
SUBSIDY_YTD_SHARE = 0.6
BALANCE_MONTHS_2025 = 14.0
INTEREST_RATE = 0.015


@dataclass(frozen=True)
class UnitProfile:
    """One unit's synthetic calibration (all figures invented)."""

    unit: str
    kind: str
    coefficient: float
    fiscal_revenue_yi: float   # 一般公共预算收入, 亿元
    rank: int | None           # 考核排名
    insured_2025: int          # year-end insured persons
    insured_growth: float      # yearly
    wage_ratio: float          # average contribution wage ÷ the provincial average wage
    rate: float                # effective premium rate
    gap_ratio: float           # 2027 expenditure ÷ premium
    fatality_per_100k: float   # work deaths per 100,000 insured
    plan_factor: float         # 2026 collection plan ÷ 2026 premium (> 1: below plan)
    expansion_share: float     # 2027 expansion ÷ insured


PROFILES: tuple[UnitProfile, ...] = (
    UnitProfile("南昌", CITY, 1.0, 560, 2, 1_795_000, 0.022, CITY_WAGE_RATIO_2019["南昌"], 0.0031, 0.85, 1.4, 0.985, 0.025),
    UnitProfile("景德镇", CITY, 1.0, 140, 10, 305_000, 0.012, 0.970, 0.0041, 1.40, 2.4, 1.045, 0.015),
    UnitProfile("萍乡", CITY, 1.0, 160, 11, 360_000, 0.010, CITY_WAGE_RATIO_2019["萍乡"], 0.0047, 1.55, 3.2, 1.060, 0.012),
    UnitProfile("九江", CITY, 1.0, 360, 4, 785_000, 0.020, 0.990, 0.0036, 1.08, 2.0, 0.990, 0.022),
    UnitProfile("新余", CITY, 1.0, 125, 9, 285_000, 0.010, CITY_WAGE_RATIO_2019["新余"], 0.0046, 1.50, 3.0, 1.040, 0.012),
    UnitProfile("鹰潭", CITY, 1.0, 110, 8, 215_000, 0.015, CITY_WAGE_RATIO_2019["鹰潭"], 0.0039, 0.98, 2.0, 0.995, 0.018),
    UnitProfile("赣州", CITY, 0.8, 390, 1, 1_085_000, 0.025, 0.905, 0.0034, 1.00, 1.4, 0.975, 0.028),
    UnitProfile("吉安", CITY, 0.8, 230, 6, 565_000, 0.020, 0.905, 0.0034, 1.05, 1.6, 0.990, 0.020),
    UnitProfile("宜春", CITY, 1.0, 320, 5, 675_000, 0.020, 0.925, 0.0036, 1.06, 1.8, 0.995, 0.020),
    UnitProfile("抚州", CITY, 0.8, 160, 7, 435_000, 0.018, 0.890, 0.0034, 1.08, 1.6, 0.990, 0.018),
    UnitProfile("上饶", CITY, 1.0, 310, 3, 705_000, 0.022, 0.915, 0.0035, 1.08, 1.6, 1.030, 0.022),
    UnitProfile("省本级", PROVINCE, 1.0, 150, None, 215_000, 0.010, 1.100, 0.0027, 0.75, 0.6, 0.995, 0.012),
)
#: The one per-unit override (synthetic): 赣州 expects faster wage growth.
WAGE_GROWTH_OVERRIDE = {"赣州": 0.06}


def disability_driver(b: dict[str, float], avg_monthly_wage: float, adjustment: float) -> float:
    """伤残待遇 for the budget year from people × standards (calibration copy of domain.md §4)."""
    new = np.array([b[f"new_{g}"] for g in range(1, 11)])
    allowance = np.array([b[f"allowance_{g}"] for g in range(1, 5)])
    care = np.array([b[f"care_{lv}"] for lv in range(1, 4)])
    grant = np.array([b[f"medical_grant_{g}"] for g in range(5, 11)])
    return float(
        (new * GRANT_MONTHS).sum() * b["new_wage"]
        + (allowance * ALLOWANCE_RATIO).sum() * b["allowance_wage"] * 12 * (1 + adjustment)
        + (care * CARE_RATIO).sum() * avg_monthly_wage * 12
        + (grant * MEDICAL_GRANT_MONTHS).sum() * avg_monthly_wage)


def death_driver(b: dict[str, float], avg_monthly_wage: float, adjustment: float) -> float:
    """工亡待遇 for the budget year: lump sums for expected deaths plus dependants' pensions."""
    lump = DEATH_GRANT_MULTIPLE * NATIONAL_INCOME_2026 + FUNERAL_MONTHS * avg_monthly_wage
    monthly = (b["dependants_spouse"] * SPOUSE_RATIO + b["dependants_other"] * OTHER_RATIO
               + b["dependants_lone_extra"] * LONE_EXTRA_RATIO) * b["dependants_wage"]
    return float(b["deaths"] * lump + monthly * 12 * (1 + adjustment))


def _noise(rng: np.random.Generator, sd: float, size: int | None = None) -> np.ndarray | float:
    return 1.0 + rng.normal(0.0, sd, size)


def _beneficiaries(p: UnitProfile, rng: np.random.Generator, disability_target: float,
                   death_target: float, city_monthly_wage: float) -> dict[str, float]:
    """Integer people counts whose driver figures land near the targets."""
    w_avg = ASSUMPTIONS["avg_monthly_wage"]
    adj = ASSUMPTIONS["benefit_adjustment"]
    b: dict[str, float] = {}
    b["new_wage"] = float(max(4_900, round(city_monthly_wage * 0.80, -1)))
    b["allowance_wage"] = float(max(4_900, round(city_monthly_wage * 0.75, -1)))
    b["dependants_wage"] = float(max(4_900, round(city_monthly_wage * 0.73, -1)))
    # Profile per one new case, perturbed per unit, then scaled to the target.
    shares = NEW_GRADE_SHARES * _noise(rng, 0.08, 10)
    allowance = ALLOWANCE_PER_NEW * _noise(rng, 0.10, 4)
    care = CARE_PER_NEW * _noise(rng, 0.10, 3)
    grant = shares[4:] * MEDICAL_GRANT_SHARE * _noise(rng, 0.08, 6)
    unit_value = disability_driver(
        {**{f"new_{g + 1}": shares[g] for g in range(10)},
         **{f"allowance_{g + 1}": allowance[g] for g in range(4)},
         **{f"care_{lv + 1}": care[lv] for lv in range(3)},
         **{f"medical_grant_{g + 5}": grant[g] for g in range(6)},
         "new_wage": b["new_wage"], "allowance_wage": b["allowance_wage"]}, w_avg, adj)
    scale = disability_target / unit_value
    for g in range(4):
        b[f"allowance_{g + 1}"] = float(round(allowance[g] * scale))
    for lv in range(3):
        b[f"care_{lv + 1}"] = float(round(care[lv] * scale))
    for g in range(10):
        b[f"new_{g + 1}"] = float(max(1, round(shares[g] * scale)))
    for g in range(6):
        b[f"medical_grant_{g + 5}"] = float(round(grant[g] * scale))
    # Deaths from the fatality rate (10–60 per city), dependants make up the rest of the target.
    deaths = round(p.insured_2025 * p.fatality_per_100k / 100_000)
    b["deaths"] = float(min(60, max(10 if p.kind == CITY else 3, deaths)))
    lump = DEATH_GRANT_MULTIPLE * NATIONAL_INCOME_2026 + FUNERAL_MONTHS * w_avg
    per_spouse = (SPOUSE_RATIO + DEPENDANTS_OTHER_PER_SPOUSE * OTHER_RATIO
                  + LONE_EXTRA_SHARE * (1 + DEPENDANTS_OTHER_PER_SPOUSE) * LONE_EXTRA_RATIO)
    spouses = max(20.0, (death_target - b["deaths"] * lump)
                  / (per_spouse * b["dependants_wage"] * 12 * (1 + adj)))
    b["dependants_spouse"] = float(round(spouses))
    b["dependants_other"] = float(round(spouses * DEPENDANTS_OTHER_PER_SPOUSE))
    b["dependants_lone_extra"] = float(round(spouses * (1 + DEPENDANTS_OTHER_PER_SPOUSE) * LONE_EXTRA_SHARE))
    return b


def build() -> dict[str, pd.DataFrame | dict]:
    """All example tables (DataFrames in COLUMNS order) plus the 2026 prior budget by item."""
    rng = np.random.default_rng(SEED)
    years = list(range(FULL_YEARS[0], BUDGET_YEAR))  # 2022..2026 "true" full years
    w_avg = ASSUMPTIONS["avg_monthly_wage"]
    adj = ASSUMPTIONS["benefit_adjustment"]

    unit_rows, plan_rows, ben_rows, hist_rows = [], [], [], []
    totals = {y: dict.fromkeys(items.UNIT_ITEMS, 0) for y in years}
    ytd_totals = {y: dict.fromkeys(items.UNIT_ITEMS, 0) for y in YTD_YEARS}
    for p in PROFILES:
        # Insured (year-end 2021..2026) and average wage (2022..2026).
        insured = {y: int(round(p.insured_2025 * (1 + p.insured_growth) ** (y - 2025) * _noise(rng, 0.004)))
                   for y in range(2021, BUDGET_YEAR)}
        insured[2025] = p.insured_2025
        g_wage = WAGE_GROWTH_OVERRIDE.get(p.unit, ASSUMPTIONS["wage_growth"])
        wage_2025 = round(provincial_wage(2025) * p.wage_ratio, -2)
        wage = {y: float(round(wage_2025 * (1 + g_wage + rng.normal(0, 0.004)) ** (y - 2025)))
                for y in years}
        avg_insured = {y: (insured[y - 1] + insured[y]) / 2 for y in years}
        flows: dict[int, dict[str, float]] = {y: {} for y in years}
        for y in years:
            flows[y][items.PREMIUM] = round(avg_insured[y] * wage[y] * p.rate * _noise(rng, 0.008))
            flows[y][items.OTHER_REVENUE] = round(flows[y][items.PREMIUM] * rng.uniform(0.004, 0.010))

        # Budget-year targets (2027) from projected premiums.
        expansion = int(round(insured[2026] * p.expansion_share, -1))
        premium_2027 = ((insured[2026] + 0.5 * expansion) * wage[2026] * (1 + g_wage) * p.rate)
        prevention_plan = float(round(flows[2026][items.PREMIUM] * rng.uniform(0.026, 0.029), -4))
        non_prevention = p.gap_ratio * premium_2027 - prevention_plan
        city_monthly_wage = wage[2026] / 12
        ben = _beneficiaries(p, rng, LINE_SHARES[items.DISABILITY] * non_prevention,
                             LINE_SHARES[items.DEATH] * non_prevention, city_monthly_wage)
        target_2027 = {line: share * non_prevention for line, share in LINE_SHARES.items()}
        target_2027[items.DISABILITY] = disability_driver(ben, w_avg, adj)
        target_2027[items.DEATH] = death_driver(ben, w_avg, adj)
        target_2027[items.PREVENTION] = prevention_plan
        growth = dict(LINE_GROWTH)
        growth[items.MEDICAL] = (1 + p.insured_growth) * (1 + ASSUMPTIONS["medical_growth"]) - 1
        for line in items.EXPENDITURE_ITEMS:
            g_line = growth[line] + rng.normal(0, 0.005)
            factor = OFF_TREND.get((p.unit, line), 1.0)
            for y in years:
                value = target_2027[line] / (1 + g_line) ** (BUDGET_YEAR - y) * factor
                flows[y][line] = round(value * _noise(rng, 0.012))

        for y in FULL_YEARS:
            hist_rows.append({"unit": p.unit, "year": y, "months": 12, "insured_end": insured[y],
                              "avg_wage": wage[y], **flows[y]})
        for y in years:
            for line in items.UNIT_ITEMS:
                totals[y][line] += flows[y][line]
        for y in YTD_YEARS:
            share_sep = rng.uniform(0.70, 0.90)
            ytd = {line: round(flows[y][line] * min(0.76, max(0.70, YTD_SHARE[line] + rng.normal(0, 0.008))))
                   for line in items.UNIT_ITEMS}
            hist_rows.append({
                "unit": p.unit, "year": y, "months": YTD_MONTHS,
                "insured_end": int(round(insured[y - 1] + share_sep * (insured[y] - insured[y - 1]))),
                "avg_wage": float(round(wage[y] * rng.uniform(0.985, 0.998))), **ytd})
            for line in items.UNIT_ITEMS:
                ytd_totals[y][line] += ytd[line]

        unit_rows.append({
            "unit": p.unit, "kind": p.kind, "coefficient": p.coefficient,
            "fiscal_revenue": float(round(p.fiscal_revenue_yi * YI * rng.uniform(0.98, 1.02), -4)),
            "assessment_rank": p.rank})
        plan_rows.append({
            "unit": p.unit, "expansion": expansion,
            "collection_plan_prev": float(round(flows[2026][items.PREMIUM] * p.plan_factor, -4)),
            "prevention_plan": prevention_plan,
            "wage_growth": WAGE_GROWTH_OVERRIDE.get(p.unit, np.nan), "rate_change": np.nan})
        ben_rows.append({"unit": p.unit, **ben})

    province = _province_history(totals, ytd_totals)
    history = pd.DataFrame(hist_rows).sort_values(["year", "months"], kind="stable")
    tables = {
        "units": pd.DataFrame(unit_rows),
        "history": history.reset_index(drop=True),
        "province_history": province,
        "plans": pd.DataFrame(plan_rows),
        "beneficiaries": pd.DataFrame(ben_rows),
    }
    out: dict[str, pd.DataFrame | dict] = {name: df[list(COLUMNS[name])] for name, df in tables.items()}
    out["prior_budget"] = _prior_budget(totals[2026], province)
    return out


def _province_history(totals: dict[int, dict[str, float]], ytd_totals: dict[int, dict[str, float]]) -> pd.DataFrame:
    """Subsidy, interest and balance rows that satisfy the balance identity to the yuan."""
    def net(flow: dict[str, float]) -> float:
        return (sum(flow[i] for i in items.UNIT_REVENUE_ITEMS)
                - sum(flow[i] for i in items.EXPENDITURE_ITEMS))

    expenditure_2025 = sum(totals[2025][i] for i in items.EXPENDITURE_ITEMS)
    balance = {2025: round(BALANCE_MONTHS_2025 * expenditure_2025 / 12)}
    interest: dict[int, float] = {}
    for y in (2025, 2024, 2023, 2022):
        # interest = rate × (B0 + B1)/2 with B0 = B1 − net − subsidy − interest, solved for interest.
        half = INTEREST_RATE / 2
        inflow = net(totals[y]) + SUBSIDY[y]
        interest[y] = round(half * (2 * balance[y] - inflow) / (1 + half))
        balance[y - 1] = balance[y] - inflow - interest[y]
    rows = [{"year": y, "months": 12, items.SUBSIDY: SUBSIDY[y], items.INTEREST: interest[y],
             "balance_end": balance[y]} for y in FULL_YEARS]
    for y in YTD_YEARS:
        subsidy = round(SUBSIDY[y] * SUBSIDY_YTD_SHARE)
        ytd_interest = round(INTEREST_RATE * balance[y - 1] * YTD_MONTHS / 12)
        rows.append({"year": y, "months": YTD_MONTHS, items.SUBSIDY: subsidy, items.INTEREST: ytd_interest,
                     "balance_end": balance[y - 1] + net(ytd_totals[y]) + subsidy + ytd_interest})
    df = pd.DataFrame(rows).sort_values(["year", "months"], kind="stable").reset_index(drop=True)
    return df.astype({items.SUBSIDY: float, items.INTEREST: float, "balance_end": float})


def _prior_budget(flow_2026: dict[str, float], province: pd.DataFrame) -> dict[str, float]:
    """2026 上年预算数 by item (province totals, yuan, whole 万元): drafted a year earlier, so
    premiums were budgeted a little high and benefits a little low (synthetic)."""
    last = province[province["months"] == 12].iloc[-1]
    factor = {items.PREMIUM: 1.02, items.OTHER_REVENUE: 0.90, items.MEDICAL: 0.98, items.DISABILITY: 0.96,
              items.DEATH: 0.97, items.APPRAISAL: 1.00, items.PREVENTION: 1.05, items.OTHER_EXPENDITURE: 1.00}
    budget = {items.PREMIUM: flow_2026[items.PREMIUM] * factor[items.PREMIUM],
              items.SUBSIDY: SUBSIDY[2026] * 0.9,
              items.INTEREST: last["balance_end"] * INTEREST_RATE,
              items.OTHER_REVENUE: flow_2026[items.OTHER_REVENUE] * factor[items.OTHER_REVENUE]}
    for line in items.EXPENDITURE_ITEMS:
        budget[line] = flow_2026[line] * factor[line]
    ordered = items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS
    return {code: float(round(budget[code], -4)) for code in ordered}


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return f"{v:.1f}" if v.is_integer() else repr(v)
    return str(v)


def toml_text(prior_budget: dict[str, float]) -> str:
    """example.toml: province, budget year, assumptions, 2026 prior budget, synthetic flag and note."""
    lines = [
        "# 示例省份（示例数据，虚构，仅供演示）— generated by `python -m examples.generate`; edit there.",
        f"province = {_toml_value(PROVINCE_NAME)}",
        f"province_code = {_toml_value(PROVINCE_CODE)}",
        f"budget_year = {BUDGET_YEAR}",
        "synthetic = true",
        f"note = {_toml_value(NOTE)}",
        "",
        "# 预测假设 (forecast assumptions), rates as fractions; avg_monthly_wage in yuan/month (synthetic).",
        "[assumptions]",
        *(f"{k} = {_toml_value(v)}" for k, v in ASSUMPTIONS.items()),
        "",
        "# 上年预算数 (2026 budget, province totals, yuan; synthetic).",
        "[prior_budget]",
        *(f"{k} = {_toml_value(v)}" for k, v in prior_budget.items()),
        "",
        *calibration_lines(),
        "",
    ]
    return "\n".join(lines)


def _whole_numbers_as_int(frame: pd.DataFrame) -> pd.DataFrame:
    """Write whole-yuan and head-count columns without a trailing '.0' (blanks stay blank)."""
    out = frame.copy()
    for col in out.columns:
        values = pd.to_numeric(out[col], errors="coerce")
        if out[col].dtype.kind in "fiO" and values.notna().any() and values.isna().eq(out[col].isna()).all():
            whole = values.dropna()
            if (whole == whole.round()).all():
                out[col] = values.astype("Int64")
    return out


def write(out_dir: Path = OUT_DIR) -> dict[str, Path]:
    """Regenerate the CSV files and example.toml; returns the paths written."""
    data = build()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in COLUMNS:
        path = out_dir / f"{name}.csv"
        frame = data[name]
        assert isinstance(frame, pd.DataFrame)
        _whole_numbers_as_int(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written[name] = path
    toml_path = out_dir / "example.toml"
    prior = data["prior_budget"]
    assert isinstance(prior, dict)
    toml_path.write_text(toml_text(prior), encoding="utf-8")
    written["example"] = toml_path
    return written


if __name__ == "__main__":
    for path in write().values():
        print(f"wrote {path.name}")
