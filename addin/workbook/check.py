"""工作簿检查 — `wibudget check` and GS_CHECK: every problem of an input workbook, with sheet and cell.

:func:`check_workbook` never raises for a bad workbook and never writes to it:

1. the file is inspected before any XML is parsed (`addin.workbook.safe_open`: not a zip, damaged, zip
   bomb, too many rows → V001/V002); missing input sheets are V003;
2. every cell of the column tables (历年执行, 扩面计划, 待遇人员) is checked with the reader's
   own cell rules, so that *all* bad cells are listed, not just the first (V101–V107);
3. the cell values are read with `reader.inputs_from_sheets` (what `read_inputs` does after
   loading); a refusal becomes one finding at the cell the reader names, its rule judged from
   the reader's wording (:func:`reader_finding`);
4. the inputs are validated (`models.validation.validate`) and each issue is placed on its cell.

:func:`check_sheets` runs steps 2–4 on cell values a caller already has (the GS_CHECK UDF), and
:func:`check_inputs` step 4 alone on inputs built in Python, placed on the template's cells.
Findings are sorted errors first; the rule ids are those of :data:`models.validation.RULES`, and
:func:`findings_table` gives them as a table with a header row.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import pickle
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from addin.workbook import coerce, coerce_tables, layout, reader, safe_open
from addin.workbook.cells import CellRef, SheetLocator, split_address, template_cell
from addin.workbook.findings import (  # noqa: F401 - public names of the check
    FINDING_HEADERS,
    Finding,
    _finding,
    _sheet_anchor,
    _sorted,
    file_warnings,
    findings_table,
    has_errors,
    reader_finding,
    trim_range,
    trim_rows,
)
from addin.workbook.sheet_values import load_sheet_rows
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.validation import MAX_PER_COLUMN, RULES, Issue, validate

log = logging.getLogger(__name__)

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


class _Sheets(dict):
    """The input sheets' rows during one check, with the table blocks and bodies cut from them (`cache`), so that
    the cell scan, the reader and the cell locator cut each table once."""

    def __init__(self, sheets: Mapping[str, list[list[Any]]]) -> None:
        super().__init__(sheets)
        self.cache: dict = {}


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
        for i in coerce_tables.plain_column(cells, spec, limits=False)[1]:    # cells not plainly fine, one by one
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


# ---------------------------------------------------------------- issues → findings


class TemplateLocator:
    """Cells as `write_inputs` lays the inputs out (for inputs that come from ranges, not a workbook).

    Units and plans share 扩面计划 in the order of the unit list, so their rows are found by unit.
    """

    def __init__(self, unit_order: Sequence[str] = ()) -> None:
        self.unit_order = [str(u).strip() for u in unit_order]

    def locate(self, table: str, row: int | None, column: str | None, *, unit: str | None = None,
               option: dict[str, Any] | None = None) -> CellRef:
        if table in ("units", "plans") and row is not None and unit in self.unit_order:
            row = self.unit_order.index(unit)
        return template_cell(table, row, column)


def check_inputs(inputs: BudgetInputs, options: list[dict] | None = None,
                 params: ParameterSet | None = None) -> list[Finding]:
    """校验已读入的输入 (GS_CHECK on ranges, or inputs built in Python): findings placed on the cells
    the template layout gives them; errors first."""
    opts = list(inputs.options or []) if options is None else list(options)
    units = inputs.units["unit"].tolist() if isinstance(inputs.units, pd.DataFrame) and "unit" in inputs.units else []
    issues = validate(inputs, opts, params)
    return _sorted(place_issues(issues, TemplateLocator(units), opts))


def place_issues(issues: Sequence[Issue], locator: SheetLocator | TemplateLocator,
                 options: Sequence[dict] = ()) -> list[Finding]:
    """校验结果定位: each validation issue on its sheet and cell."""
    out = []
    for issue in issues:
        option = options[issue.row] if issue.table == "options" and issue.row is not None \
            and issue.row < len(options) and isinstance(options[issue.row], Mapping) else None
        where = locator.locate(issue.table or "", issue.row, issue.column, unit=issue.unit, option=option)
        out.append(Finding(issue.rule, issue.severity, where.sheet, where.cell, issue.unit, issue.message))
    return out


def _read_sheets(path: Path, info: safe_open.WorkbookInfo | None = None) -> dict[str, list[list[Any]]]:
    """Raw cell values of the input sheets (read-only; the file is never written), after the safe inspection
    (`info`: the inspection the caller has just made of this file; made here when not given)."""
    if info is None:
        info = safe_open.inspect_workbook(path)
    try:
        return load_sheet_rows(path, layout.INPUT_SHEETS, info)
    except Exception as exc:   # a damaged sheet part fails while its rows are parsed
        raise safe_open.damaged(path, exc) from None


def _missing_sheets(have: Sequence[str]) -> list[Finding]:
    listing = "、".join(have) or "（无）"
    return [_finding("V003", f"缺少工作表“{s}”（现有：{listing}）：请使用预算模板，不要改动输入表的名称", CellRef(s))
            for s in layout.INPUT_SHEETS if s not in have]


#: Rules that look across tables: run only when every input table passed its own checks.
_CROSS_RULES = frozenset({"V202", "V203", "V204", "V301", "V302", "V303", "V305", "V306", "V401", "V402",
                          "V403", "V404", "V405", "V406", "V505", "V801"})
#: Layout table → the validation tables it holds (扩面计划 holds the unit list and the plans).
_VALIDATION_TABLES = {"params": ("assumptions",), "plans": ("units", "plans")}


def _read_tables(sheets: dict[str, list[list[Any]]], skip: set[str], locator: SheetLocator,
                 ) -> tuple[dict[str, Any], set[str], list[Finding]]:
    """Each input table read on its own (the reader's rules), so one bad table does not hide another's
    findings. Returns the parts read, the keys of tables that failed, and their findings."""
    readers = {
        "params": lambda: reader._read_params(sheets[layout.PARAMS_SHEET]),
        "history": lambda: reader._read_frame(sheets, layout.TABLES["history"]),
        "province_history": lambda: reader._read_frame(sheets, layout.TABLES["province_history"]),
        "prior_budget": lambda: reader._read_prior_budget(sheets),
        "plans": lambda: reader._read_plans(sheets),
        "beneficiaries": lambda: reader._read_frame(sheets, layout.TABLES["beneficiaries"]),
        "options": lambda: reader._read_options(sheets[layout.OPTIONS_SHEET]),
    }
    parts: dict[str, Any] = {}
    failed: set[str] = set()
    findings: list[Finding] = []
    for key, read in readers.items():
        if key in skip:
            failed.add(key)
            continue
        try:
            parts[key] = read()
        except BudgetInputError as exc:
            failed.add(key)
            findings.append(reader_finding(exc, layout.TABLES[key].sheet, locator))
    return parts, failed, findings




def _later_layer(issue: Issue, failed: set[str]) -> bool:
    """Whether a validation issue stands on tables that all passed the earlier layers."""
    bad = {v for k in failed for v in _VALIDATION_TABLES.get(k, (k,))}
    if issue.table in bad:
        return False
    return not (bad and issue.rule in _CROSS_RULES)


def check_sheets(sheets: dict[str, list[list[Any]]], params: ParameterSet | None = None, *,
                 result: Callable[[], Any] | None = None) -> list[Finding]:
    """检查输入表的单元格值: the cell scan, the reader and validation on the five input sheets' values
    ({sheet name: rows from A1}, as `reader.inputs_from_sheets` takes them); errors first.

    `result` gives the engine run already made of these sheets (GS_CHECK takes it from the UDF cache); it is
    used only when every table passed, so validation does not run the engine a second time.

    Every table is checked on its own and every finding reported in one run; the rules that look
    across tables run on the tables that passed (a bad table's own findings come first).
    """
    return _checked_sheets(sheets, params, result).findings


@dataclass(frozen=True)
class CheckedWorkbook:
    """检查并读入 (check and read): the findings of the data check and, when every input table was read without a
    refusal, the inputs and sharing options — what `reader.read_inputs` gives for the same file."""

    findings: list[Finding]
    inputs: BudgetInputs | None = None
    options: list[dict] | None = None


def _checked_sheets(sheets: dict[str, list[list[Any]]], params: ParameterSet | None,
                    result: Callable[[], Any] | None) -> CheckedWorkbook:
    if any(s not in sheets for s in layout.INPUT_SHEETS):
        return CheckedWorkbook(_missing_sheets(list(sheets)))
    sheets = _Sheets({name: trim_rows(rows) for name, rows in sheets.items()})
    too_long = [name for name, rows in sheets.items() if len(rows) > safe_open.DEFAULT_LIMITS.max_rows]
    if too_long:
        limit = safe_open.DEFAULT_LIMITS.max_rows
        return CheckedWorkbook([_finding("V002", f"工作表“{name}”有数据的行超过 {limit:,} 行（上限），请删除多余的行",
                                         CellRef(name)) for name in too_long])
    failed: set[str] = set()
    scanned = scan_cells(sheets, failed)
    locator = SheetLocator(sheets)
    parts, failed, read = _read_tables(sheets, failed, locator)
    if not {"params", "plans"} <= set(parts):
        return CheckedWorkbook(_sorted([*scanned, *read]))
    for key, empty in (("history", None), ("province_history", None), ("beneficiaries", None),
                       ("prior_budget", pd.Series(dtype=float)), ("options", [])):
        parts.setdefault(key, empty if empty is not None else pd.DataFrame())
    try:
        inputs, options = reader.assemble_inputs(parts, sheets)
    except BudgetInputError as exc:             # the 法定参数调整 table beside the parameters
        return CheckedWorkbook(_sorted([*scanned, *read, reader_finding(exc, layout.PARAMS_SHEET, locator)]))
    engine = None
    if result is not None and not failed:
        with contextlib.suppress(BudgetInputError):      # refused: validation runs it and reports V801
            engine = result()
    issues = [i for i in validate(inputs, options, params, result=engine) if _later_layer(i, failed)]
    findings = _sorted([*scanned, *read, *place_issues(issues, locator, options)])
    return CheckedWorkbook(findings, *((None, None) if failed else (inputs, options)))


def _check(path: Path, limits: safe_open.Limits, params: ParameterSet | None) -> CheckedWorkbook:
    try:
        info = safe_open.inspect_workbook(path, limits)
    except safe_open.WorkbookFileError as exc:
        return CheckedWorkbook([reader_finding(exc)])
    if any(s not in info.sheets for s in layout.INPUT_SHEETS):
        return CheckedWorkbook(_missing_sheets(list(info.sheets)))
    try:
        sheets = _read_sheets(path, info)
    except BudgetInputError as exc:
        return CheckedWorkbook([reader_finding(exc)])
    checked = _checked_sheets(sheets, params, None)
    return CheckedWorkbook(_sorted([*checked.findings, *file_warnings(info)]), checked.inputs, checked.options)


def error_text(exc: BudgetInputError, path: str | Path | None = None) -> str:
    """出错位置与说明: '历年执行!F12：…' for a refusal of reading or computing a workbook's inputs.

    The cell comes from the error's structured position (:func:`locate_error`), placed in the
    workbook at `path` when it can be read (else on the template's cells); the text never shows an
    internal table name.
    """
    locator = None
    options: list[dict] = []
    if path is not None and not isinstance(exc, safe_open.WorkbookFileError) and not exc.cell:
        try:
            sheets = _read_sheets(Path(path))
            locator = SheetLocator(sheets)
            options = reader._read_options(sheets[layout.OPTIONS_SHEET])
        except Exception:   # noqa: BLE001 - placing the message must never hide it
            log.debug("could not re-read %s to place an error", path, exc_info=True)
    finding = reader_finding(exc, None, locator, options)
    if isinstance(exc, safe_open.WorkbookFileError):
        return f"{finding.location + '：' if finding.location else ''}{exc.describe()}"
    message = finding.message if exc.cell else exc.describe()
    return f"{finding.location}：{message}" if finding.location else message


def check_workbook(path: str | Path, *, limits: safe_open.Limits = safe_open.DEFAULT_LIMITS,
                   params: ParameterSet | None = None) -> list[Finding]:
    """检查工作簿: every problem of the input workbook at `path`, errors first; the file is only read.

    Never raises for a bad workbook; an unexpected failure of the check itself is reported as one
    V009 finding (and logged) rather than a traceback.
    """
    return check_and_read(path, limits=limits, params=params).findings


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a workbook is read and checked: the check builds hundreds of thousands
    of small lists (the cells) that live until it ends, which the collector would otherwise walk again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_and_read(path: str | Path, *, limits: safe_open.Limits = safe_open.DEFAULT_LIMITS,
                   params: ParameterSet | None = None) -> CheckedWorkbook:
    """检查并读入: :func:`check_workbook` and the inputs it read, so that a command that checks a workbook before
    computing (draft, compare) inspects and reads the file once. ``inputs`` is None when a table was refused:
    `reader.read_inputs` then raises the refusal with its cell.
    """
    path = Path(path)
    try:
        with _collector_paused():
            return _check(path, limits, params)
    except Exception:
        log.exception("check of %s failed", path)
        return CheckedWorkbook([_finding("V009", "检查程序内部错误，请将工作簿和此信息发给维护人员")])
