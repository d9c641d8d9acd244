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

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from addin.workbook import coerce, coerce_tables, layout, reader, safe_open
from addin.workbook.cells import CellRef, SheetLocator, split_address, template_cell
from addin.workbook.sheet_values import load_sheet_rows
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.validation import ERROR, MAX_PER_COLUMN, RULES, SEVERITY_LABELS, Issue, validate

log = logging.getLogger(__name__)

FINDING_HEADERS: tuple[str, ...] = ("规则", "级别", "位置", "单位", "说明")
#: Column tables whose every cell is checked before the reader runs.
SCANNED_TABLES: tuple[str, ...] = ("history", "province_history", "prior_budget", "plans", "beneficiaries")
_ADDRESS_IN_TEXT = re.compile(r"(?P<address>[^\s!：，:（）()]+![A-Z]{1,3}\d+)(?::[A-Z]{1,3}\d+)?")


@dataclass(frozen=True)
class Finding:
    """一条检查结果: rule id, severity (error/warning), sheet and cell, unit, Chinese message."""

    rule: str
    severity: str
    sheet: str | None
    cell: str | None
    unit: str | None
    message: str

    @property
    def location(self) -> str:
        """'历年执行!F12', or the sheet alone, or ''."""
        return str(CellRef(self.sheet, self.cell))

    @property
    def title(self) -> str:
        return RULES[self.rule].title

    def as_row(self) -> list[str]:
        """One row of the findings table (see :data:`FINDING_HEADERS`)."""
        return [self.rule, SEVERITY_LABELS[self.severity], self.location, self.unit or "", self.message]


def findings_table(findings: Sequence[Finding]) -> list[list[str]]:
    """检查结果表 (for GS_CHECK and CSV): the header row, then one row per finding."""
    return [list(FINDING_HEADERS), *(f.as_row() for f in findings)]


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (the check command then exits non-zero)."""
    return any(f.severity == ERROR for f in findings)


def _finding(rule: str, message: str, where: CellRef | None = None, unit: Any = None) -> Finding:
    where = where or CellRef(None)
    return Finding(rule, RULES[rule].severity, where.sheet, where.cell, None if unit is None else str(unit),
                   message)


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: 0 if f.severity == ERROR else 1)


# ---------------------------------------------------------------- reader refusals → rules


def _reader_rule(exc: BudgetInputError) -> str:
    """The rule a refusal of the workbook reader falls under (its wording is addin.workbook.coerce's)."""
    text = exc.message
    if isinstance(exc, safe_open.WorkbookFileError):
        return "V002" if exc.reason == safe_open.LIMIT else "V001"
    if "缺少工作表" in text:
        return "V003"
    if exc.field == "文件":
        return "V001"
    if "方案代码" in text and "重复" in text:
        return "V504"
    if "权重合计" in text:
        return "V502"
    if "未知的代码" in text:
        return "V503" if str(exc.value or "").startswith("weight.") else "V004"
    checks = (
        (("找不到表", "缺少列", "表头", "出现了两次", "参数表缺少"), "V101"),
        (("重复",), "V201"),
        (("错误值",), "V105"),
        (("为空",), "V102"),
        (("不是数字", "须为整数", "逻辑值", "日期", "不是有限数值"), "V103"),
        (("不能小于 0",), "V104"),
        (("不能小于", "不能大于"), "V106"),
        (("须为", "下拉"), "V107"),
        (("只能填一种", "请同时", "请填写"), "V501"),
    )
    for words, rule in checks:
        if any(w in text for w in words):
            return rule
    return "V004"


def _strip_address(text: str) -> str:
    """The message without the leading '历年执行!F12 ' the reader puts in front."""
    return _ADDRESS_IN_TEXT.sub("", text, count=1).strip() if _ADDRESS_IN_TEXT.match(text) else text


def reader_finding(exc: BudgetInputError, sheet: str | None = None) -> Finding:
    """One finding for a refusal of the reader (or of safe_open), at the cell it names."""
    m = _ADDRESS_IN_TEXT.search(exc.message)
    where = split_address(m.group("address")) if m else CellRef(getattr(exc, "sheet", None) or sheet
                                                                or _known_sheet(exc.table))
    message = _strip_address(exc.message)
    if exc.field and not exc.field.isascii() and exc.field not in ("文件", "工作表") and exc.field not in message:
        message = f"“{exc.field}”{message}"
    if exc.unit and str(exc.unit) not in message:
        message = f"{exc.unit}：{message}"
    rule = _reader_rule(exc)
    if rule == "V503":
        factors = "、".join(f"weight.{k}（{v}）" for k, v in layout.WEIGHT_FACTORS.items())
        message = f"“{exc.value}”不是可用的分担因素，可用：{factors}"
    elif exc.value is not None and exc.field not in ("文件",) and str(exc.value) not in message:
        message = f"{message}（{exc.value}）"
    return _finding(rule, message, where, exc.unit)


def _known_sheet(name: str | None) -> str | None:
    return name if name in layout.INPUT_SHEETS else None


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


_FAST_KINDS = (layout.MONEY, layout.NUMBER, layout.PERSONS, layout.RATE)


def _plain_number_ok(raw: Any, spec: layout.Column) -> bool:
    """A plain finite number within the column's bounds: what coerce_cell accepts as is (fast path)."""
    if spec.kind == layout.INT and type(raw) is int and raw not in coerce.COM_ERROR_CODES:   # 年度、月数
        return (spec.minimum is None or raw >= spec.minimum) and (spec.maximum is None or raw <= spec.maximum)
    if type(raw) not in (int, float) or spec.kind not in _FAST_KINDS or not math.isfinite(raw):
        return False
    return (spec.minimum is None or raw >= spec.minimum) and (spec.maximum is None or raw <= spec.maximum)


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


def _scan_table(rows: list[list[Any]], table: layout.TableLayout, out: _Capped) -> None:
    """Every cell of one column table, checked as the reader checks it; problems go to `out`."""
    try:
        block, position = reader._table_block(rows, table)
    except BudgetInputError as exc:   # the table is not where it should be: name its anchor
        out.add(_placed(reader_finding(exc, table.sheet), CellRef(table.sheet, table.anchor)))
        return
    body = block[1:]
    while body and all(coerce.is_blank(v) for v in body[-1]):
        body.pop()
    try:
        found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, position=position, body=body)
    except BudgetInputError as exc:   # a header is wrong or a column missing: name where it should be
        finding = reader_finding(exc, table.sheet)
        out.add(finding if finding.cell else _placed(finding, _missing_column_cell(block, position, table)))
        return
    unit_j = found.get("unit")
    specs = [(code, j, table.column(code)) for code, j in found.items()]
    for i, row in enumerate(body, start=1):
        if all(coerce.is_blank(v) for v in row):
            where = split_address(position(i, 0))
            out.add(_finding("V102", f"第{(where.cell or '').lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}行整行为空："
                             "表中间不能有空行，请删除该行", where))
            continue
        unit = row[unit_j] if unit_j is not None and unit_j < len(row) and isinstance(row[unit_j], str) else None
        for code, j, spec in specs:
            raw = row[j] if j < len(row) else None
            if _plain_number_ok(raw, spec):
                continue
            try:
                coerce.coerce_cell(raw, spec, table=table.sheet)
            except BudgetInputError as exc:
                who = f"{unit.strip()}的" if unit and code != "unit" else ""
                out.add(_finding(_cell_rule(raw, spec), f"{who}“{spec.header}”{exc.message}",
                                 split_address(position(i, j)), unit.strip() if unit else None))


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


