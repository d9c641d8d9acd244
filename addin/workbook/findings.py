"""检查结果 (findings) — one finding of `wibudget check` / GS_CHECK, the findings table, the refusal of the
reader or engine as a finding at its cell, the file-level warnings (hidden data, external links) and
trimming oversized ranges to their data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from addin.workbook import coerce, layout, safe_open
from addin.workbook.cells import CellRef, SheetLocator, locate_error
from models.errors import BudgetInputError
from models.validation import ERROR, RULES, SEVERITY_LABELS

FINDING_HEADERS: tuple[str, ...] = ("规则", "级别", "位置", "单位", "说明")
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
    """The rule a refusal falls under: the rule the raiser recorded on the error (never its wording)."""
    if isinstance(exc, safe_open.WorkbookFileError):
        return "V002" if exc.reason == safe_open.LIMIT else "V001"
    return exc.rule if exc.rule in RULES else "V004"


def _strip_address(text: str) -> str:
    """The message without the leading '历年执行!F12 ' the reader puts in front."""
    return _ADDRESS_IN_TEXT.sub("", text, count=1).strip() if _ADDRESS_IN_TEXT.match(text) else text


def reader_finding(exc: BudgetInputError, sheet: str | None = None, locator: SheetLocator | None = None,
                   options: Sequence[dict] = ()) -> Finding:
    """One finding for a refusal of the reader, of safe_open or of the engine, at the cell it names
    (:func:`addin.workbook.cells.locate_error`: the error's recorded cell, table/row/column or parameter)."""
    if isinstance(exc, safe_open.WorkbookFileError):
        where = CellRef(exc.sheet)
    else:
        where = locate_error(exc, locator, options)
        if where.sheet is None and sheet is not None:
            where = _sheet_anchor(sheet)
    message = _strip_address(exc.message)
    if exc.field and not exc.field.isascii() and exc.field not in ("文件", "工作表") and exc.field not in message:
        message = f"“{exc.field}”{message}"
    if exc.unit and str(exc.unit) not in message:
        message = f"{exc.unit}：{message}"
    rule = _reader_rule(exc)
    if rule == "V503":
        factors = "、".join(f"{v}" for v in layout.WEIGHT_FACTORS.values())
        message = f"“{exc.value}”不是可用的分担因素，可用：{factors}"
    elif exc.value is not None and exc.field not in ("文件",) and not isinstance(exc.value, tuple | list | dict) \
            and str(exc.value) not in message and not str(exc.value).isascii():
        message = f"{message}（{exc.value}）"
    return _finding(rule, message, where, exc.unit)


def _sheet_anchor(sheet: str) -> CellRef:
    """The first table's header cell on `sheet` (the sheet alone if it holds no input table)."""
    anchors = [t.anchor for t in layout.TABLES.values() if t.sheet == sheet]
    return CellRef(sheet, anchors[0] if anchors else None)


def _blank_row(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row) \
        or all(coerce.is_blank(v) for v in row)


def trim_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows up to the last one with any value: an oversized range (A1:M200000) is read only as far as
    it holds data, so the check's time follows the data, not the selection."""
    end = len(rows)
    while end and _blank_row(rows[end - 1]):
        end -= 1
    return rows if end == len(rows) else rows[:end]


def trim_range(value: Any) -> Any:
    """A range value (rows of cells) without its trailing blank rows; any other value unchanged."""
    if isinstance(value, list) and value and all(isinstance(r, list | tuple) for r in value):
        return trim_rows(value)
    return value


def file_warnings(info: safe_open.WorkbookInfo) -> list[Finding]:
    """隐藏与外部链接 (V407–V409): data the user may not see, and values cached from other workbooks."""
    out: list[Finding] = []
    for sheet in layout.INPUT_SHEETS:
        if sheet in info.hidden_sheets:
            out.append(_finding("V408", f"工作表“{sheet}”被隐藏，其中的数据会照常用于测算：请取消隐藏并核对",
                                _sheet_anchor(sheet)))
        size = info.sizes.get(sheet)
        if size is None:
            continue
        for row in size.hidden_rows:
            out.append(_finding("V407", f"第{row}行被隐藏，但其中有数据，测算会照常使用：请取消隐藏并核对该行",
                                CellRef(sheet, f"A{row}")))
        for cell in size.hidden_cells:
            out.append(_finding("V407", "该单元格所在的列被隐藏，但其中有数据，测算会照常使用：请取消隐藏并核对",
                                CellRef(sheet, cell)))
        for cell in size.external_formulas:
            out.append(_finding("V409", "公式引用了其他工作簿或外部程序，读取的是上次保存时的结果：请改为数值后核对",
                                CellRef(sheet, cell)))
    if info.external_links and not any(f.rule == "V409" for f in out):
        out.append(_finding("V409", f"工作簿含有 {info.external_links} 个外部链接（其他工作簿或外部程序），"
                            "输入表的数值可能来自上次保存的链接结果：请在“数据—编辑链接”中断开链接后核对",
                            _sheet_anchor(layout.PARAMS_SHEET)))
    return out
