"""UDF 数据检查 — GS_CHECK: the findings of `addin.workbook.check` for the seven input ranges, as a fixed-size table.

A thin adapter: the ranges are placed back on their sheets (`udf_inputs.sheets_from_ranges`, the same
as every table UDF) and checked by `addin.workbook.check.check_sheets` — the cell scan, the workbook reader and
`models.validation.validate`, each finding on its sheet and cell — so GS_CHECK and `wibudget check`
report the same rules at the same cells. Nothing is judged here.

A legacy array formula has a fixed size while the number of findings varies, so the table always has
CHECK_ROWS rows under its header: blank rows (shown empty) pad it, and when there are more findings the
last row says how many are not listed. A clean input gives one row saying 未发现问题.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from addin.excel import inputs as udf_inputs
from addin.excel.tables import Table
from addin.workbook import check
from models.errors import BudgetInputError

CHECK_ROWS = 30                 # findings shown under the header (errors first)
CLEAN = "未发现问题"


def findings(ranges: Sequence[Any]) -> list[check.Finding]:
    """Every finding for the seven input ranges, errors first (cached until an input changes).

    The engine run comes from the cache the table functions fill (`udf_inputs.CACHE`): one recalculation runs
    the engine once."""
    key = udf_inputs.cache_key(ranges)

    def run() -> list[check.Finding]:
        try:
            sheets = udf_inputs.sheets(ranges, key)
        except BudgetInputError as exc:           # a range that is empty or missing: one finding, not a cell error
            return [check.reader_finding(exc)]
        return check.check_sheets(sheets, result=lambda: udf_inputs.CACHE.result(ranges, key))
    return udf_inputs.derived("check", ranges, (), run, key)


def check_table(ranges: Sequence[Any], rows: int = CHECK_ROWS) -> Table:
    """检查结果表: 规则, 级别, 位置 (sheet!cell), 单位, 说明 — `rows` rows under the header, padded."""
    table = check.findings_table(findings(ranges))
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
