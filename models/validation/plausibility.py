"""合理性检查 (plausibility warnings, V4xx) — year-on-year changes, coverage expansion, 元/万元 slips, rates outside the
legal band and wages outside the statutory clamp.
"""

from __future__ import annotations

import datetime as dt
import numbers

import numpy as np
import pandas as pd

from models import items
from models.errors import ParameterError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.validation.assumptions import prior_budget_of
from models.validation.cells import header_of, scalar_value
from models.validation.rules import MIN_PREMIUM_PER_INSURED, PLAUSIBLE_CHANGE, UNIT_SLIP_RATIO, Findings
from models.validation.units_years import month_span, year_rows

# ---------------------------------------------------------------- 5. plausibility and policy


def change_warnings(clean: dict[str, pd.DataFrame | None], names: list[str], b: int, f: Findings) -> None:
    """参保人数、平均缴费工资 year on year (full years, and Y−1's progress row against Y−2)."""
    hist = clean.get("history")
    if hist is None:
        return
    rows = year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
    checks = (("insured_end", "V401", "期末参保人数", "人", "（是否以万人填写、是否漏填或多填）"),
              ("avg_wage", "V402", "平均缴费工资", "元/年", "（是否填成月工资或以万元填写）"))
    for name, own in rows.groupby("unit", sort=False):
        own_full = own[own["months"] == 12]
        mine = own_full.set_index("year")
        progress = own[(own["year"] == b) & (own["months"] < 12)]
        later = [(int(i), int(r["year"]), r) for i, r in own_full.iterrows()]
        later += [(int(i), b, r) for i, r in progress.iterrows() if b not in mine.index]
        for i, year, r in later:
            if year - 1 not in mine.index:
                continue
            prev = mine.loc[year - 1]
            for column, rule, label, unit, hint in checks:
                new, old = r[column], prev[column]
                if not (np.isfinite(new) and np.isfinite(old)) or old <= 0:
                    continue
                change = new / old - 1.0
                if abs(change) > PLAUSIBLE_CHANGE + 1e-9:
                    if f.flagged("V405", "history", i, column):
                        continue
                    f.add(rule, "history", f"{name} {year}年{month_span(r['months'])}{label} {new:,.0f} {unit}，比{year - 1}年"
                          f"{old:,.0f} {unit}{'增加' if change > 0 else '减少'} {abs(change):.0%}，超过 ±{PLAUSIBLE_CHANGE:.0%}："
                          f"请核对{hint}", row=i, column=column, unit=name, value=float(change))


def expansion_warnings(clean: dict[str, pd.DataFrame | None], b: int, f: Findings) -> None:
    plans, hist = clean.get("plans"), clean.get("history")
    if plans is None or hist is None:
        return
    rows = year_rows(hist, None)
    latest = rows[rows["year"] == b].sort_values("months").drop_duplicates("unit", keep="last")
    insured = dict(zip(latest["unit"], latest["insured_end"], strict=True))
    for i, r in plans.iterrows():
        n = insured.get(r["unit"])
        if n is None or not np.isfinite(n) or n <= 0 or not np.isfinite(r["expansion"]):
            continue
        if r["expansion"] / n > PLAUSIBLE_CHANGE + 1e-9:
            f.add("V401", "plans", f"{r['unit']}扩面计划 {r['expansion']:,.0f} 人，是{b}年期末参保人数 {n:,.0f} 人的"
                  f" {r['expansion'] / n:.0%}，超过 {PLAUSIBLE_CHANGE:.0%}：请确认以人为单位填写", row=int(i),
                  column="expansion", unit=r["unit"], value=float(r["expansion"]))
    if "wage_growth" in plans.columns:
        for i, r in plans.iterrows():
            g = r["wage_growth"]
            if np.isfinite(g) and abs(g) > PLAUSIBLE_CHANGE + 1e-9:
                f.add("V402", "plans", f"{r['unit']}的工资增长率为 {g:.1%}，超过 ±{PLAUSIBLE_CHANGE:.0%}：请确认按百分数"
                      "填写（如 5% 填 5% 或 0.05）", row=int(i), column="wage_growth", unit=r["unit"], value=float(g))


def _ratio_outliers(values: np.ndarray) -> np.ndarray:
    """True where a positive value is ≥ UNIT_SLIP_RATIO × off the median of the other positive values."""
    v = np.asarray(values, dtype=float)
    out = np.zeros(len(v), dtype=bool)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 3:
        return out
    for k in np.flatnonzero(ok):
        others = v[ok & (np.arange(len(v)) != k)]
        ref = float(np.median(others))
        ratio = v[k] / ref
        out[k] = ratio >= UNIT_SLIP_RATIO or ratio <= 1.0 / UNIT_SLIP_RATIO
    return out


