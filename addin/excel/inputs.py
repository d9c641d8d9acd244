"""UDF 输入 — the seven input table ranges a table UDF receives → BudgetInputs, and the engine run, cached.

Every table UDF (GS_FORECAST, GS_BALANCE, GS_SHARE, GS_COMPARE, GS_PROJECT, GS_SENSITIVITY, GS_RISK,
GS_CHECK) takes the same seven ranges, each with its header row, in this order: 参数 (inp_params),
各单位历年收支 (inp_history), 省级收支 (inp_province_history), 上年预算数 (inp_prior_budget), 扩面计划
(inp_plans), 待遇人员 (inp_beneficiaries), 分担方案 (inp_options).
The ranges are placed back at their sheet positions (`addin.workbook.layout`) and read by the same
reader as a saved workbook (`reader.inputs_from_sheets`), so a bad cell is named by its real
address (历年执行!F12) and the UDFs accept exactly what `wibudget` accepts.

One recalculation calls several table UDFs with identical arguments: the engine result is kept in a
small LRU cache keyed by the content of the seven ranges (one key per table, `cache_key`), so it runs once
per change of the inputs; the reader's work on the ranges (`sheets`, `parsed`) is cached as well and shared
by the engine run and GS_CHECK, so one recalculation parses the inputs once and runs the engine once. Bad
input is cached too (as the error), so eight cells do not parse the same broken table eight times.

A result is kept under the keys of the tables it reads: the engine's steps before the sharing (forecast,
province budget, sharing context: `BASES`) and the multi-year runs built on them do not read 分担方案, so
an edit of an option's weights re-runs the sharing, the comparison and the data check, and reuses the
rest. Results built on the engine (多年预测, 敏感性, 风险模拟, 数据检查) sit in `DERIVED`, keyed by those
tables' content plus their own arguments (years, draws, seed), so a recalculation with unchanged inputs
reruns nothing.
"""

from __future__ import annotations

import io
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from addin.excel import tables as udf_tables
from addin.excel.memo import TABLES as MEMO
from addin.report.tables import displayed_result
from addin.workbook import cell_scan, coerce, layout, reader
from addin.workbook.findings import trim_range
from models.balance import ProvinceBudget, province_budget
from models.budget import BudgetResult, resolve_options, sharing_context
from models.compare import compare
from models.errors import BudgetInputError
from models.forecast import Forecast, forecast
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet, parameters_for
from models.sharing import SharingContext
from models.validation import memo as validation_memo

#: The input tables a table UDF takes, in argument order (keys of `workbook_layout.TABLES`).
INPUT_TABLES: tuple[str, ...] = ("params", "history", "province_history", "prior_budget", "plans",
                                 "beneficiaries", "options")
#: Defined names over those tables, in the same order (what the workbook's formulas pass).
INPUT_NAMES: tuple[str, ...] = tuple(layout.TABLES[k].defined_name for k in INPUT_TABLES)
#: Tables that may be left out (a blank argument): 上年预算数 and 分担方案 (then the preset options apply).
OPTIONAL_TABLES = frozenset({"prior_budget", "options"})
CACHE_SIZE = 4          # engine results kept (a what-if toggled back and forth stays cached)
DERIVED_SIZE = 12       # projections, sensitivity and risk runs, checks (a few views and arguments each)

Rows = list[list[Any]]
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# ranges → the sheets `inputs_from_sheets` reads

def _place(sheet: Rows, block: Rows, row: int, col: int) -> None:
    """Write `block` into `sheet` with its top-left cell at 0-based (row, col), growing the sheet."""
    for i, values in enumerate(block):
        r = row + i
        while len(sheet) <= r:
            sheet.append([])
        line = sheet[r]
        if len(line) < col + len(values):
            line.extend([None] * (col + len(values) - len(line)))
        line[col:col + len(values)] = values


def sheets_from_ranges(ranges: Sequence[Any]) -> dict[str, Rows]:
    """The input sheets as rows from A1, with each range placed at its table's anchor.

    Tables sharing a sheet (历年执行 holds three) keep one blank column between them even when a
    range is wider than the layout expects, so no table overwrites its neighbour.
    """
    if len(ranges) != len(INPUT_TABLES):
        raise BudgetInputError(f"须给出 {len(INPUT_TABLES)} 个输入表区域（{'、'.join(INPUT_NAMES)}），"
                               f"收到 {len(ranges)} 个", field="输入表")
    sheets: dict[str, Rows] = {name: [] for name in layout.INPUT_SHEETS}
    next_free: dict[str, int] = {}
    for key, value, name in zip(INPUT_TABLES, ranges, INPUT_NAMES, strict=True):
        table = layout.TABLES[key]
        block = coerce.as_rows(value)
        if key in OPTIONAL_TABLES and all(coerce.is_blank(v) for r in block for v in r):
            block = [[c.title for c in table.columns]]      # header only: no 上年预算数 / the preset options
        if not block or all(coerce.is_blank(v) for v in block[0]):
            raise BudgetInputError(f"输入表区域 {name} 为空：第一行应为表头，请检查名称管理器中 {name} 的引用位置",
                                   table=table.sheet, field=name)
        col = max(table.col - 1, next_free.get(table.sheet, 0))
        _place(sheets[table.sheet], [[_excel_scalar(v) for v in r] for r in block], table.row - 1, col)
        next_free[table.sheet] = col + len(block[0]) + layout.TABLE_GAP
    return sheets


