"""UDF 重算 — find the workbook's UDF formulas and recalculate them in Python, as Excel does through xlwings.

Excel hands a UDF the values of its argument ranges; this module does the same from a workbook loaded
with openpyxl: a defined name or cell reference becomes the cell values shaped as xlwings shapes them (one
cell → a scalar, one row or column → a list, a block → a list of rows, blank → None, numbers as float),
a text or number literal stays itself, an empty argument is None. Formulas that read cells of another
UDF's result (GS_MONTHS_PAYABLE on the 收支结余 table) are evaluated after it. Used by the tests, the
benchmark (UDF calls and Python time of one full recalculation) and anyone who wants the figures of a
budget.xlsm without Excel. Only formulas that are a single GS_* call are recalculated; Excel's own
functions (title lines, INDEX captions) are left to the spreadsheet.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

from openpyxl import Workbook
from openpyxl.formula import Tokenizer
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

UDF_PREFIX = "GS_"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class FormulaCell:
    """一个公式 (one formula): its sheet, range (A4:F9 for an array formula, C30 otherwise) and text."""

    sheet: str
    ref: str
    text: str
    array: bool

    @cached_property
    def bounds(self) -> tuple[int, int, int, int]:
        """(min_col, min_row, max_col, max_row)."""
        return range_boundaries(self.ref)


@dataclass(frozen=True)
class UdfCall:
    """A formula that is one UDF call: the function name and its argument texts ('' for an empty one)."""

    cell: FormulaCell
    function: str
    args: tuple[str, ...]


def formula_cells(wb: Workbook) -> Iterator[FormulaCell]:
    """Every formula of the workbook, array formulas once with their whole range."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    yield FormulaCell(ws.title, value.ref, value.text, True)
                elif isinstance(value, str) and value.startswith("=") and cell.data_type == "f":
                    yield FormulaCell(ws.title, cell.coordinate, value, False)


def tokens(text: str) -> list[Any]:
    """openpyxl's tokens of a formula (with or without the leading '=')."""
    return Tokenizer(text if text.startswith("=") else "=" + text).items


def functions_in(text: str) -> list[str]:
    """Function names a formula calls, upper case, in order."""
    return [t.value[:-1].upper() for t in tokens(text) if t.type == "FUNC" and t.subtype == "OPEN"]


def references_in(text: str) -> list[str]:
    """Range operands of a formula: defined names and cell references, as written."""
    return [t.value for t in tokens(text) if t.type == "OPERAND" and t.subtype == "RANGE"]


def is_cell_reference(text: str) -> bool:
    """True for A1-style references (C2, $C$2:$C$4, '收支结余'!D9), False for defined names."""
    ref = text.rsplit("!", 1)[-1].replace("$", "")
    try:
        range_boundaries(ref)
    except ValueError:
        return False
    return True


def udf_call(cell: FormulaCell) -> UdfCall | None:
    """The UDF call a formula consists of, or None when it is anything else."""
    items = tokens(cell.text)
    if not items or items[0].type != "FUNC" or not items[0].value.upper().startswith(UDF_PREFIX):
        return None
    if items[-1].type != "FUNC" or items[-1].subtype != "CLOSE":
        return None
    args: list[str] = []
    current = ""
    depth = 0
    for t in items[1:-1]:
        if t.type == "FUNC":
            return None                                   # nested calls: not a plain UDF call
        if t.type == "SEP" and t.subtype == "ARG" and depth == 0:
            args.append(current)
            current = ""
        else:
            current += t.value
    args.append(current)
    if args == [""]:
        args = []
    return UdfCall(cell, items[0].value[:-1].upper(), tuple(args))


def udf_calls(wb: Workbook) -> list[UdfCall]:
    """Every formula of the workbook that is one UDF call."""
    return [c for c in (udf_call(f) for f in formula_cells(wb)) if c is not None]


# ---------------------------------------------------------------------------------------------
# argument values

def excel_shape(rows: list[list[Any]]) -> Any:
    """Cell values shaped as xlwings passes a range: scalar, 1-D list or list of rows; ints as float."""
    plain = [[float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in r] for r in rows]
    if len(plain) == 1 and len(plain[0]) == 1:
        return plain[0][0]
    if len(plain) == 1:
        return plain[0]
    if all(len(r) == 1 for r in plain):
        return [r[0] for r in plain]
    return plain


#: =COUNTA(ref)+COUNTA(ref)…: the one Excel function evaluated here (the 区域外 counts GS_CHECK reads)
_COUNTA = re.compile(r"COUNTA\(([^()]+)\)")
_COUNTS = re.compile(r"=COUNTA\([^()]+\)(?:\+COUNTA\([^()]+\))*")


def count_nonblank(ws: Any, ref: str) -> int:
    """COUNTA of one range of an openpyxl sheet: its non-blank cells (only the sheet's used part is read)."""
    c1, r1, c2, r2 = range_boundaries(ref)
    lines = ws.iter_rows(min_row=r1, max_row=min(r2, ws.max_row), min_col=c1, max_col=min(c2, ws.max_column),
                         values_only=True)
    return sum(v is not None for line in lines for v in line)


@dataclass(frozen=True)
class _Count:
    count: int


@dataclass(frozen=True)
class CallerRange:
    """调用区域: the calling range as far as a UDF looks at it — `rows.count` and `columns.count`, as on
    the xlwings Range passed in the reserved `caller` argument on Windows."""

    rows: _Count
    columns: _Count

    @classmethod
    def of(cls, cell: FormulaCell) -> CallerRange:
        c1, r1, c2, r2 = cell.bounds
        return cls(_Count(r2 - r1 + 1), _Count(c2 - c1 + 1))


