"""显示宽度与对齐 — display width of Chinese text, aligned terminal tables, figure formatting.

A CJK character (East Asian width W or F) takes two terminal columns and about two Excel character
units; everything else takes one. Used for terminal tables and for the draft's column widths.
"""

from __future__ import annotations

import math
import re
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


# ---------------------------------------------------------------- injection-safe text

#: First characters that make a spreadsheet treat a CSV cell as a formula (OWASP CSV injection guidance).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?")


def formula_like(text: Any) -> bool:
    """True for text a spreadsheet would run as a formula (it starts, after blanks, with = + - @ tab or CR)."""
    if not isinstance(text, str) or not text:
        return False
    if text[0] in CSV_FORMULA_STARTS:
        return True
    stripped = text.lstrip(" \u3000")
    return bool(stripped) and stripped[0] in CSV_FORMULA_STARTS and stripped != text


def safe_csv_cell(value: Any) -> Any:
    """CSV 单元格防注入: text that would start a formula gets a leading apostrophe ("=1+1" → "'=1+1");
    figures (numbers, or text that is a plain number such as "-12.50") and everything else pass unchanged."""
    if not isinstance(value, str) or not formula_like(value) or _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def safe_csv_row(values: Sequence[Any]) -> list[Any]:
    """One CSV row with every text cell made safe (see :func:`safe_csv_cell`)."""
    return [safe_csv_cell(v) for v in values]


# ---------------------------------------------------------------- line breaking of Chinese text

#: Characters that may not begin a line (closing punctuation), nor end one (opening punctuation).
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’%％·…—～,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"（[^（）]{1,4}）|\([^()]{1,4}\)|[-+−]?[A-Za-z0-9]+(?:[.,:][0-9]+)*%?|.", re.S)   # short brackets whole
HEADER_TAILS = ("支出", "收入", "合计", "人数", "费用", "结余", "缺口", "执行数", "预算数", "测算值")


def wrap_text(text: str, width: float) -> str:
    """Break `text` into lines of at most `width` display columns with explicit newlines, never starting a line
    with closing punctuation (it stays on the line before) nor ending one with opening punctuation; digits and
    Latin letters are not split. Existing newlines are kept."""
    out: list[str] = []
    for para in text.split("\n"):
        line, w = "", 0
        for token in _TOKEN.findall(para):          # numbers and Latin words stay whole
            tw = display_width(token)
            if line and w + tw > width and token[0] not in NO_LINE_START:
                carry = ""
                while line and line[-1] in NO_LINE_END:
                    carry, line = line[-1] + carry, line[:-1]
                out.append(line.rstrip(" "))
                line, w = carry, display_width(carry)
            if not line and token == " ":
                continue                              # a break eats the blank
            line += token
            w += tw
        out.append(line)
    return "\n".join(out)


def header_break(label: str, width: float) -> str:
    """A header label wider than `width` broken once at a word boundary: before a final 支出/收入/合计…, or
    before a bracket, else in the middle — never inside a word such as 支出."""
    if "\n" in label or display_width(label) <= width:
        return label
    for tail in HEADER_TAILS:
        if label.endswith(tail) and len(label) > len(tail) + 1:
            return label[: -len(tail)] + "\n" + tail
    for bracket in ("（", "("):
        k = label.find(bracket)
        if k > 0:
            return label[:k] + "\n" + label[k:]
    return label


class SafeCsvWriter:
    """csv.writer whose every row passes through :func:`safe_csv_row` (all of the tool's CSV output)."""

    def __init__(self, stream: Any) -> None:
        import csv

        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow(safe_csv_row(row))
