"""显示宽度与对齐 — display width of Chinese text, aligned terminal tables, figure formatting.

A CJK character (East Asian width W or F) takes two terminal columns and about two Excel character
units; everything else takes one. Used for terminal tables and for the draft's column widths.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

WIDE = frozenset({"W", "F"})


def display_width(text: str) -> int:
    """显示宽度: columns `text` takes in a terminal (wide characters count 2)."""
    if text.isascii():       # figures and codes: one column a character (the common case, fast at scale)
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in WIDE else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, width: int, align: str = "left") -> str:
    """Pad `text` with spaces to `width` display columns (align left, right or center)."""
    gap = max(0, width - display_width(text))
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: Any, decimals: int = 2, *, thousands: bool = True) -> str:
    """A figure as text: thousands separators, fixed decimals, blank for None/NaN."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}" if thousands else str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        return f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, decimals: int | Sequence[int] = 2,
               title: str = "", aligns: Sequence[str] | None = None) -> str:
    """对齐的文本表格 — an aligned table: text left, numbers right, wide characters counted as 2.

    `aligns` ("left"/"right"/"center" per column) overrides the automatic choice.
    """
    n = len(headers)
    decs = [decimals] * n if isinstance(decimals, int) else list(decimals)
    cells = [[fmt_number(v, decs[k]) for k, v in enumerate(row)] for row in rows]
    numeric = [all(isinstance(row[k], (int, float)) and not isinstance(row[k], bool) or is_blank(row[k])
                   for row in rows) for k in range(n)]
    widths = [max([display_width(headers[k])] + [display_width(r[k]) for r in cells]) for k in range(n)]
    aligns = list(aligns) if aligns else ["right" if numeric[k] and k > 0 else "left" for k in range(n)]
    lines = [title] if title else []
    lines.append("  ".join(pad(h, widths[k], aligns[k]) for k, h in enumerate(headers)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(pad(c, widths[k], aligns[k]) for k, c in enumerate(r)).rstrip())
    return "\n".join(lines)
