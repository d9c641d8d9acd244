"""输入表读取 (reading input sheets) — read budget inputs from any .xlsx/.xlsm in the budget.xlsm layout.

`read_inputs` inspects the workbook with the safe opener, then reads its cell values with
`addin.workbook.sheet_values` (calamine) and never saves it; every bad cell is refused with its sheet and cell
(历年执行!F12). The layout itself is in `addin.workbook.layout`; writing is `addin.workbook.writer`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from addin.workbook import coerce, coerce_tables, layout, safe_open
from addin.workbook.a1 import column_letter
from addin.workbook.layout import Column, Setting, TableLayout
from addin.workbook.overrides import overrides_from_rows, parameter_code
from addin.workbook.sheet_values import load_sheet_rows
from models import items
from models.errors import BudgetInputError
from models.inputs import Assumptions, BudgetInputs

WEIGHT_TOLERANCE = 1e-9        # Σβ = 1 within this (the sharing module uses the same)
_FORMULA_HINT = "（若该格是公式，请在 Excel 中打开并保存一次，以存下计算结果）"

Rows = list[list[Any]]


def read_inputs(path: str | Path) -> tuple[BudgetInputs, list[dict]]:
    """Read the inputs of a workbook in the budget.xlsm layout (read-only; the file is never saved).

    Returns the inputs (with `options` filled in) and the sharing options as plain dicts.
    Raises BudgetInputError naming the sheet and cell of the first bad value.
    """
    return inputs_from_sheets(_load_sheets(Path(path)))


def inputs_from_sheets(sheets: dict[str, Rows]) -> tuple[BudgetInputs, list[dict]]:
    """The same as `read_inputs`, from the cell values of the five input sheets.

    `sheets` maps each input sheet name to its rows of values from A1 (None for a blank cell), as
    `read_inputs` loads them; the UDFs build it from the table ranges Excel hands them.
    """
    parts = {
        "params": _read_params(sheets[layout.PARAMS_SHEET]),
        "history": _read_frame(sheets, layout.TABLES["history"]),
        "province_history": _read_frame(sheets, layout.TABLES["province_history"]),
        "prior_budget": _read_prior_budget(sheets),
        "plans": _read_plans(sheets),
        "beneficiaries": _read_frame(sheets, layout.TABLES["beneficiaries"]),
        "options": _read_options(sheets[layout.OPTIONS_SHEET]),
    }
    return assemble_inputs(parts, sheets)


def assemble_inputs(parts: dict[str, Any], sheets: dict[str, Rows]) -> tuple[BudgetInputs, list[dict]]:
    """输入汇总 — BudgetInputs from the tables read one by one (params, history, province_history,
    prior_budget, plans = (units, plans), beneficiaries, options); the check assembles them the same way."""
    params = parts["params"]
    units, plans = parts["plans"]
    assumption_fields = {f for f in Assumptions.__dataclass_fields__ if f != "trend_methods"}
    assumptions = Assumptions(**{k: v for k, v in params.items() if k in assumption_fields},
                              trend_methods=params["trend_methods"])
    code = parameter_code(params)
    inputs = BudgetInputs(
        province=params["province"], province_code=code, budget_year=params["budget_year"], units=units,
        history=parts["history"], province_history=parts["province_history"], plans=plans,
        beneficiaries=parts["beneficiaries"], assumptions=assumptions, prior_budget=parts["prior_budget"],
        options=parts["options"], synthetic=params["synthetic"], notes=params["notes"],
        issuing_agency=params["issuing_agency"])
    inputs.parameter_overrides = read_overrides(sheets[layout.PARAMS_SHEET], inputs)
    return inputs, parts["options"]


def read_overrides(rows: Rows, inputs: BudgetInputs) -> dict[str, tuple[Any, str]]:
    """参数调整 table beside the parameters: name → (value, 依据); none when the sheet has no such table."""
    return overrides_from_rows(rows, inputs, _table_block)


def _load_sheets(path: Path) -> dict[str, Rows]:
    """The five input sheets' cell values. Every backend first calls the safe inspection
    (:func:`safe_open.inspect_workbook`: size, zip bomb, entity declarations, row limits) — only then
    does a parser see the file — and any parse failure becomes a V001 refusal, never a raw error."""
    info = safe_open.inspect_workbook(path)   # explicit, separate safe step before any XML parser runs
    missing = [s for s in layout.INPUT_SHEETS if s not in info.sheets]
    if missing:
        raise BudgetInputError(
            f"缺少工作表 {'、'.join(missing)}（现有：{'、'.join(info.sheets)}），请使用预算模板",
            field="工作表", value=path.name, rule="V003", cell=f"{missing[0]}!A1")
    return _parse_sheets(path)


def _parse_sheets(path: Path) -> dict[str, Rows]:
    """Parse the input sheets' cell values (calamine, `addin.workbook.sheet_values`); called only after the safe
    inspection. Any parse failure of a file that passed it (damaged or hostile content) is a V001 refusal."""
    try:
        sheets = load_sheet_rows(path, layout.INPUT_SHEETS)
    except Exception as exc:
        raise safe_open.damaged(path, exc) from None
    missing = [s for s in layout.INPUT_SHEETS if s not in sheets]   # e.g. a chart sheet under an input name
    if missing:
        raise BudgetInputError(f"缺少工作表 {'、'.join(missing)}，请使用预算模板", field="工作表", value=path.name,
                               rule="V003", cell=f"{missing[0]}!A1")
    return sheets


def _cell(rows: Rows, r: int, c: int) -> Any:
    return rows[r][c] if 0 <= r < len(rows) and 0 <= c < len(rows[r]) else None


def _header_keys(column: Column) -> set[str]:
    return {coerce_tables.normalize_key(text) for text in (column.code, column.header, column.title)}


def _is_header(value: Any, column: Column) -> bool:
    return isinstance(value, str) and coerce_tables.normalize_key(value) in _header_keys(column)


def _locate(rows: Rows, table: TableLayout) -> tuple[int, int]:
    """0-based (row, col) of the table's first header cell: at its anchor, else searched for.

    A table starts where its first header stands in column A or after a blank cell, and its second
    column's header follows (tables on one sheet may share header names such as 年度).
    """
    first, second = table.columns[0], table.columns[1]
    r, c = table.row - 1, table.col - 1
    if _is_header(_cell(rows, r, c), first):
        return r, c
    for r in range(min(len(rows), 60)):
        for c in range(min(len(rows[r]), 80)):
            if _is_header(rows[r][c], first) and (c == 0 or coerce.is_blank(rows[r][c - 1])) \
                    and _is_header(_cell(rows, r, c + 1), second):
                return r, c
    raise BudgetInputError(f"找不到表“{table.caption}”：表头“{first.title}”应在 {table.anchor}，请使用预算模板",
                           table=table.sheet, rule="V101", cell=f"{table.sheet}!{table.anchor}")


def _table_block(rows: Rows, table: TableLayout, cache: dict | None = None) -> tuple[Rows, Callable[[int, int], str]]:
    """The table's cells (header row first) and a function naming a cell as 工作表!A1.

    `cache`: a dict the caller holds while `rows` stay unchanged (the data check's sheets carry one), so that the
    block is cut once; the block is never changed by its users."""
    key = ("block", id(rows), table.key)
    held = cache.get(key) if cache is not None else None
    if held is not None and held[0] is rows:
        return held[1]
    found = _cut_block(rows, table)
    if cache is not None:
        cache[key] = (rows, found)
    return found


def sheet_cache(sheets: Any) -> dict | None:
    """The block cache a sheets mapping carries (the data check's), if any."""
    return getattr(sheets, "cache", None)


#: Tables read row by row, whose blank rows the reader skips (a block of one ends at its last row with a value).
_BODY_TABLES = frozenset({"history", "province_history", "prior_budget", "plans", "beneficiaries"})


def _cut_block(rows: Rows, table: TableLayout) -> tuple[Rows, Callable[[int, int], str]]:
    r0, c0 = _locate(rows, table)
    width = 0
    while not coerce.is_blank(_cell(rows, r0, c0 + width)):
        width += 1
    end = len(rows)
    if table.key in _BODY_TABLES:            # rows below a column table that are blank in its columns: not read
        while end > r0 + 1 and (len(rows[end - 1]) <= c0 or coerce_tables.blank_row(rows[end - 1][c0:c0 + width])):
            end -= 1
    block = [row[c0:c0 + width] if type(row) is list else list(row[c0:c0 + width]) for row in rows[r0:end]]
    if min(map(len, block), default=width) < width:
        block = [_padded(cells, width) for cells in block]

    def position(r: int, c: int) -> str:
        return f"{table.sheet}!{column_letter(c0 + c + 1)}{r0 + r + 1}"

    return block, position


def _padded(cells: list[Any], width: int) -> list[Any]:
    return cells + [None] * (width - len(cells)) if len(cells) < width else cells


def without_formula_hint(text: str) -> str:
    """A message as shown inside Excel, where the hint for files saved without computed values does not apply
    (there a blank is a blank cell or an error value)."""
    return text.replace(_FORMULA_HINT, "")


def _with_formula_hint(exc: BudgetInputError) -> BudgetInputError:
    if exc.rule == "V102":   # a blank cell (a formula never calculated reads as blank)
        exc.message += _FORMULA_HINT
        exc.args = (exc.describe(),)
    return exc


def _read_frame(sheets: dict[str, Rows], table: TableLayout, columns: Sequence[Column] | None = None,
                required: Sequence[str] | None = None) -> pd.DataFrame:
    cache = sheet_cache(sheets)
    block, position = _table_block(sheets[table.sheet], table, cache)
    try:
        return coerce_tables.frame_from_rows(block, columns or table.columns, table=table.sheet, required=required,
                                      key_columns=table.key_columns, position=position, cache=cache)
    except BudgetInputError as exc:
        raise _with_formula_hint(exc) from None


def _read_plans(sheets: dict[str, Rows]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """扩面计划 holds units and plans in one table keyed by 单位: split them again."""
    merged = _read_frame(sheets, layout.TABLES["plans"])
    unit_codes = [c for c in layout.table_columns("units") if c.code in merged.columns]
    plan_codes = [c for c in layout.table_columns("plans") if c.code in merged.columns]
    units = merged[[c.code for c in unit_codes]].reset_index(drop=True)
    plans = merged[[c.code for c in plan_codes]].reset_index(drop=True)
    return units, plans


def _read_prior_budget(sheets: dict[str, Rows]) -> pd.Series:
    table = layout.TABLES["prior_budget"]
    cache = sheet_cache(sheets)
    block, position = _table_block(sheets[table.sheet], table, cache)
    frame = coerce_tables.frame_from_rows(block, table.columns, table=table.sheet, position=position, cache=cache)
    found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, required=["amount"],
                                    position=position)
    by_label = {coerce_tables.normalize_key(v): k for k, v in items.LABELS.items()}
    amounts: dict[str, float] = {}
    for i in range(len(frame)):
        amount = frame["amount"].iloc[i] if "amount" in frame.columns else math.nan
        if math.isnan(amount):
            continue
        code = frame["item"].iloc[i] if "item" in frame.columns else None
        label = frame["label"].iloc[i] if "label" in frame.columns else None
        if coerce.is_blank(code):
            code = by_label.get(coerce_tables.normalize_key(label)) if isinstance(label, str) else None
        if not code:
            raise BudgetInputError(f"{position(i + 1, found['amount'])} 有金额但科目不明，请填写科目代码或科目名称",
                                   table=table.sheet, field="科目", value=label, rule="V102",
                                   cell=position(i + 1, found["amount"]))
        if code in amounts:
            raise BudgetInputError(f"{position(i + 1, found['amount'])} 科目重复", table=table.sheet,
                                   field="科目", value=code, rule="V201", cell=position(i + 1, found["amount"]))
        amounts[code] = float(amount)
    return pd.Series(amounts, dtype=float)


def _settings_by_key(settings: Sequence[Setting]) -> dict[str, Setting]:
    keys: dict[str, Setting] = {}
    for s in settings:
        keys.setdefault(coerce_tables.normalize_key(s.code), s)
        keys.setdefault(coerce_tables.normalize_key(s.label), s)
    return keys


def _setting_rows(block: Rows, position: Callable[[int, int], str], table: TableLayout,
                  settings: Sequence[Setting], value_cols: Sequence[int],
                  extra: Callable[[str], Setting | None] = lambda code: None) -> list[tuple[int, Setting]]:
    """(row index, setting) for every non-blank row of a key/value table, by 代码 or else 中文名."""
    found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, required=["code"],
                                    position=position)
    keys = _settings_by_key(settings)
    out: list[tuple[int, Setting]] = []
    seen: dict[str, int] = {}
    for i in range(1, len(block)):
        code = coerce.to_str(block[i][found["code"]], "代码", default=None, where=position(i, found["code"]),
                             table=table.sheet)
        label_j = found.get("label")
        label = coerce.to_str(block[i][label_j], "中文名", default=None, where=position(i, label_j),
                              table=table.sheet) if label_j is not None else None
        if code is None and label is None:
            if any(not coerce.is_blank(block[i][j]) for j in value_cols if j < len(block[i])):
                raise BudgetInputError(f"{position(i, value_cols[0])} 有数值但没有代码，请填写代码",
                                       table=table.sheet, rule="V102", cell=position(i, found["code"]))
            continue
        setting = keys.get(coerce_tables.normalize_key(code)) if code else keys.get(coerce_tables.normalize_key(label))
        if setting is None and code:
            setting = extra(code)
        if setting is None:
            unknown_weight = str(code or "").startswith("weight.")
            raise BudgetInputError(f"{position(i, found['code'])} 未知的代码，请检查拼写（可用代码见预算模板）",
                                   table=table.sheet, field="代码", value=code or label,
                                   rule="V503" if unknown_weight else "V004", cell=position(i, found["code"]))
        if setting.code in seen:
            raise BudgetInputError(f"{position(i, found['code'])} 与第 {seen[setting.code]} 行重复",
                                   table=table.sheet, field="代码", value=setting.label, rule="V201",
                                   cell=position(i, found["code"]))
        seen[setting.code] = table.row + i
        out.append((i, setting))
    return out


def _extra_trend_setting(code: str) -> Setting | None:
    if code.startswith(layout.TREND_PREFIX) and len(code) > len(layout.TREND_PREFIX):
        return Setting(code, code, layout.CHOICE, choices=layout.TREND_CHOICES, optional=True)
    return None


def _read_params(rows: Rows) -> dict[str, Any]:
    table = layout.TABLES["params"]
    block, position = _table_block(rows, table)
    found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, required=["code", "value"],
                                    position=position)
    vj = found["value"]
    values: dict[str, Any] = {}
    trend: dict[str, str] = {}
    for i, setting in _setting_rows(block, position, table, layout.PARAM_ROWS, [vj], _extra_trend_setting):
        try:
            value = coerce.coerce_cell(_cell(block, i, vj), setting, where=position(i, vj), table=table.sheet)
        except BudgetInputError as exc:
            raise _with_formula_hint(exc) from None
        if isinstance(value, float) and math.isnan(value):
            value = None
        if setting.code.startswith(layout.TREND_PREFIX):
            if value is not None:
                trend[setting.code[len(layout.TREND_PREFIX):]] = value
        else:
            values[setting.code] = value
    missing = [s for s in layout.PARAM_ROWS if not s.optional and s.code not in values]
    if missing:
        heads = "、".join(f"{s.label}({s.code})" for s in missing)
        raise BudgetInputError(f"参数表缺少 {heads} 这些行，请从预算模板补上", table=table.sheet, rule="V101",
                               cell=position(len(block), found["code"]))
    values["synthetic"] = bool(values.get("synthetic") or False)
    values["notes"] = values.get("notes") or ""
    values["issuing_agency"] = values.get("issuing_agency") or ""
    values["trend_methods"] = trend
    return values


