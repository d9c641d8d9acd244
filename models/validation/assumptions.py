"""参数与上年预算检查 (assumption and prior-budget checks) — budget year, growth and rate assumptions within their
ranges, parameters in force for the budget year, and the 上年预算数 column.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models import items
from models.errors import ParameterError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet, available_provinces, load_parameters, parameters_for
from models.trend import METHODS as TREND_METHODS
from models.validation.cells import is_blank_value, not_a_number, scalar_value, shown_value
from models.validation.rules import MAX_MAGNITUDE, PLAUSIBLE_CHANGE, YEAR_RANGE, Findings

# ---------------------------------------------------------------- 6. assumptions and parameters



_ASSUMPTION_LABELS = {
    "wage_growth": "工资增长率", "timing": "新增参保缴费时间占比", "rate_change": "费率政策调整",
    "medical_growth": "医疗费用增长率", "benefit_adjustment": "定期待遇调整幅度",
    "avg_monthly_wage": "上年全省在岗职工月平均工资", "national_income": "上年全国城镇居民人均可支配收入",
    "income_growth": "居民收入增长率", "interest_rate": "基金存款综合利率", "subsidy_plan": "财政补贴收入计划",
    "reserve_months": "储备月数下限", "trend_years": "趋势测算年数", "trend_tolerance": "趋势校验容差",
}
#: field → (blank allowed, lowest, highest, lowest is exclusive, must be an integer)
_ASSUMPTION_RANGES: dict[str, tuple[bool, float | None, float | None, bool, bool]] = {
    "wage_growth": (False, -1.0, None, True, False),
    "timing": (False, 0.0, 1.0, False, False),
    "rate_change": (False, -1.0, None, True, False),
    "medical_growth": (False, -1.0, None, True, False),
    "benefit_adjustment": (False, -1.0, None, True, False),
    "avg_monthly_wage": (False, 0.0, None, True, False),
    "national_income": (True, 0.0, None, True, False),
    "income_growth": (False, -1.0, None, True, False),
    "interest_rate": (False, 0.0, 1.0, False, False),
    "subsidy_plan": (True, 0.0, None, False, False),
    "reserve_months": (False, 0.0, None, False, False),
    "trend_years": (False, 1.0, None, False, True),
    "trend_tolerance": (False, 0.0, None, False, False),
}


def budget_year_of(inputs: BudgetInputs) -> int | None:
    """预算年度 as an int, None when it is not a whole year in YEAR_RANGE."""
    year = scalar_value(inputs.budget_year)
    if year is None or year != round(year) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    return int(year)


def check_assumptions(inputs: BudgetInputs, f: Findings) -> None:
    a = inputs.assumptions
    if budget_year_of(inputs) is None:
        f.add("V106", "assumptions", f"预算年度“{shown_value(inputs.budget_year)}”应为 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} "
              "之间的整数年份", column="budget_year", value=shown_value(inputs.budget_year))
    for name, (blank_ok, low, high, exclusive, integer) in _ASSUMPTION_RANGES.items():
        value = getattr(a, name, None)
        label = _ASSUMPTION_LABELS[name]
        if is_blank_value(value):
            if not blank_ok:
                f.add("V102", "assumptions", f"参数“{label}”为空，请填写", column=name)
            continue
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            problem = not_a_number(value) or ("V103", "不是数字，请填入数值")
            f.add(problem[0], "assumptions", f"参数“{label}”{problem[1]}", column=name, value=shown_value(value))
            continue
        if isinstance(value, str | bool | np.bool_) or not np.isfinite(arr).all():
            problem = not_a_number(value) or ("V103", "含有空白或非有限数值，请填入数值")
            f.add(problem[0], "assumptions", f"参数“{label}”{problem[1]}", column=name, value=shown_value(value))
            continue
        too_low = low is not None and ((arr <= low) if exclusive else (arr < low)).any()
        too_high = (high is not None and (arr > high).any()) or (np.abs(arr) > MAX_MAGNITUDE).any()
        not_whole = integer and (arr != np.round(arr)).any()
        if too_low or too_high or not_whole:
            bound = []
            if low is not None:
                bound.append(f"{'大于' if exclusive else '不小于'} {low:g}")
            bound.append(f"不大于 {high if high is not None else MAX_MAGNITUDE:g}")
            if integer:
                bound.append("整数")
            rule = "V104" if name == "subsidy_plan" and too_low else "V106"
            f.add(rule, "assumptions", f"参数“{label}”为 {shown_value(value)}，应{'、'.join(bound)}（比率按小数或百分数填写，"
                  "如 5% 或 0.05）", column=name, value=shown_value(value))
        elif name == "wage_growth" and (np.abs(arr) > PLAUSIBLE_CHANGE + 1e-9).any():
            f.add("V402", "assumptions", f"工资增长率假设为 {shown_value(value)}，超过 ±{PLAUSIBLE_CHANGE:.0%}：请确认按百分数填写"
                  "（如 5% 填 5% 或 0.05）", column=name, value=shown_value(value))
    raw_methods = getattr(a, "trend_methods", None) or {}
    methods = raw_methods if isinstance(raw_methods, Mapping) else {}
    if not isinstance(raw_methods, Mapping):
        f.add("V107", "assumptions", "趋势方法应为 科目 → 方法 的对照表", column="trend_methods")
    valid_items = set(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    choices = "、".join(f"{k}（{v}）" for k, v in TREND_METHODS.items())
    for item, method in methods.items():
        if str(item) not in valid_items:
            f.add("V107", "assumptions", f"趋势方法中的科目“{shown_value(item)}”不是预算科目，请删去该行",
                  column=f"trend_methods.{item}", value=shown_value(item))
        elif method not in TREND_METHODS:
            f.add("V107", "assumptions", f"“{items.label(str(item))}”的趋势方法“{shown_value(method)}”无法识别，可选：{choices}",
                  column=f"trend_methods.{item}", value=shown_value(method))


def load_params_for(inputs: BudgetInputs, params: ParameterSet | None, f: Findings) -> ParameterSet | None:
    if params is not None:
        return params
    code = inputs.province_code
    try:
        params = parameters_for(inputs)
    except ParameterError as exc:
        f.add("V601", "assumptions", f"参数代码“{shown_value(code)}”无效：{exc.message}", column="province_code",
              value=shown_value(code))
    else:
        if params.unconfirmed:
            f.add("V601", "assumptions", province_warning(params), column="province_code", value=shown_value(code))
        return params
    try:
        return load_parameters(None)
    except ParameterError:  # pragma: no cover - the packaged national file is always there
        return None


def province_warning(params: ParameterSet) -> str:
    """V601 text: which province-set standards run on reference values and must be confirmed."""
    where = (f"参数代码“{params.province}”没有省级参数文件（现有：{'、'.join(available_provinces())}；参数代码留空则"
             "按省份名称确定），按全国参数测算" if not params.has_file
             else f"省级参数文件“{params.province}”缺少部分省级标准")
    return (f"{where}；以下由省级规定的标准暂用参考值，须由本省核实：{params.unconfirmed_text()}。"
            f"可在参数表的“法定参数调整”表中按本省文件填写（参数代码 {'、'.join(params.unconfirmed)}，注明依据），"
            "或请维护人员增加本省参数文件")


def prior_budget_of(inputs: BudgetInputs) -> pd.Series | None:
    prior = inputs.prior_budget
    return prior if isinstance(prior, pd.Series) else None


def check_prior_budget(inputs: BudgetInputs, f: Findings) -> None:
    prior = inputs.prior_budget
    if prior is None:
        return
    if not isinstance(prior, pd.Series):
        f.add("V101", "prior_budget", "上年预算数应为 科目 → 金额（元） 的对照表")
        return
    known = set(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    for code, value in prior.items():
        name = items.label(str(code))
        if str(code) not in known:
            f.add("V701", "prior_budget", f"上年预算数中的科目“{shown_value(code)}”不是预算科目，测算时不使用：请检查科目代码"
                  "或科目名称", column=str(code), value=shown_value(code))
        if is_blank_value(value):
            continue
        problem = not_a_number(value)
        if problem is not None:
            f.add(problem[0], "prior_budget", f"上年预算数“{name}”{problem[1]}", column=str(code), value=shown_value(value))
        elif float(value) < 0:
            f.add("V104", "prior_budget", f"上年预算数“{name}”为 {float(value):,.2f}，不能为负数", column=str(code),
                  value=float(value))


