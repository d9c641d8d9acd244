"""预计执行数 — full-year estimate of the year being drafted from year-to-date actuals.

预计执行数 = 当年1–m月实际数 ÷ 以前年度同期（1–m月）占全年的比重 (domain.md §4). The share is
the ratio of sums over the earlier years that have both a 1–m月 and a full-year figure; with no
such year it falls back to m/12 (even spending through the year).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ExecutionEstimate(NamedTuple):
    """全年预计 (full-year estimate) and the progress share used (同期进度)."""

    full_year: np.ndarray
    share: np.ndarray
    fallback: np.ndarray


def estimate_full_year(ytd: np.ndarray, past_ytd: np.ndarray, past_full: np.ndarray,
                       months: int) -> ExecutionEstimate:
    """Estimate full-year figures.

    ytd: (..., ) year-to-date actuals of the current year (1–`months`月).
    past_ytd, past_full: (..., T) the same months and full years of earlier years; NaN where absent.
    """
    ytd = np.asarray(ytd, dtype=float)
    if months >= 12:
        return ExecutionEstimate(ytd, np.ones_like(ytd), np.zeros(ytd.shape, dtype=bool))
    num, den = paired_sums(past_ytd, past_full)
    usable = (den > 0) & (num > 0) & (num <= den * 1.5)
    share = np.where(usable, num / np.where(usable, den, 1.0), months / 12.0)
    return ExecutionEstimate(ytd / share, share, ~usable)


def paired_sums(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Σa, Σb) over the earlier years (last axis) that have both figures — the seasonal ratio's parts."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    return np.where(both, a, 0.0).sum(axis=-1), np.where(both, b, 0.0).sum(axis=-1)


class StockEstimate(NamedTuple):
    """年末数预计 (year-end estimate of a stock) and the seasonal ratio used (年末/第m月末)."""

    year_end: np.ndarray
    ratio: np.ndarray
    fallback: np.ndarray


def estimate_year_end_stock(current: np.ndarray, past_month: np.ndarray, past_year_end: np.ndarray,
                            months: int) -> StockEstimate:
    """Estimate a stock's year-end value (参保人数、平均缴费工资 …) from its month-`months` value.

    年末预计数 = 当年第m月末数 × Σ以前年度年末数 ÷ Σ以前年度同月末数 (the seasonal ratio, per unit,
    over the earlier years that have both figures). With no such year the month-m value is kept
    (ratio 1) and `fallback` is True.
    current: (...,); past_month, past_year_end: (..., T), NaN where absent.
    """
    current = np.asarray(current, dtype=float)
    if months >= 12:
        return StockEstimate(current, np.ones_like(current), np.zeros(current.shape, dtype=bool))
    num, den = paired_sums(past_year_end, past_month)
    usable = (den > 0) & (num > 0)
    ratio = np.where(usable, num / np.where(usable, den, 1.0), 1.0)
    return StockEstimate(current * ratio, ratio, ~usable)
