"""草案全部数字 (all figures of the draft) — one call from an engine result to the draft's tables and outlook.

The draft writer computes nothing: it is handed the `DraftTables` this returns. The command line builds the same
two parts step by step (to show progress); library users and tests call `draft_report`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from addin.report.outlook import DRAFT_DRAWS, draft_outlook
from addin.report.tables import DraftTables, draft_tables
from models.budget import BudgetResult


def draft_report(result: BudgetResult, chosen: Sequence[str] | None = None, *, outlook: bool = True,
                 risk: bool = True, draws: int = DRAFT_DRAWS) -> DraftTables:
    """草案数据 — the reconciled tables of `result` and (unless `outlook` is false) its 多年预测与风险 figures,
    whose risk run (unless `risk` is false) uses the first chosen option."""
    tables = draft_tables(result, chosen)
    if not outlook:
        return tables
    return dataclasses.replace(tables, outlook=draft_outlook(result, tables.chosen[0], risk=risk, draws=draws))
