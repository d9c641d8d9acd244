"""校验缓存 (validation memo) — the work of validation that reads only some input tables, kept by their content.

A user edits one cell at a time; the steps that read only tables that did not change need not run again. Each
table's content key is a digest of its exact pickled bytes (every value with its type and every float digit;
equal keys mean equal tables; a table pickle refuses is never kept). The memo keeps:

- per table, the clean copy :func:`models.validation.cells.check_table` made and the findings it added, in order
  (:class:`Tape`), added again at the same place of a later run, so the findings are those of a fresh run; with it
  the tables derived from that clean copy alone (`derived`, e.g. `units_years.unique_rows`), which the rules read
  and never change;
- per step (:func:`step`), its result and findings, by the content keys of the tables it reads and its other
  arguments.

The memo is bounded (two versions per table, a few dozen steps) and can be switched off (:func:`disabled`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from models.validation.rules import Findings

T = TypeVar("T")

TABLE_ENTRIES = 2           # content versions kept per table (the current one and the one before)
STEP_ENTRIES = 48           # steps kept: about 20 per state of the inputs, so two states and some more

_enabled = True


def content_key(value: Any) -> bytes | None:
    """The exact content of an input table: the digest of its pickled bytes (pickled without memo, so equal
    values give equal keys); None when it cannot be pickled (then nothing is kept for it)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump((type(value).__qualname__, value))
    except Exception:       # noqa: BLE001 - any object pickle refuses is simply not kept
        return None
    return hashlib.blake2b(buffer.getbuffer(), digest_size=32).digest()


@dataclass
class Tape:
    """A step's result and the findings it added (the arguments of each `Findings.add` call, in order)."""

    value: Any = None
    calls: list[tuple] = field(default_factory=list)
    derived: dict[Hashable, Any] = field(default_factory=dict)

    def replay(self, f: Findings) -> Any:
        for rule, table, message, kwargs in self.calls:
            f.add(rule, table, message, **kwargs)
        return self.value


class _Lru:
    """A bounded, thread-safe LRU of tapes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Tape] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Tape | None:
        with self._lock:
            tape = self._entries.get(key)
            if tape is not None:
                self._entries.move_to_end(key)
            return tape

    def put(self, key: Hashable, tape: Tape) -> None:
        with self._lock:
            self._entries[key] = tape
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_TABLES: dict[str, _Lru] = {}
_STEPS = _Lru(STEP_ENTRIES)


def clear() -> None:
    """Forget everything kept."""
    for lru in list(_TABLES.values()):
        lru.clear()
    _STEPS.clear()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Validation without the memo (every step runs; nothing is read or kept) — for comparing."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def _record(step: Callable[[], T], f: Findings) -> Tape:
    calls: list[tuple] = []
    f.tapes.append(calls)
    try:
        value = step()
    finally:
        f.tapes.pop()                         # steps nest: the innermost recording ends first
    return Tape(value, calls)


def table_step(table: str, key: bytes | None, step: Callable[[], T], f: Findings) -> Tape:
    """`step()` (a function of table `table` alone, whose content key is `key`), or its kept tape replayed into
    `f`. Returns the tape: its `value` is the step's result, its `derived` a store for tables made from it."""
    if not _enabled or key is None:
        return Tape(step())
    lru = _TABLES.setdefault(table, _Lru(TABLE_ENTRIES))
    tape = lru.get(key)
    if tape is None:
        tape = _record(step, f)
        lru.put(key, tape)
    else:
        tape.replay(f)
    return tape


def replayed(name: str, tables: tuple[bytes | None, ...], args: tuple, step: Callable[[], T], f: Findings) -> T:
    """`step()` — a step `name` that depends only on the tables whose content keys are `tables` and on `args`
    (plain values) — or its kept findings added again and its kept result. A step may read findings
    (`Findings.flagged`) only of an earlier step keyed by the same tables."""
    if not _enabled or any(k is None for k in tables):
        return step()
    key = (name, tables, args)
    tape = _STEPS.get(key)
    if tape is None:
        tape = _record(step, f)
        _STEPS.put(key, tape)
        return tape.value
    return tape.replay(f)


def step(f: Findings, name: str, tables: tuple[str, ...], args: tuple, run: Callable[[], T]) -> T:
    """:func:`replayed` for a step that reads input `tables` (their content keys are `f.table_keys`, set by
    `validate`; a step run outside it is not kept) and the plain values `args`."""
    return replayed(name, tuple(f.table_keys.get(t) for t in tables), args, run, f)
