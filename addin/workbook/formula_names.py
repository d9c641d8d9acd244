"""公式函数名还原 — plain GS_* names back in formulas that LibreOffice saved.

LibreOffice saves a call of the wibudget Calc add-in under its service-qualified name, e.g.
`ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE(` (sometimes behind `_xludf.`/`_xlfn.`), which Excel and the
xlwings functions do not know. `normalise_formula_names` writes `GS_BALANCE(` again. Pure text work: no
imports from the rest of wibudget, so any reader can use it.
"""

from __future__ import annotations

import re

_QUALIFIED = re.compile(
    r"(?<![\w.])(?:_xl(?:udf|fn)\.)?ORG\.WIBUDGET\.(?:[A-Z0-9_]+\.)*(GS_[A-Z0-9_]+)(?=\s*\()",
    re.IGNORECASE)


def normalise_formula_names(text: str) -> str:
    """`=ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE(…)` → `=GS_BALANCE(…)` (any case; text in quotes untouched)."""
    if not isinstance(text, str) or "wibudget" not in text.lower():
        return text
    parts = re.split(r'("(?:[^"]|"")*")', text)          # odd parts are string literals
    return "".join(part if k % 2 else _QUALIFIED.sub(lambda m: m.group(1).upper(), part)
                   for k, part in enumerate(parts))
