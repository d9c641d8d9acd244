"""空白工作簿 (a blank input workbook) — `wibudget new`: a province's own units, no figures, every list in place.

The blank inputs have one row per unit and year (three full years before the base year and the base
year's 1–N月 row), the units' names, kinds and coefficient 1, the forecast assumptions at their
defaults and the shipped sharing options; every figure is left blank for the cities and the province
to fill. The workbook itself is made by the budget.xlsm builder.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from models import inputs as mi
from models.errors import BudgetInputError
from models.inputs import Assumptions, BudgetInputs
from models.parameter_set import province_code

PROVINCE_LEVEL = "省本级"
FULL_YEARS = 3          # full years (决算) before the base year, for the trend cross-check
BASE_MONTHS = 9         # the base year's 1–N月 row starts at 1–9月 (the user changes N)
MAX_UNITS = 200


def unit_names(cities: str | Sequence[str], province_level: bool = False) -> list[str]:
    """设区市名单: '甲市,乙市' (commas, 、 or ；) → names, checked; 省本级 appended when asked."""
    parts = cities.replace("，", ",").replace("、", ",").replace("；", ",").split(",") if isinstance(cities, str) \
        else list(cities)
    names = [str(p).strip() for p in parts if str(p).strip()]
    if not names:
        raise BudgetInputError("没有设区市名单：请用逗号分隔列出各设区市，如 济南市,青岛市", field="设区市")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BudgetInputError(f"设区市名称重复：{'、'.join(repeated)}，每个单位只能出现一次", field="设区市")
    for name in names:
        if name.startswith(("=", "+", "-", "@")) or len(name) > 40:
            raise BudgetInputError("设区市名称不能以 = + - @ 开头，且不超过40个字", field="设区市", value=name)
    if PROVINCE_LEVEL in names:
        raise BudgetInputError("省本级请用 --province-level 加入，不要写在设区市名单中", field="设区市")
    if len(names) + province_level > MAX_UNITS:
        raise BudgetInputError(f"单位过多（上限 {MAX_UNITS} 个）", field="设区市", value=len(names))
    return names + ([PROVINCE_LEVEL] if province_level else [])


def default_year(today: dt.date | None = None) -> int:
    """预算年度 default: next year (the budget is drafted in the autumn before)."""
    return (today or dt.date.today()).year + 1


def blank_inputs(province: str, cities: str | Sequence[str], year: int | None = None, *,
                 province_level: bool = False) -> BudgetInputs:
    """空白输入 (blank inputs) for a province and its units; figures NaN, not marked synthetic."""
    name = (province or "").strip()
    if not name or name.startswith(("=", "+", "-", "@")):
        raise BudgetInputError("请给出省份名称，如 山东省", field="省份", value=province or None)
    budget_year = default_year() if year is None else int(year)
    if not 2000 <= budget_year <= 2100:
        raise BudgetInputError("预算年度应为 2000–2100 之间的年份", field="预算年度", value=year)
    units = unit_names(cities, province_level)
    kinds = [mi.PROVINCE if u == PROVINCE_LEVEL else mi.CITY for u in units]
    nan = math.nan

    def frame(table: str, rows: list[dict]) -> pd.DataFrame:
        cols = list(mi.COLUMNS[table])
        return pd.DataFrame([{c: r.get(c, nan) for c in cols} for r in rows], columns=cols)

    years = [(budget_year - FULL_YEARS - 1 + k, 12) for k in range(FULL_YEARS)] + [(budget_year - 1, BASE_MONTHS)]
    history = frame("history", [{"unit": u, "year": y, "months": m} for y, m in years for u in units])
    province_history = frame("province_history", [{"year": y, "months": m} for y, m in years])
    return BudgetInputs(
        province=name, province_code=province_code(name) or "", budget_year=budget_year,
        units=frame("units", [{"unit": u, "kind": k, "coefficient": 1.0} for u, k in zip(units, kinds, strict=True)]),
        history=history, province_history=province_history,
        plans=frame("plans", [{"unit": u} for u in units]),
        beneficiaries=frame("beneficiaries", [{"unit": u} for u in units]),
        assumptions=Assumptions(avg_monthly_wage=nan),
        prior_budget=pd.Series(dtype=float), options=[], synthetic=False, notes="")


def sizing_inputs(blank: BudgetInputs) -> BudgetInputs:
    """同样规模的占位输入 (stand-in figures of the same shape): only to size the result tables when the
    workbook is built — the builder lays every result formula over a range as large as its table. The
    input sheets are then written again from the blank inputs, so none of these figures is kept."""
    n = len(blank.units)
    units = blank.units.assign(fiscal_revenue=1e9, assessment_rank=[float(i + 1) for i in range(n)])
    history = blank.history.copy()
    part = history["months"].to_numpy() / 12.0
    history["insured_end"] = 100_000.0
    history["avg_wage"] = 60_000.0
    history["premium"] = 36_000_000.0 * part
    history["other_revenue"] = 100_000.0 * part
    for code, amount in (("medical", 12e6), ("disability", 12e6), ("death", 5e6), ("appraisal", 3e5),
                         ("prevention", 5e5), ("other_expenditure", 1e6)):
        history[code] = amount * part
    province_history = blank.province_history.copy()
    part = province_history["months"].to_numpy() / 12.0
    province_history["subsidy"] = 0.0
    province_history["interest"] = 1e6 * part
    province_history["balance_end"] = 5e8
    plans = blank.plans.assign(expansion=1000.0, collection_plan_prev=36e6, prevention_plan=5e5)
    beneficiaries = blank.beneficiaries.copy()
    for column in beneficiaries.columns:
        if column != "unit":
            beneficiaries[column] = 5000.0 if column.endswith("_wage") else 1.0
    assumptions = Assumptions(**{**blank.assumptions.as_dict(), "avg_monthly_wage": 8000.0})
    return BudgetInputs(
        province=blank.province, province_code=blank.province_code, budget_year=blank.budget_year,
        units=units, history=history, province_history=province_history, plans=plans,
        beneficiaries=beneficiaries, assumptions=assumptions, prior_budget=blank.prior_budget,
        options=list(blank.options), synthetic=False, notes="")


def to_fill(inputs: BudgetInputs) -> list[tuple[str, int, str]]:
    """须填写 (what is still blank), sheet by sheet: (sheet, count, what) for the required inputs."""
    from addin.workbook import layout

    out: list[tuple[str, int, str]] = []
    blank_settings = [s.label for s in layout.PARAM_ROWS if not s.optional and s.code in inputs.assumptions.as_dict()
                      and _is_blank(inputs.assumptions.as_dict()[s.code])]
    if blank_settings:
        out.append((layout.PARAMS_SHEET, len(blank_settings), "、".join(blank_settings)))
    for sheet, frames in ((layout.HISTORY_SHEET, ("history", "province_history")), (layout.PLANS_SHEET, ("plans",)),
                          (layout.BENEFICIARIES_SHEET, ("beneficiaries",))):
        count, heads = 0, []
        for key in frames:
            frame = getattr(inputs, key)
            for code in mi.COLUMNS[key]:
                if code in mi.OPTIONAL_COLUMNS.get(key, set()) or code not in frame.columns:
                    continue
                n = int(pd.isna(frame[code]).sum())
                if n:
                    count += n
                    heads.append(mi.COLUMNS[key][code])
        if count:
            out.append((sheet, count, "、".join(dict.fromkeys(heads))))
    return out


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
