"""全省收支与储备 — province totals, interest solved exactly, reserve floor and the rate needed.

本年收支结余 = 收入合计 − 支出合计; 年末滚存结余 = 年初滚存结余 + 本年收支结余;
可支付月数 = 年末滚存结余 ÷ (支出合计 ÷ 12) (domain.md §2). Interest is ρ × (B0 + B1)/2 where
B1 itself contains the interest, so it is solved in closed form:
    I = ρ·(B0 + S/2) / (1 − ρ/2),  S = revenue before interest − expenditure,
and never negative (a negative average balance earns nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models import items
from models.errors import BudgetInputError
from models.execution import estimate_full_year
from models.forecast import Forecast
from models.inputs import BudgetInputs, numeric_column
from models.money import CENTS_PER_WAN, YUAN_PER_WAN, largest_remainder_steps, round_wan
from models.trend import trend


def interest_exact(opening: np.ndarray | float, net_before_interest: np.ndarray | float,
                   rate: np.ndarray | float) -> np.ndarray:
    """利息收入 on the average balance (B0 + B1)/2 with B1 = B0 + S + I, solved exactly, ≥ 0."""
    b0 = np.asarray(opening, dtype=float)
    s = np.asarray(net_before_interest, dtype=float)
    rho = np.asarray(rate, dtype=float)
    return np.maximum(0.0, rho * (b0 + s / 2.0) / (1.0 - rho / 2.0))


def months_payable(balance: np.ndarray | float, annual_expenditure: np.ndarray | float) -> np.ndarray:
    """可支付月数 = 滚存结余 ÷ (年支出 ÷ 12); +inf when nothing is spent."""
    bal = np.asarray(balance, dtype=float)
    exp = np.asarray(annual_expenditure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = bal / (exp / 12.0)
    return np.where(exp > 0, out, np.inf)


def premium_to_reach(target_closing: np.ndarray | float, opening: np.ndarray | float,
                     other_revenue: np.ndarray | float, expenditure: np.ndarray | float,
                     rate: np.ndarray | float) -> np.ndarray:
    """保险费收入 needed so that the closing balance equals `target_closing` (interest included).

    With S = P + other − E and I as in `interest_exact`: B1 = (B0(1 + ρ/2) + S)/(1 − ρ/2) while the
    average balance is positive, so S = B1(1 − ρ/2) − B0(1 + ρ/2); otherwise no interest: S = B1 − B0.
    """
    f = np.asarray(target_closing, dtype=float)
    b0 = np.asarray(opening, dtype=float)
    rho = np.asarray(rate, dtype=float)
    s_with = f * (1.0 - rho / 2.0) - b0 * (1.0 + rho / 2.0)
    s = np.where(b0 + s_with / 2.0 > 0, s_with, f - b0)
    return s - np.asarray(other_revenue, dtype=float) + np.asarray(expenditure, dtype=float)


@dataclass
class ProvinceBudget:
    """全省预算 — province totals for Y with last year's estimate, balances and the reserve check."""

    budget_year: int
    lines: pd.DataFrame            # index item code; columns prior_budget, estimate, final, budget (yuan)
    opening_balance: float | np.ndarray
    closing_balance: float | np.ndarray
    surplus: float | np.ndarray
    revenue: float | np.ndarray
    expenditure: float | np.ndarray
    months_payable: float | np.ndarray
    reserve_months: float
    floor: float | np.ndarray
    floor_shortfall: float | np.ndarray
    trigger: bool | np.ndarray      # 年末滚存结余低于储备下限 → 需上调行业基准费率
    payroll: float | np.ndarray
    average_rate: float | np.ndarray
    rate_needed: float | np.ndarray        # 以支定收: average rate that puts B1 exactly on the floor
    premium_needed: float | np.ndarray
    estimate_closing: float        # b's estimated year-end balance (= opening_balance)
    notes: list[str] = field(default_factory=list)

    @property
    def deficit(self) -> float | np.ndarray:
        """当年收支缺口 max(0, E − R)."""
        return np.maximum(0.0, -np.asarray(self.surplus))

    def summary(self) -> pd.Series:
        """收支结余 key figures (yuan, months, rates) for display."""
        return pd.Series({
            "revenue_total": self.revenue, "expenditure_total": self.expenditure, "surplus": self.surplus,
            "opening_balance": self.opening_balance, "closing_balance": self.closing_balance,
            "months_payable": self.months_payable, "reserve_floor": self.floor,
            "floor_shortfall": self.floor_shortfall, "trigger": self.trigger, "payroll": self.payroll,
            "average_rate": self.average_rate, "rate_needed": self.rate_needed,
            "premium_needed": self.premium_needed,
        })


