"""UDF 数据检查 — GS_CHECK: the findings of `addin.workbook.check` for the seven input ranges, as a fixed-size table.

A thin adapter: the ranges are placed back on their sheets (`udf_inputs.sheets_from_ranges`, the same
as every table UDF) and checked by `addin.workbook.check.check_sheets` — the cell scan, the workbook reader and
`models.validation.validate`, each finding on its sheet and cell — so GS_CHECK and `wibudget check`
report the same rules at the same cells. Nothing is judged here. When every cell passes and the reader
accepts the tables (the usual state while a user works), the check's steps are taken on the inputs the
engine already read instead of reading the tables a second time (`_read_cleanly`).

A legacy array formula has a fixed size while the number of findings varies, so the table always has
CHECK_ROWS rows under its header: blank rows (shown empty) pad it, and when there are more findings the
last row says how many are not listed. A clean input gives one row saying 未发现问题.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from addin.excel import inputs as udf_inputs
from addin.excel.outside import outside_findings, share_table_findings
from addin.excel.tables import Table
from addin.workbook import check, reader, safe_open
from addin.workbook.cells import SheetLocator
from models.errors import BudgetInputError
from models.validation import validate

CHECK_ROWS = 30                 # findings shown under the header (errors first)
CLEAN = "未发现问题"


def findings(ranges: Sequence[Any]) -> list[check.Finding]:
    """Every finding for the seven input ranges, errors first (cached until an input changes).

    The inputs the engine read (`udf_inputs.parsed`) and its run come from the caches the table functions
    fill: one recalculation reads the inputs once and runs the engine once."""
    key = udf_inputs.cache_key(ranges)

    def run() -> list[check.Finding]:
        try:
            sheets = udf_inputs.sheets(ranges, key)
        except BudgetInputError as exc:           # a range that is empty or missing: one finding, not a cell error
            return [check.reader_finding(exc)]
        engine = lambda: udf_inputs.CACHE.result(ranges, key)     # noqa: E731 - the run the tables share
        found = _read_cleanly(ranges, key, sheets, engine)
        return check.check_sheets(sheets, result=engine) if found is None else found
    return udf_inputs.derived("check", ranges, (), run, key)


def _read_cleanly(ranges: Sequence[Any], key: udf_inputs.Key, sheets: dict[str, list[list[Any]]],
                  engine: Callable[[], Any]) -> list[check.Finding] | None:
    """`check.check_sheets` when every cell passes and the reader accepts every table — the common case —
    on the inputs the engine already read (no second read of the tables); None otherwise (then the whole
    check runs, which reports each table's own problems).

    check_sheets on such inputs: the cell scan finds nothing, every table reads, and the findings are the
    validation issues of the inputs the reader made, placed on their cells, errors first."""
    trimmed = {name: check.trim_rows(rows) for name, rows in sheets.items()}
    if any(len(rows) > safe_open.DEFAULT_LIMITS.max_rows for rows in trimmed.values()):
        return None
    try:
        inputs, options = udf_inputs.parsed(ranges, key)
    except BudgetInputError:
        return None
    placed = dict(zip(udf_inputs.INPUT_TABLES, key, strict=True)) if len(key) == len(udf_inputs.INPUT_TABLES) else {}
    if not check.cells_pass(trimmed, placed):          # a sheet scanned clean before is not scanned again
        return None
    result = None
    with contextlib.suppress(BudgetInputError):      # refused: validation runs it and reports V801
        result = engine()
    issues = validate(inputs, options, None, result=result)
    return check._sorted(check.place_issues(issues, SheetLocator(trimmed), options))


def check_table(ranges: Sequence[Any], rows: int = CHECK_ROWS, *, outside: Any = None, tables: Any = None) -> Table:
    """检查结果表: 规则, 级别, 位置 (sheet!cell), 单位, 说明 — `rows` rows under the header, padded. `outside`: the
    counts of non-blank cells outside each input range, `tables`: the number of 缺口分担 tables
    (`addin.excel.outside`); their findings come first."""
    shown = [replace(f, message=reader.without_formula_hint(f.message)) for f in findings(ranges)]
    table = check.findings_table([*outside_findings(ranges, outside), *share_table_findings(ranges, tables), *shown])
    header, body = table[0], table[1:]
    width = len(header)
    if not body:
        body = [[None] * (width - 1) + [CLEAN]]
    if len(body) > rows:
        hidden = len(body) - rows + 1
        body = body[:rows - 1] + [[None] * (width - 1)
                                  + [f"另有 {hidden} 条未列出（已按先错误、后提示排列）：请用命令行 wibudget check 查看全部"]]
    body = [[v if v != "" else None for v in r] for r in body]
    return [header, *body, *([None] * width for _ in range(rows - len(body)))]
