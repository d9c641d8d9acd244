"""名称检查 (names) — V410: a unit name, option code or option name that a spreadsheet would run as a formula.

A name that starts with = + - @ (or a tab or carriage return) is shown as text in every file wibudget writes,
but the same name copied into another workbook or a CSV opened elsewhere may run as a formula
("=HYPERLINK(…)", "=cmd|' /C calc'!A0"). Warn, so that the province renames it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from models.validation.rules import Findings

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: Any) -> bool:
    """Text that starts (after blanks) with a character that makes a spreadsheet read a formula."""
    return isinstance(text, str) and text.lstrip(" \u3000")[:1] in FORMULA_STARTS and bool(text.strip())


def _advice(text: str) -> str:
    return (f"“{text[:40]}”以公式符号（= + - @）开头：在其他表格软件中打开时可能被当作公式执行。"
            "请改用以汉字或字母开头的名称")


def name_warnings(units: pd.DataFrame | None, options: Sequence[Any], f: Findings) -> None:
    """V410 for unit names (单位) and option codes and names (方案代码、方案名称)."""
    if isinstance(units, pd.DataFrame) and "unit" in units:
        for i, name in enumerate(units["unit"].tolist()):
            if formula_like(name):
                f.add("V410", "units", f"单位名称{_advice(name)}", row=i, column="unit", unit=name)
    for k, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        for key, what in (("name", "方案代码"), ("label", "方案名称")):
            value = option.get(key)
            if formula_like(value):
                f.add("V410", "options", f"{what}{_advice(value)}", row=k, column=key)
