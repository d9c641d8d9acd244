"""单元格检查 (the data check's cell scan) — every cell of the column tables (历年执行, 省级收支, 上年预算数, 扩面计划,
待遇人员) checked with the workbook reader's own cell rules, so that *all* bad cells are listed, not just the first
the reader stops at (V101–V107, each on its sheet and cell, at most MAX_PER_COLUMN per column).

GS_CHECK asks only whether every cell passes (:func:`cells_pass`): a table whose sheet holds the same ranges as
when it last passed is not scanned again.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections import Counter
from collections.abc import Hashable, Mapping
from typing import Any

from addin.workbook import coerce, coerce_tables, layout, reader
from addin.workbook.cells import CellRef, split_address
from addin.workbook.findings import Finding, _finding, reader_finding
from models.errors import BudgetInputError
from models.validation import MAX_PER_COLUMN, RULES
from models.validation.rules import MAX_MAGNITUDE, read_limits

#: Column tables whose every cell is checked before the reader runs.
SCANNED_TABLES: tuple[str, ...] = ("history", "province_history", "prior_budget", "plans", "beneficiaries")


# ---------------------------------------------------------------- cell scan


def _cell_rule(raw: Any, spec: layout.Column) -> str:
    """Which rule a cell the reader would refuse breaks, judged from its raw value and column spec."""
    if coerce.excel_error(raw):
        return "V105"
    if coerce.is_blank(raw):
        return "V102"
    if spec.kind in (layout.CHOICE, layout.BOOL):
        return "V107"
    if spec.numeric:
        try:
            x = coerce.to_float(raw)
        except BudgetInputError:
            return "V103"
        if spec.kind == layout.INT and x != round(x):
            return "V106"
        if spec.minimum is not None and x < spec.minimum:
            return "V104" if spec.minimum == 0 else "V106"
        if spec.maximum is not None and x > spec.maximum:
            return "V106"
    return "V004"


class _Capped:
    """At most MAX_PER_COLUMN findings per (rule, sheet, column letter); the rest counted."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._count: Counter[tuple] = Counter()
        self._first: dict[tuple, Finding] = {}

    def add(self, finding: Finding) -> None:
        key = (finding.rule, finding.sheet, re.sub(r"\d", "", finding.cell or ""))
        self._count[key] += 1
        if self._count[key] <= MAX_PER_COLUMN:
            self.findings.append(finding)
            self._first.setdefault(key, finding)

    def result(self) -> list[Finding]:
        out = list(self.findings)
        for key, n in self._count.items():
            if n > MAX_PER_COLUMN:
                first = self._first[key]
                out.append(Finding(first.rule, first.severity, first.sheet, None, None,
                                   f"同一列另有 {n - MAX_PER_COLUMN} 处同类问题（{RULES[first.rule].title}）未逐一列出，"
                                   "请一并检查"))
        return out


def _scan_table(rows: list[list[Any]], table: layout.TableLayout, out: _Capped, cache: dict | None = None) -> None:
    """Every cell of one column table, checked as the reader checks it; problems go to `out`."""
    try:
        block, position = reader._table_block(rows, table, cache)
    except BudgetInputError as exc:   # the table is not where it should be: name its anchor
        out.add(_placed(reader_finding(exc, table.sheet), CellRef(table.sheet, table.anchor)))
        return
    numbers, rows, columns = coerce_tables.table_body(block, cache)   # the reader skips blank rows in and below
    body = block[1:numbers[-1] + 1] if numbers else []                # the table
    try:
        found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, position=position, body=body)
    except BudgetInputError as exc:   # a header is wrong or a column missing: name where it should be
        finding = reader_finding(exc, table.sheet)
        out.add(finding if finding.cell else _placed(finding, _missing_column_cell(block, position, table)))
        return
    bad: list[tuple[int, int, str, int, layout.Column, Any, BudgetInputError]] = []
    for k, (code, j) in enumerate(found.items()):
        spec = table.column(code)
        cells = columns[j]
        slow = coerce_tables.plain_column(cells, spec, limits=False)[1]          # cells not plainly fine …
        if spec.kind == layout.INT:
            slow = [i for i in slow if not _whole_float(cells[i], spec)]
        for i in slow:                                                            # … one by one
            try:
                coerce.coerce_cell(cells[i], spec, table=table.sheet)
            except BudgetInputError as exc:
                bad.append((i, k, code, j, spec, cells[i], exc))
    unit_j = found.get("unit")
    for i, _, code, j, spec, raw, exc in sorted(bad, key=lambda b: (b[0], b[1])):   # row by row, as the sheet reads
        row = rows[i]
        unit = row[unit_j] if unit_j is not None and unit_j < len(row) and isinstance(row[unit_j], str) else None
        who = f"{unit.strip()}的" if unit and code != "unit" else ""
        rule = exc.rule if exc.rule in RULES else _cell_rule(raw, spec)
        out.add(_finding(rule, f"{who}“{spec.header}”{exc.message}",
                         split_address(position(numbers[i], j)), unit.strip() if unit else None))