_MONEY_HINT = "疑似元与万元混用（输入表的金额一律以元为单位），请核对"


def unit_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], names: list[str], b: int,
                f: Findings) -> None:
    """元/万元: values 1,000× or more off their neighbours, and premiums under 1 yuan per insured person."""
    hist = clean.get("history")
    if hist is not None:
        rows = year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
        for name, mine in rows.groupby("unit", sort=False):
            scale = np.where(mine["months"] < 12, 12.0 / mine["months"], 1.0)
            for column in ("insured_end", "avg_wage", *items.UNIT_ITEMS):
                is_flow = column in items.UNIT_ITEMS
                values = mine[column].to_numpy(dtype=float) * (scale if is_flow else 1.0)
                for k in np.flatnonzero(_ratio_outliers(values)):
                    i = int(mine.index[k])
                    r = mine.loc[i]
                    f.add("V405", "history", f"{name} {r['year']}年{month_span(r['months'])}的“{header_of('history', column)}”"
                          f"为 {r[column]:,.2f}，与该单位其他年度相差上千倍：{_MONEY_HINT}", row=i, column=column,
                          unit=name, value=float(r[column]))
            for i, r in mine.iterrows():
                n, premium = r["insured_end"], r[items.PREMIUM]
                if not (np.isfinite(n) and np.isfinite(premium)) or n <= 0 or premium <= 0:
                    continue
                per_head = premium * (12.0 / r["months"]) / n
                if per_head < MIN_PREMIUM_PER_INSURED:
                    f.add("V405", "history", f"{name} {r['year']}年{month_span(r['months'])}人均保险费收入只有 "
                          f"{per_head:.4f} 元/人·年（保险费 {premium:,.2f} ÷ 参保 {n:,.0f} 人）：{_MONEY_HINT}",
                          row=int(i), column=items.PREMIUM, unit=name, value=float(premium))
    ph = clean.get("province_history")
    if ph is not None:
        rows = year_rows(ph, None).drop_duplicates(subset=["year", "months"])
        scale = np.where(rows["months"] < 12, 12.0 / rows["months"], 1.0)
        for column in (items.SUBSIDY, items.INTEREST, "balance_end"):
            values = rows[column].to_numpy(dtype=float) * (scale if column != "balance_end" else 1.0)
            for k in np.flatnonzero(_ratio_outliers(values)):
                i = int(rows.index[k])
                r = rows.loc[i]
                f.add("V405", "province_history", f"省级收支 {r['year']}年{month_span(r['months'])}的“"
                      f"{header_of('province_history', column)}”为 {r[column]:,.2f}，与其他年度相差上千倍：{_MONEY_HINT}",
                      row=i, column=column, value=float(r[column]))
    cross = (("plans", ("collection_plan_prev", "prevention_plan")), ("units", ("fiscal_revenue",)),
             ("beneficiaries", ("allowance_wage", "dependants_wage", "new_wage")))
    for table, columns in cross:
        frame = clean.get(table)
        if frame is None:
            continue
        for column in columns:
            if column not in frame.columns:
                continue
            for k in np.flatnonzero(_ratio_outliers(frame[column].to_numpy(dtype=float))):
                f.add("V405", table, f"{frame['unit'].iloc[k]}的“{header_of(table, column)}”为 "
                      f"{frame[column].iloc[k]:,.2f}，与其他单位相差上千倍：{_MONEY_HINT}", row=int(k), column=column,
                      unit=frame["unit"].iloc[k], value=float(frame[column].iloc[k]))
    _prior_budget_slips(inputs, clean, b, f)


def _prior_budget_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], b: int, f: Findings) -> None:
    """上年预算数 against the units' (and the province's) full-year figures of the year before."""
    prior = prior_budget_of(inputs)
    hist, ph = clean.get("history"), clean.get("province_history")
    if prior is None or hist is None:
        return
    full = year_rows(hist, None)
    full = full[full["months"] == 12]
    latest = int(full["year"].max()) if not full.empty else None
    reference: dict[str, float] = {}
    if latest is not None:
        reference = {it: float(full.loc[full["year"] == latest, it].sum()) for it in items.UNIT_ITEMS}
        if ph is not None:
            prov = year_rows(ph, None)
            prov = prov[(prov["months"] == 12) & (prov["year"] == latest)]
            if len(prov):
                reference |= {it: float(prov[it].iloc[0]) for it in items.PROVINCE_REVENUE_ITEMS}
    for code, value in prior.items():
        ref = reference.get(str(code))
        if ref is None or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0 or ref <= 0:
            continue
        ratio = float(value) / ref
        if ratio >= UNIT_SLIP_RATIO or ratio <= 1.0 / UNIT_SLIP_RATIO:
            f.add("V405", "prior_budget", f"上年预算数“{items.label(str(code))}”为 {float(value):,.2f}，与{latest}年"
                  f"决算数 {ref:,.2f} 相差上千倍：{_MONEY_HINT}", column=str(code), value=float(value))


