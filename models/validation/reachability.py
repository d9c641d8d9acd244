"""分担方案可达性检查 — options whose condition or factor can never take effect (rule V506, a warning).

Two kinds of finding, both pure functions of the options (and, for the second, of the sharing context):
- a conditional province share whose branch can never apply with the option's amount basis: with
  amount = deficit (全省本年收支缺口 max(0, E − R)) and the condition “本年收支结余为正”, the amount is 0
  whenever the condition holds, so the if_true ratio is never used; likewise any management-charge
  ratio with the deficit basis is lost in every surplus year;
- a weight on a factor that is zero for every city (e.g. own gap when no city runs a gap, fiscal
  capacity left at 0): that part of the pot cannot be placed and returns to the province.

The findings are :class:`models.validation.Issue` values (table ``options``, row = the option's position).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from models.errors import BudgetInputError
from models.sharing import AMOUNTS, FACTORS, SharingContext, SharingOption, parse_option, ratio_text

RULE_ID = "V506"
RULE_TITLE = "分担方案条件或因素无法生效"
RULE_DESCRIPTION = ("方案的条件分支按其应分担缺口口径永远不会适用（如按全省本年收支缺口分担却以本年结余为正为条件），"
                    "或所用分担因素对所有设区市都为零")

#: Where each factor's values come from in the sharing context, and how a zero reads.
_FACTOR_SOURCE: dict[str, tuple[str, str]] = {
    "own_gap": ("gap", "没有支出大于收入的设区市"),
    "collections": ("collections", "各市征缴收入均为零"),
    "insured": ("insured", "各市参保人数均为零"),
    "expenditure": ("expenditure", "各市基金支出均为零"),
    "payroll": ("payroll", "各市缴费工资均为零"),
    "fiscal_capacity": ("fiscal_revenue", "各市一般公共预算收入均为零或空白"),
}


def _issue(row: int, column: str, message: str, value: Any = None):
    from models.validation import WARNING, Issue  # models.validation imports this module: import it late

    return Issue(rule=RULE_ID, severity=WARNING, table="options", row=row, column=column, unit=None,
                 message=message, value=value)


def _parsed(options: Sequence[SharingOption | Mapping[str, Any]]) -> list[tuple[int, SharingOption]]:
    out = []
    for k, option in enumerate(options):
        try:
            out.append((k, parse_option(option)))
        except (BudgetInputError, TypeError, ValueError, AttributeError, KeyError):
            continue          # reported by the option rules V501–V505
    return out


def branch_findings(options: Sequence[SharingOption | Mapping[str, Any]]) -> list:
    """Conditional branches and management charges that the amount basis makes unreachable."""
    found = []
    for k, o in _parsed(options):
        if o.amount != "deficit":
            continue
        basis = f"应分担缺口为“{AMOUNTS['deficit']}”"
        if o.alpha_basis == "surplus_positive" and o.alpha_if_true != o.alpha_if_false:
            found.append(_issue(k, "province_share.if_true",
                                f"分担方案“{o.label}”：{basis}，而本年收支结余为正时该缺口为零，"
                                f"省:市 = {ratio_text(o.alpha_if_true)} 的条件分支永远不会适用：请把应分担缺口改为"
                                f"“{AMOUNTS['city_gaps']}”，或改用固定比例", o.alpha_if_true))
        if o.management_charge_ratio > 0:
            found.append(_issue(k, "management_charge_ratio",
                                f"分担方案“{o.label}”：{basis}，本年收支有结余的年度该缺口为零，管理性缺口也随之"
                                f"不向所在市收取：如管理性缺口应由所在市全额承担，请把应分担缺口改为"
                                f"“{AMOUNTS['city_gaps']}”", o.management_charge_ratio))
    return found


def factor_findings(options: Sequence[SharingOption | Mapping[str, Any]], ctx: SharingContext) -> list:
    """Weights on a factor that is zero (or blank) for every city, in some scenario of `ctx`."""
    found = []
    for k, o in _parsed(options):
        for factor in o.factors_used:
            if factor not in _FACTOR_SOURCE:
                continue      # 平均分摊 is never zero
            field, reason = _FACTOR_SOURCE[factor]
            values = np.nan_to_num(np.asarray(getattr(ctx, field), dtype=float), nan=0.0)
            if not (values <= 0).all(axis=-1).any():
                continue
            beta = o.weight(factor)
            found.append(_issue(k, f"weights.{factor}",
                                f"分担方案“{o.label}”：分担因素“{FACTORS[factor]}”对所有设区市都为零（{reason}），"
                                f"其权重 {beta:.0%} 对应的金额无法分配，将返还省级：请核对该因素的数据或调整权重",
                                beta))
    return found


def option_reachability(options: Sequence[SharingOption | Mapping[str, Any]],
                        ctx: SharingContext | None = None) -> list:
    """V506 findings for `options`: unreachable branches always, zero factors when a context is given."""
    return branch_findings(options) + (factor_findings(options, ctx) if ctx is not None else [])
