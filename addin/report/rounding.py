"""二维受控舍入 — round a units × items table to 万元 so that rows AND columns add up exactly.

The 分市预算表 shows, for every unit, its line items and its row total, and under them the 合计 row,
which must equal the 收入/支出预算表 figures. Rounding each cell on its own breaks the sums; rounding
each column with largest remainder (`models.money.allocate_wan`) fixes the columns but not the rows.

Scheme (controlled rounding): the column totals are given (the official table's figures), the row
totals are the units' own totals rounded with largest remainder to the same grand total, and each
cell is then rounded down or up — never further — so that every row and every column adds up
exactly. Choosing which cells go up is a transportation problem solved as a small max-flow. In the
rare case where no down-or-up choice fits, cells may move one more step (widening step by step);
if even that fails, row totals become the sums of the displayed cells (columns still reconcile).
Cells that are exactly zero stay zero.

Work is in integer steps of 0.01 万元 (= 100 元).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from models.money import CENTS_PER_WAN, YUAN_PER_WAN, allocate_wan

STEP_YUAN = YUAN_PER_WAN / CENTS_PER_WAN   # 100 元
MAX_WIDENING = 3


def _max_flow_assign(row_need: np.ndarray, col_need: np.ndarray, capacity: np.ndarray) -> np.ndarray | None:
    """Integer flows f_ij ≤ capacity_ij with row sums `row_need` and column sums `col_need`, or None."""
    n_rows, n_cols = capacity.shape
    flow = np.zeros_like(capacity)
    row_left = row_need.copy()
    col_left = col_need.copy()
    # Bipartite augmenting paths: row → col (forward, residual cap − flow), col → row (backward, flow).
    while row_left.sum() > 0:
        parent_col = {}   # col j reached from row i
        parent_row = {}   # row i reached from col j (via a backward edge)
        queue = deque(i for i in range(n_rows) if row_left[i] > 0)
        seen_rows = set(queue)
        end = None
        while queue and end is None:
            i = queue.popleft()
            for j in range(n_cols):
                if j in parent_col or flow[i, j] >= capacity[i, j]:
                    continue
                parent_col[j] = i
                if col_left[j] > 0:
                    end = j
                    break
                for k in range(n_rows):
                    if k not in seen_rows and flow[k, j] > 0:
                        seen_rows.add(k)
                        parent_row[k] = j
                        queue.append(k)
        if end is None:
            return None
        j = end
        col_left[j] -= 1
        while True:
            i = parent_col[j]
            flow[i, j] += 1
            if i not in parent_row:
                row_left[i] -= 1
                break
            j = parent_row[i]
            flow[i, j] -= 1
    return flow if not col_left.any() else None


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
    for widen in range(MAX_WIDENING + 1):
        low = np.floor(x).astype(np.int64) - widen
        high = np.ceil(x).astype(np.int64) + widen
        low[zero] = 0
        high[zero] = 0
        row_need = rows - low.sum(axis=1)
        col_need = cols - low.sum(axis=0)
        if (row_need < 0).any() or (col_need < 0).any():
            continue
        flow = _max_flow_assign(row_need, col_need, high - low)
        if flow is not None:
            cells = low + flow
            return cells / CENTS_PER_WAN, rows / CENTS_PER_WAN
    # Last resort: columns by largest remainder, row totals = displayed sums.
    cells = np.rint(allocate_wan(np.asarray(yuan, dtype=float).T, cols * STEP_YUAN).T * CENTS_PER_WAN
                    ).astype(np.int64)
    return cells / CENTS_PER_WAN, cells.sum(axis=1) / CENTS_PER_WAN
