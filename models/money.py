"""金额与舍入 — yuan/万元 conversion and exact largest-remainder rounding.

Internal values are yuan (元, float64); tables show 万元 with two decimals. Rounded parts must
add up exactly to the rounded total, so rounding works in integer hundredths of 万元 (= 100 元).
"""

from __future__ import annotations

import numpy as np

from models.errors import BudgetInputError

YUAN_PER_WAN = 10_000.0
CENTS_PER_WAN = 100  # 0.01 万元 steps
MAX_SAFE_STEPS = 2.0 ** 53   # integers a float64 holds exactly; beyond it an int64 cast is not safe


def _safe_int_steps(steps: np.ndarray) -> np.ndarray:
    """Whole steps as int64, refusing (never wrapping) amounts a float64 cannot hold to the step."""
    if steps.size and not (np.isfinite(steps).all() and np.abs(steps).max() < MAX_SAFE_STEPS):
        raise BudgetInputError("金额超出可计算的范围（超过 9 万亿万元）或不是有限数值：请核对输入的金额和单位（元）",
                               rule="V106")
    return steps.astype(np.int64)


def to_wan(yuan: np.ndarray | float) -> np.ndarray | float:
    """元 → 万元 (unrounded)."""
    return np.asarray(yuan, dtype=float) / YUAN_PER_WAN if np.ndim(yuan) else float(yuan) / YUAN_PER_WAN


def round_wan(yuan: np.ndarray | float) -> np.ndarray | float:
    """元 → 万元 rounded half away from zero to 2 decimals (a total on its own)."""
    steps = _half_away(np.asarray(yuan, dtype=float) / YUAN_PER_WAN * CENTS_PER_WAN)
    out = steps / CENTS_PER_WAN
    return out if np.ndim(out) else float(out)


def _half_away(x: np.ndarray) -> np.ndarray:
    # Guard against binary noise like 2.675 stored as 2.67499999: snap to 9 decimals first.
    x = np.round(x, 9)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def largest_remainder_steps(values: np.ndarray, total_steps: np.ndarray | None = None) -> np.ndarray:
    """Integer steps along the last axis that sum exactly to `total_steps` (largest remainder).

    `values` are in steps (any real numbers, may be negative); `total_steps` defaults to the
    rounded sum along the last axis. Ties go to the earlier position, so results are stable.
    """
    v = np.asarray(values, dtype=float)
    if v.shape[-1] == 0:
        return _safe_int_steps(v)
    if total_steps is None:
        total_steps = _half_away(v.sum(axis=-1))
    total = np.asarray(total_steps, dtype=float)
    base = np.floor(np.round(v, 9))
    short = _safe_int_steps(np.rint(total - base.sum(axis=-1)))  # how many +1 steps to hand out
    rem = v - base
    # rank positions by remainder, descending, ties by position (stable sort on -rem)
    order = np.argsort(-rem, axis=-1, kind="stable")
    ranks = np.argsort(order, axis=-1, kind="stable")  # rank of each position
    n = v.shape[-1]
    short_b = np.expand_dims(short, -1)
    # If `short` exceeds n (or is negative), spread whole steps evenly first.
    whole = np.floor_divide(short_b, n)
    part = short_b - whole * n
    add = whole + (ranks < part)
    return _safe_int_steps(base + add)


def allocate_wan(yuan: np.ndarray, total_yuan: np.ndarray | float | None = None) -> np.ndarray:
    """Round yuan parts to 万元 (2 dp) along the last axis so they sum exactly to the rounded total.

    The total is `total_yuan` rounded on its own (default: the sum of the parts). Returns 万元.
    """
    parts = np.asarray(yuan, dtype=float)
    steps = parts / YUAN_PER_WAN * CENTS_PER_WAN
    total = parts.sum(axis=-1) if total_yuan is None else np.asarray(total_yuan, dtype=float)
    total_steps = _half_away(total / YUAN_PER_WAN * CENTS_PER_WAN)
    return largest_remainder_steps(steps, total_steps) / CENTS_PER_WAN
