"""多年预测 — multi-year projection of every line item and the reserve (default 3 years, up to 10).

Year 1 is the one-year budget of :func:`models.budget.run_budget` to the last bit: its lines come from
the forecast and the province budget. Later years roll forward, unit by unit (arrays (..., T, U)):

- 参保人数: N_end,t = N_end,t−1 + X_t and N_avg,t = N_end,t−1 + τ·X_t; the expansion plan X_t grows by
  expansion_growth.
- 保险费: payroll_t = N_avg,t × w_t, w_t = w_t−1 (1 + g_t); premium_t = payroll_t × the year-1 rate (the
  unit's effective rate with the rate change applied).
- 医疗: medical_t = medical_t−1 × N_avg,t / N_avg,t−1 × (1 + medical growth_t).
- New cases (一次性伤残补助金, 一次性工伤医疗补助金, 工亡): year-1 counts at the same incidence per
  insured person, paid at the standards of year t — the statutory parameters in force that year, the
  provincial average wage and national income uprated by their dated indices (projection_defaults.toml).
- Stocks roll: 伤残津贴_t = (津贴_t−1 (1 − exit) + last year's new grade 1–4 cases × their allowance)
  × (1 + adjustment_t); 供养亲属抚恤金 likewise with deaths × dependants per death; 生活护理费 follows the
  number of grade 1–4 recipients at the standard of year t.
- 其他收入、劳动能力鉴定、其他支出 and the prevention plan grow by their trend growth (a linear trend by
  its step); prevention stays within the cap on last year's premiums, province-wide.
- 财政补贴 grows by subsidy_growth; 利息 is solved exactly on each year's opening balance.

:class:`Shocks` move the drivers of every year, year 1 included, as scenario axes in front of
(year, unit); sensitivity and risk runs use the engine that way. A zero shock changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models import benefits, items
from models.balance import ProvinceBudget, interest_exact, months_payable, premium_to_reach, province_budget
from models.budget import BudgetResult, sharing_context
from models.errors import BudgetInputError
from models.forecast import BENEFICIARY_COLUMNS, Forecast, forecast
from models.inputs import CITY, BudgetInputs
from models.money import allocate_wan, round_wan
from models.parameter_set import ParameterSet, load_parameters, parse_parameters
from models.sharing import SharingContext, SharingOption, SharingResult, make_context, share_options
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

    `result`: a :func:`run_budget` result of the same inputs, to skip recomputing year 1.
    """
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
        params = params or load_parameters(inputs.province_code)
        fc = forecast(inputs, params)
        pb = province_budget(inputs, fc)
        ctx = sharing_context(inputs, fc, pb)
    Y = int(fc.budget_year)
    cal = tuple(Y + k for k in range(T))
    later = cal[1:]
    defaults = load_projection_defaults()
    idx = unit_index(inputs.units)
    U = len(idx)

    # --- assumption paths: index 0 = budget year ----------------------------------------------
    plan_g = per_unit(idx, inputs.plans, "plans", ["wage_growth"], optional=("wage_growth",))["wage_growth"]
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
    ben = per_unit(idx, inputs.beneficiaries, "beneficiaries", list(BENEFICIARY_COLUMNS))
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


