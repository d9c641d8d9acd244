"""二维受控舍入 — round a units × items table to 万元 so that rows AND columns add up exactly.

The 分市预算表 shows, for every unit, its line items and its row total, and under them the 合计 row,
which must equal the 收入/支出预算表 figures. Rounding each cell on its own breaks the sums; rounding
each column with largest remainder (`models.money.allocate_wan`) fixes the columns but not the rows.

Scheme (controlled rounding): the column totals are given (the official table's figures), the row
totals are the units' own totals rounded with largest remainder to the same grand total, and each
cell is then rounded down or up — never further — so that every row and every column adds up
exactly. Choosing which cells go up is a transportation problem solved as a max-flow on row *types*:
rows with the same per-cell room and the same number of steps to place are one node, so the flow
network has at most (types + columns) nodes whatever the number of units, and the flow of a type is
dealt back to its rows in turn (each row gets its steps, no cell more than its room). Grouping the
rows is a sort (n log n); the rest is linear in the cells. In the rare case where no down-or-up
choice fits, cells may move further — first cells that are whole steps already move one step (every
cell then still within one cent of its value), then one more step at a time; if even that fails, row totals
become the sums of the displayed cells (columns still reconcile). Cells that are exactly zero stay zero.

Work is in integer steps of 0.01 万元 (= 100 元).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from models.money import CENTS_PER_WAN, YUAN_PER_WAN, allocate_wan

STEP_YUAN = YUAN_PER_WAN / CENTS_PER_WAN   # 100 元
MAX_WIDENING = 3


def _augment(v: int, sink: int, limit: int, head: list[int], cap: list[int], adjacent: list[list[int]],
             level: list[int], cursor: list[int]) -> int:
    """Push up to `limit` along one path of the level graph from `v` to `sink` (Dinic); the amount pushed."""
    if v == sink:
        return limit
    arcs = adjacent[v]
    while cursor[v] < len(arcs):
        e = arcs[cursor[v]]
        w = head[e]
        if cap[e] > 0 and level[w] == level[v] + 1:
            got = _augment(w, sink, min(limit, cap[e]), head, cap, adjacent, level, cursor)
            if got:
                cap[e] -= got
                cap[e ^ 1] += got
                return got
        cursor[v] += 1
    return 0


def _max_flow(n_nodes: int, edges: list[tuple[int, int, int]], source: int, sink: int) -> list[int]:
    """最大流 (Dinic) on a small network; returns the flow on each of `edges` (tail, head, capacity)."""
    head: list[int] = []
    cap: list[int] = []
    adjacent: list[list[int]] = [[] for _ in range(n_nodes)]
    for tail, to, c in edges:                      # edge 2k forward, 2k + 1 its residual twin
        adjacent[tail].append(len(head))
        head.append(to)
        cap.append(c)
        adjacent[to].append(len(head))
        head.append(tail)
        cap.append(0)
    while True:
        level = [-1] * n_nodes
        level[source] = 0
        queue = deque([source])
        while queue:
            v = queue.popleft()
            for e in adjacent[v]:
                if cap[e] > 0 and level[head[e]] < 0:
                    level[head[e]] = level[v] + 1
                    queue.append(head[e])
        if level[sink] < 0:
            break
        cursor = [0] * n_nodes
        while _augment(source, sink, 1 << 62, head, cap, adjacent, level, cursor):
            pass
    return [cap[2 * k + 1] for k in range(len(edges))]


def _assign(row_need: np.ndarray, col_need: np.ndarray, capacity: np.ndarray) -> np.ndarray | None:
    """Integer f_ij ≤ capacity_ij with row sums `row_need` and column sums `col_need`, or None.

    Rows with the same capacity row and the same need form one node of the flow network (at most
    2^cols × (cols + 1) of them when capacities are 0/1). A type of m rows that receives f_j steps in
    column j (f_j ≤ m × capacity_j) deals them out in turn — step p of the column-ordered list goes to
    row p mod m — so each row gets exactly its need and never more than its capacity in a cell.
    """
    n_rows, n_cols = capacity.shape
    flow = np.zeros_like(capacity)
    if row_need.sum() != col_need.sum():
        return None
    active = np.flatnonzero(row_need > 0)
    if active.size == 0:
        return flow if not col_need.any() else None
    keys = np.column_stack([capacity[active], row_need[active]])
    types, which = np.unique(keys, axis=0, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    counts = np.bincount(which, minlength=len(types))
    n_types = len(types)
    source, sink = n_types + n_cols, n_types + n_cols + 1
    edges: list[tuple[int, int, int]] = []
    for t in range(n_types):
        m = int(counts[t])
        edges.append((source, t, m * int(types[t, -1])))
        edges.extend((t, n_types + j, m * int(types[t, j])) for j in range(n_cols) if types[t, j] > 0)
    edges.extend((n_types + j, sink, int(col_need[j])) for j in range(n_cols) if col_need[j] > 0)
    done = _max_flow(n_types + n_cols + 2, edges, source, sink)
    if sum(f for (tail, _, _), f in zip(edges, done, strict=True) if tail == source) != int(row_need.sum()):
        return None
    per_type = np.zeros((n_types, n_cols), dtype=np.int64)
    for (tail, to, _), f in zip(edges, done, strict=True):
        if tail < n_types and f:
            per_type[tail, to - n_types] = f
    order = np.argsort(which, kind="stable")          # rows of each type, in table order
    starts = np.concatenate([[0], np.cumsum(counts)])
    for t in range(n_types):
        rows = active[order[starts[t]:starts[t + 1]]]
        cols = np.repeat(np.arange(n_cols), per_type[t])
        np.add.at(flow, (rows[np.arange(cols.size) % rows.size], cols), 1)
    return flow


def _steps(yuan: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(yuan, dtype=float) / STEP_YUAN, 9)


def controlled_round(yuan: np.ndarray, col_totals_wan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round a (rows × cols) table of yuan to 万元 so that rows and columns reconcile.

    `col_totals_wan` are the column totals to hit (万元, 2 dp); their sum is the grand total. Returns
    (cells 万元, row totals 万元): cells sum across each row to its row total and down each column to
    the given column total.
    """
    x = _steps(yuan)
    cols = np.rint(np.asarray(col_totals_wan, dtype=float) * CENTS_PER_WAN).astype(np.int64)
    grand = int(cols.sum())
    rows = np.rint(allocate_wan(np.asarray(yuan, dtype=float).sum(axis=1), grand * STEP_YUAN) * CENTS_PER_WAN
                   ).astype(np.int64)
    zero = x == 0
    floor, ceil = np.floor(x).astype(np.int64), np.ceil(x).astype(np.int64)
    for widen in range(MAX_WIDENING + 1):
        # widen 0: down or up; widen w ≥ 1: within w steps of the exact value (w = 1 adds ±1 step
        # for cells that are whole steps already, so every cell stays within one cent)
        low = floor if widen == 0 else ceil - widen
        high = ceil if widen == 0 else floor + widen
        low, high = low.copy(), high.copy()
        low[zero] = 0
        high[zero] = 0
        row_need = rows - low.sum(axis=1)
        col_need = cols - low.sum(axis=0)
        if (row_need < 0).any() or (col_need < 0).any():
            continue
        flow = _assign(row_need, col_need, high - low)
        if flow is not None:
            cells = low + flow
            return cells / CENTS_PER_WAN, rows / CENTS_PER_WAN
    # Last resort: columns by largest remainder, row totals = displayed sums.
    cells = np.rint(allocate_wan(np.asarray(yuan, dtype=float).T, cols * STEP_YUAN).T * CENTS_PER_WAN
                    ).astype(np.int64)
    return cells / CENTS_PER_WAN, cells.sum(axis=1) / CENTS_PER_WAN
