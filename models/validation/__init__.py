"""校验规则 — the input validation rule set (政策性、逻辑性校验规则).

:func:`validate` checks a :class:`~models.inputs.BudgetInputs` (and its sharing options) as pure data
and returns every problem as an :class:`Issue`: rule id, severity, the input table, the 0-based row
in that table's DataFrame, the column code and unit, and a Chinese message saying what to fix.
`wibudget check` and the GS_CHECK UDF map each issue to a sheet and cell (addin.workbook.check, addin.workbook.cells).
:data:`RULES` lists every rule with its severity and a one-line description.

Numbers and text: at this level a number is an int or float. Text such as "1,234", "12%" or
full-width digits is converted by the workbook reader and the UDF cell coercion (addin.workbook.coerce)
before it reaches the engine; any text left in a numeric column here — including such numeric
text — is reported (V103, or V105 for an Excel error value such as #N/A), never guessed at.

Order of work: cell-level checks, unit coverage, years, balance identity, plausibility and policy
checks (warnings), options; then, when nothing so far is an error, the engine itself is run
(`models.budget.run_budget`) so that any input it would still refuse is reported (V801) and the
checks that need its estimates (base-year effective rate, prevention cap) can be made.

A step that reads only some input tables is kept by their content (`models.validation.memo`): after a user edits
one table, only the steps that read it run again; the others add their findings again, in the same order, so
the result is that of a run from scratch.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from models.inputs import COLUMNS, BudgetInputs
from models.parameter_set import ParameterSet
from models.validation import memo
from models.validation.assumptions import (
    budget_year_of,
    check_assumptions,
    check_prior_budget,
    load_params_for,
)
from models.validation.cells import check_table
from models.validation.names import name_warnings
from models.validation.options import check_options, engine_checks
from models.validation.plausibility import (
    change_warnings,
    expansion_warnings,
    rate_warnings,
    unit_slips,
    wage_warnings,
)
from models.validation.rules import (  # noqa: F401 - the public names of this package
    ERROR,
    MAX_PER_COLUMN,
    RULES,
    SEVERITY_LABELS,
    WARNING,
    Findings,
    Issue,
    Rule,
    rules_table,
)
from models.validation.units_years import (
    check_balance,
    check_history_years,
    check_per_unit,
    check_province_years,
    check_units,
)

# ---------------------------------------------------------------- entry point


def _checked_table(inputs: BudgetInputs, table: str, key: bytes | None, f: Findings) -> pd.DataFrame | None:
    """`check_table`, kept by the table's content (its findings added again on a later run); the tables derived
    from the clean copy are kept with it (`units_years.unique_rows`)."""
    tape = memo.table_step(table, key, lambda: check_table(inputs, table, f), f)
    if tape.value is not None:
        f.memo[("derived", id(tape.value))] = (tape.value, tape.derived)
    return tape.value


def validate(inputs: BudgetInputs, options: list[dict] | None = None,
             params: ParameterSet | None = None, *, result: Any = None) -> list[Issue]:
    """校验输入: every rule of :data:`RULES` that applies to pure data; errors first, then warnings.

    `options` defaults to ``inputs.options``; `params` to the packaged parameters of
    ``inputs.province_code``. Never raises for bad input: every problem is an :class:`Issue`.
    """
    f = Findings()
    opts = list(inputs.options or []) if options is None else list(options)
    check_assumptions(inputs, f)
    params = load_params_for(inputs, params, f)
    f.table_keys = {t: memo.content_key(getattr(inputs, t, None)) for t in (*COLUMNS, "prior_budget")}
    clean = {t: _checked_table(inputs, t, f.table_keys[t], f) for t in COLUMNS}
    names = check_units(clean, f)
    known = tuple(names)
    for table in ("plans", "beneficiaries"):
        memo.step(f, "per_unit", (table,), (table, known), lambda table=table: check_per_unit(clean, table, names, f))
    year = budget_year_of(inputs)
    b = year - 1 if year is not None else 0
    if year is not None:
        first, b = memo.step(f, "history_years", ("history",), (known, year),
                             lambda: check_history_years(inputs, clean, names, f))
        memo.step(f, "province_years", ("province_history",), (first, b),
                  lambda: check_province_years(clean, first, b, f))
        memo.step(f, "balance", ("history", "province_history"), (known, b), lambda: check_balance(clean, names, b, f))
        unit_slips(inputs, clean, names, b, f)
        # reads the V405 flags of the history slips, a function of the same history and units
        memo.step(f, "changes", ("history",), (known, b), lambda: change_warnings(clean, names, b, f))
        memo.step(f, "expansion", ("plans", "history"), (b,), lambda: expansion_warnings(clean, b, f))
        rate_warnings(clean, names, params, b, f)
        wage_warnings(inputs, clean, params, year, f)
    check_prior_budget(inputs, f)
    name_warnings(inputs.units if isinstance(inputs.units, pd.DataFrame) else None, opts, f)
    f.table_keys["options"] = memo.content_key(opts)
    memo.step(f, "options", ("units", "options"), (), lambda: check_options(opts, clean, f))
    if not f.has_errors and params is not None and year is not None:
        engine_checks(inputs, opts, params, b, f, result)
    return f.result()
