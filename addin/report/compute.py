"""引擎运行 (engine runs for the faces) — the one place where the outlook (projection, sensitivity, risk) is
computed from a budget result, and `draft_report`: every figure of the draft in one call.

The faces compute nothing themselves: the draft writer is handed the `DraftTables` built here, the command line
calls these functions once per command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from addin.report.outlook import DRAFT_DRAWS, OutlookTables, risk_share_table, risk_year_table, tornado_table
from addin.report.tables import DraftTables, displayed_result, draft_tables
from models.budget import BudgetResult
from models.projection import DEFAULT_YEARS, project
from models.risk import DEFAULT_SEED, draws_for_size, simulate
from models.sensitivity import sensitivity
from models.sharing import SharingOption


def draft_report(result: BudgetResult, chosen: Sequence[str] | None = None, *, outlook: bool = True,
                 risk: bool = True, draws: int | None = None) -> DraftTables:
    """草案数据 — the reconciled tables of `result` and (unless `outlook` is false) its 多年预测与风险 figures,
    whose risk run (unless `risk` is false) uses the first chosen option."""
    tables = draft_tables(result, chosen)
    if not outlook:
        return tables
    return dataclasses.replace(tables, outlook=draft_outlook(tables.result, tables.chosen[0], risk=risk, draws=draws))


def outlook_tables(result: BudgetResult, years: int = DEFAULT_YEARS, *, with_sensitivity: bool = True,
                   risk_draws: int | None = DRAFT_DRAWS, seed: int | None = DEFAULT_SEED,
                   risk_options: Sequence[SharingOption] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> OutlookTables:
    """中期展望 from a one-year budget result: projection, optionally sensitivity and a risk run.

    risk_draws None: no risk run. risk_options: the options whose shares are simulated (default: the
    result's options). Deterministic for a fixed seed.
    """
    inputs = result.inputs
    proj = project(inputs, years, result=result)
    table = proj.table(wan=True)               # its first column is the one-year tables' (one rounded chain)
    out = OutlookTables(result=result, projection=proj, table=table, assumptions=proj.assumption_table())
    if with_sensitivity:
        out.sensitivity = sensitivity(inputs, result=result)
        out.tornado = tornado_table(out.sensitivity, base_closing=float(table.loc["closing_balance", proj.years[0]]))
    if risk_draws is not None:
        opts = list(risk_options) if risk_options is not None else None
        out.risk = simulate(inputs, risk_draws, years, opts, seed=seed, result=result, progress=progress)
        out.risk_years = risk_year_table(out.risk, table)
        shown = displayed_result(result).sharing          # the 缺口分担表 of each option: the budget year
        out.risk_shares = {o.name: risk_share_table(out.risk, o.name, table=table,
                                                    first_year=shown.table(o.name) if o.name in shown.names else None)
                           for o in out.risk.options}
    return out


def draft_draws(result: BudgetResult, years: int = DEFAULT_YEARS) -> int:
    """草案风险模拟次数: as many draws as the province's size allows in the draft's time budget
    (`models.risk.draws_for_size`: 2,000 for an ordinary province, fewer — at least 200 — for thousands of units)."""
    return draws_for_size(len(result.forecast.units), 1, years, cities=len(result.context.cities))


def draft_outlook(result: BudgetResult, option: str, *, risk: bool = True, years: int = DEFAULT_YEARS,
                  draws: int | None = None, seed: int = DEFAULT_SEED) -> OutlookTables:
    """草案的中期展望: projection, sensitivity and (unless `risk` is false) a modest, seeded risk run
    whose city share bands are those of the draft's chosen `option` only (fast and reproducible); `draws`
    None: :func:`draft_draws`."""
    opt = result.sharing.options[result.sharing.option_index(option)]
    n = draft_draws(result, years) if draws is None else draws
    return outlook_tables(result, years, risk_draws=n if risk else None, seed=seed, risk_options=[opt])