# ---------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class Projection:
    """多年预测结果 — yuan; province arrays (..., T), unit arrays (..., T, U); `...` = scenario axes."""

    budget_year: int
    years: tuple[int, ...]
    units: tuple[str, ...]
    kinds: np.ndarray
    unit_lines: dict[str, np.ndarray]    # unit item → (..., T, U)
    lines: dict[str, np.ndarray]         # every item (incl. subsidy, interest) → province total (..., T)
    revenue: np.ndarray                  # 收入合计
    expenditure: np.ndarray              # 支出合计
    surplus: np.ndarray                  # 本年收支结余
    opening_balance: np.ndarray          # 年初滚存结余
    closing_balance: np.ndarray          # 年末滚存结余
    months_payable: np.ndarray           # 可支付月数
    floor: np.ndarray                    # 储备下限 = 月数 × 支出 ÷ 12
    floor_shortfall: np.ndarray          # max(0, 下限 − 年末滚存结余)
    payroll: np.ndarray                  # 缴费工资总额
    average_rate: np.ndarray             # 保险费 ÷ 缴费工资
    premium_needed: np.ndarray           # 使年末滚存结余恰为下限的保险费收入
    rate_needed: np.ndarray              # premium_needed ÷ payroll
    drivers: dict[str, np.ndarray]       # insured_avg, insured_end, expansion, avg_wage, payroll (..., T, U)
    collection_shortfall: np.ndarray     # 上年征缴短收 per city (..., T, C)
    reserve_months: float
    paths: dict[str, np.ndarray]
    path_sources: dict[str, str]
    standards: dict[str, np.ndarray]
    sharing_fixed: dict[str, np.ndarray]  # fiscal_revenue, coefficient, assessment_rank per city
    notes: list[str] = field(default_factory=list)
    synthetic: bool = False

    # --- views ------------------------------------------------------------------------------
    @property
    def lead_shape(self) -> tuple[int, ...]:
        """Scenario axes in front of the year axis (() for a plain projection)."""
        return self.closing_balance.shape[:-1]

    @property
    def city_mask(self) -> np.ndarray:
        return self.kinds == CITY

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(np.asarray(self.units, dtype=object)[self.city_mask])

    @property
    def unit_revenue(self) -> np.ndarray:
        """收入合计 per unit (..., T, U)."""
        return sum(self.unit_lines[i] for i in items.UNIT_REVENUE_ITEMS)

    @property
    def unit_expenditure(self) -> np.ndarray:
        """支出合计 per unit (..., T, U)."""
        return sum(self.unit_lines[i] for i in items.EXPENDITURE_ITEMS)

    @property
    def unit_gap(self) -> np.ndarray:
        """收支缺口 G = 支出 − 收入 per unit (..., T, U)."""
        return self.unit_expenditure - self.unit_revenue

    @property
    def deficit(self) -> np.ndarray:
        """当年收支缺口 max(0, 支出 − 收入) (..., T)."""
        return np.maximum(0.0, -self.surplus)

    @property
    def below_floor(self) -> np.ndarray:
        """年末滚存结余低于储备下限 (..., T)."""
        return self.closing_balance < self.floor

    @property
    def first_breach(self) -> int | None | np.ndarray:
        """首次低于储备下限的年度: a year, or None; with scenario axes an int array, 0 = never."""
        below = self.below_floor
        year = np.asarray(self.years)[np.argmax(below, axis=-1)]
        out = np.where(below.any(axis=-1), year, 0)
        if not self.lead_shape:
            return int(out) if int(out) else None
        return out

    def year_position(self, year: int) -> int:
        """Position of a calendar year on the year axis."""
        if year not in self.years:
            raise BudgetInputError(f"预测年度为 {self.years[0]}–{self.years[-1]}", field="year", value=year)
        return self.years.index(year)

    def _scenario(self, index: tuple[int, ...]) -> tuple[int, ...]:
        if len(index) != len(self.lead_shape):
            raise BudgetInputError(f"预测含有 {len(self.lead_shape)} 个情景维度，请用 index 指定情景", value=tuple(index))
        return tuple(index)

    # --- tables -------------------------------------------------------------------------------
    def table(self, index: tuple[int, ...] = (), *, wan: bool = False) -> pd.DataFrame:
        """多年预测表: rows = line items, totals, balances, floor and rates; columns = years.

        Yuan by default. With ``wan=True`` money is in 万元 (2 dp) and reconciles: items add up to
        收入合计 / 支出合计 (largest remainder), 本年收支结余 = 收入 − 支出, 年末 = 年初 + 结余, next
        年初 = this 年末 (the chain starts from the rounded first opening balance). Rates stay fractions.
        """
        sel = self._scenario(index)
        rev_codes, exp_codes = list(items.REVENUE_ITEMS), list(items.EXPENDITURE_ITEMS)
        lines = {c: self.lines[c][sel] for c in (*rev_codes, *exp_codes)}
        rows: dict[str, np.ndarray] = {}
        if wan:
            rev_parts = allocate_wan(np.stack([lines[c] for c in rev_codes], -1), self.revenue[sel])
            exp_parts = allocate_wan(np.stack([lines[c] for c in exp_codes], -1), self.expenditure[sel])
            revenue = np.round(rev_parts.sum(-1), 2)
            expenditure = np.round(exp_parts.sum(-1), 2)
            surplus = np.round(revenue - expenditure, 2)
            closing = np.round(round_wan(self.opening_balance[sel][0]) + np.cumsum(surplus), 2)
            opening = np.concatenate([[round_wan(self.opening_balance[sel][0])], closing[:-1]])
            floor = np.asarray(round_wan(self.floor[sel]))
            rows.update({c: rev_parts[:, i] for i, c in enumerate(rev_codes)})
            rows["revenue_total"] = revenue
            rows.update({c: exp_parts[:, i] for i, c in enumerate(exp_codes)})
            rows.update(expenditure_total=expenditure, surplus=surplus, opening_balance=opening, closing_balance=closing,
                        months_payable=self.months_payable[sel], reserve_floor=floor,
                        floor_shortfall=np.round(np.maximum(0.0, floor - closing), 2),
                        below_floor=self.below_floor[sel], payroll=np.asarray(round_wan(self.payroll[sel])),
                        average_rate=self.average_rate[sel], premium_needed=np.asarray(round_wan(self.premium_needed[sel])),
                        rate_needed=self.rate_needed[sel])
        else:
            rows.update({c: lines[c] for c in rev_codes})
            rows["revenue_total"] = self.revenue[sel]
            rows.update({c: lines[c] for c in exp_codes})
            rows.update(expenditure_total=self.expenditure[sel], surplus=self.surplus[sel],
                        opening_balance=self.opening_balance[sel], closing_balance=self.closing_balance[sel],
                        months_payable=self.months_payable[sel], reserve_floor=self.floor[sel],
                        floor_shortfall=self.floor_shortfall[sel], below_floor=self.below_floor[sel],
                        payroll=self.payroll[sel], average_rate=self.average_rate[sel],
                        premium_needed=self.premium_needed[sel], rate_needed=self.rate_needed[sel])
        df = pd.DataFrame({y: [rows[r][t] for r in rows] for t, y in enumerate(self.years)},
                          index=pd.Index(list(rows), name="item"), dtype=object)
        df.insert(0, "label", [ROW_LABELS[r] for r in rows])
        below = self.below_floor[sel]
        df.attrs.update({"单位制": "万元" if wan else "元", "储备月数": self.reserve_months,
                         "首次低于储备下限年度": self.years[int(np.argmax(below))] if below.any() else None,
                         "示例数据": self.synthetic})
        return df

    def unit_table(self, measure: str = "gap", index: tuple[int, ...] = ()) -> pd.DataFrame:
        """分单位多年预测 (yuan): units × years of one measure — a unit item, 'revenue', 'expenditure' or 'gap'."""
        sel = self._scenario(index)
        source = {"revenue": self.unit_revenue, "expenditure": self.unit_expenditure, "gap": self.unit_gap}
        if measure in source:
            values = source[measure][sel]
        elif measure in self.unit_lines:
            values = self.unit_lines[measure][sel]
        else:
            valid = "、".join([*source, *self.unit_lines])
            raise BudgetInputError(f"无法识别的指标，可选：{valid}", field="measure", value=measure)
        return pd.DataFrame(values.T, index=pd.Index(self.units, name="unit"), columns=list(self.years))

    def assumption_table(self) -> pd.DataFrame:
        """多年预测假设: each assumption by year, with where it came from (wage growth: unit average)."""
        rows = []
        for name, label in PATH_LABELS.items():
            values = self.paths[name]
            if values.ndim == 2:
                values = values.mean(axis=-1)
            rows.append({"name": name, "label": label, **dict(zip(self.years, values, strict=True)),
                         "source": self.path_sources[name]})
        return pd.DataFrame(rows).set_index("name")

    # --- sharing ------------------------------------------------------------------------------
    def sharing_context(self, year: int | None = None) -> SharingContext:
        """分担依据 of one projection year (calendar year), or of every year (lead axes (..., T))."""
        return self.context_at(None if year is None else self.year_position(year))

    def context_at(self, k: int | None) -> SharingContext:
        """分担依据 at year position `k` (0 = budget year), or of every year when None."""
        pick = (Ellipsis,) if k is None else (Ellipsis, k)             # province arrays (..., T)
        pick_unit = (Ellipsis,) if k is None else (Ellipsis, k, slice(None))  # unit arrays (..., T, U)
        city = self.city_mask

        def unit(x: np.ndarray) -> np.ndarray:
            return x[pick_unit][..., city]

        lines = {i: unit(v) for i, v in self.unit_lines.items()}     # select first, then add up
        revenue = sum(lines[i] for i in items.UNIT_REVENUE_ITEMS)
        expenditure = sum(lines[i] for i in items.EXPENDITURE_ITEMS)
        return make_context(
            cities=self.cities, gap=expenditure - revenue, collections=lines[items.PREMIUM],
            insured=unit(self.drivers["insured_avg"]), expenditure=expenditure,
            payroll=unit(self.drivers["payroll"]), fiscal_revenue=self.sharing_fixed["fiscal_revenue"],
            coefficient=self.sharing_fixed["coefficient"], assessment_rank=self.sharing_fixed["assessment_rank"],
            collection_shortfall=self.collection_shortfall[pick_unit], province_deficit=self.deficit[pick],
            floor_shortfall=self.floor_shortfall[pick], current_surplus=self.surplus[pick],
            opening_balance=self.opening_balance[pick],
        )


