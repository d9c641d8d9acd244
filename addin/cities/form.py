"""分市填报表版式 (the city form's layout) — which sheets, tables and cells a returned form must keep.

A form holds one unit's rows of the three column tables of the input workbook (历年执行, 扩面计划, 待遇人员,
at the same anchors and with the same headers), a 填报说明 sheet whose identity cells name the province,
budget year and unit, and a 全省参考 sheet. `FORM_SIGNATURE` changes whenever the table layout changes,
so a form made by another version, or one whose headers were edited, is recognised as changed.
"""

from __future__ import annotations

import hashlib

from addin.workbook import layout

INTRO_SHEET = "填报说明"
REFERENCE_SHEET = "全省参考"
TABLE_KEYS: tuple[str, ...] = ("history", "plans", "beneficiaries")
FORM_SHEETS: tuple[str, ...] = (INTRO_SHEET, *(layout.TABLES[k].sheet for k in TABLE_KEYS), REFERENCE_SHEET)
FORM_VERSION = "分市填报表1"

#: identity cells on 填报说明: label in column A, value in column B
ID_PROVINCE, ID_YEAR, ID_UNIT, ID_VERSION = "B4", "B5", "B6", "B7"
ID_LABELS: dict[str, str] = {ID_PROVINCE: "省份", ID_YEAR: "预算年度", ID_UNIT: "填报单位", ID_VERSION: "表式版本"}

#: columns the city fills; the rest (keys and the province's own settings) are locked and not collected
CITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "history": tuple(c.code for c in layout.TABLES["history"].columns if c.code not in ("unit", "year", "months")),
    "plans": ("fiscal_revenue", "expansion", "prevention_plan"),
    "beneficiaries": tuple(c.code for c in layout.TABLES["beneficiaries"].columns if c.code != "unit"),
}


def _signature() -> str:
    heads = "|".join(f"{layout.TABLES[k].anchor}:" + ",".join(c.title for c in layout.TABLES[k].columns)
                     for k in TABLE_KEYS)
    return f"{FORM_VERSION}-{hashlib.sha256(heads.encode('utf-8')).hexdigest()[:8]}"


FORM_SIGNATURE = _signature()


def form_file_name(province: str, year: int, unit: str) -> str:
    """File name of a unit's form: 2027年分市填报表_济南市.xlsx (characters unsafe in file names replaced)."""
    safe = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in unit).strip(". ") or "单位"
    return f"{year}年分市填报表_{safe}.xlsx"
