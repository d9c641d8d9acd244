"""多年预测结果 (the projection result) — years × lines as arrays, the displayed table in 万元 (items add up, 年末 =
年初 + 结余), first breach of the reserve floor, and city shares per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.balance import balance_chain, shown_parts
from models.errors import BudgetInputError
from models.inputs import CITY
from models.money import round_wan
from models.projection.setup import PATH_LABELS, ROW_LABELS
from models.sharing import SharingContext, SharingOption, SharingResult, make_context, share_options

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
        收入合计 / 支出合计 (largest remainder), and the balance rows are `models.balance.balance_chain` on
        the displayed totals (本年收支结余 = 收入 − 支出, 年末 = 年初 + 结余, next 年初 = this 年末, 储备下限
        and 可支付月数 from the displayed 支出合计, 低于储备下限 on the displayed figures) — the budget-year
        column is therefore the one-year tables' figures. Rates stay fractions.
        """
        sel = self._scenario(index)
        rev_codes, exp_codes = list(items.REVENUE_ITEMS), list(items.EXPENDITURE_ITEMS)
        lines = {c: self.lines[c][sel] for c in (*rev_codes, *exp_codes)}
        rows: dict[str, np.ndarray] = {}
        if wan:     # the one rounded chain (models.balance): the budget year shows what the one-year tables show
            rev_parts, revenue = shown_parts(np.stack([lines[c] for c in rev_codes], -1))
            exp_parts, expenditure = shown_parts(np.stack([lines[c] for c in exp_codes], -1))
            chain = balance_chain(revenue, expenditure, float(self.opening_balance[sel][0]), self.reserve_months)
            below = chain["below_floor"]
            rows.update({c: rev_parts[:, i] for i, c in enumerate(rev_codes)})
            rows["revenue_total"] = revenue
            rows.update({c: exp_parts[:, i] for i, c in enumerate(exp_codes)})
            rows.update(expenditure_total=expenditure, surplus=chain["surplus"],
                        opening_balance=chain["opening_balance"], closing_balance=chain["closing_balance"],
                        months_payable=chain["months_payable"], reserve_floor=chain["reserve_floor"],
                        floor_shortfall=np.maximum(0.0, -chain["reserve_margin"]), below_floor=below,
                        payroll=np.asarray(round_wan(self.payroll[sel])),
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
        if not wan:
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