def scan_cells(sheets: dict[str, list[list[Any]]]) -> list[Finding]:
    """单元格检查: all bad cells of the column tables (the reader stops at the first one)."""
    out = _Capped()
    for key in SCANNED_TABLES:
        table = layout.TABLES[key]
        if table.sheet in sheets:
            _scan_table(sheets[table.sheet], table, out)
    return out.result()


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


def _read_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Raw cell values of the input sheets (read-only; the file is never written), after the safe inspection."""
    safe_open.inspect_workbook(path)
    try:
        return load_sheet_rows(path, layout.INPUT_SHEETS)
    except Exception as exc:   # a damaged sheet part fails while its rows are parsed
        raise safe_open.damaged(path, exc) from None


def _missing_sheets(have: Sequence[str]) -> list[Finding]:
    listing = "、".join(have) or "（无）"
    return [_finding("V003", f"缺少工作表“{s}”（现有：{listing}）：请使用预算模板，不要改动输入表的名称", CellRef(s))
            for s in layout.INPUT_SHEETS if s not in have]


def check_sheets(sheets: dict[str, list[list[Any]]], params: ParameterSet | None = None) -> list[Finding]:
    """检查输入表的单元格值: the cell scan, the reader and validation on the five input sheets' values
    ({sheet name: rows from A1}, as `reader.inputs_from_sheets` takes them); errors first."""
    if any(s not in sheets for s in layout.INPUT_SHEETS):
        return _missing_sheets(list(sheets))
    scanned = scan_cells(sheets)
    if has_errors(scanned):
        return _sorted(scanned)
    try:
        inputs, options = reader.inputs_from_sheets(sheets)
    except BudgetInputError as exc:
        return _sorted([*scanned, reader_finding(exc)])
    issues = validate(inputs, options, params)
    return _sorted([*scanned, *place_issues(issues, SheetLocator(sheets), options)])


def _check(path: Path, limits: safe_open.Limits, params: ParameterSet | None) -> list[Finding]:
    try:
        info = safe_open.inspect_workbook(path, limits)
    except safe_open.WorkbookFileError as exc:
        return [reader_finding(exc)]
    if any(s not in info.sheets for s in layout.INPUT_SHEETS):
        return _missing_sheets(list(info.sheets))
    try:
        sheets = _read_sheets(path)
    except BudgetInputError as exc:
        return [reader_finding(exc)]
    return check_sheets(sheets, params)


def check_workbook(path: str | Path, *, limits: safe_open.Limits = safe_open.DEFAULT_LIMITS,
                   params: ParameterSet | None = None) -> list[Finding]:
    """检查工作簿: every problem of the input workbook at `path`, errors first; the file is only read.

    Never raises for a bad workbook; an unexpected failure of the check itself is reported as one
    V009 finding (and logged) rather than a traceback.
    """
    path = Path(path)
    try:
        return _check(path, limits, params)
    except Exception as exc:
        log.exception("check of %s failed", path)
        return [_finding("V009", f"检查程序内部错误（{type(exc).__name__}），请将工作簿和此信息发给维护人员")]