def rate_band(params: ParameterSet, year: int) -> tuple[float, float] | None:
    """(lowest, highest) legal effective rate in force on 1 January of `year`; None if not in force."""
    try:
        base = params.value("industry_base_rates", dt.date(year, 1, 1))
        band = params.value("rate_float_band", dt.date(year, 1, 1))
    except ParameterError:
        return None
    base = base if isinstance(base, tuple) else (base,)
    band = band if isinstance(band, tuple) else (band, band)
    return min(base) * min(band), max(base) * max(band)


def rate_message(name: str, when: str, rate: float, band: tuple[float, float]) -> str:
    return (f"{name} {when}实际费率（保险费收入 ÷ 平均参保人数 ÷ 平均缴费工资）为 {rate:.3%}，不在法定费率区间 "
            f"{band[0]:.2%}–{band[1]:.2%}（最低行业基准费率×下浮下限 至 最高行业基准费率×上浮上限）之内：请核对保险费收入、"
            "参保人数和平均缴费工资是否同一口径、同以元和人为单位")


def rate_warnings(clean: dict[str, pd.DataFrame | None], names: list[str], params: ParameterSet | None,
                   b: int, f: Findings) -> None:
    """Effective rate of every full year that has a full year before it."""
    hist = clean.get("history")
    if hist is None or params is None:
        return
    rows = year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
    full = rows[rows["months"] == 12]
    for name, own in full.groupby("unit", sort=False):
        mine = own.set_index("year")
        index_of = dict(zip(own["year"], own.index, strict=True))
        for year in mine.index:
            if year - 1 not in mine.index:
                continue
            band = rate_band(params, int(year))
            i, j = int(index_of[year]), int(index_of[year - 1])
            if band is None or any(f.flagged("V405", "history", k, c) for k in (i, j)
                                   for c in ("insured_end", "avg_wage", items.PREMIUM)):
                continue
            r, p = mine.loc[year], mine.loc[year - 1]
            payroll = (r["insured_end"] + p["insured_end"]) / 2.0 * r["avg_wage"]
            if not (np.isfinite(payroll) and payroll > 0 and np.isfinite(r[items.PREMIUM])):
                continue
            rate = r[items.PREMIUM] / payroll
            if not band[0] <= rate <= band[1]:
                f.add("V403", "history", rate_message(name, f"{year}年", rate, band), row=i, column=items.PREMIUM,
                      unit=name, value=float(rate))


def wage_warnings(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], params: ParameterSet | None,
                   year: int, f: Findings) -> None:
    """本人工资 within the floor and ceiling of the average monthly wage (条例 §64), where people are counted."""
    ben = clean.get("beneficiaries")
    avg = scalar_value(getattr(inputs.assumptions, "avg_monthly_wage", None))
    if ben is None or params is None or avg is None or avg <= 0:
        return
    on = dt.date(year, 1, 1)
    try:
        low, high = float(params.value("wage_floor_ratio", on)), float(params.value("wage_ceiling_ratio", on))
    except ParameterError:
        return
    groups = {
        "allowance_wage": [f"allowance_{g}" for g in range(1, 5)],
        "dependants_wage": ["dependants_spouse", "dependants_other", "dependants_lone_extra"],
        "new_wage": [f"new_{g}" for g in range(1, 11)],
    }
    for column, counts in groups.items():
        for i, r in ben.iterrows():
            w = r[column]
            people = r[counts].to_numpy(dtype=float)
            if not np.isfinite(w) or not (np.nan_to_num(people) > 0).any():
                continue
            if f.flagged("V405", "beneficiaries", int(i), column):
                continue
            share = w / avg
            if share < low or share > high:
                f.add("V404", "beneficiaries", f"{r['unit']}的“{header_of('beneficiaries', column)}”为 {w:,.2f} 元/月，"
                      f"是上年全省职工月平均工资 {avg:,.0f} 元的 {share:.0%}，不在 {low:.0%}–{high:.0%} 的计发范围内："
                      "请确认按月工资（元/月）填写；测算时按上下限计发", row=int(i), column=column, unit=r["unit"],
                      value=float(w))


