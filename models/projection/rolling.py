"""逐年滚动 (rolling forward) — each later year's lines, balance, interest and rate needed from the one before, with
every assumption and shock as arrays (a leading scenario axis carries through).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models import items
from models.balance import interest_exact, months_payable, premium_to_reach
from models.projection.setup import _LATER_YEARS_NOTE, TREND_ITEMS, ProjectionBase, Shocks
from models.projection.table import Projection

# ---------------------------------------------------------------- the roll-forward


def _ratio(num: np.ndarray, den: np.ndarray, default: float = 1.0) -> np.ndarray:
    """num ÷ den where den > 0, `default` elsewhere (exactly 1 when num == den)."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), default)


#: 驱动量 (unit drivers) a projection keeps (..., T, U)
DRIVERS = ("insured_avg", "insured_end", "expansion", "avg_wage", "payroll", "allowance_recipients")
#: what sharing a year needs (`Projection.context_at`): all a risk run keeps of its draws
SHARING_DRIVERS = ("insured_avg", "payroll")


def roll_forward(base: ProjectionBase, shocks: Shocks | None = None, *,
                 collection_plan: np.ndarray | None = None, drivers: tuple[str, ...] = DRIVERS,
                 units: bool = True) -> Projection:
    """多年滚动预测 from a :class:`ProjectionBase`, optionally under driver shocks (scenario axes).

    `collection_plan` (..., T, U): the premium each unit is expected to collect each year; after year
    1 a unit that collects less is charged the shortfall (上年征缴短收) in the sharing context. None:
    no shortfall after year 1 (the plan is what the projection itself collects). `drivers`: the unit
    drivers kept (a risk run keeps only `SHARING_DRIVERS`, saving the copies of the others). `units` False: the
    province's figures only — no unit lines, drivers or shortfall (a risk run that shares no option).
    """
    fc, pb, a = base.forecast, base.province, base.inputs.assumptions
    T, U = len(base.years), len(fc.units)
    sh = (shocks or Shocks()).arrays(T, U)
    lead = np.broadcast_shapes(*(arr.shape[:-2] for arr in sh.values()))
    full = (*lead, U)
    city = fc.city_mask
    d, det, bud, std, cnt, paths = fc.drivers, fc.details, fc.budget, base.standards, base.counts, base.paths
    tau = float(a.timing)
    n1 = np.asarray(d["insured_avg"], dtype=float)
    m1, adj1 = float(a.medical_growth), float(a.benefit_adjustment)
    recipients0 = cnt["allowance_recipients"]

    def shock(name: str, k: int) -> np.ndarray:
        arr = sh[name]
        return arr[..., min(k, arr.shape[-2] - 1), :]

    keep: dict[str, list] = {n: [] for n in (*items.UNIT_ITEMS, *drivers, "shortfall")} if units else {}
    prov = {n: [] for n in ("premium", "other_revenue", "medical", "disability", "death", "appraisal", "prevention",
                            "other_expenditure", "subsidy", "interest", "revenue", "expenditure", "surplus", "opening",
                            "closing", "floor", "payroll", "premium_needed")}
    opening: Any = pb.opening_balance
    for k in range(T):
        e, dg, dm, c = shock("expansion", k), shock("wage_growth", k), shock("medical_growth", k), shock("collection", k)
        dadj, nc, dd = shock("benefit_adjustment", k), shock("new_cases", k), shock("deaths", k)
        if k == 0:
            x = d["expansion"] * (1.0 + e)
            n_avg = n1 + tau * (d["expansion"] * e)
            n_end = d["insured_end_base"] + x
            wage = d["avg_wage"] + d["avg_wage_base"] * dg
            payroll = n_avg * wage
            premium = bud[items.PREMIUM] * _ratio(payroll, d["payroll"]) * (1.0 + c)
            n_ratio = _ratio(n_avg, n1)
            medical = bud[items.MEDICAL] * n_ratio * (1.0 + dm / (1.0 + m1))
            f_adj = 1.0 + dadj / (1.0 + adj1)
            f_new, f_death = n_ratio * (1.0 + nc), n_ratio * (1.0 + dd)
            grants = det["disability_grants"] * f_new
            allowance = det["disability_allowance"] * f_adj
            care = det["care_allowance"]
            med_grant = det["medical_grant"] * f_new
            lump = det["death_lump_sum"] * f_death
            dependants = det["dependant_pension"] * f_adj
            recipients = recipients0
            trend_lines = {it: bud[it] for it in TREND_ITEMS}
            plan = d["prevention_plan"]
            prevention = bud[items.PREVENTION]
            shortfall = np.broadcast_to(base.context.collection_shortfall, (*lead, int(city.sum())))
        else:
            n_prev, premium_prev, f_new_prev, f_death_prev = n_avg, premium, f_new, f_death
            x = base.expansion_plan[k] * (1.0 + e)
            n_avg = n_end + tau * x
            n_end = n_end + x
            wage = wage * (1.0 + paths["wage_growth"][k] + dg)
            payroll = n_avg * wage
            premium = payroll * base.rate_applied * (1.0 + c)
            medical = medical * _ratio(n_avg, n_prev) * (1.0 + paths["medical_growth"][k] + dm)
            n_ratio = _ratio(n_avg, n1)
            adj_factor = 1.0 + paths["benefit_adjustment"][k] + dadj
            stay_a = 1.0 - paths["allowance_exit_rate"][k]
            allowance = (allowance * stay_a + std["allowance_inflow"][k - 1] * f_new_prev) * adj_factor
            recipients = recipients * stay_a + cnt["new_grade1_4"] * f_new_prev
            care = det["care_allowance"] * _ratio(recipients, recipients0) * (
                std["avg_monthly_wage"][k] / std["avg_monthly_wage"][0])
            dependants = (dependants * (1.0 - paths["dependant_exit_rate"][k])
                          + cnt["deaths"] * f_death_prev * std["dependant_inflow"][k - 1]) * adj_factor
            f_new, f_death = n_ratio * (1.0 + nc), n_ratio * (1.0 + dd)
            grants = std["new_case_grants"][k] * f_new
            med_grant = std["medical_grants"][k] * f_new
            lump = cnt["deaths"] * f_death * std["per_death"][k]
            for it in TREND_ITEMS:
                growth, step = base.trend_growth[it]
                trend_lines[it] = np.maximum(0.0, trend_lines[it] * (1.0 + growth) + step)
            growth, step = base.trend_growth[items.PREVENTION]
            plan = np.maximum(0.0, plan * (1.0 + growth) + step)
            cap = base.prevention_cap_ratio[k] * np.asarray(premium_prev).sum(axis=-1)
            planned = np.asarray(plan).sum(axis=-1)
            scale = np.where(planned > cap, cap / np.where(planned > 0, planned, 1.0), 1.0)
            prevention = plan * np.asarray(scale)[..., None]
            if collection_plan is None:
                shortfall = np.zeros((*lead, int(city.sum())))
            else:
                expected = np.asarray(collection_plan, dtype=float)[..., k - 1, :]
                shortfall = np.maximum(0.0, expected - premium_prev)[..., city]
        disability = grants + allowance + care + med_grant
        death = lump + dependants
        unit_lines = {items.PREMIUM: premium, items.OTHER_REVENUE: trend_lines[items.OTHER_REVENUE],
                      items.MEDICAL: medical, items.DISABILITY: disability, items.DEATH: death,
                      items.APPRAISAL: trend_lines[items.APPRAISAL], items.PREVENTION: prevention,
                      items.OTHER_EXPENDITURE: trend_lines[items.OTHER_EXPENDITURE]}
        unit_lines = {i: np.broadcast_to(np.asarray(v, dtype=float), full) for i, v in unit_lines.items()}
        total = {i: v.sum(axis=-1) for i, v in unit_lines.items()}

        # province — the same arithmetic as models.balance.province_budget
        subsidy = base.subsidy[k]
        rate = paths["interest_rate"][k]
        unit_rev = sum(total[i] for i in items.UNIT_REVENUE_ITEMS)
        expenditure = sum(total[i] for i in items.EXPENDITURE_ITEMS)
        net_before = unit_rev + subsidy - expenditure
        interest = interest_exact(opening, net_before, rate)
        revenue = unit_rev + subsidy + interest
        surplus = revenue - expenditure
        closing = opening + surplus
        floor = a.reserve_months * expenditure / 12.0
        non_premium = revenue - total[items.PREMIUM] - interest
        payroll_b = np.broadcast_to(payroll, full)
        values = {**total, "subsidy": subsidy, "interest": interest, "revenue": revenue, "expenditure": expenditure,
                  "surplus": surplus, "opening": opening, "closing": closing, "floor": floor,
                  "payroll": payroll_b.sum(axis=-1),
                  "premium_needed": premium_to_reach(floor, opening, non_premium, expenditure, rate)}
        for n, v in values.items():
            prov[n].append(np.broadcast_to(np.asarray(v, dtype=float), lead))
        for n, v in unit_lines.items():
            if n in keep:
                keep[n].append(v)
        for n, v in (("insured_avg", n_avg), ("insured_end", n_end), ("expansion", x), ("avg_wage", wage),
                     ("payroll", payroll), ("allowance_recipients", recipients)):
            if n in keep:
                keep[n].append(np.broadcast_to(np.asarray(v, dtype=float), full))
        if "shortfall" in keep:
            keep["shortfall"].append(np.broadcast_to(shortfall, (*lead, int(city.sum()))))
        opening = closing

    # years stacked in front (whole blocks copied), then viewed with the year axis where it belongs
    p = {n: np.moveaxis(np.stack(v), 0, -1) for n, v in prov.items()}
    u = {n: np.moveaxis(np.stack(v), 0, -2) for n, v in keep.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        average_rate = p["premium"] / p["payroll"]
        rate_needed = p["premium_needed"] / p["payroll"]
    line_codes = (*items.REVENUE_ITEMS, *items.EXPENDITURE_ITEMS)
    ctx = base.context
    return Projection(
        budget_year=base.years[0], years=base.years, units=tuple(fc.units), kinds=fc.kinds,
        unit_lines={i: u[i] for i in items.UNIT_ITEMS if i in u}, lines={i: p[i] for i in line_codes},
        revenue=p["revenue"], expenditure=p["expenditure"], surplus=p["surplus"], opening_balance=p["opening"],
        closing_balance=p["closing"], months_payable=months_payable(p["closing"], p["expenditure"]),
        floor=p["floor"], floor_shortfall=np.maximum(0.0, p["floor"] - p["closing"]), payroll=p["payroll"],
        average_rate=average_rate, premium_needed=p["premium_needed"], rate_needed=rate_needed,
        drivers={n: u[n] for n in drivers if n in u},
        collection_shortfall=u.get("shortfall", np.zeros((*lead, T, 0))), reserve_months=float(a.reserve_months), paths=base.paths,
        path_sources=base.path_sources, standards=base.standards,
        sharing_fixed={"fiscal_revenue": ctx.fiscal_revenue, "coefficient": ctx.coefficient,
                       "assessment_rank": ctx.assessment_rank},
        notes=list(fc.notes) + list(pb.notes) + (_LATER_YEARS_NOTE if T > 1 else []),
        synthetic=bool(base.inputs.synthetic),
    )


