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

import weakref

from models.budget import BudgetResult
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.projection.rolling import SHARING_DRIVERS, roll_forward  # noqa: F401 - public names
from models.projection.setup import (  # noqa: F401 - the public names of this package
    DEFAULT_YEARS,
    FILE_PATHS,
    MAX_YEARS,
    ROW_LABELS,
    SHOCK_FIELDS,
    ProjectionAssumptions,
    ProjectionBase,
    Shocks,
    load_projection_defaults,
    prepare_projection,
)
from models.projection.table import Projection, share_by_year  # noqa: F401


def project(inputs: BudgetInputs, years: int = DEFAULT_YEARS, assumptions: ProjectionAssumptions | None = None, *,
            params: ParameterSet | None = None, result: BudgetResult | None = None) -> Projection:
    """多年预测: the budget year plus `years` − 1 further years (default 3 in all, up to 10)."""
    return baseline_projection(prepare_projection(inputs, years, assumptions, params=params, result=result))


_BASELINES: weakref.WeakKeyDictionary[ProjectionBase, Projection] = weakref.WeakKeyDictionary()


def baseline_projection(base: ProjectionBase) -> Projection:
    """不加冲击的多年预测 (the deterministic projection of a starting point), kept with that starting point: the
    multi-year projection and the risk run's baseline are one computation."""
    kept = _BASELINES.get(base)
    if kept is None:
        kept = _BASELINES[base] = roll_forward(base)
    return kept