def _read_options(rows: Rows) -> list[dict]:
    table = layout.TABLES["options"]
    block, position = _table_block_wide(rows, table)
    found = coerce_tables.header_positions(block[0], table.columns, table=table.sheet, required=["code"],
                                    position=position)
    option_cols = [j for j in range(len(block[0])) if j not in found.values()
                   and any(not coerce.is_blank(_cell(block, i, j)) for i in range(1, len(block)))]
    setting_rows = _setting_rows(block, position, table, layout.OPTION_ROWS, option_cols or [0])
    options: list[dict] = []
    names: dict[str, str] = {}
    for j in option_cols:
        values = {s.code: coerce.coerce_cell(_cell(block, i, j), s, where=position(i, j), table=table.sheet)
                  for i, s in setting_rows}
        where = {s.code: position(i, j) for i, s in setting_rows}
        option = _assemble_option(values, where, table.sheet)
        if option["name"] in names:
            raise BudgetInputError(f"{where['name']} 方案代码与 {names[option['name']]} 重复，请改用不同的代码",
                                   table=table.sheet, field="方案代码", value=option["name"], rule="V504",
                                   cell=where["name"])
        names[option["name"]] = where["name"]
        options.append(option)
    return options


def _table_block_wide(rows: Rows, table: TableLayout) -> tuple[Rows, Callable[[int, int], str]]:
    """Like `_table_block`, but the table runs to the last used column (option columns may have gaps)."""
    r0, c0 = _locate(rows, table)
    width = max((len(r) for r in rows[r0:]), default=0) - c0
    block = [[_cell(rows, r, c0 + j) for j in range(width)] for r in range(r0, len(rows))]

    def position(r: int, c: int) -> str:
        return f"{table.sheet}!{column_letter(c0 + c + 1)}{r0 + r + 1}"

    return block, position


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == []


