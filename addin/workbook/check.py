"""工作簿检查 — `wibudget check` and GS_CHECK: every problem of an input workbook, with sheet and cell.

:func:`check_workbook` never raises for a bad workbook and never writes to it:

1. the file is inspected before any XML is parsed (`addin.workbook.safe_open`: not a zip, damaged, zip
   bomb, too many rows → V001/V002); missing input sheets are V003;
2. every cell of the column tables (历年执行, 扩面计划, 待遇人员) is checked with the reader's
   own cell rules, so that *all* bad cells are listed, not just the first (V101–V107; `addin.workbook.cell_scan`);
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
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from addin.workbook import layout, reader, safe_open
from addin.workbook.cell_scan import (  # noqa: F401 - the cell scan is part of the check
    SCANNED_TABLES,
    _Capped,
    _scan_table,
    cells_pass,
    scan_cells,
)
from addin.workbook.cells import CellRef, SheetLocator, template_cell
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
from models.validation import Issue, validate

log = logging.getLogger(__name__)

class _Sheets(dict):
    """The input sheets' rows during one check, with the table blocks and bodies cut from them (`cache`), so that
    the cell scan, the reader and the cell locator cut each table once."""

    def __init__(self, sheets: Mapping[str, list[list[Any]]]) -> None:
        super().__init__(sheets)
        self.cache: dict = {}


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