def takes_caller(fn: Callable[..., Any]) -> bool:
    """True when a UDF has xlwings' reserved `caller` argument."""
    return "caller" in inspect.signature(fn).parameters


class Recalculation:
    """One full recalculation of a workbook's UDF formulas with the functions of `module`.

    With `caller` (the default) a function that has the reserved `caller` argument gets the size of its
    formula's range, as xlwings gives it on Windows.
    """

    def __init__(self, wb: Workbook, module: ModuleType, *, caller: bool = True) -> None:
        self.wb = wb
        self.module = module
        self.caller = caller
        self.calls = udf_calls(wb)
        self.results: dict[UdfCall, Any] = {}

    def keywords(self, call: UdfCall) -> dict[str, Any]:
        """Keyword arguments beyond the formula's own: `caller` when the function takes it."""
        fn = getattr(self.module, call.function)
        return {"caller": CallerRange.of(call.cell)} if self.caller and takes_caller(fn) else {}

    def _sheet_and_ref(self, text: str, sheet: str) -> tuple[str, str]:
        if "!" in text:
            name, ref = text.rsplit("!", 1)
            return name.strip("'").replace("''", "'"), ref.replace("$", "")
        if text in self.wb.defined_names:
            target = self.wb.defined_names[text].attr_text
            return self._sheet_and_ref(target, sheet)
        return sheet, text.replace("$", "")

    def _overlay(self, sheet: str, bounds: tuple[int, int, int, int], rows: list[list[Any]]) -> None:
        """Put computed UDF results over the cells of `rows` (a block read from `sheet` at `bounds`)."""
        c1, r1, c2, r2 = bounds
        for call, result in self.results.items():
            d1, s1, d2, s2 = call.cell.bounds
            if call.cell.sheet != sheet or d1 > c2 or c1 > d2 or s1 > r2 or r1 > s2:
                continue
            table = result if isinstance(result, list) and result and isinstance(result[0], list) else [[result]]
            for r in range(max(r1, s1), min(r2, s2) + 1):
                for c in range(max(c1, d1), min(c2, d2) + 1):
                    i, j = r - s1, c - d1
                    if len(table) == 1 and len(table[0]) == 1:
                        value = table[0][0]                       # a 1×1 result fills the whole range
                    else:
                        value = table[i][j] if i < len(table) and j < len(table[i]) else "#N/A"
                    rows[r - r1][c - c1] = value

    def _pending(self, sheet: str, ref: str) -> bool:
        c1, r1, c2, r2 = range_boundaries(ref)
        for call in self.calls:
            if call in self.results or call.cell.sheet != sheet:
                continue
            d1, s1, d2, s2 = call.cell.bounds
            if c1 <= d2 and d1 <= c2 and r1 <= s2 and s1 <= r2:
                return True
        return False

    def value(self, arg: str, sheet: str) -> Any:
        """The raw value Excel would pass for one argument text."""
        text = arg.strip()
        if text == "":
            return None
        if text.startswith('"') and text.endswith('"'):
            return text[1:-1].replace('""', '"')
        if text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE"
        if _NUMBER.fullmatch(text):
            return float(text)
        name, ref = self._sheet_and_ref(text, sheet)
        bounds = range_boundaries(ref)
        c1, r1, c2, r2 = bounds
        rows = [list(r) for r in self.wb[name].iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                                          values_only=True)]
        self._overlay(name, bounds, rows)
        for line in rows:
            for j, v in enumerate(line):
                if isinstance(v, str) and _COUNTS.fullmatch(v):
                    line[j] = float(sum(count_nonblank(self.wb[s], r)
                                        for s, r in (self._sheet_and_ref(t, name) for t in _COUNTA.findall(v))))
        return excel_shape(rows)

    def _ready(self, call: UdfCall) -> bool:
        for arg in call.args:
            text = arg.strip()
            if not text or text.startswith('"') or _NUMBER.fullmatch(text) or text.upper() in ("TRUE", "FALSE"):
                continue
            name, ref = self._sheet_and_ref(text, call.cell.sheet)
            if self._pending(name, ref):
                return False
        return True

    def order(self) -> list[UdfCall]:
        """Calls in an order where every cell a call reads is computed before it."""
        done: list[UdfCall] = []
        left = list(self.calls)
        while left:
            ready = [c for c in left if self._ready(c)]
            if not ready:
                raise ValueError("公式之间循环引用：" + "、".join(c.cell.sheet + "!" + c.cell.ref for c in left))
            for call in ready:
                self.results[call] = None          # placeholder: marks it computed for ordering
                done.append(call)
                left.remove(call)
        self.results.clear()
        return done

    def run(self, before_call: Callable[[UdfCall], None] | None = None) -> dict[UdfCall, Any]:
        """Call every UDF once, in dependency order; returns {call: result}."""
        self.results = {}
        for call in self.order():
            args = [self.value(a, call.cell.sheet) for a in call.args]
            if before_call is not None:
                before_call(call)
            self.results[call] = getattr(self.module, call.function)(*args, **self.keywords(call))
        return self.results


def recalculate(wb: Workbook, module: ModuleType) -> dict[UdfCall, Any]:
    """Every UDF formula of `wb` computed with `module`'s functions (one full recalculation)."""
    return Recalculation(wb, module).run()