def _shown_name(values: dict[str, Any]) -> Any:
    """An option as a message names it: its 方案名称 (Chinese for the presets), else its code."""
    label = values.get("label")
    return values.get("name") if _blank(label) else label


def _assemble_option(values: dict[str, Any], where: dict[str, str], sheet: str) -> dict[str, Any]:
    """One option column → the dict `models.sharing.parse_option` takes.

    fixed_amount appears only when the amount is fixed; cap is None when not set.
    """
    def need(code: str, message: str) -> Any:
        value = values.get(code)
        if _blank(value):
            raise BudgetInputError(f"{where.get(code, sheet)} {message}", table=sheet, unit=_shown_name(values),
                                   column=code, rule="V501", cell=where.get(code))
        return value

    def get(code: str, default: Any = None) -> Any:
        value = values.get(code)
        return default if _blank(value) else value

    name = need("name", "方案代码为空，请为每个方案填写唯一的代码")
    shown = _shown_name(values)
    amount = need("amount", "分担基数为空，请从下拉列表中选择")
    share: Any
    if not _blank(values.get("province_share.basis")):
        if not _blank(values.get("province_share")):
            raise BudgetInputError(f"{where['province_share']} 省级分担比例与条件比例只能填一种，请清空其中之一",
                                   table=sheet, unit=shown, column="province_share", rule="V501",
                                   cell=where["province_share"])
        share = {"basis": values["province_share.basis"],
                 "if_true": need("province_share.if_true", "请填写条件成立时的省级比例"),
                 "if_false": need("province_share.if_false", "请填写条件不成立时的省级比例")}
    else:
        share = need("province_share", "请填写省级分担比例（或填写省级比例条件及两种情形的比例）")
    cap = None
    if not (_blank(values.get("cap.basis")) and _blank(values.get("cap.ratio"))):
        cap = {"basis": need("cap.basis", "填了封顶比例，请同时选择封顶依据"),
               "ratio": need("cap.ratio", "选了封顶依据，请同时填写封顶比例")}
    weights = {f: values[f"weight.{f}"] for f in layout.WEIGHT_FACTORS if not _blank(values.get(f"weight.{f}"))}
    first, last = (where.get(f"weight.{f}", sheet) for f in (next(iter(layout.WEIGHT_FACTORS)),
                                                              list(layout.WEIGHT_FACTORS)[-1]))
    cells = f"{first}:{last.split('!')[-1]}"
    if not weights:
        raise BudgetInputError(f"{cells} 各项权重都为空，请至少填写一个分担因素的权重",
                               table=sheet, unit=shown, field="权重", rule="V502", cell=first)
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise BudgetInputError(f"{cells} 权重合计为 {total:.2%}，应等于 100%，请调整",
                               table=sheet, unit=shown, field="权重", value=round(total, 6), rule="V502", cell=first)
    option: dict[str, Any] = {
        "name": name,
        "label": get("label", name),
        "description": get("description", ""),
        "amount": amount,
    }
    fixed = get("fixed_amount")
    if amount == "fixed":
        option["fixed_amount"] = need("fixed_amount", "分担基数为固定金额时，请填写固定分担金额")
    elif fixed is not None:
        raise BudgetInputError(f"{where['fixed_amount']} 只有分担基数为固定金额时才填写固定分担金额，请清空",
                               table=sheet, unit=shown, column="fixed_amount", value=fixed, rule="V501",
                               cell=where["fixed_amount"])
    option |= {
        "management_charge_ratio": get("management_charge_ratio", 0.0),
        "province_share": share,
        "weights": weights,
        "use_coefficients": bool(get("use_coefficients", False)),
        "cap": cap,
        "rewards": list(get("rewards", [])),
    }
    option |= {k: str(get(k)) for k in ("name_zh", "origin", "our_reading") if get(k) is not None}
    return option
