"""表格整理 — turn the input tables into unit-aligned numpy arrays, checking as it goes.

The forecast works on arrays indexed by unit (and year); this module is where the long input
tables are checked for missing, duplicated or unknown units and laid out that way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.errors import BudgetInputError
from models.inputs import COLUMNS, numeric_column


def unit_index(units: pd.DataFrame) -> pd.Index:
    """单位索引: unit names, refusing blanks and duplicates."""
    raw = units["unit"].to_numpy(dtype=object)
    names = [None if n is None or n != n else str(n).strip() for n in raw]
    blank = [i for i, n in enumerate(names) if not n]
    if blank:
        raise BudgetInputError(f"第{blank[0] + 1}行单位名称为空，请填写", table="units", field="单位", column="unit", row=blank[0])
    idx = pd.Index(names, dtype=object)
    dup = idx[idx.duplicated()]
    if len(dup):
        raise BudgetInputError("单位重复出现，每个单位只能填一行", table="units", unit=dup[0], field="单位", column="unit")
    return idx


def positions(index: pd.Index, df: pd.DataFrame, table: str) -> np.ndarray:
    """Row positions of each row's unit in `index`; unknown units are an error."""
    raw = df["unit"].to_numpy(dtype=object)
    pos = _lookup(index, raw)
    if (pos < 0).any():  # only the misses pay for string clean-up (stray spaces, numbers as names)
        miss = pos < 0
        pos[miss] = index.get_indexer([str(k).strip() for k in raw[miss]])
    if (pos < 0).any():
        bad = str(raw[int(np.flatnonzero(pos < 0)[0])]).strip()
        raise BudgetInputError("单位不在单位名单中，请检查名称是否一致（含空格、简称）",
                               table=table, unit=bad, field="单位", column="unit",
                               row=int(np.flatnonzero(pos < 0)[0]))
    return pos


def per_unit(index: pd.Index, df: pd.DataFrame, table: str, cols: list[str], *,
             optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """One row per unit → {column: array aligned to `index`}; NaN for blank optional columns."""
    pos = positions(index, df, table)
    counts = np.bincount(pos, minlength=len(index))
    if (counts == 0).any():
        raise BudgetInputError("缺少该单位的数据行，请补上", table=table, unit=index[int(np.argmin(counts))],
                               field="单位", column="unit")
    if (counts > 1).any():
        raise BudgetInputError("该单位出现多行，请合并为一行", table=table, unit=index[int(np.argmax(counts))],
                               field="单位", column="unit")
    numbers = _numbers(df, cols, optional)
    if numbers is not None:     # every column numeric and within numeric_column's checks
        out = {}
        for col in cols:
            arr = np.full(len(index), np.nan)
            if col in numbers:
                arr[pos] = numbers[col]
            out[col] = arr
        return out
    out: dict[str, np.ndarray] = {}
    for col in cols:
        arr = np.full(len(index), np.nan)
        if col in df.columns:
            arr[pos] = numeric_column(df, table, col, allow_blank=col in optional,
                                      allow_negative=col in ("rate_change",))
        elif col not in optional:
            raise BudgetInputError(f"缺少列 {COLUMNS.get(table, {}).get(col, col)}", table=table, column=col)
        out[col] = arr
    return out


def _lookup(index: pd.Index, names: np.ndarray) -> np.ndarray:
    """`index.get_indexer(names)` for a unit index (unique names): exact matches by a dict, -1 for a miss."""
    keys = index.tolist()
    if not index.is_unique or not all(type(k) is str for k in keys):
        return index.get_indexer(names)
    at = dict(zip(keys, range(len(keys)), strict=True))
    return np.fromiter((at.get(n, -1) if isinstance(n, str) else -1 for n in names), dtype=np.intp,
                       count=len(names))


def _numbers(df: pd.DataFrame, cols: list[str], optional: tuple[str, ...],
             negative: tuple[str, ...] = ("rate_change",)) -> dict[str, np.ndarray] | None:
    """`cols` of `df` as float arrays (rows of `df`; optional columns not in `df` left out) when every
    required column is present, every present one already numeric and all pass the checks of
    `numeric_column` (blank only if optional, negative only if in `negative`); None otherwise, so the
    column-by-column path names the first bad cell."""
    if not cols or not df.columns.is_unique:
        return None
    where = {c: i for i, c in enumerate(df.columns.tolist())}
    if any(c not in where and c not in optional for c in cols):
        return None
    present = [c for c in cols if c in where]
    kinds = df.dtypes.tolist()
    if any(kinds[where[c]].kind not in "fiu" for c in present):
        return None
    block = df.iloc[:, [where[c] for c in present]].to_numpy(dtype=float)
    required = np.array([c not in optional for c in present], dtype=bool)
    nonnegative = np.array([c not in negative for c in present], dtype=bool)
    if np.isnan(block[:, required]).any() or (block[:, nonnegative] < 0).any():
        return None
    return {c: block[:, j] for j, c in enumerate(present)}


def history_cube(index: pd.Index, history: pd.DataFrame, cols: list[str], years: list[int],
                 table: str = "history") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lay the history table out as arrays.

    Returns (full, partial, partial_months): full[u, c, t] for months == 12 rows of `years`,
    partial[u, c, t] for the year-to-date rows (months < 12) and their month count per year
    (NaN where absent). Duplicated (unit, year, months) rows are an error.
    """
    pos = positions(index, history, table)
    year = numeric_column(history, table, "year").astype(int)
    months = numeric_column(history, table, "months").astype(int)
    if ((months < 1) | (months > 12)).any():
        i = int(np.flatnonzero((months < 1) | (months > 12))[0])
        raise BudgetInputError("月数应在 1–12 之间（12 表示全年决算）", table=table,
                               unit=index[pos[i]], field="月数", value=int(months[i]),
                               column="months", row=i)
    _, first, seen = np.unique(np.column_stack([pos, year, months]), axis=0, return_index=True,
                               return_inverse=True)
    dup = first[seen.reshape(-1)] != np.arange(len(pos))          # a row repeating an earlier (unit, year, months)
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise BudgetInputError(f"{year[i]}年{months[i]}个月的数据重复", table=table, unit=index[pos[i]],
                               field="年度", column="year", row=i)
    year_pos = pd.Index(years).get_indexer(year)
    keep = year_pos >= 0
    numbers = _numbers(history, cols, (), negative=())
    if numbers is not None:
        vals = np.column_stack([numbers[c] for c in cols])
    else:
        vals = np.column_stack([numeric_column(history, table, c) for c in cols]) if cols else np.empty((len(pos), 0))
    U, C, T = len(index), len(cols), len(years)
    full = np.full((U, C, T), np.nan)
    partial = np.full((U, C, T), np.nan)
    partial_months = np.full(T, np.nan)
    is_full = keep & (months == 12)
    is_part = keep & (months < 12)
    full[pos[is_full], :, year_pos[is_full]] = vals[is_full]
    partial[pos[is_part], :, year_pos[is_part]] = vals[is_part]
    for t in range(T):
        m = np.unique(months[is_part & (year_pos == t)])
        if len(m) > 1:
            raise BudgetInputError(f"{years[t]}年的进度数据月数不一致：{sorted(m.tolist())}，请统一为同一月份",
                                   table=table, field="月数", column="months")
        if len(m) == 1:
            partial_months[t] = m[0]
    return full, partial, partial_months
