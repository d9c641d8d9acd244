"""参数调整 (statutory parameter overrides) — the optional table beside 预算参数 on the 参数 sheet — and the
参数代码 that selects the province's statutory parameters.

Each row names a statutory parameter by its code, gives the value in force from the budget year on
(numbers by grade separated by commas) and the basis (依据: document, number, article). The table is
optional: a workbook without it has no overrides. Every bad cell is refused with its sheet!cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from addin.workbook import coerce, coerce_tables, layout
from models.errors import BudgetInputError, ParameterError
from models.inputs import BudgetInputs
from models.parameter_set import PROVINCE_CODES, load_parameters, province_code

Rows = list[list[Any]]


def overrides_from_rows(rows: Rows, inputs: BudgetInputs,
                        table_block: Callable[[Rows, layout.TableLayout], tuple[Rows, Callable[[int, int], str]]]
                        ) -> dict[str, tuple[Any, str]]:
    """The overrides of one 参数 sheet (its cell values from A1), checked against the province's parameters."""
    table = layout.OVERRIDE_TABLE
    try:
        block, position = table_block(rows, table)
    except BudgetInputError:
        return {}                         # no override table in this workbook
    frame = coerce_tables.frame_from_rows(block, table.columns, table=table.sheet, key_columns=table.key_columns,
                                          position=position)
    if frame.empty or "name" not in frame.columns:
        return {}
    found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, position=position)
    params = load_parameters(inputs.province_code or inputs.province)
    out: dict[str, tuple[Any, str]] = {}
    for i in range(len(frame)):
        name = frame["name"].iloc[i]
        values = frame["value"].iloc[i] if "value" in frame.columns else []
        basis = frame["basis"].iloc[i] if "basis" in frame.columns else None
        where = position(i + 1, found.get("name", 0))
        value_cell, basis_cell = position(i + 1, found.get("value", 1)), position(i + 1, found.get("basis", 2))
        if coerce.is_blank(name):
            raise BudgetInputError(f"{where} 有调整数值但没有参数代码，请填写参数代码", table=table.sheet, cell=where)
        if not values:
            raise BudgetInputError(f"{value_cell} 参数 {name} 没有填写调整后数值",
                                   table=table.sheet, field="调整后数值", cell=value_cell)
        if coerce.is_blank(basis):
            raise BudgetInputError(f"{basis_cell} 参数 {name} 的调整没有填写依据"
                                   "（文件名称、文号和条款）", table=table.sheet, field="依据", cell=basis_cell)
        try:
            params.with_overrides({name: (tuple(values), str(basis))}, int(inputs.budget_year))
        except (ParameterError, TypeError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            raise BudgetInputError(f"{where} {message}", table=table.sheet, field="参数代码", value=name,
                                   cell=where) from None
        out[str(name)] = (tuple(values), str(basis))
    return out


def parameter_code(params: dict[str, Any]) -> str:
    """参数代码: the one typed, else the province name's. The code of another province than the name's is refused
    (its statutory parameters would be used silently); a code that is no province's runs as before (V601)."""
    given, named = params.get("province_code"), province_code(params["province"])
    code = str(given).strip().lower() if given else ""
    if named in PROVINCE_CODES.values() and code in PROVINCE_CODES.values() and code != named:
        raise BudgetInputError(f"省份名称“{params['province']}”的参数代码应为 {named}，参数代码却是 {given}"
                               f"（将按该代码的省级参数测算）：请把参数代码改为 {named} 或留空，或改正省份名称",
                               parameter="province_code", value=given)
    return str(given or named or "")
