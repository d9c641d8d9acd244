"""UDF 结果表缓存 (per-object memo) — tables built once per engine object, whatever function asks for them.

One recalculation asks several UDFs for the same derived tables of one engine result: the 收入/支出预算表
(`official_lines`), the 收支结余表 and the 分市预算表 feed GS_BALANCE, GS_FORECAST and the shown shares. They
depend on the forecast and the province budget only, and `addin.excel.inputs` hands every result built on
the same tables (an edit of 分担方案 included) the same `ProvinceBudget` object — so they are kept here by
that object's identity: built once per change of the inputs they depend on. Each option's 缺口分担表 is kept
by the identity of the result's `SharingResult` (GS_SHARE and 方案说明 both read it).

The memo holds the object it is keyed by (its id stays valid while the entry lives) and keeps the most
recently used MEMO_SIZE entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MEMO_SIZE = 96          # ~9 kinds of table + one 缺口分担表 per option, × a few inputs (a what-if toggled back
                        # and forth stays cached)


class IdentityMemo:
    """A bounded LRU of values keyed by (name, the identity of an object); thread-safe."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, int], tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, name: Hashable, owner: Any, compute: Callable[[], T]) -> T:
        """The value `name` of `owner`, computed once (`compute()`) while it stays in the memo."""
        key = (name, id(owner))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is owner:
                self._entries.move_to_end(key)
                return entry[1]
        value = compute()
        with self._lock:
            self._entries[key] = (owner, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


#: The memo every UDF of the process shares.
TABLES = IdentityMemo()
