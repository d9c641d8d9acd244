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
from models.validation import memo
from models.validation.assumptions import prior_budget_of
from models.validation.cells import header_of, scalar_value
from models.validation.rules import MIN_PREMIUM_PER_INSURED, PLAUSIBLE_CHANGE, UNIT_SLIP_RATIO, Findings
from models.validation.units_years import full_year_rows, month_span, unique_rows

_UNIT_YEAR = ("unit", "year", "months")

# ---------------------------------------------------------------- 5. plausibility and policy


def change_warnings(clean: dict[str, pd.DataFrame | None], names: list[str], b: int, f: Findings) -> None:
    """参保人数、平均缴费工资 year on year (full years, and Y−1's progress row against Y−2).

    Vectorised: every row is joined to its unit's full row of the year before; the warnings are then added
    unit by unit in row order, as a per-unit loop would add them.
    """
    hist = clean.get("history")
    if hist is None:
        return
    rows = unique_rows(hist, names, _UNIT_YEAR, f)
    checks = (("insured_end", "V401", "期末参保人数", "人", "（是否以万人填写、是否漏填或多填）"),
              ("avg_wage", "V402", "平均缴费工资", "元/年", "（是否填成月工资或以万元填写）"))
    cols = [c[0] for c in checks]
    unit_code = pd.factorize(rows["unit"])[0]
    years, months = rows["year"].to_numpy(), rows["months"].to_numpy()
    full = months == 12
    has_full_b = np.zeros(unit_code.max() + 1 if len(unit_code) else 0, dtype=bool)
    has_full_b[unit_code[full & (years == b)]] = True
    progress = (years == b) & (months < 12) & ~has_full_b[unit_code]
    later = np.r_[np.flatnonzero(full), np.flatnonzero(progress)]          # full years, then Y−1's progress rows
    phase = np.r_[np.zeros(full.sum(), dtype=int), np.ones(progress.sum(), dtype=int)]
    year = np.where(phase == 0, years[later], b)
    prev = full_year_rows(unit_code, years, full, unit_code[later], year - 1)
    keep = prev >= 0
    later, phase, year, prev = later[keep], phase[keep], year[keep], prev[keep]
    order = np.lexsort((later, phase, unit_code[later]))                   # unit by unit, as a per-unit loop
    later, year, prev = later[order], year[order], prev[order]
    found: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for column in cols:
        values = rows[column].to_numpy(dtype=float)
        new, old = values[later], values[prev]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = new / old - 1.0
        found[column] = (np.isfinite(new) & np.isfinite(old) & (old > 0)
                         & (np.abs(change) > PLAUSIBLE_CHANGE + 1e-9), new, old, change)
    names_at, labels = rows["unit"].to_numpy(), rows.index.to_numpy()
    for k in np.flatnonzero(found["insured_end"][0] | found["avg_wage"][0]):
        i, name, y = int(labels[later[k]]), names_at[later[k]], int(year[k])
        for column, rule, label, unit, hint in checks:
            flag, new, old, change = (a[k] for a in found[column])
            if not flag or f.flagged("V405", "history", i, column):
                continue
            f.add(rule, "history", f"{name} {y}年{month_span(months[later[k]])}{label} {new:,.0f} {unit}，比{y - 1}年"
                  f"{old:,.0f} {unit}{'增加' if change > 0 else '减少'} {abs(change):.0%}，超过 ±{PLAUSIBLE_CHANGE:.0%}："
                  f"请核对{hint}", row=i, column=column, unit=name, value=float(change))


