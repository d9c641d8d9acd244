"""单元格检查 (cell checks, V1xx) — every value of every input table: blanks, text in numeric columns, Excel error
values, non-integers, magnitudes and signs, each reported with its table, row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.inputs import COLUMNS, OPTIONAL_COLUMNS, BudgetInputs
from models.validation.rules import MAX_MAGNITUDE, READ_LIMITS, TABLE_LABELS, YEAR_RANGE, Findings

# ---------------------------------------------------------------- helpers


def header_of(table: str, column: str) -> str:
    return COLUMNS.get(table, {}).get(column, column)


def is_blank_value(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def cell_text(value: Any) -> str | None:
    """A text cell as stripped text; None when blank."""
    if is_blank_value(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def cell_texts(values: Any) -> list[str | None]:
    """:func:`cell_text` of every value of a column (one pass when the column is all text)."""
    values = values.tolist() if isinstance(values, pd.Series) else list(values)
    if set(map(type, values)) == {str}:
        return [t if (t := v.strip()) else None for v in values]
    return [cell_text(v) for v in values]


_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                           "#CALC!", "#GETTING_DATA"})


def shown_value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def not_a_number(value: Any) -> tuple[str, str] | None:
    """(rule, problem) when a non-blank cell is not a usable number; None when it is one."""
    if isinstance(value, bool | np.bool_):
        return "V103", f"是逻辑值（{value}），请填入数值"
    if isinstance(value, numbers.Real):
        if math.isfinite(float(value)):
            return None
        return "V103", "不是有限数值，请填入数值"
    if isinstance(value, str):
        if value.strip().upper() in _EXCEL_ERRORS:
            return "V105", f"是错误值 {value.strip()}，请先修正该单元格或它引用的单元格"
        return "V103", (f"不是数字（“{shown_value(value)}”），请只填数字；“1,234”“12%”这类文字格式的数字"
                        "通过工作簿读取时会自动转换，直接传入数据时请先转换为数值")
    if isinstance(value, dt.date | dt.datetime | dt.time | pd.Timestamp):
        return "V103", f"是日期或时间（{value}），请填入数值"
    return "V103", f"不是数字（{type(value).__name__}），请填入数值"


def _where(table: str, frame: pd.DataFrame, i: int) -> str:
    """How a row is named in messages: 南昌 2023年全年, 2024年1–9月, 南昌 …"""
    def get(col: str) -> Any:
        return frame[col].iloc[i] if col in frame.columns else None

    unit = cell_text(get("unit"))
    year, months = scalar_value(get("year")), scalar_value(get("months"))
    when = ""
    if year is not None and YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        when = f"{int(year)}年"
        if months is not None and 1 <= months <= 12:
            when += "全年" if int(months) == 12 else f"1–{int(months)}月"
    parts = [p for p in (unit, when) if p]
    return " ".join(parts) if parts else f"第{i + 1}行"


@dataclass(frozen=True)
class _Spec:
    optional: bool = False
    signed: bool = False
    integer: bool = False
    low: float | None = None
    high: float | None = None


_INTEGER_BOUNDS = {k: READ_LIMITS[k] for k in ("year", "months", "assessment_rank")}
_SIGNED = {("plans", "wage_growth"), ("plans", "rate_change"), ("province_history", "balance_end")}
_TEXT_COLUMNS = ("unit", "kind")


def _spec(table: str, column: str) -> _Spec:
    low, high = _INTEGER_BOUNDS.get(column, (None, None))
    return _Spec(optional=column in OPTIONAL_COLUMNS.get(table, set()), signed=(table, column) in _SIGNED,
                 integer=column in _INTEGER_BOUNDS, low=low, high=high)


# ---------------------------------------------------------------- 1. tables and cells


def check_table(inputs: BudgetInputs, table: str, f: Findings) -> pd.DataFrame | None:
    """Required columns and every cell; returns a clean copy (numbers as float, NaN where bad or blank)."""
    frame = getattr(inputs, table, None)
    if not isinstance(frame, pd.DataFrame):
        f.add("V101", table, f"缺少“{TABLE_LABELS[table]}”表，请按输入版式补上")
        return None
    frame = frame.reset_index(drop=True)
    required = [c for c in COLUMNS[table] if c not in OPTIONAL_COLUMNS.get(table, set())]
    missing = [c for c in required if c not in frame.columns]
    for c in missing:
        f.add("V101", table, f"“{TABLE_LABELS[table]}”表缺少列“{header_of(table, c)}”（{c}），请补上该列",
              column=c)
    if missing:
        return None
    units = cell_texts(frame["unit"]) if "unit" in frame.columns else [None] * len(frame)
    clean: dict[str, Any] = {}
    for column in COLUMNS[table]:
        if column not in frame.columns:
            continue
        if column in _TEXT_COLUMNS:
            clean[column] = units if column == "unit" else cell_texts(frame[column])
            _blank_texts(frame, table, column, clean[column], f)
            clean[column] = pd.Series(clean[column], index=frame.index, dtype=object)
        else:
            clean[column] = _number_column(frame, table, column, _spec(table, column), units, f)
    return pd.DataFrame(clean, index=frame.index)


def _blank_texts(frame: pd.DataFrame, table: str, column: str, values: list[str | None], f: Findings) -> None:
    for i, v in enumerate(values):
        if v is None:
            f.add("V102", table, f"{_where(table, frame, i)}的“{header_of(table, column)}”为空，请填写", row=i,
                  column=column)


def _number_column(frame: pd.DataFrame, table: str, column: str, spec: _Spec, units: list[str | None],
                   f: Findings) -> np.ndarray:
    raw = frame[column]
    head = header_of(table, column)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=float, na_value=np.nan).copy()
        candidates = np.flatnonzero(~np.isfinite(values))
        cells = raw.to_numpy()
    else:
        values = np.full(len(raw), np.nan)
        cells = raw.tolist()
        candidates = range(len(raw))
    for i in candidates:
        value = cells[i]
        if is_blank_value(value):
            if not spec.optional:
                f.add("V102", table, f"{_where(table, frame, i)}的“{head}”为空，请填入数值", row=i, column=column,
                      unit=units[i])
            continue
        problem = not_a_number(value)
        if problem is not None:
            f.add(problem[0], table, f"{_where(table, frame, i)}的“{head}”{problem[1]}", row=i, column=column,
                  unit=units[i], value=shown_value(value))
            values[i] = np.nan
        else:
            values[i] = float(value)
    finite = np.isfinite(values)
    negative = finite & (values < 0) & (not spec.signed) & (spec.low is None)
    fraction = finite & spec.integer & (values != np.round(values))
    outside = finite & (((values < spec.low) if spec.low is not None else False)
                        | ((values > spec.high) if spec.high is not None else False)
                        | (np.abs(values) > MAX_MAGNITUDE))
    for i in np.flatnonzero(negative | fraction | outside):
        x = values[i]
        where = f"{_where(table, frame, i)}的“{head}”"
        if x < 0 and not spec.signed and spec.low is None:
            f.add("V104", table, f"{where}为 {x:,.2f}，不能为负数：请填写正数或 0（人数以人、金额以元为单位）",
                  row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif spec.integer and x != round(x):
            f.add("V106", table, f"{where}为 {x:g}，须为整数", row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif abs(x) > MAX_MAGNITUDE:
            f.add("V106", table, f"{where}为 {x:.3g}，大得不合常理（超过 {MAX_MAGNITUDE:.0e}）：请核对单位和数值",
                  row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif (spec.low is not None and x < spec.low) or (spec.high is not None and x > spec.high):
            span = f"{spec.low:g}–{spec.high:g}" if spec.high is not None else f"不小于 {spec.low:g}"
            hint = "（12 表示全年决算，不足 12 表示1–N月执行数）" if column == "months" else ""
            f.add("V106", table, f"{where}为 {x:g}，应在 {span}{hint}", row=i, column=column, unit=units[i],
                  value=float(x))
            values[i] = np.nan
    return values


def scalar_value(value: Any) -> float | None:
    """A finite float from a number (None when blank, not a number, or an array)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    x = float(value)
    return x if math.isfinite(x) else None