def share_by_year(projection: Projection, options: Sequence[SharingOption | Any]) -> SharingResult:
    """各年缺口分担 — every option in every projection year; arrays (O, ..., T, U)."""
    return share_options(options, projection.sharing_context())


# ---------------------------------------------------------------- the roll-forward


def _ratio(num: np.ndarray, den: np.ndarray, default: float = 1.0) -> np.ndarray:
    """num ÷ den where den > 0, `default` elsewhere (exactly 1 when num == den)."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), default)


def roll_forward(base: ProjectionBase, shocks: Shocks | None = None, *,
                 collection_plan: np.ndarray | None = None) -> Projection:
    """多年滚动预测 from a :class:`ProjectionBase`, optionally under driver shocks (scenario axes).

    `collection_plan` (..., T, U): the premium each unit is expected to collect each year; after year
    1 a unit that collects less is charged the shortfall (上年征缴短收) in the sharing context. None:
    no shortfall after year 1 (the plan is what the projection itself collects).
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

    keep = {n: [] for n in ("premium", "other_revenue", "medical", "disability", "death", "appraisal", "prevention",
                            "other_expenditure", "insured_avg", "insured_end", "expansion", "avg_wage", "payroll",
                            "allowance_recipients", "shortfall")}
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
            keep[n].append(v)
        for n, v in (("insured_avg", n_avg), ("insured_end", n_end), ("expansion", x), ("avg_wage", wage),
                     ("payroll", payroll), ("allowance_recipients", recipients)):
            keep[n].append(np.broadcast_to(np.asarray(v, dtype=float), full))
        keep["shortfall"].append(np.broadcast_to(shortfall, (*lead, int(city.sum()))))
        opening = closing

    p = {n: np.stack(v, axis=-1) for n, v in prov.items()}
    u = {n: np.stack(v, axis=-2) for n, v in keep.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        average_rate = p["premium"] / p["payroll"]
        rate_needed = p["premium_needed"] / p["payroll"]
    line_codes = (*items.REVENUE_ITEMS, *items.EXPENDITURE_ITEMS)
    ctx = base.context
    return Projection(
        budget_year=base.years[0], years=base.years, units=tuple(fc.units), kinds=fc.kinds,
        unit_lines={i: u[i] for i in items.UNIT_ITEMS}, lines={i: p[i] for i in line_codes},
        revenue=p["revenue"], expenditure=p["expenditure"], surplus=p["surplus"], opening_balance=p["opening"],
        closing_balance=p["closing"], months_payable=months_payable(p["closing"], p["expenditure"]),
        floor=p["floor"], floor_shortfall=np.maximum(0.0, p["floor"] - p["closing"]), payroll=p["payroll"],
        average_rate=average_rate, premium_needed=p["premium_needed"], rate_needed=rate_needed,
        drivers={n: u[n] for n in ("insured_avg", "insured_end", "expansion", "avg_wage", "payroll",
                                   "allowance_recipients")},
        collection_shortfall=u["shortfall"], reserve_months=float(a.reserve_months), paths=base.paths,
        path_sources=base.path_sources, standards=base.standards,
        sharing_fixed={"fiscal_revenue": ctx.fiscal_revenue, "coefficient": ctx.coefficient,
                       "assessment_rank": ctx.assessment_rank},
        notes=list(fc.notes) + list(pb.notes) + (_LATER_YEARS_NOTE if T > 1 else []),
        synthetic=bool(base.inputs.synthetic),
    )


def project(inputs: BudgetInputs, years: int = DEFAULT_YEARS, assumptions: ProjectionAssumptions | None = None, *,
            params: ParameterSet | None = None, result: BudgetResult | None = None) -> Projection:
    """多年预测: the budget year plus `years` − 1 further years (default 3 in all, up to 10)."""
    return roll_forward(prepare_projection(inputs, years, assumptions, params=params, result=result))
