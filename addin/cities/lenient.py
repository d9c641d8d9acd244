"""部分填写的工作簿 (reading a workbook still being filled) — for split and collect.

The city round starts from a workbook whose figures are still blank (`wibudget new`): the reader for
drafting refuses every blank. Here the same layout and cell rules are used with every column and
setting optional, so a blank stays blank (NaN) and anything typed is still checked (text in a number
cell is refused with its sheet!cell). A workbook that is complete reads exactly as `read_inputs` reads it.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pandas as pd

from addin.workbook import coerce, layout, reader
from addin.workbook.layout import TableLayout
from models import inputs as mi
from models.inputs import Assumptions, BudgetInputs
from models.parameter_set import province_code


def _relaxed(table: TableLayout) -> list[layout.Column]:
    return [dataclasses.replace(c, optional=True) for c in table.columns]


def _frame(sheets: dict[str, Any], key: str, codes: list[str] | None = None) -> pd.DataFrame:
    table = layout.TABLES[key]
    frame = reader._read_frame(sheets, table, columns=_relaxed(table), required=["unit"] if key != "province_history"
                               else ["year"])
    for code in codes or [c.code for c in table.columns]:
        if code not in frame.columns:
            frame[code] = math.nan
    return frame


def _params(rows: list[list[Any]]) -> dict[str, Any]:
    table = layout.TABLES["params"]
    block, position = reader._table_block(rows, table)
    settings = [dataclasses.replace(s, optional=True) for s in layout.PARAM_ROWS]
    found = reader.coerce_tables.header_positions(block[0], table.columns, table=table.sheet,
                                                  required=["code", "value"], position=position)
    vj = found["value"]
    values: dict[str, Any] = {}
    trend: dict[str, str] = {}
    for i, setting in reader._setting_rows(block, position, table, settings, [vj], reader._extra_trend_setting):
        value = coerce.coerce_cell(reader._cell(block, i, vj), setting, where=position(i, vj), table=table.sheet)
        if setting.code.startswith(layout.TREND_PREFIX):
            if value is not None and value == value:
                trend[setting.code[len(layout.TREND_PREFIX):]] = value
        else:
            values[setting.code] = value
    values["trend_methods"] = trend
    return values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_partial(path: Path) -> tuple[BudgetInputs, list[dict]]:
    """The inputs of a workbook in the input layout, blanks kept as NaN / None (never saved)."""
    sheets = reader._load_sheets(Path(path))
    params = _params(sheets[layout.PARAMS_SHEET])
    merged = _frame(sheets, "plans")
    unit_codes = [c for c in mi.COLUMNS["units"] if c in merged.columns]
    plan_codes = [c for c in mi.COLUMNS["plans"] if c in merged.columns]
    defaults = Assumptions()
    fields = {f for f in Assumptions.__dataclass_fields__ if f != "trend_methods"}
    # a blank optional setting is None as the reader gives it; a blank required one stays NaN (still to fill)
    values = {k: (None if getattr(defaults, k) is None and _blank(v) else v)
              for k, v in params.items() if k in fields and not (v is None and getattr(defaults, k) is not None)}
    assumptions = Assumptions(**values, trend_methods=params["trend_methods"])
    name = params.get("province") or ""
    year = params.get("budget_year")
    inputs = BudgetInputs(
        province=name, province_code=params.get("province_code") or province_code(name) or "",
        budget_year=int(year) if isinstance(year, int | float) and year == year else year,
        units=merged[unit_codes].reset_index(drop=True), history=_frame(sheets, "history"),
        province_history=_frame(sheets, "province_history"), plans=merged[plan_codes].reset_index(drop=True),
        beneficiaries=_frame(sheets, "beneficiaries"), assumptions=assumptions,
        prior_budget=reader._read_prior_budget(sheets), synthetic=bool(params.get("synthetic") or False),
        notes=params.get("notes") or "")
    inputs.parameter_overrides = reader.read_overrides(sheets[layout.PARAMS_SHEET], inputs)
    options = reader._read_options(sheets[layout.OPTIONS_SHEET])
    inputs.options = options
    return inputs, options