def _excel_scalar(value: Any) -> Any:
    """A cell value as the workbook reader expects it: numpy scalars made plain."""
    if isinstance(value, np.generic):
        return value.item()
    return value


# ---------------------------------------------------------------------------------------------
# cache keys: the content of each input table

#: Position of 分担方案 among the seven ranges: what the forecast, the projection and the risk run do not read.
OPTIONS_AT = INPUT_TABLES.index("options")

Key = tuple[bytes, ...]


def _content_key(value: Any) -> bytes:
    """One argument's exact content, pickled without memo (equal values give equal keys whatever objects
    hold them; every float digit kept). Excel passes lists, floats, text, None, bools, datetimes and
    Decimals; numpy arrays (from a formula engine) are turned into lists first."""
    plain = value.tolist() if isinstance(value, np.ndarray) else value
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True                                   # no memo: the key depends on the values only
    try:
        pickler.dump(plain)
    except (pickle.PicklingError, TypeError, AttributeError):
        return repr(plain).encode()                       # an object pickle refuses: its text
    return buffer.getvalue()


def cache_key(ranges: Sequence[Any]) -> Key:
    """The cache key of raw argument values: one content key per input table, in argument order (about
    0.1 ms for the example's ranges). A result is kept under the keys of the tables it depends on, so an
    edit re-runs only what reads the edited table (`budget_key`)."""
    return tuple(_content_key(v) for v in ranges)


def budget_key(key: Key) -> Key:
    """The key without 分担方案: what the forecast, province budget, projection and risk bands depend on."""
    return key[:OPTIONS_AT] + key[OPTIONS_AT + 1:] if len(key) == len(INPUT_TABLES) else key


def options_key(key: Key) -> bytes | None:
    """The content key of 分担方案 alone (None when the arguments are not the seven ranges)."""
    return key[OPTIONS_AT] if len(key) == len(INPUT_TABLES) else None


@dataclass
class CacheStats:
    """缓存统计: engine runs (misses) and reuses (hits) since the last reset."""

    hits: int = 0
    misses: int = 0


class ResultCache:
    """A bounded LRU of results (or the input error they raised), thread-safe; counts hits and misses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.stats = CacheStats()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, else `compute()` kept; a BudgetInputError is kept and raised."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.stats.hits += 1
        if entry is None:
            try:
                entry = compute()
            except BudgetInputError as exc:
                entry = exc
            with self._lock:
                self.stats.misses += 1
                self._entries[key] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        if isinstance(entry, BudgetInputError):
            raise entry
        return entry


@dataclass(frozen=True)
class BudgetBase:
    """预算基础 — the engine's steps before the sharing: parameters, forecast, province budget and sharing
    context. They read every table but 分担方案, so an edit of the options reuses them."""

    parameters: ParameterSet
    forecast: Forecast
    province: ProvinceBudget
    context: SharingContext


def budget_base(inputs: BudgetInputs) -> BudgetBase:
    """The steps of `run_budget` before the sharing, on parsed inputs (their options are not read)."""
    params = parameters_for(inputs)
    fc = forecast(inputs, params)
    pb = province_budget(inputs, fc)
    return BudgetBase(params, fc, pb, sharing_context(inputs, fc, pb))


def shared_result(inputs: BudgetInputs, options: Sequence[Any] | None, base: BudgetBase) -> BudgetResult:
    """`run_budget` on its base (resolve the options, share, compare), the shares as the tables show them."""
    opts = resolve_options(options if options is not None else inputs.options)
    comp = compare(opts, base.context)
    raw = BudgetResult(inputs=inputs, parameters=base.parameters, forecast=base.forecast, province=base.province,
                       context=base.context, options=opts, sharing=comp.result, comparison=comp)
    # shares and comparison as the report tables show them (one rounded chain, as in the draft)
    return displayed_result(raw, balance=udf_tables.balance_frame(raw), units=udf_tables.unit_frame(raw))


class BudgetCache(ResultCache):
    """The engine results keyed by the raw values of the seven input ranges; the steps before the sharing
    (`BASES`) are kept by the tables other than 分担方案."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        super().__init__(size)

    def result(self, ranges: Sequence[Any], key: Key | None = None) -> BudgetResult:
        """The engine result for these seven input ranges; raises BudgetInputError for bad input."""
        key = cache_key(ranges) if key is None else key

        def run() -> BudgetResult:
            inputs, options = parsed(ranges, key)
            base = BASES.get(budget_key(key), lambda: budget_base(inputs))
            return shared_result(inputs, options, base)
        return self.get(key, run)


