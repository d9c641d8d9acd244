"""工伤保险待遇标准 — the statutory benefit formulas of 《工伤保险条例》 (2010 revision), vectorised.

Every function takes numbers or numpy arrays (broadcast together), a :class:`ParameterSet` and the
date whose standards apply (a year means 1 January of that year). All statutory figures come from
the parameter files; this module only knows the shape of the grade scales. Amounts are yuan (元);
periodic benefits (伤残津贴, 生活护理费, 供养亲属抚恤金) are per person per month. Scalar inputs give a
float, array inputs an array.

W is the worker's own monthly wage (本人工资) clamped to the band set by §64; the average monthly
wage is the previous year's average used as the base (in Jiangxi the province-wide non-private
on-post average, 赣人社发〔2023〕18号 三(二)).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from models.errors import BudgetInputError, ParameterError
from models.parameter_set import ParameterSet

On = dt.date | int
Amount = float | np.ndarray

# Grade scales (structure, not amounts): first and last grade each parameter array covers.
DISABILITY_GRADES = (1, 10)          # 一至十级伤残 → disability_grant_months
FUND_ALLOWANCE_GRADES = (1, 4)       # 一至四级伤残津贴, fund → disability_allowance_ratio
EMPLOYER_ALLOWANCE_GRADES = (5, 6)   # 五、六级伤残津贴, employer → employer_allowance_ratio
CARE_LEVELS = (1, 3)                 # 生活护理三级 → care_ratio
MEDICAL_GRANT_GRADES = (5, 10)       # 五至十级一次性工伤医疗补助金 → medical_grant_months
DEPENDANT_KINDS = {1: "配偶 spouse", 2: "其他亲属 other relative", 3: "孤寡老人或孤儿 lone elderly or orphan"}

_ARRAY_LENGTHS = {
    "disability_grant_months": DISABILITY_GRADES[1] - DISABILITY_GRADES[0] + 1,
    "disability_allowance_ratio": FUND_ALLOWANCE_GRADES[1] - FUND_ALLOWANCE_GRADES[0] + 1,
    "employer_allowance_ratio": EMPLOYER_ALLOWANCE_GRADES[1] - EMPLOYER_ALLOWANCE_GRADES[0] + 1,
    "care_ratio": CARE_LEVELS[1] - CARE_LEVELS[0] + 1,
    "medical_grant_months": MEDICAL_GRANT_GRADES[1] - MEDICAL_GRANT_GRADES[0] + 1,
}

#: Benefit items: English code → Chinese name (domain.md §3).
ITEM_NAMES: dict[str, str] = {
    "disability_grant": "一次性伤残补助金",
    "disability_allowance": "伤残津贴",
    "care": "生活护理费",
    "medical_grant": "一次性工伤医疗补助金",
    "funeral": "丧葬补助金",
    "dependant_pension": "供养亲属抚恤金",
    "death_grant": "一次性工亡补助金",
}
#: Items paid monthly; benefit_amount returns their monthly amount.
MONTHLY_ITEMS = frozenset({"disability_allowance", "care", "dependant_pension"})
_ITEM_CODES = {**{zh: code for code, zh in ITEM_NAMES.items()}, **{code: code for code in ITEM_NAMES}}


# ---------------------------------------------------------------- helpers

def _result(x: np.ndarray) -> Amount:
    return float(x) if np.ndim(x) == 0 else x


def _numbers(x: Any, field: str, label: str) -> np.ndarray:
    """Numbers as float64, refusing blanks and text with the field named."""
    if x is None:
        raise BudgetInputError(f"缺少{label}，请填写", field=field)
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise BudgetInputError(f"{label}不是数字，请填入数值", field=field, value=x) from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise BudgetInputError(f"{label}为空白或不是有效数值，请填入数值", field=field,
                               value=_first(arr, bad))
    return arr


def _first(arr: np.ndarray, mask: np.ndarray) -> float | int | None:
    """The first offending value (None for a blank), to name in the error."""
    v = float(np.broadcast_to(arr, mask.shape)[mask][0])
    if not np.isfinite(v):
        return None
    return int(v) if v.is_integer() else v


def _non_negative(x: Any, field: str, label: str) -> np.ndarray:
    arr = _numbers(x, field, label)
    if (arr < 0).any():
        raise BudgetInputError(f"{label}不能为负数", field=field, value=_first(arr, arr < 0))
    return arr


def _positive(x: Any, field: str, label: str) -> np.ndarray:
    arr = _numbers(x, field, label)
    if (arr <= 0).any():
        raise BudgetInputError(f"{label}必须大于0", field=field, value=_first(arr, arr <= 0))
    return arr


def _grades(x: Any, scale: tuple[int, int], field: str, label: str) -> np.ndarray:
    """Integer grades within `scale` (first, last), as int64."""
    arr = _numbers(x, field, label)
    low, high = scale
    bad = (arr != np.round(arr)) | (arr < low) | (arr > high)
    if bad.any():
        raise BudgetInputError(f"{label}应为 {low}–{high} 的整数", field=field, value=_first(arr, bad))
    return arr.astype(np.int64)


def _standard(params: ParameterSet, on: On, name: str) -> np.ndarray:
    """A parameter in force on `on` as an array, checked against the grade scale it indexes."""
    value = np.asarray(params.value(name, on), dtype=float)
    expected = _ARRAY_LENGTHS.get(name)
    if expected is not None and value.shape != (expected,):
        entry = params.entry(name, on)
        raise ParameterError(f"参数 {name} 应有 {expected} 个取值（按等级排列），参数文件 {entry.source} 中为 "
                             f"{value.size} 个，请改正", field=name, value=entry.effective.isoformat())
    return value


def _scalar(params: ParameterSet, on: On, name: str) -> float:
    value = params.value(name, on)
    if isinstance(value, tuple):
        entry = params.entry(name, on)
        raise ParameterError(f"参数 {name} 应为单个数值，参数文件 {entry.source} 中为数组，请改正", field=name)
    return value


_OWN_WAGE = ("own_wage", "本人工资（月）")
_AVG_WAGE = ("avg_monthly_wage", "上年度职工月平均工资")


def _clamp(own_wage: np.ndarray, avg: np.ndarray, params: ParameterSet, on: On) -> np.ndarray:
    low = _scalar(params, on, "wage_floor_ratio") * avg
    high = _scalar(params, on, "wage_ceiling_ratio") * avg
    return np.clip(own_wage, low, high)


# ---------------------------------------------------------------- statutory standards

def clamp_wage(own_wage: Any, avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """计发基数 W (§64): own monthly wage clamped to [floor, ceiling] × average monthly wage."""
    wage = _non_negative(own_wage, *_OWN_WAGE)
    avg = _positive(avg_monthly_wage, *_AVG_WAGE)
    return _result(_clamp(wage, avg, params, on))


def disability_grant(grade: Any, own_wage: Any, avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """一次性伤残补助金 (§35–37, fund, one-time): W × months for grades 1–10."""
    g = _grades(grade, DISABILITY_GRADES, "grade", "伤残等级")
    w = _clamp(_non_negative(own_wage, *_OWN_WAGE), _positive(avg_monthly_wage, *_AVG_WAGE), params, on)
    months = _standard(params, on, "disability_grant_months")
    return _result(months[g - DISABILITY_GRADES[0]] * w)


def disability_allowance_monthly(grade: Any, own_wage: Any, avg_monthly_wage: Any, params: ParameterSet, on: On,
                                 *, minimum_wage: Any = None) -> Amount:
    """伤残津贴 paid by the fund, per person per month (§35): W × ratio for grades 1–4.

    Grades 5–6 return 0: their allowance (employer_allowance_ratio × W, §36) is paid by the employer
    (用人单位), not the fund. Give `minimum_wage` (当地最低工资标准, monthly) to top a grade 1–4
    allowance up to it, as §35 requires.
    """
    g = _grades(grade, (FUND_ALLOWANCE_GRADES[0], EMPLOYER_ALLOWANCE_GRADES[1]), "grade", "伤残津贴等级")
    w = _clamp(_non_negative(own_wage, *_OWN_WAGE), _positive(avg_monthly_wage, *_AVG_WAGE), params, on)
    ratios = _standard(params, on, "disability_allowance_ratio")
    fund_paid = g <= FUND_ALLOWANCE_GRADES[1]
    ratio = np.where(fund_paid, ratios[np.minimum(g, FUND_ALLOWANCE_GRADES[1]) - FUND_ALLOWANCE_GRADES[0]], 0.0)
    amount = ratio * w
    if minimum_wage is not None:
        floor = _non_negative(minimum_wage, "minimum_wage", "当地最低工资标准")
        amount = np.where(fund_paid, np.maximum(amount, floor), 0.0)
    return _result(amount)


def care_allowance_monthly(level: Any, avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """生活护理费 (§34, fund), per person per month: average monthly wage × ratio of care level 1–3."""
    lv = _grades(level, CARE_LEVELS, "level", "生活护理等级")
    avg = _positive(avg_monthly_wage, *_AVG_WAGE)
    ratios = _standard(params, on, "care_ratio")
    return _result(ratios[lv - CARE_LEVELS[0]] * avg)


def medical_grant(grade: Any, avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """一次性工伤医疗补助金 (§36–37, fund, one-time, on leaving employment): average wage × province months.

    Grades 5–10; the months are set by the province (medical_grant_months in its parameter file).
    """
    g = _grades(grade, MEDICAL_GRANT_GRADES, "grade", "伤残等级（一次性工伤医疗补助金）")
    avg = _positive(avg_monthly_wage, *_AVG_WAGE)
    months = _standard(params, on, "medical_grant_months")
    return _result(months[g - MEDICAL_GRANT_GRADES[0]] * avg)


def funeral_grant(avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """丧葬补助金 (§39, fund, one-time): months × average monthly wage."""
    avg = _positive(avg_monthly_wage, *_AVG_WAGE)
    return _result(_scalar(params, on, "funeral_months") * avg)


def death_grant(national_income: Any, params: ParameterSet, on: On) -> Amount:
    """一次性工亡补助金 (§39, fund, one-time): multiple × previous year's national urban income.

    `national_income` None takes national_urban_income in force on `on` from the parameter file.
    """
    if national_income is None:
        income = np.asarray(_scalar(params, on, "national_urban_income"))
    else:
        income = _positive(national_income, "national_income", "上一年度全国城镇居民人均可支配收入")
    return _result(_scalar(params, on, "death_grant_income_multiple") * income)


def dependant_pension_monthly(spouses: Any, others: Any, lone_extra: Any, deceased_wage: Any,
                              avg_monthly_wage: Any, params: ParameterSet, on: On, *, cap: bool = True) -> Amount:
    """供养亲属抚恤金 (§39, fund), per month: W × (spouse ratio × spouses + other ratio × others
    + lone extra × lone_extra), W the deceased's clamped own wage.

    `lone_extra` counts those among the dependants who are lone elderly or orphans (+10 %). With
    `cap` (default) the total is limited to W: the figures must then be one family's (一户). For
    totals over many families pass ``cap=False`` and apply the cap family by family beforehand.
    """
    s = _non_negative(spouses, "spouses", "供养配偶人数")
    o = _non_negative(others, "others", "其他供养亲属人数")
    lone = _non_negative(lone_extra, "lone_extra", "孤寡老人或孤儿人数")
    too_many = lone > s + o
    if too_many.any():
        raise BudgetInputError("孤寡老人或孤儿人数不能多于供养亲属人数（配偶与其他亲属之和）",
                               field="lone_extra", value=_first(lone, too_many))
    w = _clamp(_non_negative(deceased_wage, "deceased_wage", "因工死亡职工本人工资（月）"),
               _positive(avg_monthly_wage, *_AVG_WAGE), params, on)
    share = (_scalar(params, on, "dependant_ratio_spouse") * s
             + _scalar(params, on, "dependant_ratio_other") * o
             + _scalar(params, on, "dependant_ratio_lone_extra") * lone)
    total = share * w
    return _result(np.minimum(total, w) if cap else total)


def dependant_stock_monthly(spouses: Any, others: Any, lone_extra: Any, deceased_wage: Any,
                            avg_monthly_wage: Any, params: ParameterSet, on: On) -> Amount:
    """供养亲属抚恤金 for a stock of many families (e.g. one unit's totals), per month, without the cap.

    The per-family cap (total ≤ W) cannot be applied to totals; counts should already reflect it.
    """
    return dependant_pension_monthly(spouses, others, lone_extra, deceased_wage, avg_monthly_wage, params, on,
                                     cap=False)


def prevention_cap(premium_prev: Any, params: ParameterSet, on: On) -> Amount:
    """工伤预防费上限 (人社部规〔2017〕13号 §5): cap ratio × the previous year's premium collections."""
    premium = _non_negative(premium_prev, "premium_prev", "上年度工伤保险费征缴收入")
    return _result(_scalar(params, on, "prevention_cap_ratio") * premium)


def benefit_standards(params: ParameterSet, on: On) -> dict[str, Any]:
    """待遇标准 (the standards the forecast needs, in force on `on`): arrays by grade, scalars as floats.

    Keys: disability_grant_months (10,), disability_allowance_ratio (4,), care_ratio (3,),
    medical_grant_months (6,) — province-set, so `params` must be loaded with a province —,
    funeral_months, death_grant_income_multiple, dependant_ratio_spouse, dependant_ratio_other,
    dependant_ratio_lone_extra, wage_floor_ratio, wage_ceiling_ratio, prevention_cap_ratio.
    """
    arrays = ("disability_grant_months", "disability_allowance_ratio", "care_ratio", "medical_grant_months")
    scalars = ("funeral_months", "death_grant_income_multiple", "dependant_ratio_spouse", "dependant_ratio_other",
               "dependant_ratio_lone_extra", "wage_floor_ratio", "wage_ceiling_ratio", "prevention_cap_ratio")
    out: dict[str, Any] = {name: _standard(params, on, name) for name in arrays}
    out.update({name: _scalar(params, on, name) for name in scalars})
    return out


# ---------------------------------------------------------------- one entry point

def item_code(item: Any) -> str:
    """待遇项目代码 (item code) from a Chinese name or English alias; unknown names raise BudgetInputError."""
    key = item.strip() if isinstance(item, str) else ""
    code = _ITEM_CODES.get(key) or _ITEM_CODES.get(key.lower())
    if code is None:
        valid = "、".join(f"{zh}({code})" for code, zh in ITEM_NAMES.items())
        raise BudgetInputError(f"无法识别的待遇项目，可用项目：{valid}", field="item", value=item)
    return code


def benefit_amount(item: str, grade: Any = None, wage: Any = None, count: Any = 1, *, on: On,
                   params: ParameterSet, avg_monthly_wage: Any = None, national_income: Any = None) -> Amount:
    """单项待遇金额 (one benefit item × count), yuan; monthly items give the monthly amount.

    `item` is a Chinese name (一次性伤残补助金, 伤残津贴, 生活护理费, 一次性工伤医疗补助金, 丧葬补助金,
    供养亲属抚恤金, 一次性工亡补助金) or its English alias (disability_grant, disability_allowance, care,
    medical_grant, funeral, dependant_pension, death_grant). What `grade` and `wage` mean per item:

    - 一次性伤残补助金: grade 1–10, wage = own monthly wage; needs avg_monthly_wage (for the clamp).
    - 伤残津贴: grade 1–6 (5–6 give 0: employer-paid), wage = own monthly wage; needs avg_monthly_wage.
    - 生活护理费: grade = care level 1–3; needs avg_monthly_wage; wage unused.
    - 一次性工伤医疗补助金: grade 5–10; needs avg_monthly_wage and province parameters; wage unused.
    - 丧葬补助金: needs avg_monthly_wage; grade and wage unused.
    - 供养亲属抚恤金: grade = dependant kind 1 配偶, 2 其他亲属, 3 孤寡老人或孤儿; wage = the deceased's
      own monthly wage; needs avg_monthly_wage. Per person, without the family cap
      (use dependant_pension_monthly for one family's capped total).
    - 一次性工亡补助金: national_income, or the parameter file's figure in force on `on`.
    """
    code = item_code(item)
    n = _non_negative(count, "count", "人数")
    if code == "disability_grant":
        amount = disability_grant(grade, _need(wage, "wage"), avg_monthly_wage, params, on)
    elif code == "disability_allowance":
        amount = disability_allowance_monthly(grade, _need(wage, "wage"), avg_monthly_wage, params, on)
    elif code == "care":
        amount = care_allowance_monthly(grade, avg_monthly_wage, params, on)
    elif code == "medical_grant":
        amount = medical_grant(grade, avg_monthly_wage, params, on)
    elif code == "funeral":
        amount = funeral_grant(avg_monthly_wage, params, on)
    elif code == "death_grant":
        amount = death_grant(national_income, params, on)
    else:
        kind = _grades(grade, (min(DEPENDANT_KINDS), max(DEPENDANT_KINDS)), "grade",
                       "供养亲属类别（1 配偶、2 其他亲属、3 孤寡老人或孤儿）")
        amount = dependant_pension_monthly(kind == 1, kind >= 2, kind == 3, _need(wage, "wage"),
                                           avg_monthly_wage, params, on, cap=False)
    return _result(np.asarray(amount) * n)


def _need(x: Any, field: str) -> Any:
    if x is None:
        raise BudgetInputError("缺少本人工资（月），请填写", field=field)
    return x