def _province_series(inputs: BudgetInputs, years: list[int], col: str) -> tuple[np.ndarray, float, int]:
    """(full-year series up to b−1 plus b estimate, b estimate, months) for a province-level column."""
    ph = inputs.province_history
    if col not in ph.columns:
        raise BudgetInputError(f"缺少列 {items.label(col)}", table="province_history", column=col)
    year = numeric_column(ph, "province_history", "year", unit_col="year").astype(int)
    months = numeric_column(ph, "province_history", "months", unit_col="year").astype(int)
    vals = numeric_column(ph, "province_history", col, unit_col="year", allow_blank=True,
                          allow_negative=col == "balance_end")
    b = years[-1]
    full = np.full(len(years), np.nan)
    part = np.full(len(years), np.nan)
    m_b = 12
    for y, mo, v in zip(year, months, vals, strict=True):
        if y in years:
            t = years.index(y)
            if mo == 12:
                full[t] = v
            else:
                part[t] = v
                if y == b:
                    m_b = int(mo)
    if np.isnan(full[:-1]).any():
        y = years[int(np.flatnonzero(np.isnan(full[:-1]))[0])]
        raise BudgetInputError(f"缺少{y}年全年数据", table="province_history", field=items.label(col), value=y,
                               column="year")
    if not np.isnan(full[-1]):
        b_est = float(full[-1])
    elif not np.isnan(part[-1]):
        b_est = float(estimate_full_year(part[-1], part[:-1], full[:-1], m_b).full_year)
    else:
        raise BudgetInputError(f"缺少{b}年执行数", table="province_history", field=items.label(col), value=b,
                               column="year")
    return np.concatenate([full[:-1], [b_est]]), b_est, m_b


def _year_end_balances(ph: pd.DataFrame, year: int) -> np.ndarray:
    """期末滚存结余 of the full-year (12 months) rows of `year`, in row order (NaN where not a number)."""
    cols = [ph[c] for c in ("year", "months", "balance_end")]
    if all(c.dtype.kind in "fiu" for c in cols):     # numbers already: no conversion
        y, m, b = (c.to_numpy(dtype=float) for c in cols)
        return b[(y == year) & (m == 12)]
    rows = (pd.to_numeric(cols[0], errors="coerce") == year) & (pd.to_numeric(cols[1], errors="coerce") == 12)
    return pd.to_numeric(ph[rows]["balance_end"], errors="coerce").to_numpy(dtype=float)