#: The caches every UDF of the process shares (xlwings runs one Python process per Excel instance).
CACHE = BudgetCache()
BASES = ResultCache(CACHE_SIZE)
DERIVED = ResultCache(DERIVED_SIZE)
#: The steps before the engine, shared by the engine run and GS_CHECK: the ranges on their sheets and
#: what the reader makes of them (keyed by step and inputs).
STEPS = ResultCache(2 * CACHE_SIZE)
#: What the reader made of each table, by the content of the ranges on its sheet.
PARTS = ResultCache(len(INPUT_TABLES) * CACHE_SIZE)


def clear_caches() -> None:
    """Forget every cached result (as after an input change)."""
    CACHE.clear()
    BASES.clear()
    DERIVED.clear()
    STEPS.clear()
    PARTS.clear()
    MEMO.clear()
    validation_memo.clear()
    cell_scan.forget_passed()


def sheets(ranges: Sequence[Any], key: Key | None = None) -> dict[str, Rows]:
    """`sheets_from_ranges`, cached (raises BudgetInputError for a missing or empty range)."""
    key = cache_key(ranges) if key is None else key
    return STEPS.get(("sheets", key), lambda: sheets_from_ranges([trim_range(r) for r in ranges]))


def parsed(ranges: Sequence[Any], key: Key | None = None) -> tuple[BudgetInputs, list[dict]]:
    """(inputs, options) the reader makes of the seven ranges, cached; raises BudgetInputError for bad input."""
    key = cache_key(ranges) if key is None else key
    return STEPS.get(("parsed", key), lambda: _read_by_table(sheets(ranges, key), key))


#: The reader's steps, one per input table, in the order `reader.inputs_from_sheets` takes them.
_TABLE_READERS: dict[str, Callable[[dict[str, Rows]], Any]] = {
    "params": lambda placed: reader._read_params(placed[layout.PARAMS_SHEET]),
    "history": lambda placed: reader._read_frame(placed, layout.TABLES["history"]),
    "province_history": lambda placed: reader._read_frame(placed, layout.TABLES["province_history"]),
    "prior_budget": lambda placed: reader._read_prior_budget(placed),
    "plans": lambda placed: reader._read_plans(placed),
    "beneficiaries": lambda placed: reader._read_frame(placed, layout.TABLES["beneficiaries"]),
    "options": lambda placed: reader._read_options(placed[layout.OPTIONS_SHEET]),
}


def _sheet_key(table: str, key: Key) -> Key:
    """The content of every range placed on `table`'s sheet (历年执行 holds three, placed side by side)."""
    sheet = layout.TABLES[table].sheet
    return tuple(k for name, k in zip(INPUT_TABLES, key, strict=True) if layout.TABLES[name].sheet == sheet)


def _read_by_table(placed: dict[str, Rows], key: Key) -> tuple[BudgetInputs, list[dict]]:
    """`reader.inputs_from_sheets`, each table read once per content of its sheet (`PARTS`): an edit of one
    table reads that sheet again and reuses the others. A refusal is the whole reader's (`_read`), so
    its message is word for word the one `wibudget` gives."""
    try:
        parts = {table: PARTS.get((table, _sheet_key(table, key)), lambda read=read: read(placed))
                 for table, read in _TABLE_READERS.items()}
        return reader.assemble_inputs(parts, placed)
    except BudgetInputError:
        return _read(placed)


def _read(placed: dict[str, Rows]) -> tuple[BudgetInputs, list[dict]]:
    """The reader on the placed ranges. Its hint for files saved without computed values ("open and save
    in Excel") does not apply inside Excel, where a blank here is a blank cell or an error value."""
    try:
        return reader.inputs_from_sheets(placed)
    except BudgetInputError as exc:
        hint = getattr(reader, "_FORMULA_HINT", "")
        if hint and hint in exc.message:
            exc.message = exc.message.replace(hint, "")
            exc.args = (exc.describe(),)
        raise


def derived(what: str, ranges: Sequence[Any], args: tuple, compute: Callable[[], T],
            key: Key | None = None) -> T:
    """A result built on the seven input ranges (`what` names it, `args` are its other arguments), cached."""
    key = cache_key(ranges) if key is None else key
    return DERIVED.get((what, key, repr(args)), compute)


def budget_result(params: Any, history: Any, province_history: Any, prior_budget: Any, plans: Any,
                  beneficiaries: Any, options: Any) -> BudgetResult:
    """预算结果 for the raw values of the seven input ranges (cached)."""
    return CACHE.result((params, history, province_history, prior_budget, plans, beneficiaries, options))
