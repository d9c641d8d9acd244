"""预算输入 — the engine's input: one province, one budget year, every table it needs.

The tables are pandas DataFrames in yuan (元) and persons (人); the column names below are the
contract between the engine, the example province, the workbook reader and the command line.
`COLUMNS` gives each table's columns with their Chinese headers, in sheet order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.errors import BudgetInputError

CITY = "city"          # 设区市
PROVINCE = "province"  # 省本级

#: Chinese header of every input column, table by table (the workbook sheets use these).
COLUMNS: dict[str, dict[str, str]] = {
    "units": {
        "unit": "单位",
        "kind": "类型",                 # city 设区市 / province 省本级
        "coefficient": "分担系数",
        "fiscal_revenue": "一般公共预算收入",
        "assessment_rank": "考核排名",
    },
    "history": {
        "unit": "单位",
        "year": "年度",
        "months": "月数",               # 12 = full year (决算); fewer = year to date (1–N月)
        "insured_end": "期末参保人数",
        "avg_wage": "平均缴费工资",       # yuan per insured person per year
        **{code: items.label(code) for code in items.UNIT_ITEMS},
    },
    "province_history": {
        "year": "年度",
        "months": "月数",
        items.SUBSIDY: items.label(items.SUBSIDY),
        items.INTEREST: items.label(items.INTEREST),
        "balance_end": "期末滚存结余",
    },
    "plans": {
        "unit": "单位",
        "expansion": "扩面计划",           # persons newly insured in the budget year
        "collection_plan_prev": "上年征缴计划",  # yuan: last year's premium collection plan
        "prevention_plan": "工伤预防费计划",
        "wage_growth": "工资增长率",        # optional per-unit override of the assumption
        "rate_change": "费率调整",          # optional per-unit override
    },
    "beneficiaries": {
        "unit": "单位",
        **{f"allowance_{g}": f"{g}级伤残津贴人数" for g in range(1, 5)},
        "allowance_wage": "伤残津贴人员本人工资",        # monthly W
        **{f"care_{lv}": f"护理{lv}级人数" for lv in range(1, 4)},
        "dependants_spouse": "供养配偶人数",
        "dependants_other": "其他供养亲属人数",
        "dependants_lone_extra": "孤寡孤儿加发人数",
        "dependants_wage": "因工死亡职工本人工资",       # monthly W of the deceased
        **{f"new_{g}": f"新增{g}级伤残人数" for g in range(1, 11)},
        "new_wage": "新增伤残人员本人工资",             # monthly W
        **{f"medical_grant_{g}": f"{g}级一次性工伤医疗补助金人数" for g in range(5, 11)},
        "deaths": "预计工亡人数",
    },
}

OPTIONAL_COLUMNS: dict[str, set[str]] = {
    "units": {"coefficient", "fiscal_revenue", "assessment_rank"},
    "plans": {"wage_growth", "rate_change", "collection_plan_prev", "prevention_plan"},
}


@dataclass
class Assumptions:
    """预测假设 (forecast assumptions); rates as fractions (0.05 = 5 %), money in yuan."""

    wage_growth: float = 0.05            # 工资增长率 g
    timing: float = 0.5                  # 新增参保缴费时间占比 τ
    rate_change: float = 0.0             # 费率政策调整 Δrate
    medical_growth: float = 0.04         # 医疗费用增长率
    benefit_adjustment: float = 0.03     # 定期待遇调整幅度 (items the province uprates by percentage, models.uprating)
    avg_monthly_wage: float = 0.0        # 上年全省城镇非私营单位在岗职工月平均工资 (元/月)
    national_income: float | None = None  # 上年全国城镇居民人均可支配收入; None → parameter file
    income_growth: float = 0.05          # growth applied when national_income comes from an older year
    interest_rate: float = 0.015         # 基金存款综合利率
    subsidy_plan: float | None = None    # 财政补贴收入 planned; None → trend
    reserve_months: float = 12.0         # 储备月数下限
    trend_years: int = 3                 # k years for the trend cross-check
    trend_tolerance: float = 0.10        # ± tolerance between driver and trend figures
    trend_methods: dict[str, str] = field(default_factory=dict)  # item → average | cagr | linear

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for display and the parameter sheet)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class BudgetInputs:
    """预算输入 — everything the engine needs for one province and one budget year."""

    province: str                      # 省份名称, e.g. 江西省
    province_code: str                 # parameter override set, e.g. jiangxi
    budget_year: int                   # 预算年度 Y
    units: pd.DataFrame
    history: pd.DataFrame
    province_history: pd.DataFrame
    plans: pd.DataFrame
    beneficiaries: pd.DataFrame
    assumptions: Assumptions = field(default_factory=Assumptions)
    prior_budget: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # 上年预算数 by item
    options: list[dict[str, Any]] = field(default_factory=list)                     # 分担方案
    synthetic: bool = False            # example data: every output must say so
    notes: str = ""
    issuing_agency: str = ""           # 编制单位 on the draft's cover ("" → the province's two departments)
    #: 法定参数调整: parameter name → (value, 依据), in force from the budget year (参数 sheet)
    parameter_overrides: dict[str, tuple[Any, str]] = field(default_factory=dict)

    @property
    def unit_names(self) -> list[str]:
        """Units in input order (设区市 then 省本级, as given)."""
        return [str(u) for u in self.units["unit"]]

    @property
    def city_mask(self) -> np.ndarray:
        """True for 设区市 rows of `units`."""
        return (self.units["kind"] == CITY).to_numpy()


def require_columns(df: pd.DataFrame, table: str, required: list[str] | None = None) -> None:
    """Raise a clear error when a table lacks a required column (表缺少列)."""
    cols = required if required is not None else [
        c for c in COLUMNS[table] if c not in OPTIONAL_COLUMNS.get(table, set())]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        heads = "、".join(f"{COLUMNS[table].get(c, c)}({c})" for c in missing)
        raise BudgetInputError(f"缺少列 {heads}，请补上后重试", table=table, column=missing[0])


def numeric_column(df: pd.DataFrame, table: str, col: str, *, allow_negative: bool = False,
                   allow_blank: bool = False, unit_col: str = "unit") -> np.ndarray:
    """A column as float64, refusing text, blanks and (by default) negatives with the unit named."""
    raw = df[col]
    if raw.dtype.kind in "fiu":     # already numbers (what the reader gives): no conversion, the same checks
        values = raw.to_numpy(dtype=float)
        if (not allow_blank and np.isnan(values).any()) or (not allow_negative and (values < 0).any()):
            return _checked_column(df, raw, table, col, allow_negative, allow_blank, unit_col)
        return values
    return _checked_column(df, raw, table, col, allow_negative, allow_blank, unit_col)


def _checked_column(df: pd.DataFrame, raw: pd.Series, table: str, col: str, allow_negative: bool,
                    allow_blank: bool, unit_col: str) -> np.ndarray:
    """`numeric_column` for any column: converted with pandas, the first bad row named."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & ~(raw.isna().to_numpy() & allow_blank)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        unit = df[unit_col].iloc[i] if unit_col in df.columns else None
        what = "空白" if pd.isna(raw.iloc[i]) else "不是数字"
        raise BudgetInputError(f"{what}，请填入数值", table=table, unit=unit,
                               field=COLUMNS[table].get(col, col), value=None if pd.isna(raw.iloc[i]) else raw.iloc[i],
                               column=col, row=i)
    if not allow_negative:
        neg = values < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            unit = df[unit_col].iloc[i] if unit_col in df.columns else None
            raise BudgetInputError("不能为负数", table=table, unit=unit,
                                   field=COLUMNS[table].get(col, col), value=float(values[i]),
                                   column=col, row=i)
    return values
