"""收支预测 — per-unit forecast of next year's revenue and expenditure (domain.md §4).

Budget year Y, base year b = Y−1 (its 预计执行数 from 1–m月 actuals) and b−1 (its 决算).
Every unit (设区市 and 省本级) is a position along the last axis of every array, so the same
code serves 12 cities and 3,000 counties; assumptions may carry leading scenario axes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models import benefits, items
from models.errors import BudgetInputError
from models.execution import estimate_full_year, estimate_year_end_stock
from models.inputs import CITY, PROVINCE, BudgetInputs
from models.parameter_set import ParameterSet, parameters_for
from models.tables import history_cube, per_unit, unit_index
from models.trend import deviation, trend
from models.uprating import uprate, uprating_note

DEFAULT_TREND_METHOD = "average"
HISTORY_STOCKS = ("insured_end", "avg_wage")
TREND_ONLY_ITEMS = (items.OTHER_REVENUE, items.APPRAISAL, items.OTHER_EXPENDITURE)

BENEFICIARY_COLUMNS = (
    [f"allowance_{g}" for g in range(1, 5)] + ["allowance_wage"]
    + [f"care_{lv}" for lv in range(1, 4)]
    + ["dependants_spouse", "dependants_other", "dependants_lone_extra", "dependants_wage"]
    + [f"new_{g}" for g in range(1, 11)] + ["new_wage"]
    + [f"medical_grant_{g}" for g in range(5, 11)] + ["deaths"]
)


@dataclass
class Forecast:
    """预测结果 — arrays of yuan shaped (..., U), with tables for the plain (no scenario) case."""

    budget_year: int
    units: tuple[str, ...]
    kinds: np.ndarray                       # "city" / "province" per unit
    budget: dict[str, np.ndarray]           # 本年预算数 (driver-based) by item
    estimate: dict[str, np.ndarray]         # 上年预计执行数 by item (b = Y−1)
    final: dict[str, np.ndarray]            # 前年决算数 by item (b−1 = Y−2)
    trend: dict[str, np.ndarray]            # 趋势值 by item
    deviation: dict[str, np.ndarray]        # (driver − trend)/|trend|
    flags: dict[str, np.ndarray]            # |deviation| > tolerance
    drivers: dict[str, np.ndarray]          # 参保人数、工资、费率、缴费基数 …
    details: dict[str, np.ndarray]          # 伤残、工亡待遇的构成
    history_years: list[int]
    history: dict[str, np.ndarray]          # item → (U, T) full-year series incl. the b estimate
    trend_methods: dict[str, str]
    tolerance: float
    notes: list[str] = field(default_factory=list)

    @property
    def city_mask(self) -> np.ndarray:
        """True for 设区市."""
        return self.kinds == CITY

    def revenue(self, which: str = "budget") -> np.ndarray:
        """收入合计 per unit (premium + other revenue)."""
        src = getattr(self, which)
        return sum(src[i] for i in items.UNIT_REVENUE_ITEMS)

    def expenditure(self, which: str = "budget") -> np.ndarray:
        """支出合计 per unit."""
        src = getattr(self, which)
        return sum(src[i] for i in items.EXPENDITURE_ITEMS)

    def gap(self, which: str = "budget") -> np.ndarray:
        """收支缺口 G = 支出 − 收入 per unit (positive = deficit)."""
        return self.expenditure(which) - self.revenue(which)

    def table(self, which: str = "budget") -> pd.DataFrame:
        """分单位预算 (yuan): one row per unit, one column per line item plus totals and gap."""
        src = getattr(self, which)
        df = pd.DataFrame({i: np.asarray(src[i], dtype=float) for i in items.UNIT_ITEMS},
                          index=pd.Index(self.units, name="unit"))
        df["revenue_total"] = self.revenue(which)
        df["expenditure_total"] = self.expenditure(which)
        df["gap"] = self.gap(which)
        return df

    def check_table(self) -> pd.DataFrame:
        """预测与校验: per unit × item the driver figure, trend figure, deviation and flag (long form)."""
        rows = []
        for it in items.UNIT_ITEMS:
            rows.append(pd.DataFrame({
                "unit": self.units, "item": it, "label": items.label(it),
                "method": self.trend_methods[it],
                "estimate": self.estimate[it], "budget": self.budget[it], "trend": self.trend[it],
                "deviation": self.deviation[it], "flag": self.flags[it]}))
        return pd.concat(rows, ignore_index=True)


def premium_revenue(insured_end, expansion, avg_wage, wage_growth, effective_rate, timing=0.5,
                    rate_change=0.0) -> np.ndarray:
    """工伤保险费收入 = (N_end + τ·X) × w × (1 + g) × r × (1 + Δrate)  (domain reference model).

    insured_end: year-end insured of the base year; expansion: 扩面计划 X; avg_wage: the base year's
    average contribution wage w (yuan/year); effective_rate: r = premium ÷ (average insured × w).
    Broadcasts over units and scenarios.
    """
    insured_avg = np.asarray(insured_end, dtype=float) + np.asarray(timing, dtype=float) * np.asarray(expansion)
    payroll = insured_avg * np.asarray(avg_wage, dtype=float) * (1.0 + np.asarray(wage_growth, dtype=float))
    return payroll * np.asarray(effective_rate, dtype=float) * (1.0 + np.asarray(rate_change, dtype=float))


def _assumption(values: np.ndarray, default: float | np.ndarray) -> np.ndarray:
    """Per-unit override where given, the province assumption elsewhere."""
    return np.where(np.isnan(values), default, values)


def national_income_for(year: int, assumed: float | None, growth: float, params: ParameterSet,
                        notes: list[str]) -> float:
    """上年全国城镇居民人均可支配收入 for deaths in `year`: given, or the latest published × growth."""
    if assumed is not None:
        return float(assumed)
    entry = params.entry("national_urban_income", dt.date(year, 1, 1))
    gap_years = year - entry.effective.year
    value = float(entry.value) * (1.0 + growth) ** gap_years
    if gap_years:
        notes.append(f"一次性工亡补助金基数：{entry.effective.year}年起执行的全国城镇居民人均可支配收入"
                     f"{float(entry.value):,.0f}元，按年增长{growth:.1%}推算{gap_years}年为{value:,.0f}元")
    return value


def forecast(inputs: BudgetInputs, params: ParameterSet | None = None) -> Forecast:
    """收支预测: forecast every unit's line items for `inputs.budget_year`."""
    params = params or parameters_for(inputs)
    a = inputs.assumptions
    Y = int(inputs.budget_year)
    b = Y - 1
    on = dt.date(Y, 1, 1)
    notes: list[str] = []

    idx = unit_index(inputs.units)
    kinds = np.array([str(k).strip() for k in inputs.units["kind"].to_numpy(dtype=object)], dtype=object)
    bad_kind = ~np.isin(kinds, [CITY, PROVINCE])
    if bad_kind.any():
        raise BudgetInputError("类型应为 设区市 或 省本级", table="units",
                               unit=idx[int(np.argmax(bad_kind))], field="类型", value=kinds[bad_kind][0], column="kind")
    if not (kinds == CITY).any():
        raise BudgetInputError("单位名单中没有设区市", table="units", field="类型", column="kind")

    # --- history: full years up to b−1, the b year-to-date row ------------------------------
    hist = inputs.history
    years_num = pd.to_numeric(hist["year"], errors="coerce").to_numpy(dtype=float)
    years_present = [int(y) for y in np.unique(years_num[~np.isnan(years_num)])]
    first = min(years_present) if years_present else b
    if b - 1 not in years_present or b not in years_present:
        raise BudgetInputError(f"历年执行表须有{b - 1}年决算数和{b}年执行数（预算年度{Y}）",
                               table="history", field="年度", value=years_present, column="year")
    years = list(range(first, b + 1))
    cols = list(HISTORY_STOCKS) + list(items.UNIT_ITEMS)
    full, partial, partial_months = history_cube(idx, hist, cols, years)
    missing = np.isnan(full[:, :, :-1]).any(axis=1)
    if missing.any():
        u, t = np.argwhere(missing)[0]
        raise BudgetInputError(f"缺少{years[t]}年全年（12个月）数据；历年数据须逐年连续",
                               table="history", unit=idx[u], field="年度", value=years[t],
                               column="year")
    # b: its full year if complete, else year-to-date
    b_full_known = ~np.isnan(full[:, :, -1]).any(axis=1)
    b_part_known = ~np.isnan(partial[:, :, -1]).any(axis=1)
    if not (b_full_known | b_part_known).all():
        u = int(np.flatnonzero(~(b_full_known | b_part_known))[0])
        raise BudgetInputError(f"缺少{b}年执行数（1–N月或全年）", table="history", unit=idx[u], field="年度", value=b,
                               column="year")
    m = int(partial_months[-1]) if not np.isnan(partial_months[-1]) else 12
    flows = slice(len(HISTORY_STOCKS), None)
    est = estimate_full_year(partial[:, flows, -1], partial[:, flows, :-1], full[:, flows, :-1], m)
    base_flows = np.where(b_full_known[:, None], full[:, flows, -1], est.full_year)
    stocks = slice(0, len(HISTORY_STOCKS))
    stock_est = estimate_year_end_stock(partial[:, stocks, -1], partial[:, stocks, :-1], full[:, stocks, :-1], m)
    base_stocks = np.where(b_full_known[:, None], full[:, stocks, -1], stock_est.year_end)
    if m < 12 and stock_est.fallback[~b_full_known].any():
        notes.append(f"部分单位缺少以前年度{m}月末与年末的参保人数、平均缴费工资，{b}年末数暂按{m}月末数计")
    if m < 12 and est.fallback[~b_full_known].any():
        notes.append(f"部分单位缺少以前年度1–{m}月进度数据，{b}年预计执行数按 {m}/12 的时间进度推算")

    estimate = {it: base_flows[:, k] for k, it in enumerate(items.UNIT_ITEMS)}
    final = {it: full[:, len(HISTORY_STOCKS) + k, -2] for k, it in enumerate(items.UNIT_ITEMS)}
    series = {it: np.concatenate([full[:, len(HISTORY_STOCKS) + k, :-1], base_flows[:, k:k + 1]], axis=1)
              for k, it in enumerate(items.UNIT_ITEMS)}

    # --- drivers -----------------------------------------------------------------------------
    plans = per_unit(idx, inputs.plans, "plans",
                     ["expansion", "collection_plan_prev", "prevention_plan", "wage_growth", "rate_change"],
                     optional=("collection_plan_prev", "prevention_plan", "wage_growth", "rate_change"))
    ben = per_unit(idx, inputs.beneficiaries, "beneficiaries", BENEFICIARY_COLUMNS)
    g = _assumption(plans["wage_growth"], np.asarray(a.wage_growth, dtype=float)[..., None]
                    if np.ndim(a.wage_growth) else a.wage_growth)
    d_rate = _assumption(plans["rate_change"], np.asarray(a.rate_change, dtype=float)[..., None]
                         if np.ndim(a.rate_change) else a.rate_change)
    tau = a.timing
    n_end_b = base_stocks[:, 0]
    n_end_prev = full[:, 0, -2]
    w_b = base_stocks[:, 1]
    n_avg_b = (n_end_prev + n_end_b) / 2.0
    n_avg_y = n_end_b + tau * plans["expansion"]
    payroll_b = n_avg_b * w_b
    zero_payroll = payroll_b <= 0
    if zero_payroll.any():
        raise BudgetInputError(f"{b}年参保人数或平均缴费工资为零，无法测算实际费率", table="history",
                               unit=idx[int(np.argmax(zero_payroll))], field="期末参保人数/平均缴费工资",
                               column="insured_end", value=b)
    eff_rate = estimate[items.PREMIUM] / payroll_b
    w_y = w_b * (1.0 + g)
    payroll_y = n_avg_y * w_y
    premium = premium_revenue(n_end_b, plans["expansion"], w_b, g, eff_rate, tau, d_rate)

    with np.errstate(divide="ignore", invalid="ignore"):
        medical = estimate[items.MEDICAL] * np.where(n_avg_b > 0, n_avg_y / n_avg_b, 1.0) * (1.0 + a.medical_growth)

    # --- disability and death benefits: people × standards ----------------------------------
    avg_w = float(a.avg_monthly_wage)
    if not avg_w > 0:
        raise BudgetInputError("请在参数表填写上年全省城镇非私营单位在岗职工月平均工资", table="assumptions",
                               parameter="avg_monthly_wage", value=a.avg_monthly_wage)
    adj = 1.0 + np.asarray(a.benefit_adjustment, dtype=float)
    adj = adj[..., None] if np.ndim(adj) else adj
    grades10 = np.arange(1, 11)
    new_counts = np.column_stack([ben[f"new_{gr}"] for gr in grades10])                   # (U, 10)
    grants = (new_counts * benefits.disability_grant(grades10, ben["new_wage"][:, None], avg_w, params, on)).sum(-1)
    # periodic items (伤残津贴, 生活护理费, 供养亲属抚恤金) are uprated by the province's rule (models.uprating)
    pct = adj - 1.0
    grades4 = np.arange(1, 5)
    allow_counts = np.column_stack([ben[f"allowance_{gr}"] for gr in grades4])
    allowance_std = uprate("disability_allowance", benefits.disability_allowance_monthly(
        grades4, ben["allowance_wage"][:, None], avg_w, params, on), params, on, np.expand_dims(pct, -1))
    allowance = (allow_counts * allowance_std).sum(-1) * 12.0
    levels = np.arange(1, 4)
    care_counts = np.column_stack([ben[f"care_{lv}"] for lv in levels])
    care_std = uprate("care_allowance", benefits.care_allowance_monthly(levels, avg_w, params, on), params, on,
                      np.expand_dims(pct, -1))
    care = (care_counts * care_std).sum(-1) * 12.0
    notes.append(uprating_note(params, on, a.benefit_adjustment))
    grades6 = np.arange(5, 11)
    mg_counts = np.column_stack([ben[f"medical_grant_{gr}"] for gr in grades6])
    med_grant = (mg_counts * benefits.medical_grant(grades6, avg_w, params, on)).sum(-1)
    disability = grants + allowance + care + med_grant

    income = national_income_for(Y, a.national_income, a.income_growth, params, notes)
    per_death = benefits.death_grant(income, params, on) + benefits.funeral_grant(avg_w, params, on)
    death_lump = ben["deaths"] * per_death
    dependants = uprate("dependant_pension", benefits.dependant_stock_monthly(
        ben["dependants_spouse"], ben["dependants_other"], ben["dependants_lone_extra"],
        ben["dependants_wage"], avg_w, params, on), params, on, pct,
        persons=ben["dependants_spouse"] + ben["dependants_other"]) * 12.0
    death = death_lump + dependants

    # --- trend-driven lines and the trend cross-check ----------------------------------------
    methods = {it: (a.trend_methods or {}).get(it, DEFAULT_TREND_METHOD) for it in items.UNIT_ITEMS}
    trends = {it: trend(series[it], methods[it], a.trend_years).value for it in items.UNIT_ITEMS}

    # prevention: planned amount (trend where no plan), within the province-wide cap
    plan = np.where(np.isnan(plans["prevention_plan"]), trends[items.PREVENTION], plans["prevention_plan"])
    cap = benefits.prevention_cap(estimate[items.PREMIUM].sum(axis=-1), params, on)
    planned_total = plan.sum(axis=-1)
    scale = np.where(planned_total > cap, cap / np.where(planned_total > 0, planned_total, 1.0), 1.0)
    if np.any(planned_total > cap):
        notes.append(f"工伤预防费计划合计超过上限（上年保险费收入的规定比例），已按比例压减至上限 {float(np.max(cap)):,.0f} 元")
    prevention = plan * np.asarray(scale)[..., None] if np.ndim(scale) else plan * scale

    budget = {
        items.PREMIUM: premium,
        items.OTHER_REVENUE: trends[items.OTHER_REVENUE],
        items.MEDICAL: medical,
        items.DISABILITY: disability,
        items.DEATH: death,
        items.APPRAISAL: trends[items.APPRAISAL],
        items.PREVENTION: prevention,
        items.OTHER_EXPENDITURE: trends[items.OTHER_EXPENDITURE],
    }
    budget = {k: np.broadcast_to(v, np.broadcast_shapes(np.shape(v), (len(idx),))).astype(float)
              for k, v in budget.items()}
    devs = {it: deviation(budget[it], trends[it]) for it in items.UNIT_ITEMS}
    flags = {it: np.abs(devs[it]) > a.trend_tolerance for it in items.UNIT_ITEMS}
    for it in TREND_ONLY_ITEMS:
        flags[it] = np.zeros_like(flags[it])

    drivers = {
        "insured_end_prev": n_end_prev, "insured_end_base": n_end_b, "insured_avg_base": n_avg_b,
        "insured_avg": n_avg_y, "expansion": plans["expansion"], "avg_wage_base": w_b, "avg_wage": w_y,
        "effective_rate": eff_rate, "payroll_base": payroll_b, "payroll": payroll_y,
        "execution_share": est.share[:, 0],
        "year_end_ratio_insured": np.where(b_full_known, 1.0, stock_est.ratio[:, 0]),
        "year_end_ratio_wage": np.where(b_full_known, 1.0, stock_est.ratio[:, 1]), "collection_plan_prev": plans["collection_plan_prev"],
        "prevention_plan": plan,
    }
    details = {
        "disability_grants": grants, "disability_allowance": allowance, "care_allowance": care,
        "medical_grant": med_grant, "death_lump_sum": death_lump, "dependant_pension": dependants,
        "per_death": np.asarray(per_death, dtype=float), "national_income": np.asarray(income),
    }
    return Forecast(
        budget_year=Y, units=tuple(idx), kinds=kinds, budget=budget, estimate=estimate, final=final,
        trend=trends, deviation=devs, flags=flags, drivers=drivers, details=details,
        history_years=years, history=series, trend_methods=methods, tolerance=a.trend_tolerance,
        notes=notes,
    )
