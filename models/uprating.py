"""定期待遇调整 — uprating of the periodic benefits (伤残津贴、供养亲属抚恤金、生活护理费), in one place.

The province's parameter file says how each periodic item is adjusted for the budget year
(`periodic_uprating_method`, an array ordered 伤残津贴, 供养亲属抚恤金, 生活护理费):
- 0 不另行调整: the standard stands as computed (生活护理费 is a share of the previous year's average
  monthly wage, so it already moves with the wage);
- 1 按比例调整: × (1 + the benefit-adjustment assumption 定期待遇调整幅度);
- 2 按等级定额调整: + a fixed yuan amount per person and month, by grade or level, from the parameter
  named in :data:`INCREASE_PARAMETERS` (e.g. Jiangxi's allowance_increase_monthly 124/117/110/103 元);
  the latest published amount is taken as the budget year's increase.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from models.errors import ParameterError
from models.parameter_set import ParameterSet

METHOD_PARAMETER = "periodic_uprating_method"
NO_ADJUSTMENT, PERCENTAGE, FIXED_PER_GRADE = 0, 1, 2
METHOD_LABELS = {NO_ADJUSTMENT: "不另行调整", PERCENTAGE: "按比例调整", FIXED_PER_GRADE: "按等级定额调整"}

#: Periodic items in the order of `periodic_uprating_method`, with their Chinese names.
ITEMS: dict[str, str] = {
    "disability_allowance": "伤残津贴",
    "dependant_pension": "供养亲属抚恤金",
    "care_allowance": "生活护理费",
}
#: Fixed monthly increases per person: parameter name and how many leading values are used
#: (grades 1–4 of the fund-paid allowance; one amount per dependant; care levels 1–3).
INCREASE_PARAMETERS: dict[str, tuple[str, int]] = {
    "disability_allowance": ("allowance_increase_monthly", 4),
    "dependant_pension": ("dependant_increase_monthly", 1),
    "care_allowance": ("care_increase_monthly", 3),
}


def uprating_methods(params: ParameterSet, on: dt.date) -> dict[str, int]:
    """调整方式 in force on `on`: item → 0, 1 or 2 (see the module docstring)."""
    entry = params.entry(METHOD_PARAMETER, on)
    codes = entry.value if isinstance(entry.value, tuple) else (entry.value,)
    if len(codes) != len(ITEMS) or any(c not in METHOD_LABELS for c in codes):
        raise ParameterError(f"参数 {METHOD_PARAMETER} 应为 {len(ITEMS)} 个取值（依次为{'、'.join(ITEMS.values())}），"
                             f"每个为 0（不另行调整）、1（按比例调整）或 2（按等级定额调整），参数文件 {entry.source} "
                             f"中为 {list(codes)}，请改正", field=METHOD_PARAMETER, value=entry.effective.isoformat())
    return {item: int(code) for item, code in zip(ITEMS, codes, strict=True)}


def fixed_increase(item: str, params: ParameterSet, on: dt.date) -> np.ndarray:
    """定额调整额 (yuan per person and month) by grade or level for `item`, from its parameter."""
    name, used = INCREASE_PARAMETERS[item]
    if name not in params:
        raise ParameterError(f"{ITEMS[item]}按等级定额调整（参数 {METHOD_PARAMETER}），但参数文件中没有 {name}"
                             f"（每人每月增加额），请补上或改用其他调整方式", field=name)
    entry = params.entry(name, on)
    value = np.atleast_1d(np.asarray(entry.value, dtype=float))
    if value.size < used:
        raise ParameterError(f"参数 {name} 至少应有 {used} 个取值（按等级排列），参数文件 {entry.source} 中为 "
                             f"{value.size} 个，请改正", field=name, value=entry.effective.isoformat())
    return value[:used]


def uprate(item: str, monthly: Any, params: ParameterSet, on: dt.date, adjustment: Any,
           persons: Any = 1.0) -> np.ndarray:
    """The budget year's monthly amount of a periodic item after the province's adjustment.

    monthly: the standard per person (by grade/level on the last axis) or a unit's total; persons: how
    many people `monthly` covers, aligned with it (a fixed increase is paid per person);
    adjustment: the percentage assumption (may carry leading scenario axes, shaped to broadcast).
    """
    method = uprating_methods(params, on)[item]
    base = np.asarray(monthly, dtype=float)
    if method == PERCENTAGE:
        return base * (1.0 + np.asarray(adjustment, dtype=float))
    if method == FIXED_PER_GRADE:
        increase = fixed_increase(item, params, on)          # by grade/level on the last axis of `monthly`
        per = increase[0] if INCREASE_PARAMETERS[item][1] == 1 else increase
        return base + per * np.asarray(persons, dtype=float)
    return base


def uprating_note(params: ParameterSet, on: dt.date, adjustment: Any) -> str:
    """定期待遇调整 in words, for the forecast notes."""
    parts = []
    for item, method in uprating_methods(params, on).items():
        if method == PERCENTAGE:
            adj = np.asarray(adjustment, dtype=float)
            shown = f"{float(adj):.1%}" if adj.ndim == 0 else "按情景取值"
            parts.append(f"{ITEMS[item]}按比例调整（{shown}）")
        elif method == FIXED_PER_GRADE:
            name, _ = INCREASE_PARAMETERS[item]
            entry = params.entry(name, on)
            amounts = "/".join(f"{x:g}" for x in fixed_increase(item, params, on))
            parts.append(f"{ITEMS[item]}按等级定额调整（每人每月增加{amounts}元，按{entry.effective.year}年起执行的"
                         f"最近一次调整额预计）")
        else:
            parts.append(f"{ITEMS[item]}不另行调整" + ("（按上年度职工月平均工资计发）" if item == "care_allowance" else ""))
    return "定期待遇调整：" + "；".join(parts)