def _whole_float(value: Any, spec: layout.Column) -> bool:
    """A float holding a whole number that `coerce.coerce_cell` takes as it is (an Excel year or month count arrives
    as 2024.0): finite, not beyond MAX_MAGNITUDE, within the read-time limits and the column's own bounds."""
    if type(value) is not float or not value.is_integer() or abs(value) > MAX_MAGNITUDE:
        return False
    low, high = read_limits(spec.code)
    return (low <= value <= high and (spec.minimum is None or value >= spec.minimum)
            and (spec.maximum is None or value <= spec.maximum))


def _placed(finding: Finding, where: CellRef) -> Finding:
    """The finding at `where` when the reader named no cell."""
    if finding.cell is not None:
        return finding
    return Finding(finding.rule, finding.severity, where.sheet, where.cell, finding.unit, finding.message)


def _missing_column_cell(block: list[list[Any]], position: Any, table: layout.TableLayout) -> CellRef:
    """Where a missing column should be: the first header the reader did not recognise, else the
    cell just right of the table's last header (where the table stops)."""
    header = block[0]
    try:
        known = coerce_tables.header_positions(header, table.columns, table=table.sheet, required=[], position=position)
    except BudgetInputError:
        known = {}
    unknown = [j for j, h in enumerate(header) if not coerce.is_blank(h) and j not in known.values()]
    return split_address(position(0, unknown[0] if unknown else len(header)))


def scan_cells(sheets: dict[str, list[list[Any]]], failed: set[str] | None = None) -> list[Finding]:
    """单元格检查: all bad cells of the column tables (the reader stops at the first one).

    Each table is scanned on its own; the keys of tables with an error are added to `failed`.
    """
    out = _Capped()
    for key in SCANNED_TABLES:
        table = layout.TABLES[key]
        if table.sheet in sheets:
            before = sum(out._count.values())
            _scan_table(sheets[table.sheet], table, out, reader.sheet_cache(sheets))
            if failed is not None and sum(out._count.values()) > before:
                failed.add(key)
    return out.result()


#: (table, digest of the ranges on its sheet) of tables scanned without a finding, oldest first (GS_CHECK).
_PASSED: dict[tuple[str, bytes], bool] = {}


def forget_passed() -> None:
    """Forget which tables passed the scan (every table is scanned again)."""
    _PASSED.clear()


def cells_pass(sheets: dict[str, list[list[Any]]], placed: Mapping[str, Hashable]) -> bool:
    """Whether :func:`scan_cells` finds nothing in `sheets`. `placed` gives the content key of each table's range
    (by table key) when the sheets were made of ranges (GS_CHECK): a table whose sheet holds the same ranges as
    when it was last scanned without a finding is not scanned again (a table with a finding is always scanned)."""
    for key in SCANNED_TABLES:
        table = layout.TABLES[key]
        on_sheet = [k for name, k in placed.items() if layout.TABLES[name].sheet == table.sheet]
        mark = (key, hashlib.blake2b(pickle.dumps(on_sheet), digest_size=32).digest())
        if table.sheet in sheets and not (on_sheet and _PASSED.pop(mark, False)):
            out = _Capped()
            _scan_table(sheets[table.sheet], table, out, reader.sheet_cache(sheets))
            if out.result():
                return False
        if on_sheet and table.sheet in sheets:
            _PASSED[mark] = True                      # newest last; beyond four versions per table, the oldest go
            for old in list(_PASSED)[:-4 * len(SCANNED_TABLES)]:
                _PASSED.pop(old, None)
    return True
