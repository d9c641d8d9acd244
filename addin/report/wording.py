"""说明文字的数字措辞 (wording of figures in the explanatory note): 万元, percentages, changes and growth.

Never prints "inf" or "nan": a growth over a zero base reads 上年为零; percentage-point changes are taken
from the displayed (rounded) percentages so that the text agrees with the figures next to it.
"""

from __future__ import annotations

import numpy as np


def wan(x: float) -> str:
    """12,345.67万元."""
    return f"{x:,.2f}万元"


def pct(x: float, decimals: int = 2) -> str:
    return f"{x * 100:.{decimals}f}%"


def change_words(change: float, growth_pct: float | None = None, same: str = "与上年预计执行数持平") -> str:
    """增加 1,234.56万元（增长 7.09%） / 减少 … （下降 …） / `same` when unchanged."""
    if round(change, 2) == 0:
        return same
    verb = "增加" if change > 0 else "减少"
    text = f"{verb}{wan(abs(change))}"
    if growth_pct is not None and np.isfinite(growth_pct):
        text += f"（{'增长' if growth_pct >= 0 else '下降'}{abs(growth_pct):.2f}%）"
    elif growth_pct is not None:
        text += "（上年为零）"
    return text


def growth_of(new: float, old: float) -> float:
    return new / old - 1.0 if old else np.nan


def growth_pct(new: float, old: float, decimals: int = 2, *, sign: bool = False) -> str:
    """Growth as text: 7.09% (with sign: +7.09%), or 上年为零 when the base is zero."""
    g = growth_of(new, old)
    if not np.isfinite(g):
        return "上年为零"
    return f"{g * 100:{'+' if sign else ''}.{decimals}f}%"


def points(new_rate: float, old_rate: float, decimals: int = 3) -> str:
    """百分点变化 from the displayed (rounded) percentages, so the text agrees with the figures shown."""
    return f"{round(new_rate * 100, decimals) - round(old_rate * 100, decimals):.{decimals}f}"
