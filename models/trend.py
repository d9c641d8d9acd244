"""趋势测算 — trend figures for the cross-check: average growth, CAGR, linear.

Series are arrays shaped (..., T) of full-year figures for consecutive years, oldest first;
every function returns next year's figure shaped (...). Where a method cannot be computed
(a zero or negative base for growth rates) the linear figure stands in and `fallback` marks it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy_financial as npf

from models.errors import BudgetInputError

METHODS: dict[str, str] = {"average": "平均增长率", "cagr": "复合增长率", "linear": "线性趋势"}


class TrendResult(NamedTuple):
    """趋势值 (trend figure) and where the linear stand-in was used."""

    value: np.ndarray
    fallback: np.ndarray


def _last(series: np.ndarray, years: int) -> np.ndarray:
    x = np.asarray(series, dtype=float)
    if x.shape[-1] < 2:
        raise BudgetInputError("趋势测算至少需要两个完整年度", field="history", value=x.shape[-1])
    return x[..., -min(years + 1, x.shape[-1]):]


def linear(series: np.ndarray, years: int = 3) -> np.ndarray:
    """线性趋势: least-squares line through the last `years`+1 points, one year ahead."""
    x = _last(series, years)
    n = x.shape[-1]
    t = np.arange(n, dtype=float)
    tc = t - t.mean()
    slope = (x * tc).sum(axis=-1) / (tc**2).sum()
    return x.mean(axis=-1) + slope * (n - t.mean())


def average_growth(series: np.ndarray, years: int = 3) -> TrendResult:
    """平均增长率: last figure × (1 + mean of the last `years` yearly growth rates)."""
    x = _last(series, years)
    prev, curr = x[..., :-1], x[..., 1:]
    ok = (prev > 0).all(axis=-1) & (curr >= 0).all(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(prev > 0, curr / np.where(prev > 0, prev, 1.0) - 1.0, 0.0).mean(axis=-1)
    value = np.where(ok, x[..., -1] * (1.0 + growth), linear(series, years))
    return TrendResult(value, ~ok)


def cagr(series: np.ndarray, years: int = 3) -> TrendResult:
    """复合增长率: last figure × (1 + CAGR), the rate solved by numpy-financial."""
    x = _last(series, years)
    first, last = x[..., 0], x[..., -1]
    ok = (first > 0) & (last > 0)
    n = x.shape[-1] - 1
    safe_first = np.where(ok, first, 1.0)
    safe_last = np.where(ok, last, 1.0)
    rate = np.asarray(npf.rate(n, 0.0, -safe_first, safe_last), dtype=float)
    ok = ok & np.isfinite(rate)
    value = np.where(ok, last * (1.0 + np.where(ok, rate, 0.0)), linear(series, years))
    return TrendResult(value, ~ok)


def trend(series: np.ndarray, method: str = "average", years: int = 3) -> TrendResult:
    """趋势值 by method name: average | cagr | linear."""
    if method == "average":
        return average_growth(series, years)
    if method == "cagr":
        return cagr(series, years)
    if method == "linear":
        value = linear(series, years)
        return TrendResult(value, np.zeros(np.shape(value), dtype=bool))
    raise BudgetInputError(f"趋势方法应为 {'、'.join(METHODS)} 之一", field="trend_method", value=method)


def deviation(driver: np.ndarray, trend_value: np.ndarray) -> np.ndarray:
    """偏离度: (driver − trend) / |trend|; 0 when both are 0, ±inf when only the trend is 0."""
    d = np.asarray(driver, dtype=float)
    t = np.asarray(trend_value, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (d - t) / np.abs(t)
        return np.where((t == 0) & (d == 0), 0.0, np.where(t == 0, np.sign(d) * np.inf, out))
