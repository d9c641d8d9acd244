"""预测准备 (projection set-up) — horizon limits, dated growth assumptions from projection_defaults.toml, shocks, and
the base drawn from the one-year budget that every later year rolls forward from.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models import benefits, items
from models.balance import ProvinceBudget, province_budget
from models.budget import BudgetResult, sharing_context
from models.errors import BudgetInputError
from models.forecast import BENEFICIARY_COLUMNS, Forecast, forecast
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet, parameters_for, parse_parameters
from models.sharing import SharingContext
from models.tables import per_unit, unit_index

DEFAULT_YEARS = 3
MAX_YEARS = 10
DEFAULTS_FILE = "projection_defaults.toml"
TREND_ITEMS: tuple[str, ...] = (items.OTHER_REVENUE, items.APPRAISAL, items.OTHER_EXPENDITURE)

#: 多年预测假设 (assumption paths) and their Chinese names.
PATH_LABELS: dict[str, str] = {
    "wage_growth": "工资增长率",
    "medical_growth": "医疗费用增长率",
    "benefit_adjustment": "定期待遇调整幅度",
    "interest_rate": "基金存款综合利率",
    "expansion_growth": "扩面计划增长率",
    "avg_wage_growth": "全省职工月平均工资增长率（待遇标准调整指数）",
    "national_income_growth": "全国城镇居民人均可支配收入增长率",
    "subsidy_growth": "财政补贴收入增长率",
    "allowance_exit_rate": "伤残津贴领取人员退出率",
    "dependant_exit_rate": "供养亲属退出率",
}
#: Paths that carry the budget-year assumption forward unless given.
BUDGET_PATHS: tuple[str, ...] = ("wage_growth", "medical_growth", "benefit_adjustment", "interest_rate")
#: Paths read from projection_defaults.toml unless given.
FILE_PATHS: tuple[str, ...] = ("expansion_growth", "avg_wage_growth", "national_income_growth", "subsidy_growth",
                               "allowance_exit_rate", "dependant_exit_rate")
#: Allowed ranges: rates and exit shares within [0, high]; growth rates above −100 % and up to 1000 %.
_RATE_LIMITS: dict[str, float] = {"interest_rate": 0.5, "allowance_exit_rate": 1.0, "dependant_exit_rate": 1.0}
_GROWTH_LIMIT = 10.0

#: Driver shocks (冲击): field → Chinese name. Growth fields are added to the yearly rate; the others
#: multiply their quantity by (1 + shock).
SHOCK_FIELDS: dict[str, str] = {
    "wage_growth": "工资增长率（加）",
    "expansion": "扩面计划（乘 1+冲击）",
    "medical_growth": "医疗费用增长率（加）",
    "collection": "征缴率：保险费收入（乘 1+冲击）",
    "benefit_adjustment": "定期待遇调整幅度（加）",
    "new_cases": "新发伤残人数（乘 1+冲击）",
    "deaths": "工亡人数（乘 1+冲击）",
}
_FACTOR_SHOCKS = frozenset({"expansion", "collection", "new_cases", "deaths"})

#: Row codes of :meth:`Projection.table` beyond the line items, with their Chinese names.
ROW_LABELS: dict[str, str] = {
    **{c: items.label(c) for c in (*items.REVENUE_ITEMS, "revenue_total", *items.EXPENDITURE_ITEMS,
                                   "expenditure_total", "surplus", "opening_balance", "closing_balance",
                                   "months_payable")},
    "reserve_floor": "储备下限（年末滚存结余）",
    "floor_shortfall": "低于储备下限的差额",
    "below_floor": "低于储备下限",
    "payroll": "缴费工资总额",
    "average_rate": "平均费率",
    "premium_needed": "保持储备下限所需保险费收入",
    "rate_needed": "保持储备下限所需平均费率",
}
_MONEY_ROWS = ("surplus", "opening_balance", "closing_balance", "reserve_floor", "floor_shortfall", "payroll",
               "premium_needed")

Path = float | Sequence[float] | None

_LATER_YEARS_NOTE = [
    "多年预测第2年起：新发工伤按预算年度每参保人的发生率推算，待遇标准按当年有效的法定参数和工资、收入调整指数计算；"
    "扩面计划增长率、工资与收入调整指数、领取人员退出率、每例工亡供养亲属人数等为测算假设，不是法定标准（见假设表）",
]


@dataclass
class ProjectionAssumptions:
    """多年预测假设 for the years after the budget year (year 1 always follows the budget).

    A number applies to every later year; a sequence gives years 2, 3, … in turn (its last value
    repeats). None: wage growth (per unit, with the plan overrides), medical growth, benefit
    adjustment and interest rate carry the budget-year assumptions forward; the others come from
    projection_defaults.toml, dated (the value in force on 1 January of each year).
    """

    wage_growth: Path = None             # 工资增长率
    medical_growth: Path = None          # 医疗费用增长率
    benefit_adjustment: Path = None      # 定期待遇调整幅度
    interest_rate: Path = None           # 基金存款综合利率
    expansion_growth: Path = None        # 扩面计划增长率
    avg_wage_growth: Path = None         # 全省职工月平均工资增长率 (uprating index of wage-based standards)
    national_income_growth: Path = None  # 全国城镇居民人均可支配收入增长率 (death grant index)
    subsidy_growth: Path = None          # 财政补贴收入增长率
    allowance_exit_rate: Path = None     # 伤残津贴领取人员退出率
    dependant_exit_rate: Path = None     # 供养亲属退出率
    dependants_per_death: Sequence[float] | None = None  # 每例工亡新增供养亲属 (配偶, 其他亲属, 其中孤寡孤儿)


@functools.cache
def load_projection_defaults() -> ParameterSet:
    """多年预测默认假设 (the packaged, dated projection assumptions) as a :class:`ParameterSet`."""
    text = resources.files("models").joinpath("parameters", DEFAULTS_FILE).read_text(encoding="utf-8")
    return ParameterSet(parse_parameters(text, DEFAULTS_FILE))


# ---------------------------------------------------------------- shocks


@dataclass(frozen=True, eq=False)
class Shocks:
    """冲击 (driver shocks): arrays broadcastable to (..., T, U) — scenario axes, year, unit; 0 = none.

    A year axis of length 1 applies to every year, a unit axis of length 1 to every unit. See
    :data:`SHOCK_FIELDS` for what each field moves.
    """

    wage_growth: Any = 0.0
    expansion: Any = 0.0
    medical_growth: Any = 0.0
    collection: Any = 0.0
    benefit_adjustment: Any = 0.0
    new_cases: Any = 0.0
    deaths: Any = 0.0

    def arrays(self, n_years: int, n_units: int) -> dict[str, np.ndarray]:
        """Every field as a float array with at least (year, unit) axes, checked."""
        out = {}
        for name, label in SHOCK_FIELDS.items():
            try:
                arr = np.asarray(getattr(self, name), dtype=float)
            except (TypeError, ValueError):
                raise BudgetInputError("冲击应为数值", table="冲击", field=label) from None
            arr = arr.reshape((1,) * max(0, 2 - arr.ndim) + arr.shape)
            if arr.shape[-2] not in (1, n_years) or arr.shape[-1] not in (1, n_units):
                raise BudgetInputError(f"冲击的年度、单位维度应为 ({n_years}, {n_units}) 或 1，现为 {arr.shape[-2:]}",
                                       table="冲击", field=label)
            if not np.isfinite(arr).all():
                raise BudgetInputError("冲击含空白或无效数值", table="冲击", field=label)
            if name in _FACTOR_SHOCKS and (arr < -1.0).any():
                raise BudgetInputError("倍数冲击不能小于 −100%", table="冲击", field=label, value=float(arr.min()))
            out[name] = arr
        return out


# ---------------------------------------------------------------- the starting point


@dataclass(frozen=True, eq=False)
class ProjectionBase:
    """多年预测的起点 — the one-year budget plus everything the roll-forward needs.

    paths: assumption per year (T,), wage_growth (T, U); index 0 is the budget year.
    standards: per year — avg_monthly_wage, national_income, per_death (T,); new_case_grants,
    medical_grants, allowance_inflow (yuan a year per year-1 new case set), dependant_inflow
    (yuan a year per death) (T, U).
    """

    inputs: BudgetInputs
    parameters: ParameterSet
    forecast: Forecast
    province: ProvinceBudget
    context: SharingContext
    years: tuple[int, ...]
    paths: dict[str, np.ndarray]
    path_sources: dict[str, str]
    dependants_per_death: np.ndarray
    standards: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    trend_growth: dict[str, tuple[np.ndarray, np.ndarray]]   # item → (growth, step) per unit
    subsidy: np.ndarray
    prevention_cap_ratio: np.ndarray
    expansion_plan: np.ndarray                                # (T, U)
    rate_applied: np.ndarray                                  # premium ÷ payroll of year 1 (U,)


def _check_years(years: Any) -> int:
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or not 1 <= int(years) <= MAX_YEARS:
        raise BudgetInputError(f"预测年数应为 1–{MAX_YEARS} 的整数", field="years", value=years)
    return int(years)


def _number_or_none(value: Any) -> bool:
    return value is None or np.ndim(value) == 0


def _later(value: Path, n: int, name: str) -> np.ndarray | None:
    """Values for years 2 … n+1 from a number or a sequence (last value repeats); None when not given."""
    if value is None:
        return None
    label = PATH_LABELS[name]
    if isinstance(value, str | bytes):
        raise BudgetInputError("应为数值或按年排列的数值", table="多年预测假设", field=label, value=value)
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise BudgetInputError("应为数值或按年排列的数值", table="多年预测假设", field=label, value=value) from None
    if arr.ndim != 1 or arr.size == 0:
        raise BudgetInputError("应为一个数值或一列数值（第2年、第3年……）", table="多年预测假设", field=label)
    if name in _RATE_LIMITS:
        high = _RATE_LIMITS[name]
        bad, rule = ~np.isfinite(arr) | (arr < 0) | (arr > high), f"取值应在 0 与 {high:g} 之间"
    else:
        bad, rule = ~np.isfinite(arr) | (arr <= -1) | (arr > _GROWTH_LIMIT), "增长率应大于 −100% 且不超过 1000%"
    if bad.any():
        raise BudgetInputError(rule, table="多年预测假设", field=label, value=float(arr[bad][0]))
    return np.concatenate([arr[:n], np.repeat(arr[-1], max(0, n - arr.size))])


def _file_values(defaults: ParameterSet, name: str, years: Sequence[int]) -> tuple[np.ndarray, str]:
    entries = [defaults.entry(name, y) for y in years]
    used = {e.effective: e.reference for e in entries}
    text = "；".join(f"{d.isoformat()}起：{ref}" for d, ref in sorted(used.items()))
    return np.array([float(e.value) for e in entries]), f"参数文件 {DEFAULTS_FILE}（{text}）"


def _growth_and_step(fc: Forecast, item: str) -> tuple[np.ndarray, np.ndarray]:
    """Trend growth per unit (trend ÷ estimate − 1), or the yearly step of a linear trend."""
    est = np.asarray(fc.estimate[item], dtype=float)
    tr = np.asarray(fc.trend[item], dtype=float)
    by_ratio = (fc.trend_methods[item] != "linear") & (est > 0) & (tr >= 0)
    growth = np.where(by_ratio, tr / np.where(by_ratio, est, 1.0) - 1.0, 0.0)
    step = np.where(by_ratio, 0.0, tr - est)
    return growth, step


def prepare_projection(inputs: BudgetInputs, years: int = DEFAULT_YEARS,
                       assumptions: ProjectionAssumptions | None = None, *, params: ParameterSet | None = None,
                       result: BudgetResult | None = None) -> ProjectionBase:
    """多年预测的起点: run (or reuse) the one-year budget and resolve every assumption and standard.

    `result`: a :func:`run_budget` result of the same inputs, to skip recomputing year 1; the starting point
    is then kept with that result (the projection, the risk run and the Excel functions share one).
    """
    if result is not None and assumptions is None and params is None:
        key = (id(result), int(years) if isinstance(years, int | np.integer) else years)
        kept = _BASES.get(key)
        if kept is not None and kept[0]() is result:
            return kept[1]
        base = _prepare(inputs, years, None, params=None, result=result)
        for stale in [k for k, (ref, _b) in _BASES.items() if ref() is None]:
            del _BASES[stale]
        _BASES[key] = (weakref.ref(result), base)
        return base
    return _prepare(inputs, years, assumptions, params=params, result=result)


#: 起点缓存 (starting points kept per budget result and number of years; dropped with the result)
_BASES: dict[tuple[int, Any], tuple[weakref.ref, ProjectionBase]] = {}


#: 各单位表 (the unit-aligned columns the starting point reads), kept per budget result like `_BASES`: the
#: projection and the one-year sensitivity base of one recalculation read them once
_UNIT_TABLES: dict[int, tuple[weakref.ref, tuple[pd.Index, np.ndarray, dict[str, np.ndarray]]]] = {}


def _unit_tables(inputs: BudgetInputs, result: BudgetResult | None
                 ) -> tuple[pd.Index, np.ndarray, dict[str, np.ndarray]]:
    """(unit index, 各单位工资增长率 (NaN: the province's), the beneficiary columns by unit) of the inputs."""
    kept = _UNIT_TABLES.get(id(result)) if result is not None else None
    if kept is not None and kept[0]() is result:
        return kept[1]
    idx = unit_index(inputs.units)
    plan_g = per_unit(idx, inputs.plans, "plans", ["wage_growth"], optional=("wage_growth",))["wage_growth"]
    ben = per_unit(idx, inputs.beneficiaries, "beneficiaries", list(BENEFICIARY_COLUMNS))
    for arr in (plan_g, *ben.values()):
        arr.setflags(write=False)                # shared by every starting point of the result
    if result is not None:
        for stale in [k for k, (ref, _t) in _UNIT_TABLES.items() if ref() is None]:
            del _UNIT_TABLES[stale]
        _UNIT_TABLES[id(result)] = (weakref.ref(result), (idx, plan_g, ben))
    return idx, plan_g, ben


def _prepare(inputs: BudgetInputs, years: int, assumptions: ProjectionAssumptions | None, *,
             params: ParameterSet | None, result: BudgetResult | None) -> ProjectionBase:
    T = _check_years(years)
    pa = assumptions or ProjectionAssumptions()
    a = inputs.assumptions
    for name in ("wage_growth", "rate_change", "medical_growth", "benefit_adjustment", "interest_rate",
                 "subsidy_plan", "national_income"):
        if not _number_or_none(getattr(a, name)):
            raise BudgetInputError("多年预测的预测假设须为单个数值（情景请用敏感性或风险分析）", table="assumptions",
                                   field=name)
    for name in ("medical_growth", "benefit_adjustment"):
        if not float(getattr(a, name)) > -1.0:
            raise BudgetInputError("增长率应大于 −100%", table="assumptions", field=name, value=getattr(a, name))
    if result is not None:
        params, fc, pb, ctx = result.parameters, result.forecast, result.province, result.context
    else:
        params = params or parameters_for(inputs)
        fc = forecast(inputs, params)
        pb = province_budget(inputs, fc)
        ctx = sharing_context(inputs, fc, pb)
    Y = int(fc.budget_year)
    cal = tuple(Y + k for k in range(T))
    later = cal[1:]
    defaults = load_projection_defaults()
    idx, plan_g, ben = _unit_tables(inputs, result)
    U = len(idx)

    # --- assumption paths: index 0 = budget year ----------------------------------------------
    g_unit = np.where(np.isnan(plan_g), float(a.wage_growth), plan_g)
    paths: dict[str, np.ndarray] = {}
    sources: dict[str, str] = {}
    given = _later(pa.wage_growth, T - 1, "wage_growth")
    later_g = [np.full(U, v) for v in given] if given is not None else [g_unit] * (T - 1)
    paths["wage_growth"] = np.vstack([g_unit, *later_g])
    sources["wage_growth"] = "用户设定" if given is not None else "沿用预算年度假设（含各单位调整）"
    for name in BUDGET_PATHS[1:]:
        first = float(getattr(a, name))
        given = _later(getattr(pa, name), T - 1, name)
        rest = given if given is not None else np.full(T - 1, first)
        paths[name] = np.concatenate([[first], rest])
        sources[name] = "用户设定" if given is not None else "沿用预算年度假设"
    for name in FILE_PATHS:
        given = _later(getattr(pa, name), T - 1, name)
        if given is not None:
            rest, sources[name] = given, "用户设定"
        elif later:
            rest, sources[name] = _file_values(defaults, name, later)
        else:
            rest, sources[name] = np.zeros(0), "（仅预算年度，未使用）"
        paths[name] = np.concatenate([[0.0], rest])
    raw = pa.dependants_per_death if pa.dependants_per_death is not None else defaults.value("dependants_per_death", Y)
    try:
        per_death_deps = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        per_death_deps = np.full(0, np.nan)
    if per_death_deps.shape != (3,) or not np.isfinite(per_death_deps).all() or (per_death_deps < 0).any():
        raise BudgetInputError("每例工亡新增供养亲属人数应为三个非负数（配偶、其他亲属、其中孤寡老人或孤儿）",
                               table="多年预测假设", field="dependants_per_death")

    # --- benefit standards year by year -------------------------------------------------------
    new_counts = np.column_stack([ben[f"new_{g}"] for g in range(1, 11)])
    mg_counts = np.column_stack([ben[f"medical_grant_{g}"] for g in range(5, 11)])
    wage_index = np.cumprod(1.0 + paths["avg_wage_growth"])            # 1 in year 1
    avg_w = float(a.avg_monthly_wage) * wage_index
    income = float(fc.details["national_income"]) * np.cumprod(1.0 + paths["national_income_growth"])
    names = ("new_case_grants", "medical_grants", "allowance_inflow", "dependant_inflow")
    std: dict[str, list] = {n: [] for n in (*names, "per_death")}
    cap_ratio = []
    for k, year in enumerate(cal):
        on = dt.date(year, 1, 1)
        w_new = ben["new_wage"] * wage_index[k]
        grants = benefits.disability_grant(np.arange(1, 11), w_new[:, None], avg_w[k], params, on)
        std["new_case_grants"].append((new_counts * grants).sum(-1))
        std["medical_grants"].append((mg_counts * benefits.medical_grant(np.arange(5, 11), avg_w[k], params, on)).sum(-1))
        allowance = benefits.disability_allowance_monthly(np.arange(1, 5), w_new[:, None], avg_w[k], params, on)
        std["allowance_inflow"].append((new_counts[:, :4] * allowance).sum(-1) * 12.0)
        std["dependant_inflow"].append(np.asarray(benefits.dependant_stock_monthly(
            *per_death_deps, w_new, avg_w[k], params, on), dtype=float) * 12.0)
        std["per_death"].append(benefits.death_grant(income[k], params, on) + benefits.funeral_grant(avg_w[k], params, on))
        cap_ratio.append(benefits.prevention_cap(1.0, params, on))
    standards = {n: np.asarray(v, dtype=float) for n, v in std.items()}
    standards.update(avg_monthly_wage=avg_w, national_income=income)

    counts = {
        "new_grade1_4": new_counts[:, :4].sum(-1),
        "deaths": ben["deaths"],
        "allowance_recipients": sum(ben[f"allowance_{g}"] for g in range(1, 5)),
        "new_cases": new_counts.sum(-1),
    }
    trend_growth = {it: _growth_and_step(fc, it) for it in (*TREND_ITEMS, items.PREVENTION)}
    subsidy0 = float(np.asarray(pb.lines.loc[items.SUBSIDY, "budget"]))
    subsidy = subsidy0 * np.cumprod(1.0 + paths["subsidy_growth"])
    expansion = np.asarray(fc.drivers["expansion"], dtype=float)
    expansion_plan = expansion[None, :] * np.cumprod(1.0 + paths["expansion_growth"])[:, None]
    payroll = np.asarray(fc.drivers["payroll"], dtype=float)
    rate_applied = np.where(payroll > 0, fc.budget[items.PREMIUM] / np.where(payroll > 0, payroll, 1.0), 0.0)
    return ProjectionBase(
        inputs=inputs, parameters=params, forecast=fc, province=pb, context=ctx, years=cal, paths=paths,
        path_sources=sources, dependants_per_death=per_death_deps, standards=standards, counts=counts,
        trend_growth=trend_growth, subsidy=subsidy, prevention_cap_ratio=np.asarray(cap_ratio, dtype=float),
        expansion_plan=expansion_plan, rate_applied=rate_applied,
    )