def province_budget(inputs: BudgetInputs, fc: Forecast) -> ProvinceBudget:
    """全省收支预算: sum the units, add subsidy and exact interest, check the reserve."""
    a = inputs.assumptions
    years = fc.history_years
    notes: list[str] = []
    sub_series, sub_b, _ = _province_series(inputs, years, items.SUBSIDY)
    int_series, int_b, _ = _province_series(inputs, years, items.INTEREST)
    bal = _year_end_balances(inputs.province_history, years[-2])
    if not len(bal) or np.isnan(bal).all():
        raise BudgetInputError(f"缺少{years[-2]}年末滚存结余", table="province_history", field="期末滚存结余",
                               value=years[-2], column="balance_end")
    closing_prev = float(bal[0])

    def total(src: dict[str, np.ndarray], it: str) -> np.ndarray:
        return np.asarray(src[it]).sum(axis=-1)

    # b (Y−1) estimate: units' estimates + province items; its closing balance is Y's opening
    rev_b = sum(total(fc.estimate, i) for i in items.UNIT_REVENUE_ITEMS) + sub_b + int_b
    exp_b = sum(total(fc.estimate, i) for i in items.EXPENDITURE_ITEMS)
    b0 = closing_prev + rev_b - exp_b

    subsidy = a.subsidy_plan if a.subsidy_plan is not None else float(
        trend(sub_series, (a.trend_methods or {}).get(items.SUBSIDY, "linear"), a.trend_years).value)
    subsidy = np.asarray(subsidy, dtype=float)
    if a.subsidy_plan is None:
        notes.append("财政补贴收入未给计划数，按历年趋势测算")
    unit_rev = sum(total(fc.budget, i) for i in items.UNIT_REVENUE_ITEMS)
    expenditure = sum(total(fc.budget, i) for i in items.EXPENDITURE_ITEMS)
    net_before = unit_rev + subsidy - expenditure
    interest = interest_exact(b0, net_before, a.interest_rate)
    revenue = unit_rev + subsidy + interest
    surplus = revenue - expenditure
    closing = b0 + surplus
    floor = a.reserve_months * expenditure / 12.0
    premium = total(fc.budget, items.PREMIUM)
    payroll = np.asarray(fc.drivers["payroll"]).sum(axis=-1)
    non_premium = revenue - premium - interest
    premium_needed = premium_to_reach(floor, b0, non_premium, expenditure, a.interest_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_rate = premium / payroll
        rate_needed = premium_needed / payroll

    budget_lines = {i: total(fc.budget, i) for i in items.UNIT_ITEMS}
    budget_lines.update({items.SUBSIDY: subsidy, items.INTEREST: interest})
    est_lines = {i: total(fc.estimate, i) for i in items.UNIT_ITEMS}
    est_lines.update({items.SUBSIDY: sub_b, items.INTEREST: int_b})
    fin_lines = {i: total(fc.final, i) for i in items.UNIT_ITEMS}
    fin_lines.update({items.SUBSIDY: sub_series[-2], items.INTEREST: int_series[-2]})
    order = list(items.REVENUE_ITEMS) + list(items.EXPENDITURE_ITEMS)
    scalar = np.ndim(revenue) == 0
    lines = None
    if scalar:
        prior = inputs.prior_budget if inputs.prior_budget is not None else pd.Series(dtype=float)
        lines = pd.DataFrame({
            "prior_budget": [float(prior.get(i, np.nan)) for i in order],
            "estimate": [float(est_lines[i]) for i in order],
            "final": [float(fin_lines[i]) for i in order],
            "budget": [float(budget_lines[i]) for i in order],
        }, index=pd.Index(order, name="item"))

    def out(x):
        return float(x) if np.ndim(x) == 0 else x

    return ProvinceBudget(
        budget_year=fc.budget_year, lines=lines, opening_balance=out(b0), closing_balance=out(closing),
        surplus=out(surplus), revenue=out(revenue), expenditure=out(expenditure),
        months_payable=out(months_payable(closing, expenditure)), reserve_months=float(a.reserve_months),
        floor=out(floor), floor_shortfall=out(np.maximum(0.0, floor - closing)),
        trigger=bool(closing < floor) if scalar else closing < floor,
        payroll=out(payroll), average_rate=out(avg_rate), rate_needed=out(rate_needed),
        premium_needed=out(premium_needed), estimate_closing=float(np.asarray(b0).mean()), notes=notes,
    )


LINE_COLUMNS: dict[str, str] = {
    "prior_budget": "上年预算数", "estimate": "上年预计执行数", "budget": "本年预算数",
    "change": "增减额", "growth": "增长%",
}


def official_lines(pb: ProvinceBudget, side: str) -> pd.DataFrame:
    """收入/支出预算表 in 万元 (2 dp), reconciled: items add up exactly to 合计 in every column.

    side: "revenue" or "expenditure". Rows: the items, then 合计 (expenditure also shows the
    工伤保险待遇支出 subtotal of medical, disability and death). 增减额 = 本年预算数 − 上年预计执行数 on
    the rounded figures; 增长% = 增减额 ÷ 上年预计执行数 × 100.
    """
    if pb.lines is None:
        raise BudgetInputError("情景测算没有单一的预算表", field="lines")
    codes = list(items.REVENUE_ITEMS if side == "revenue" else items.EXPENDITURE_ITEMS)
    total_code = "revenue_total" if side == "revenue" else "expenditure_total"
    at = pb.lines.index.get_indexer(codes)
    if (at < 0).any():
        raise KeyError(f"预算表缺少科目：{codes[int(np.flatnonzero(at < 0)[0])]}")
    shown = np.empty((len(codes) + 1, 3))          # rows: the items then 合计; columns as _SHOWN
    for j, col in enumerate(_SHOWN):
        yuan = pb.lines[col].to_numpy(dtype=float)[at]
        if np.isnan(yuan).all():
            shown[:, j] = np.nan
            continue
        parts, total = shown_parts(np.nan_to_num(yuan))
        shown[:-1, j] = parts
        shown[-1, j] = total
    rows = codes + [total_code]
    if side == "expenditure":       # 工伤保险待遇支出 first: Σ of its items, blanks as 0 (as DataFrame.sum)
        benefit = shown[[codes.index(c) for c in items.BENEFIT_ITEMS]]
        benefit = np.ascontiguousarray(np.where(np.isnan(benefit), 0.0, benefit).T).sum(axis=1)
        shown = np.vstack([benefit, shown])
        rows = ["benefit_total"] + rows
    shown = np.round(shown, 2)
    change = np.round(shown[:, 2] - shown[:, 1], 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(shown[:, 1] != 0, change / shown[:, 1] * 100.0, np.nan).round(2)
    return pd.DataFrame({"label": [items.label(c) for c in rows], "prior_budget": shown[:, 0],
                         "estimate": shown[:, 1], "budget": shown[:, 2], "change": change, "growth": growth},
                        index=pd.Index(rows, name="item" if side == "revenue" else None))


#: The columns of the budget lines shown by `official_lines`, in its order.
_SHOWN: tuple[str, ...] = ("prior_budget", "estimate", "budget")


# ---------------------------------------------------------------- the displayed chain (万元, 2 dp)


def shown_parts(parts_yuan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """分项与合计 as shown (万元): the total (last axis summed) rounded once, the parts by largest remainder
    so that they add up to it. Steps are snapped to 9 decimals first, so figures that differ only by
    binary noise (the budget year computed twice) are rounded alike — ties included."""
    steps = np.round(np.asarray(parts_yuan, dtype=float) / YUAN_PER_WAN * CENTS_PER_WAN, 9)
    total = np.rint(np.asarray(round_wan(steps.sum(axis=-1) * YUAN_PER_WAN / CENTS_PER_WAN)) * CENTS_PER_WAN)
    parts = largest_remainder_steps(steps, total)
    return parts / CENTS_PER_WAN, total / CENTS_PER_WAN


def balance_chain(revenue_wan: np.ndarray, expenditure_wan: np.ndarray, opening_yuan: float,
                  reserve_months: float) -> dict[str, np.ndarray]:
    """收支结余 on the displayed figures, year by year (arrays over years, 万元 unless named otherwise).

    Only the first 年初滚存结余 is rounded from the engine's figure; the rest is arithmetic on shown
    figures, so a reader can redo it: 本年收支结余 = 收入合计 − 支出合计; 年末 = 年初 + 结余; next 年初 =
    this 年末; 储备下限 = 支出合计 ÷ 12 × 月数 (rounded); 高于（低于）储备下限 = 年末 − 下限;
    可支付月数 = 年末 ÷ (支出合计 ÷ 12), 2 dp. Work is in whole 0.01 万元 steps (no binary noise).
    """
    rev = np.rint(np.atleast_1d(np.asarray(revenue_wan, dtype=float)) * CENTS_PER_WAN).astype(np.int64)
    exp = np.rint(np.atleast_1d(np.asarray(expenditure_wan, dtype=float)) * CENTS_PER_WAN).astype(np.int64)
    surplus = rev - exp
    first = int(np.rint(float(round_wan(float(opening_yuan))) * CENTS_PER_WAN))
    closing = first + np.cumsum(surplus)
    opening = np.concatenate([[first], closing[:-1]])
    floor = np.rint(np.asarray(round_wan(reserve_months * exp / CENTS_PER_WAN * YUAN_PER_WAN / 12.0))
                    * CENTS_PER_WAN).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(exp > 0, np.round(closing / (exp / 12.0), 2), np.inf)
    return {"revenue_total": rev / CENTS_PER_WAN, "expenditure_total": exp / CENTS_PER_WAN,
            "surplus": surplus / CENTS_PER_WAN, "opening_balance": opening / CENTS_PER_WAN,
            "closing_balance": closing / CENTS_PER_WAN, "reserve_floor": floor / CENTS_PER_WAN,
            "reserve_margin": (closing - floor) / CENTS_PER_WAN, "below_floor": closing < floor,
            "months_payable": months}
