"""单位、年度与结余检查 (units, years and balance identity) — every unit in every table, complete year rows, the
Jan–N月 row of the base year, and 年末 = 年初 + 收入 − 支出 in the province history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.inputs import CITY, PROVINCE, BudgetInputs
from models.validation.cells import shown_value
from models.validation.rules import BALANCE_TOLERANCE, TABLE_LABELS, Findings

# ---------------------------------------------------------------- 2. units


def check_units(clean: dict[str, pd.DataFrame | None], f: Findings) -> list[str]:
    """单位名单: unique names, valid kinds, at least one city; returns the names in order."""
    units = clean.get("units")
    if units is None:
        return []
    seen: dict[str, int] = {}
    for i, name in enumerate(units["unit"]):
        if name is None:
            continue
        if name in seen:
            f.add("V201", "units", f"单位“{name}”重复出现（第{seen[name] + 1}行已有），每个单位只能填一行",
                  row=i, column="unit", unit=name)
        else:
            seen[name] = i
    kinds = units["kind"]
    for i, kind in enumerate(kinds):
        if kind is not None and kind not in (CITY, PROVINCE):
            f.add("V107", "units", f"{units['unit'].iloc[i] or f'第{i + 1}行'}的“类型”为“{shown_value(kind)}”，"
                  "应为 设区市 或 省本级", row=i, column="kind", unit=units["unit"].iloc[i], value=kind)
    if not any(k == CITY for k in kinds) and not any(k is None for k in kinds):
        f.add("V204", "units", "单位名单中没有类型为“设区市”的单位，请至少列出一个设区市", column="kind")
    return list(seen)


def check_per_unit(clean: dict[str, pd.DataFrame | None], table: str, names: list[str], f: Findings) -> None:
    """扩面计划、待遇人员: every unit exactly once, no unknown unit."""
    frame = clean.get(table)
    if frame is None or not names:
        return
    known = set(names)
    seen: dict[str, int] = {}
    for i, name in enumerate(frame["unit"]):
        if name is None:
            continue
        if name not in known:
            f.add("V203", table, f"“{TABLE_LABELS[table]}”表中的单位“{name}”不在单位名单中，请检查名称是否一致"
                  "（含空格、简称）", row=i, column="unit", unit=name)
        elif name in seen:
            f.add("V201", table, f"单位“{name}”在“{TABLE_LABELS[table]}”表中出现多行，请合并为一行", row=i,
                  column="unit", unit=name)
        else:
            seen[name] = i
    for name in names:
        if name not in seen:
            f.add("V202", table, f"“{TABLE_LABELS[table]}”表中没有单位“{name}”的数据行，请补上（没有的人数填 0）",
                  column="unit", unit=name)


# ---------------------------------------------------------------- 3. years


def year_rows(frame: pd.DataFrame, names: Iterable[str] | None) -> pd.DataFrame:
    """Rows with a usable (unit,) year and months, as integers."""
    ok = frame["year"].notna().to_numpy() & frame["months"].notna().to_numpy()
    if names is not None:
        ok &= frame["unit"].isin(list(names)).to_numpy()
    rows = frame.take(np.flatnonzero(ok))           # what frame[ok] takes, with the two columns made int (as astype)
    rows["year"] = rows["year"].to_numpy().astype(int)
    rows["months"] = rows["months"].to_numpy().astype(int)
    return rows


def unique_rows(frame: pd.DataFrame, names: Iterable[str] | None, keys: tuple[str, ...], f: Findings) -> pd.DataFrame:
    """:func:`year_rows` without repeated `keys` (first kept), made once per validation run (kept in `f.memo`, with
    the frame itself so that its id stays its own), or once per content of the table when the frame is a clean
    copy kept by `validation.memo`. The rules share it and never change it."""
    wanted = None if names is None else tuple(names)
    kept = f.memo.get(("derived", id(frame)))
    store = kept[1] if kept is not None and kept[0] is frame else f.memo   # kept with the table's content
    key = ("unique_rows", id(frame), wanted, keys) if store is f.memo else ("unique_rows", wanted, keys)
    held = store.get(key)
    if held is None or held[0] is not frame:
        if keys:
            rows = unique_rows(frame, wanted, (), f)
        elif wanted is not None:                        # the year rows of every unit, those of the wanted ones
            rows = unique_rows(frame, None, (), f)
            known = rows["unit"].isin(list(wanted)).to_numpy()
            rows = rows if known.all() else rows.take(np.flatnonzero(known))
        else:
            rows = year_rows(frame, None)
        held = store[key] = (frame, rows.drop_duplicates(subset=list(keys)) if keys and _repeats(rows, keys) else rows)
    return held[1]


def _repeats(rows: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    """Whether some (unit,) year and months repeat among `rows` (True when it cannot tell quickly)."""
    if keys not in (("unit", "year", "months"), ("year", "months")):
        return True
    when = rows["year"].to_numpy().astype(np.int64) * 100 + rows["months"].to_numpy()    # years ≤ 2100, 1–12 months
    if keys[0] == "unit":
        codes = pd.factorize(rows["unit"].to_numpy())[0]
        if (codes < 0).any():
            return True
        when = codes.astype(np.int64) * 1_000_000 + when
    return np.unique(when).size < len(when)


def full_year_rows(unit_code: np.ndarray, years: np.ndarray, full: np.ndarray, units: np.ndarray,
                   wanted: np.ndarray) -> np.ndarray:
    """For each (unit code, year) asked, the position of that unit's full-year row (`full`) of that year among
    the rows (unit codes `unit_code`, `years`; one full row per unit and year); −1 where there is none."""
    span = int(max(years.max(initial=0), wanted.max(initial=0))) + 2
    at = np.flatnonzero(full)
    keys = unit_code[at].astype(np.int64) * span + years[at]
    order = np.argsort(keys, kind="stable")
    keys, at = keys[order], at[order]
    asked = units.astype(np.int64) * span + wanted
    pos = np.minimum(np.searchsorted(keys, asked), max(len(keys) - 1, 0))
    hit = (keys[pos] == asked) if len(keys) else np.zeros(len(asked), dtype=bool)
    return np.where(hit, at[pos] if len(keys) else 0, -1)


def check_history_years(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], names: list[str],
                         f: Findings) -> tuple[int | None, int]:
    """历年执行: duplicates, unknown units, contiguous full years, the Y−1 progress row, months."""
    hist = clean.get("history")
    b = int(inputs.budget_year) - 1
    if hist is None:
        return None, b
    known = set(names)
    for i, name in enumerate(hist["unit"]):
        if name is not None and known and name not in known:
            f.add("V203", "history", f"历年执行表中的单位“{name}”不在单位名单中，请检查名称是否一致（含空格、简称）",
                  row=i, column="unit", unit=name)
    scope = names if known else None
    rows = unique_rows(hist, scope, ("unit", "year", "months"), f)
    _duplicates(unique_rows(hist, scope, (), f), rows, lambda r: f"{r['unit']} {r['year']}年{month_span(r['months'])}"
                "的数据出现多行，请只保留一行", "history", f)
    _late_rows(rows, b, "history", f)
    years, months, units = rows["year"].to_numpy(), rows["months"].to_numpy(), rows["unit"].to_numpy()
    used = years <= b
    if not used.any():
        f.add("V302", "history", f"历年执行表没有可用的数据：须有{b - 1}年决算数和{b}年1–N月执行数（预算年度"
              f"{b + 1}）", column="year")
        return None, b
    first = int(years[used].min())
    full = used & (months == 12)
    for t in range(first, b):
        have = set(units[full & (years == t)])
        if not have:
            if t == b - 1:
                f.add("V302", "history", f"缺少{t}年全年决算数（月数 12）：预算年度{b + 1}须有{t}年决算数",
                      column="year", value=t)
            else:
                f.add("V301", "history", f"缺少{t}年全年数据：历年数据须逐年连续（{first}年至{b - 1}年），"
                      "请补上该年或删去更早的年份", column="year", value=t)
            continue
        for name in names:
            if name not in have:
                f.add("V202", "history", f"缺少{name} {t}年全年（月数 12）数据，请补上该行", column="year",
                      unit=name, value=t)
    have_b = set(units[years == b])
    if not have_b:
        f.add("V302", "history", f"缺少{b}年1–N月执行数（编制年度的执行进度），请补上各单位{b}年的进度行",
              column="year", value=b)
    else:
        for name in names:
            if name not in have_b:
                f.add("V302", "history", f"缺少{name} {b}年1–N月执行数，请补上该单位的进度行", column="year",
                      unit=name, value=b)
    _check_months(rows, "history", f, used)
    return first, b


def _duplicates(rows: pd.DataFrame, kept: pd.DataFrame, message: Any, table: str, f: Findings) -> None:
    """V201 for each row of `rows` that `kept` (its first rows of each key) leaves out, in row order."""
    if len(kept) == len(rows):
        return
    for i in rows.index[~rows.index.isin(kept.index)]:
        r = rows.loc[i]
        f.add("V201", table, message(r), row=int(i), column="year", unit=r["unit"] if "unit" in rows.columns else None)


def month_span(months: int) -> str:
    return "全年" if int(months) == 12 else f"1–{int(months)}月"


def _late_rows(rows: pd.DataFrame, b: int, table: str, f: Findings) -> None:
    late = rows["year"].to_numpy() > b
    if not late.any():
        return
    for i in rows.index[late]:
        r = rows.loc[i]
        who = f"{r['unit']} " if "unit" in rows.columns else ""
        f.add("V306", table, f"{who}{r['year']}年的数据晚于编制年度 {b} 年，测算时不使用：请确认预算年度是否填对",
              row=int(i), column="year", unit=r.get("unit"), value=int(r["year"]))


def _check_months(rows: pd.DataFrame, table: str, f: Findings, used: np.ndarray) -> None:
    """Year-to-date rows of one year (among the `used` rows) must share one month count."""
    years, months = rows["year"].to_numpy(), rows["months"].to_numpy()
    part = used & (months < 12)
    for year in np.unique(years[part]):
        if len(np.unique(months[part & (years == year)])) < 2:
            continue
        group = rows[part & (years == year)]
        counts = group["months"].value_counts()
        if len(counts) > 1:
            usual = int(counts.index[0])
            for i in group.index[group["months"] != usual]:
                r = group.loc[i]
                who = f"{r['unit']} " if "unit" in group.columns else ""
                f.add("V303", table, f"{who}{year}年的进度数据为1–{r['months']}月，其他为1–{usual}月："
                      "同一年度的进度数据请统一为同一月份", row=int(i), column="months", unit=r.get("unit"),
                      value=int(r["months"]))


def check_province_years(clean: dict[str, pd.DataFrame | None], first: int | None, b: int, f: Findings) -> None:
    ph = clean.get("province_history")
    if ph is None:
        return
    rows = unique_rows(ph, None, ("year", "months"), f)
    _duplicates(unique_rows(ph, None, (), f), rows, lambda r: f"省级收支表 {r['year']}年{month_span(r['months'])}"
                "出现多行，请只保留一行", "province_history", f)
    _late_rows(rows, b, "province_history", f)
    years, months = rows["year"].to_numpy(), rows["months"].to_numpy()
    used = years <= b
    if first is None:
        first = int(years[used].min()) if used.any() else b - 1
    full_years = set(years[used & (months == 12)].tolist())
    for t in range(first, b):
        if t not in full_years:
            f.add("V301" if t < b - 1 else "V302", "province_history",
                  f"省级收支表缺少{t}年全年数据（月数 12）：须与历年执行表的年份一致（{first}年至{b - 1}年逐年）",
                  column="year", value=t)
    if b not in set(years[used].tolist()):
        f.add("V302", "province_history", f"省级收支表缺少{b}年1–N月执行数，请补上", column="year", value=b)
    _check_months(rows, "province_history", f, used)


# ---------------------------------------------------------------- 4. balance identity


def check_balance(clean: dict[str, pd.DataFrame | None], names: list[str], b: int, f: Findings) -> None:
    """滚存结余: balance_end_t = balance_end_{t−1} + revenue_t − expenditure_t, within 1 yuan.

    A mistyped year-end balance breaks two years at once, by opposite amounts: then only that year
    is reported, not the year that merely starts from it.
    """
    hist, ph = clean.get("history"), clean.get("province_history")
    if hist is None or ph is None or not names:
        return
    flows_in = list(items.UNIT_REVENUE_ITEMS)
    flows_out = list(items.EXPENDITURE_ITEMS)
    rows = unique_rows(hist, names, ("unit", "year", "months"), f)
    prov = unique_rows(ph, None, ("year", "months"), f).sort_values(["year", "months"])
    p_year, p_months = prov["year"].to_numpy(), prov["months"].to_numpy()
    p_end = prov["balance_end"].to_numpy(dtype=float)
    p_subsidy, p_interest = prov[items.SUBSIDY].to_numpy(dtype=float), prov[items.INTEREST].to_numpy(dtype=float)
    closing = {int(y): e for y, m, e in zip(p_year, p_months, p_end, strict=True) if m == 12}
    when = rows["year"].to_numpy() * 100 + rows["months"].to_numpy()
    flows = rows[flows_in + flows_out].to_numpy(dtype=float)
    gaps: dict[tuple[int, int], tuple[int, float, float, float, float, float]] = {}
    for k, i in enumerate(prov.index):
        year, months = int(p_year[k]), int(p_months[k])
        opening = closing.get(year - 1)
        values = [p_end[k], p_subsidy[k], p_interest[k], opening]
        if any(v is None or not np.isfinite(v) for v in values):
            continue
        group = flows[when == year * 100 + months]
        if len(group) != len(names) or not np.isfinite(group).all():
            continue
        # column by column, as the sums of the frame's own (column-major) values run
        revenue = float(np.asfortranarray(group[:, :len(flows_in)]).sum()) + p_subsidy[k] + p_interest[k]
        expenditure = float(np.asfortranarray(group[:, len(flows_in):]).sum())
        expected = opening + revenue - expenditure
        gaps[(year, months)] = (int(i), float(p_end[k]), float(opening), revenue, expenditure, expected)
    for (year, months), (i, actual, opening, revenue, expenditure, expected) in gaps.items():
        diff = actual - expected
        if abs(diff) <= BALANCE_TOLERANCE:
            continue
        before = gaps.get((year - 1, 12))
        if before is not None and abs(diff + (before[1] - before[5])) <= BALANCE_TOLERANCE:
            continue   # only last year's closing balance is off; reported there
        rule = "V304" if months == 12 else "V305"
        f.add(rule, "province_history",
              f"{year}年{month_span(months)}期末滚存结余为 {actual:,.2f} 元，但 上年末滚存结余 {opening:,.2f}"
              f" + 收入 {revenue:,.2f}（各单位保险费及其他收入、财政补贴、利息）− 支出 {expenditure:,.2f}"
              f" = {expected:,.2f} 元，相差 {diff:,.2f} 元：请核对结余和收支数（是否漏填、是否元与万元混用）",
              row=i, column="balance_end", value=diff)