def expansion_warnings(clean: dict[str, pd.DataFrame | None], b: int, f: Findings) -> None:
    plans, hist = clean.get("plans"), clean.get("history")
    if plans is None or hist is None:
        return
    insured = memo.step(f, "latest_insured", ("history",), (b,), lambda: _latest_insured(hist, b, f))
    expansion = plans["expansion"].to_numpy(dtype=float)
    n = np.array([insured.get(u, np.nan) for u in plans["unit"]], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = expansion / n
    for k in np.flatnonzero(np.isfinite(n) & (n > 0) & np.isfinite(expansion) & (share > PLAUSIBLE_CHANGE + 1e-9)):
        unit = plans["unit"].iloc[k]
        f.add("V401", "plans", f"{unit}扩面计划 {expansion[k]:,.0f} 人，是{b}年期末参保人数 {n[k]:,.0f} 人的"
              f" {share[k]:.0%}，超过 {PLAUSIBLE_CHANGE:.0%}：请确认以人为单位填写", row=int(plans.index[k]),
              column="expansion", unit=unit, value=float(expansion[k]))
    if "wage_growth" in plans.columns:
        growth = plans["wage_growth"].to_numpy(dtype=float)
        for k in np.flatnonzero(np.isfinite(growth) & (np.abs(growth) > PLAUSIBLE_CHANGE + 1e-9)):
            unit, g = plans["unit"].iloc[k], growth[k]
            f.add("V402", "plans", f"{unit}的工资增长率为 {g:.1%}，超过 ±{PLAUSIBLE_CHANGE:.0%}：请确认按百分数"
                  "填写（如 5% 填 5% 或 0.05）", row=int(plans.index[k]), column="wage_growth", unit=unit,
                  value=float(g))


def _latest_insured(hist: pd.DataFrame, b: int, f: Findings) -> dict[str, float]:
    """Each unit's 期末参保人数 of its latest row of year `b` (never changed by the caller)."""
    rows = unique_rows(hist, None, (), f)
    latest = rows[rows["year"] == b].sort_values("months").drop_duplicates("unit", keep="last")
    return dict(zip(latest["unit"], latest["insured_end"], strict=True))


def _ratio_outliers(values: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """True where a positive value is ≥ UNIT_SLIP_RATIO × off the median of the other positive values (of its
    group, when `groups` gives each value's group; groups with fewer than 3 positive values flag nothing).

    Vectorised: the values are sorted within their group once; the median of the others of the value at rank p
    among m is read off that order with p left out (the same number np.median of the others gives).
    """
    v = np.asarray(values, dtype=float)
    out = np.zeros(len(v), dtype=bool)
    g = np.zeros(len(v), dtype=np.int64) if groups is None else np.asarray(groups)
    idx = np.flatnonzero(np.isfinite(v) & (v > 0))
    if idx.size < 3:
        return out
    order = idx[np.lexsort((v[idx], g[idx]))]
    gs, vs = g[order], v[order]
    starts = np.r_[0, np.flatnonzero(gs[1:] != gs[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    start, m = np.repeat(starts, sizes), np.repeat(sizes, sizes)
    p = np.arange(len(order)) - start                   # rank within the group
    valid = m >= 3
    r = np.where(valid, m - 1, 2)                       # how many others
    lo, hi = (r - 1) // 2, r // 2                       # the middle one (odd r) or two (even r) of the others
    lo, hi = lo + (lo >= p), hi + (hi >= p)             # … skipping the value itself
    last = len(order) - 1
    ref = (vs[np.minimum(start + lo, last)] + vs[np.minimum(start + hi, last)]) / 2.0
    ratio = vs / ref
    out[order] = valid & ((ratio >= UNIT_SLIP_RATIO) | (ratio <= 1.0 / UNIT_SLIP_RATIO))
    return out


_MONEY_HINT = "疑似元与万元混用（输入表的金额一律以元为单位），请核对"


def unit_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], names: list[str], b: int,
                f: Findings) -> None:
    """元/万元: values 1,000× or more off their neighbours, and premiums under 1 yuan per insured person."""
    hist = clean.get("history")
    if hist is not None:
        memo.step(f, "history_slips", ("history",), (tuple(names),),
                  lambda: _history_slips(unique_rows(hist, names, _UNIT_YEAR, f), f))
    ph = clean.get("province_history")
    if ph is not None:
        memo.step(f, "province_slips", ("province_history",), (), lambda: _province_slips(ph, f))
    cross = (("plans", ("collection_plan_prev", "prevention_plan")), ("units", ("fiscal_revenue",)),
             ("beneficiaries", ("allowance_wage", "dependants_wage", "new_wage")))
    for table, columns in cross:
        frame = clean.get(table)
        if frame is not None:
            memo.step(f, "unit_slips", (table,), (table, columns),
                      lambda table=table, frame=frame, columns=columns: _unit_slips(table, frame, columns, f))
    memo.step(f, "prior_budget_slips", ("history", "province_history", "prior_budget"), (b,),
              lambda: _prior_budget_slips(inputs, clean, b, f))


def _province_slips(ph: pd.DataFrame, f: Findings) -> None:
    """省级收支: a year's value 1,000× off the other years'."""
    rows = unique_rows(ph, None, ("year", "months"), f)
    scale = np.where(rows["months"] < 12, 12.0 / rows["months"], 1.0)
    for column in (items.SUBSIDY, items.INTEREST, "balance_end"):
        values = rows[column].to_numpy(dtype=float) * (scale if column != "balance_end" else 1.0)
        for k in np.flatnonzero(_ratio_outliers(values)):
            i = int(rows.index[k])
            r = rows.loc[i]
            f.add("V405", "province_history", f"省级收支 {r['year']}年{month_span(r['months'])}的“"
                  f"{header_of('province_history', column)}”为 {r[column]:,.2f}，与其他年度相差上千倍：{_MONEY_HINT}",
                  row=i, column=column, value=float(r[column]))


def _unit_slips(table: str, frame: pd.DataFrame, columns: tuple[str, ...], f: Findings) -> None:
    """A unit's value 1,000× off the other units' (扩面计划, 单位名单, 待遇人员)."""
    for column in columns:
        if column not in frame.columns:
            continue
        for k in np.flatnonzero(_ratio_outliers(frame[column].to_numpy(dtype=float))):
            f.add("V405", table, f"{frame['unit'].iloc[k]}的“{header_of(table, column)}”为 "
                  f"{frame[column].iloc[k]:,.2f}，与其他单位相差上千倍：{_MONEY_HINT}", row=int(k), column=column,
                  unit=frame["unit"].iloc[k], value=float(frame[column].iloc[k]))


def _history_slips(rows: pd.DataFrame, f: Findings) -> None:
    """历年执行: each unit's values 1,000× off its other years, and premiums under 1 yuan per insured person.

    Vectorised over units; the warnings are added unit by unit (columns, then premiums per head), as a
    per-unit loop would add them.
    """
    columns = ("insured_end", "avg_wage", *items.UNIT_ITEMS)
    unit_code = pd.factorize(rows["unit"])[0]
    months = rows["months"].to_numpy(dtype=float)
    scale = np.where(months < 12, 12.0 / months, 1.0)
    events: list[tuple[int, int, int]] = []             # (unit, column or len(columns) for premiums, row position)
    if len(rows):                                       # every column at once: its units are groups of their own
        block = rows[list(columns)].to_numpy(dtype=float)
        values = np.concatenate([block[:, c] * (scale if column in items.UNIT_ITEMS else 1.0)
                                 for c, column in enumerate(columns)])
        groups = np.concatenate([unit_code + c * (int(unit_code.max()) + 1) for c in range(len(columns))])
        flags = _ratio_outliers(values, groups).reshape(len(columns), len(rows))
        events += [(int(unit_code[k]), c, int(k)) for c in range(len(columns)) for k in np.flatnonzero(flags[c])]
    n, premium = rows["insured_end"].to_numpy(dtype=float), rows[items.PREMIUM].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_head = premium * (12.0 / months) / n
    low = np.isfinite(n) & np.isfinite(premium) & (n > 0) & (premium > 0) & (per_head < MIN_PREMIUM_PER_INSURED)
    events += [(int(unit_code[k]), len(columns), int(k)) for k in np.flatnonzero(low)]
    for _, c, k in sorted(events):
        i = int(rows.index[k])
        r = rows.iloc[k]
        name = r["unit"]
        if c < len(columns):
            column = columns[c]
            f.add("V405", "history", f"{name} {r['year']}年{month_span(r['months'])}的“{header_of('history', column)}”"
                  f"为 {r[column]:,.2f}，与该单位其他年度相差上千倍：{_MONEY_HINT}", row=i, column=column,
                  unit=name, value=float(r[column]))
        else:
            f.add("V405", "history", f"{name} {r['year']}年{month_span(r['months'])}人均保险费收入只有 "
                  f"{per_head[k]:.4f} 元/人·年（保险费 {r[items.PREMIUM]:,.2f} ÷ 参保 {r['insured_end']:,.0f} 人）："
                  f"{_MONEY_HINT}", row=i, column=items.PREMIUM, unit=name, value=float(r[items.PREMIUM]))


def _prior_budget_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], b: int, f: Findings) -> None:
    """上年预算数 against the units' (and the province's) full-year figures of the year before."""
    prior = prior_budget_of(inputs)
    hist, ph = clean.get("history"), clean.get("province_history")
    if prior is None or hist is None:
        return
    rows = unique_rows(hist, None, (), f)
    years = rows["year"].to_numpy()[rows["months"].to_numpy() == 12]
    latest = int(years.max()) if len(years) else None
    reference: dict[str, float] = {}
    if latest is not None:
        latest_rows = (rows["months"].to_numpy() == 12) & (rows["year"].to_numpy() == latest)
        amounts = rows[list(items.UNIT_ITEMS)].to_numpy(dtype=float)[latest_rows]
        reference = {it: float(np.nansum(amounts[:, c])) for c, it in enumerate(items.UNIT_ITEMS)}
        if ph is not None:
            prov = unique_rows(ph, None, (), f)
            at = np.flatnonzero((prov["months"].to_numpy() == 12) & (prov["year"].to_numpy() == latest))
            if len(at):
                reference |= {it: float(prov[it].to_numpy()[at[0]]) for it in items.PROVINCE_REVENUE_ITEMS}
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
    cols = ["insured_end", "avg_wage", items.PREMIUM]
    at, before, payroll, premium, rates, year_of, labels, units = memo.step(
        f, "year_rates", ("history",), (tuple(names),), lambda: _year_rates(unique_rows(hist, names, _UNIT_YEAR, f)))
    bands = {int(y): rate_band(params, int(y)) for y in np.unique(year_of)}
    low = np.array([bands[int(y)][0] if bands[int(y)] else -np.inf for y in year_of], dtype=float)
    high = np.array([bands[int(y)][1] if bands[int(y)] else np.inf for y in year_of], dtype=float)
    outside = np.isfinite(payroll) & (payroll > 0) & np.isfinite(premium) & ((rates < low) | (rates > high))
    for k in np.flatnonzero(outside):
        year, i, j = int(year_of[k]), int(labels[at[k]]), int(labels[before[k]])
        if any(f.flagged("V405", "history", x, c) for x in (i, j) for c in cols):
            continue
        f.add("V403", "history", rate_message(units[at[k]], f"{year}年", float(rates[k]), bands[year]), row=i,
              column=items.PREMIUM, unit=units[at[k]], value=float(rates[k]))


def _year_rates(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Each unit's full years with a full year before (row positions `at`, `before`, unit by unit, years in row
    order): payroll, premium, effective rate and year, with the rows' labels and units (never changed)."""
    unit_code = pd.factorize(rows["unit"])[0]
    years, full = rows["year"].to_numpy(), rows["months"].to_numpy() == 12
    at = np.flatnonzero(full)                                        # each full year …
    before = full_year_rows(unit_code, years, full, unit_code[at], years[at] - 1)   # … and the unit's year before
    keep = before >= 0
    order = np.lexsort((np.flatnonzero(keep), pd.factorize(rows["unit"].to_numpy()[at])[0][keep]))
    at, before = at[keep][order], before[keep][order]                # unit by unit, years in row order
    insured, wage = rows["insured_end"].to_numpy(dtype=float), rows["avg_wage"].to_numpy(dtype=float)
    payroll = (insured[at] + insured[before]) / 2.0 * wage[at]
    premium = rows[items.PREMIUM].to_numpy(dtype=float)[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = premium / payroll
    return at, before, payroll, premium, rates, years[at], rows.index.to_numpy(), rows["unit"].to_numpy()


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
    # reads the V405 flags of the table's own slips (`_unit_slips`), a function of the same table
    memo.step(f, "wages", ("beneficiaries",), (repr(avg), repr(low), repr(high)),
              lambda: _wages_outside(ben, avg, low, high, f))


_WAGE_GROUPS = {
    "allowance_wage": [f"allowance_{g}" for g in range(1, 5)],
    "dependants_wage": ["dependants_spouse", "dependants_other", "dependants_lone_extra"],
    "new_wage": [f"new_{g}" for g in range(1, 11)],
}


def _wages_outside(ben: pd.DataFrame, avg: float, low: float, high: float, f: Findings) -> None:
    for column, counts in _WAGE_GROUPS.items():
        wages = ben[column].to_numpy(dtype=float)
        people = np.nan_to_num(ben[counts].to_numpy(dtype=float))
        share = wages / avg
        outside = np.isfinite(wages) & (people > 0).any(axis=1) & ((share < low) | (share > high))
        for k in np.flatnonzero(outside):
            i = int(ben.index[k])
            if f.flagged("V405", "beneficiaries", i, column):
                continue
            w, unit = wages[k], ben["unit"].iloc[k]
            f.add("V404", "beneficiaries", f"{unit}的“{header_of('beneficiaries', column)}”为 {w:,.2f} 元/月，"
                  f"是上年全省职工月平均工资 {avg:,.0f} 元的 {share[k]:.0%}，不在 {low:.0%}–{high:.0%} 的计发范围内："
                  "请确认按月工资（元/月）填写；测算时按上下限计发", row=i, column=column, unit=unit, value=float(w))
