"""预算编制主流程 — the one call the add-in and the command line make.

    result = run_budget(inputs)                 # forecast, province budget, sharing, comparison
    result.forecast.table()                     # 分市预算 (yuan)
    result.province.lines                       # 收入/支出预算 lines with 上年预算数, 预计执行数
    result.sharing.table(0)                     # 缺口分担 for the first option (万元, reconciled)
    result.comparison.wide                      # 方案比较
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.balance import ProvinceBudget, province_budget
from models.compare import Comparison, compare
from models.errors import BudgetInputError
from models.forecast import Forecast, forecast
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet, parameters_for
from models.sharing import (
    SharingContext,
    SharingOption,
    SharingResult,
    load_presets,
    make_context,
    parse_option,
)


@dataclass
class BudgetResult:
    """预算结果 — everything one run produces."""

    inputs: BudgetInputs
    parameters: ParameterSet
    forecast: Forecast
    province: ProvinceBudget
    context: SharingContext
    options: list[SharingOption]
    sharing: SharingResult
    comparison: Comparison

    @property
    def notes(self) -> list[str]:
        """测算说明: what the engine assumed or adjusted along the way."""
        return list(self.forecast.notes) + list(self.province.notes)


def sharing_context(inputs: BudgetInputs, fc: Forecast, pb: ProvinceBudget) -> SharingContext:
    """分担依据: the cities' projected figures and the province's position, from a forecast."""
    city = fc.city_mask
    names = [str(u).strip() for u in inputs.units["unit"].to_numpy(dtype=object)]
    city_names = list(np.asarray(fc.units)[city])
    row = dict(zip(names, range(len(names)), strict=True))
    rows = [row.get(n, -1) for n in city_names] if len(row) == len(names) else [-1]   # each city's row

    def col(name: str, default: float) -> np.ndarray:
        if name not in inputs.units.columns:
            return np.full(len(city_names), default)
        raw = inputs.units[name]
        if raw.dtype.kind in "fiu" and min(rows, default=0) >= 0:     # numbers already, every city found
            vals = raw.to_numpy(dtype=float)[rows]
        else:
            units = inputs.units.set_index(pd.Index(names, dtype=object))
            vals = pd.to_numeric(units[name].reindex(city_names), errors="coerce").to_numpy(dtype=float)
        return np.where(np.isnan(vals), default, vals)

    def sel(x: np.ndarray) -> np.ndarray:
        return np.asarray(x)[..., city]

    revenue = sum(np.asarray(fc.budget[i]) for i in items.UNIT_REVENUE_ITEMS)
    expenditure = sum(np.asarray(fc.budget[i]) for i in items.EXPENDITURE_ITEMS)
    plan_prev = np.asarray(fc.drivers["collection_plan_prev"])
    shortfall = np.where(np.isnan(plan_prev), 0.0,
                         np.maximum(0.0, plan_prev - np.asarray(fc.estimate[items.PREMIUM])))
    return make_context(
        cities=tuple(np.asarray(fc.units)[city]),
        gap=sel(expenditure - revenue),
        collections=sel(fc.budget[items.PREMIUM]),
        insured=sel(fc.drivers["insured_avg"]),
        expenditure=sel(expenditure),
        payroll=sel(fc.drivers["payroll"]),
        fiscal_revenue=col("fiscal_revenue", np.nan),
        coefficient=col("coefficient", 1.0),
        assessment_rank=col("assessment_rank", np.nan),
        collection_shortfall=sel(shortfall),
        province_deficit=pb.deficit,
        floor_shortfall=pb.floor_shortfall,
        current_surplus=pb.surplus,
        opening_balance=pb.opening_balance,
    )


def resolve_options(options: Sequence[Any] | None) -> list[SharingOption]:
    """分担方案: parse plain-data options; none given → the shipped presets."""
    if not options:
        return list(load_presets())
    parsed = [o if isinstance(o, SharingOption) else parse_option(o) for o in options]
    names = [o.name for o in parsed]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise BudgetInputError("方案名称重复，请改名", table="options", field="name", value=sorted(dup)[0])
    return parsed


def run_budget(inputs: BudgetInputs, options: Sequence[Any] | None = None, baseline: str | None = None,
               params: ParameterSet | None = None) -> BudgetResult:
    """预算编制: forecast → province budget → sharing of every option → side-by-side comparison."""
    params = params or parameters_for(inputs)
    fc = forecast(inputs, params)
    pb = province_budget(inputs, fc)
    ctx = sharing_context(inputs, fc, pb)
    opts = resolve_options(options if options is not None else inputs.options)
    comp = compare(opts, ctx, baseline=baseline)
    result = comp.result
    return BudgetResult(inputs=inputs, parameters=params, forecast=fc, province=pb, context=ctx,
                        options=opts, sharing=result, comparison=comp)
