"""方案与引擎检查 (option and engine checks) — each sharing option parsed as the engine parses it (V5xx), and the
engine's own refusals of the inputs mapped to rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.errors import BudgetInputError
from models.inputs import CITY, COLUMNS, BudgetInputs
from models.parameter_set import ParameterSet
from models.sharing import FACTORS, parse_option
from models.validation.cells import cell_text, cell_texts, shown_value
from models.validation.plausibility import rate_band, rate_message
from models.validation.reachability import option_reachability
from models.validation.rules import BALANCE_TOLERANCE, MAX_MAGNITUDE, TABLE_LABELS, TABLES, Findings

# ---------------------------------------------------------------- 7. sharing options


def _option_rule(exc: BudgetInputError) -> str:
    """Which rule a refusal of parse_option falls under (from the error's field and value)."""
    key = exc.field or ""
    if key == "weights" and isinstance(exc.value, float):
        return "V502"
    if key.startswith("weights.") and key.split(".", 1)[1] not in FACTORS:
        return "V503"
    return "V501"


def check_options(options: Sequence[Any], clean: dict[str, pd.DataFrame | None], f: Findings) -> None:
    names: dict[str, int] = {}
    for k, option in enumerate(options):
        name = cell_text(option.get("name")) if isinstance(option, Mapping) else getattr(option, "name", None)
        try:
            parsed = parse_option(option)
        except BudgetInputError as exc:
            f.add(_option_rule(exc), "options", f"分担方案“{name or k + 1}”：{exc.message}",
                  row=k, column=exc.column or exc.field, unit=None,
                  value=shown_value(exc.value) if exc.value is not None else None)
            continue
        except (TypeError, ValueError, AttributeError, KeyError):   # a value of a type parse_option cannot read
            f.add("V501", "options", f"分担方案“{name or k + 1}”：有设置的取值类型无法识别（如在应填代码或数值处填了"
                  "列表或表），请按方案格式填写", row=k)
            continue
        if parsed.name in names:
            f.add("V504", "options", f"分担方案代码“{parsed.name}”与第{names[parsed.name] + 1}个方案重复，请改用不同的代码",
                  row=k, column="name", value=parsed.name)
            continue
        names[parsed.name] = k
        fixed = option.get("fixed_amount") if isinstance(option, Mapping) else getattr(option, "fixed_amount", None)
        if isinstance(fixed, int | float) and not isinstance(fixed, bool) and abs(fixed) > MAX_MAGNITUDE:
            f.add("V106", "options", f"分担方案“{parsed.name}”的固定分担金额为 {fixed:.3g} 元，大得不合常理（超过 "
                  f"{MAX_MAGNITUDE:.0e}）：请核对单位和数值", row=k, column="fixed_amount", value=fixed)
            continue
        needs_fiscal = "fiscal_capacity" in parsed.factors_used or parsed.cap_basis == "fiscal_capacity"
        units = clean.get("units")
        if not needs_fiscal or units is None:
            continue
        if "fiscal_revenue" not in units.columns:
            f.add("V505", "units", f"分担方案“{parsed.name}”使用财力（一般公共预算收入），但单位表没有“一般公共预算收入”列，"
                  "请补上", column="fiscal_revenue")
            continue
        blank = (units["kind"] == CITY).to_numpy() & ~np.isfinite(units["fiscal_revenue"].to_numpy(dtype=float))
        for i in np.flatnonzero(blank):          # cities without 一般公共预算收入
            unit = units["unit"].iloc[i]
            f.add("V505", "units", f"分担方案“{parsed.name}”使用财力（一般公共预算收入），但{unit}的该项为空，"
                  "请补填（元）", row=int(units.index[i]), column="fiscal_revenue", unit=unit)


# ---------------------------------------------------------------- 8. the engine as the last check


_HEADER_CODES: dict[str, dict[str, str]] = {t: {v: k for k, v in cols.items()} for t, cols in COLUMNS.items()}


#: Engine tables named in Chinese (computed from the input tables) → the input table they come from.
_DERIVED_TABLES: dict[str, str] = {"分担依据": "plans", "清算": "options", "清算规则": "options"}


def engine_error_position(exc: BudgetInputError, options: Sequence[Any] = ()) -> tuple[str, int | None, str]:
    """(input table, row, column code) of an engine refusal, from the error's structured position.

    A parameter code sits on the 参数 sheet; a statutory parameter (ParameterError) on 预算年度, whose
    date selects it; an engine table named in Chinese goes back to the input table it is computed from.
    """
    from models.errors import ParameterError

    if exc.parameter:
        return "assumptions", None, exc.parameter
    head = str(exc.table or "").split(" ")[0]
    labels = {v: k for k, v in TABLE_LABELS.items()}
    table = head if head in TABLES else labels.get(head) or _DERIVED_TABLES.get(head)
    if isinstance(exc, ParameterError) or table is None:
        return "assumptions", None, "budget_year"
    column = exc.column
    if column is None and exc.field in _HEADER_CODES.get(table, {}):
        column = _HEADER_CODES[table][exc.field]
    if table == "options":
        names = [str(o.get("name")) if isinstance(o, dict) else str(getattr(o, "name", "")) for o in options]
        parts = str(exc.table or "").split(" ", 1)
        name = parts[1] if len(parts) == 2 else exc.value
        row = exc.row if exc.row is not None else (names.index(str(name)) if str(name) in names else None)
        return "options", row, column or "name"
    if table == "assumptions":
        return table, None, column or "budget_year"
    return table, exc.row, column or "unit"


def engine_checks(inputs: BudgetInputs, options: Sequence[Any], params: ParameterSet, b: int,
                   f: Findings, result: Any = None) -> None:
    """Run the engine (or take its `result` for these inputs, already computed): a refusal is V801; its
    estimates feed the base-year rate and prevention cap checks."""
    from models.benefits import prevention_cap
    from models.budget import run_budget

    try:
        if result is None:
            result = run_budget(inputs, list(options) or None, params=params)
    except BudgetInputError as exc:
        table, row, column = engine_error_position(exc, options)
        f.add("V801", table, f"测算无法进行：{exc.describe()}", row=row, column=column, unit=exc.unit,
              value=shown_value(exc.value) if exc.value is not None else None)
        return
    for i in option_reachability(options, result.context):
        f.add(i.rule, i.table, i.message, row=i.row, column=i.column, value=i.value)
    fc = result.forecast
    band = rate_band(params, b)
    rates = np.asarray(fc.drivers["effective_rate"], dtype=float)
    history: list = []                # the history table's years, months and units, read at the first rate outside
    for k, name in enumerate(fc.units):
        if band is None or band[0] <= rates[k] <= band[1]:
            continue
        if not history:
            hist = inputs.history.reset_index(drop=True)
            history += [hist, pd.to_numeric(hist["year"], errors="coerce"), pd.to_numeric(hist["months"], errors="coerce"),
                        cell_texts(hist["unit"])]
        hist, years, months, units = history
        rows = [i for i in range(len(hist)) if units[i] == name and years.iloc[i] == b]
        i = max(rows, key=lambda j: months.iloc[j]) if rows else None
        if i is not None and f.flagged("V405", "history", i, items.PREMIUM):
            continue
        f.add("V403", "history", rate_message(name, f"{b}年（预计执行数）", float(rates[k]), band), row=i,
              column=items.PREMIUM, unit=name, value=float(rates[k]))
    on = dt.date(int(inputs.budget_year), 1, 1)
    premium_b = float(np.asarray(fc.estimate[items.PREMIUM]).sum())
    plan_total = float(np.nansum(np.asarray(fc.drivers["prevention_plan"], dtype=float)))
    cap = float(np.asarray(prevention_cap(premium_b, params, on)))
    if plan_total > cap + BALANCE_TOLERANCE:
        ratio = cap / premium_b if premium_b > 0 else 0.0
        f.add("V406", "plans", f"各单位工伤预防费计划合计 {plan_total / 1e4:,.2f} 万元，超过上限 {cap / 1e4:,.2f} 万元"
              f"（{b}年保险费收入预计 {premium_b / 1e4:,.2f} 万元 × {ratio:.0%}），测算时将按比例压减：请按上限调整计划",
              column="prevention_plan", value=plan_total)


