"""工作簿读写 — write the input sheets of budget.xlsm, and read them back from any .xlsx/.xlsm.

`write_inputs` lays the inputs out as Excel tables (ListObjects) with data validation, number
formats, frozen headers and a defined name over every table (formula engines that cannot read
structured references use those). `read_inputs` reads a workbook in that layout with openpyxl in
read-only mode and never saves it; every bad cell is refused with its sheet and cell (历年执行!F12).
The layout itself is in `addin.workbook.layout`.
"""

from __future__ import annotations

import math
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.workbook import coerce, layout
from addin.workbook.layout import Column, Setting, TableLayout
from addin.workbook.safe_open import inspect_workbook
from models import items
from models.errors import BudgetInputError
from models.inputs import Assumptions, BudgetInputs

TABLE_STYLE = "TableStyleMedium2"
OPTION_COLUMN_WIDTH = 20
WEIGHT_TOLERANCE = 1e-9        # Σβ = 1 within this (the sharing module uses the same)
HEADER_LINE_HEIGHT = 15        # points per wrapped header line
SYNTHETIC_MARK = "（示例数据，数字为虚构）"
_FORMULA_HINT = "（若该格是公式，请在 Excel 中打开并保存一次，以存下计算结果）"


# =============================================================================================
# writing

def write_inputs(wb: Workbook, inputs: BudgetInputs, options: list[dict]) -> dict[str, str]:
    """Write the input sheets (参数, 历年执行, 扩面计划, 待遇人员, 分担方案) into `wb`.

    Sheets of the same name are replaced; an empty default sheet is removed. Returns the defined
    names created → their ranges, e.g. {"inp_history": "'历年执行'!$A$4:$M$10", "prm_wage_growth": …}.
    """
    _drop_default_sheet(wb)
    names: dict[str, str] = {}
    names |= _write_params(wb, inputs)
    names |= _write_history(wb, inputs)
    names |= _write_plans(wb, inputs)
    names |= _write_beneficiaries(wb, inputs)
    names |= _write_options(wb, options, inputs.synthetic)
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    for sheet in layout.INPUT_SHEETS:
        wb[sheet].print_area = wb[sheet].calculate_dimension()
    return names


def _drop_default_sheet(wb: Workbook) -> None:
    if len(wb.worksheets) == 1 and wb.active.title == "Sheet" and wb.active.max_row == 1 \
            and wb.active["A1"].value is None:
        wb.remove(wb.active)


def _new_sheet(wb: Workbook, name: str, synthetic: bool) -> Worksheet:
    """A fresh sheet (replacing one of the same name, same position) with title, note, print setup."""
    if name in wb.sheetnames:
        index = wb.sheetnames.index(name)
        wb.remove(wb[name])
        ws = wb.create_sheet(name, index)
    else:
        ws = wb.create_sheet(name)
    ws["A1"] = layout.SHEET_TITLES[name] + (SYNTHETIC_MARK if synthetic else "")
    ws["A1"].font = Font(bold=True, size=14, color="C00000" if synthetic else None)
    ws["A2"] = layout.SHEET_NOTES[name]
    ws["A2"].font = Font(italic=True, color="595959")
    ws.freeze_panes = layout.FREEZE[name]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def _absolute(sheet: str, first_col: int, first_row: int, last_col: int, last_row: int) -> str:
    """'历年执行'!$A$4:$M$10"""
    quoted = "'" + sheet.replace("'", "''") + "'"
    a = f"${get_column_letter(first_col)}${first_row}"
    b = f"${get_column_letter(last_col)}${last_row}"
    return f"{quoted}!{a}" if a == b else f"{quoted}!{a}:{b}"


def _excel_value(value: Any, spec: Column | Setting) -> Any:
    """A Python value as written to a cell: codes → display labels, bools → 是/否, lists → text."""
    if spec.kind == layout.LIST:
        return ", ".join(_number_text(v) for v in (value or [])) or None
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if spec.kind == layout.BOOL:
        return layout.YES if bool(value) else layout.NO
    if spec.kind == layout.CHOICE:
        return next((d for d, c in spec.choices if c == value), str(value))
    if spec.kind == layout.INT:
        return int(value)
    if spec.kind == layout.TEXT:
        return str(value)
    return float(value)


def _number_text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _validation(spec: Column | Setting) -> DataValidation | None:
    """Data validation for one column or setting: drop-down lists, whole numbers, decimals."""
    column = spec.as_column() if isinstance(spec, Setting) else spec
    if column.kind in (layout.CHOICE, layout.BOOL):
        labels = ",".join(d for d, _ in column.choices)
        dv = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
        dv.error = f"{column.header}：请从下拉列表中选择"
        if getattr(spec, "open_choices", False):
            dv.errorStyle = "warning"
            dv.error += "（也可填写其他代码）"
    elif column.numeric:
        whole = column.kind == layout.INT
        lo = column.minimum if column.minimum is not None else -1e15
        hi = column.maximum if column.maximum is not None else 1e15
        dv = DataValidation(type="whole" if whole else "decimal", operator="between",
                            formula1=_number_text(lo), formula2=_number_text(hi), allow_blank=True)
        bounds = [f"不小于 {column.minimum:g}"] if column.minimum is not None else []
        bounds += [f"不大于 {column.maximum:g}"] if column.maximum is not None else []
        dv.error = f"{column.header}：请填入{'整数' if whole else '数值'}" + (
            f"（{'，'.join(bounds)}）" if bounds else "")
    else:
        return None
    dv.errorTitle = "输入有误"
    dv.showErrorMessage = True
    if spec.note:
        dv.promptTitle = column.header[:32]
        dv.prompt = spec.note[:255]
        dv.showInputMessage = True
    return dv


def _caption(ws: Worksheet, table: TableLayout) -> None:
    cell = ws.cell(row=table.row - 1, column=table.col, value=table.caption)
    cell.font = Font(bold=True)


def _text_width(text: str) -> int:
    """Width in Excel character units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _style_header(ws: Worksheet, row: int, first_col: int, last_col: int) -> None:
    """Wrapped, centred headers; the row tall enough for the longest one."""
    lines = 1
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        width = ws.column_dimensions[get_column_letter(col)].width or 8.43
        lines = max(lines, math.ceil(_text_width(str(cell.value or "")) / max(width - 1, 1)))
    current = ws.row_dimensions[row].height or 0
    ws.row_dimensions[row].height = max(current, HEADER_LINE_HEIGHT * lines + 4)


def _add_table(ws: Worksheet, table: TableLayout, last_col: int, last_row: int) -> str:
    ref = f"{table.anchor}:{get_column_letter(last_col)}{last_row}"
    tab = Table(displayName=table.name, ref=ref)
    tab.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(tab)
    _caption(ws, table)
    _style_header(ws, table.row, table.col, last_col)
    return _absolute(ws.title, table.col, table.row, last_col, last_row)


def _write_table(ws: Worksheet, table: TableLayout, frame: pd.DataFrame) -> dict[str, str]:
    """A column table (one record per row): headers, values, formats, widths, validation, ListObject."""
    columns = table.columns
    n_rows = max(len(frame), 1)            # an Excel table needs one data row, even a blank one
    r0, c0 = table.row, table.col
    for j, column in enumerate(columns):
        col = c0 + j
        ws.cell(row=r0, column=col, value=column.title)
        values = frame[column.code].tolist() if column.code in frame.columns else [None] * len(frame)
        for i in range(n_rows):
            cell = ws.cell(row=r0 + 1 + i, column=col,
                           value=_excel_value(values[i], column) if i < len(values) else None)
            cell.number_format = column.number_format
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        dv = _validation(column)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{r0 + 1}:{letter}{r0 + n_rows + layout.VALIDATION_EXTRA_ROWS}")
    ref = _add_table(ws, table, c0 + len(columns) - 1, r0 + n_rows)
    return {table.defined_name: ref}


def _param_values(inputs: BudgetInputs) -> dict[str, Any]:
    values: dict[str, Any] = {
        "province": inputs.province, "province_code": inputs.province_code,
        "budget_year": inputs.budget_year, "synthetic": inputs.synthetic, "notes": inputs.notes or None,
    }
    values |= {k: v for k, v in inputs.assumptions.as_dict().items() if k != "trend_methods"}
    values |= {layout.TREND_PREFIX + item: method for item, method in inputs.assumptions.trend_methods.items()}
    return values


def _param_rows(inputs: BudgetInputs) -> list[Setting]:
    rows = list(layout.PARAM_ROWS)
    known = {s.code for s in rows}
    for item in inputs.assumptions.trend_methods:   # items beyond the standard list keep their row
        code = layout.TREND_PREFIX + item
        if code not in known:
            rows.append(Setting(code, f"{items.label(item)}趋势方法", layout.CHOICE,
                                choices=layout.TREND_CHOICES, optional=True))
    return rows


def _write_params(wb: Workbook, inputs: BudgetInputs) -> dict[str, str]:
    table = layout.TABLES["params"]
    ws = _new_sheet(wb, table.sheet, inputs.synthetic)
    values = _param_values(inputs)
    rows = _param_rows(inputs)
    r0, c0 = table.row, table.col
    for j, column in enumerate(table.columns):
        ws.cell(row=r0, column=c0 + j, value=column.title)
    widths = (30, 28, 16, 8, 48)
    for j, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(c0 + j)].width = width
    names: dict[str, str] = {}
    value_col = c0 + 2
    for i, setting in enumerate(rows):
        r = r0 + 1 + i
        ws.cell(row=r, column=c0, value=setting.label)
        ws.cell(row=r, column=c0 + 1, value=setting.code)
        cell = ws.cell(row=r, column=value_col, value=_excel_value(values.get(setting.code), setting))
        cell.number_format = setting.number_format
        ws.cell(row=r, column=c0 + 3, value=setting.unit or ("%" if setting.kind == layout.RATE else None))
        ws.cell(row=r, column=c0 + 4, value=setting.note or None)
        dv = _validation(setting)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
        names[layout.param_defined_name(setting.code)] = _absolute(ws.title, value_col, r, value_col, r)
    names[table.defined_name] = _add_table(ws, table, c0 + len(table.columns) - 1, r0 + len(rows))
    return names


def _prior_budget_frame(prior: pd.Series) -> pd.DataFrame:
    codes = list(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    codes += [str(c) for c in prior.index if str(c) not in codes]
    amounts = {str(k): v for k, v in prior.items()}
    return pd.DataFrame({
        "label": [items.label(c) for c in codes],
        "item": codes,
        "amount": [amounts.get(c) for c in codes],
    })


def _write_history(wb: Workbook, inputs: BudgetInputs) -> dict[str, str]:
    ws = _new_sheet(wb, layout.HISTORY_SHEET, inputs.synthetic)
    names = _write_table(ws, layout.TABLES["history"], inputs.history)
    names |= _write_table(ws, layout.TABLES["province_history"], inputs.province_history)
    names |= _write_table(ws, layout.TABLES["prior_budget"], _prior_budget_frame(inputs.prior_budget))
    ws.column_dimensions[get_column_letter(layout.TABLES["prior_budget"].col)].width = 20
    return names


def _write_plans(wb: Workbook, inputs: BudgetInputs) -> dict[str, str]:
    ws = _new_sheet(wb, layout.PLANS_SHEET, inputs.synthetic)
    units = inputs.units.reset_index(drop=True)
    plans = inputs.plans.drop(columns=[c for c in inputs.plans.columns if c in units.columns and c != "unit"])
    merged = units.merge(plans, on="unit", how="outer", sort=False)
    order = {u: i for i, u in enumerate(units["unit"])}
    merged = merged.sort_values("unit", key=lambda s: s.map(lambda u: order.get(u, len(order))), kind="stable")
    return _write_table(ws, layout.TABLES["plans"], merged.reset_index(drop=True))


def _write_beneficiaries(wb: Workbook, inputs: BudgetInputs) -> dict[str, str]:
    ws = _new_sheet(wb, layout.BENEFICIARIES_SHEET, inputs.synthetic)
    return _write_table(ws, layout.TABLES["beneficiaries"], inputs.beneficiaries)


_OPTION_KEYS = {"name", "label", "description", "amount", "fixed_amount", "management_charge_ratio",
                "province_share", "weights", "use_coefficients", "cap", "rewards"}


def _option_settings(option: dict[str, Any]) -> dict[str, Any]:
    """A sharing option dict → {setting code: value} (the rows of the 分担方案 sheet)."""
    name = option.get("name", "?")
    unknown = set(option) - _OPTION_KEYS
    if unknown:
        raise BudgetInputError(f"分担方案表没有这些设置的位置：{'、'.join(sorted(unknown))}",
                               table=layout.OPTIONS_SHEET, unit=name)
    flat = {k: option.get(k) for k in ("name", "label", "description", "amount", "fixed_amount",
                                       "management_charge_ratio", "use_coefficients", "rewards")}
    share = option.get("province_share")
    if isinstance(share, dict):
        flat |= {f"province_share.{k}": share.get(k) for k in ("basis", "if_true", "if_false")}
    else:
        flat["province_share"] = share
    for factor, beta in (option.get("weights") or {}).items():
        if factor not in layout.WEIGHT_FACTORS:
            raise BudgetInputError(f"未知的分担因子 {factor}（可用：{'、'.join(layout.WEIGHT_FACTORS)}）",
                                   table=layout.OPTIONS_SHEET, unit=name, field="weights")
        flat[f"weight.{factor}"] = beta
    cap = option.get("cap")
    if cap:
        flat |= {"cap.basis": cap.get("basis"), "cap.ratio": cap.get("ratio")}
    return flat


def _write_options(wb: Workbook, options: list[dict], synthetic: bool) -> dict[str, str]:
    table = layout.TABLES["options"]
    ws = _new_sheet(wb, table.sheet, synthetic)
    flats = [_option_settings(o) for o in options]
    n_options = max(len(flats), layout.MIN_OPTION_COLUMNS)
    r0, c0 = table.row, table.col
    headers = [c.title for c in table.columns] + [layout.option_header(i) for i in range(n_options)]
    for j, head in enumerate(headers):
        ws.cell(row=r0, column=c0 + j, value=head)
    ws.column_dimensions[get_column_letter(c0)].width = 24
    ws.column_dimensions[get_column_letter(c0 + 1)].width = 26
    first_opt = c0 + len(table.columns)
    last_opt = first_opt + n_options - 1
    for j in range(first_opt, last_opt + 1 + layout.MIN_OPTION_COLUMNS):
        ws.column_dimensions[get_column_letter(j)].width = OPTION_COLUMN_WIDTH
    for i, setting in enumerate(layout.OPTION_ROWS):
        r = r0 + 1 + i
        ws.cell(row=r, column=c0, value=setting.label)
        ws.cell(row=r, column=c0 + 1, value=setting.code)
        for k in range(n_options):
            value = flats[k].get(setting.code) if k < len(flats) else None
            cell = ws.cell(row=r, column=first_opt + k, value=_excel_value(value, setting))
            cell.number_format = setting.number_format
            cell.alignment = Alignment(wrap_text=setting.kind in (layout.TEXT, layout.LIST))
        dv = _validation(setting)
        if dv is not None:
            ws.add_data_validation(dv)
            extra = get_column_letter(last_opt + layout.MIN_OPTION_COLUMNS)
            dv.add(f"{get_column_letter(first_opt)}{r}:{extra}{r}")
    ref = _add_table(ws, table, last_opt, r0 + len(layout.OPTION_ROWS))
    return {table.defined_name: ref}


# =============================================================================================
# reading

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
    params = _read_params(sheets[layout.PARAMS_SHEET])
    history = _read_frame(sheets, layout.TABLES["history"])
    province_history = _read_frame(sheets, layout.TABLES["province_history"])
    prior_budget = _read_prior_budget(sheets)
    units, plans = _read_plans(sheets)
    beneficiaries = _read_frame(sheets, layout.TABLES["beneficiaries"])
    options = _read_options(sheets[layout.OPTIONS_SHEET])
    assumption_fields = {f for f in Assumptions.__dataclass_fields__ if f != "trend_methods"}
    assumptions = Assumptions(**{k: v for k, v in params.items() if k in assumption_fields},
                              trend_methods=params["trend_methods"])
    inputs = BudgetInputs(
        province=params["province"], province_code=params["province_code"],
        budget_year=params["budget_year"], units=units, history=history,
        province_history=province_history, plans=plans, beneficiaries=beneficiaries,
        assumptions=assumptions, prior_budget=prior_budget, options=options,
        synthetic=params["synthetic"], notes=params["notes"])
    return inputs, options


def _load_sheets(path: Path) -> dict[str, Rows]:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise BudgetInputError("只能读取 .xlsx 或 .xlsm 工作簿，请另存为这两种格式之一", field="文件",
                               value=path.name)
    if not path.is_file():
        raise BudgetInputError("找不到该文件，请检查路径", field="文件", value=str(path))
    inspect_workbook(path)  # size, zip-bomb and row limits before openpyxl parses anything
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BudgetInputError(f"无法打开工作簿（{type(exc).__name__}），文件可能已损坏或不是 Excel 工作簿",
                               field="文件", value=path.name) from None
    try:
        missing = [s for s in layout.INPUT_SHEETS if s not in wb.sheetnames]
        if missing:
            raise BudgetInputError(
                f"缺少工作表 {'、'.join(missing)}（现有：{'、'.join(wb.sheetnames)}），请使用预算模板",
                field="工作表", value=path.name)
        return {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in layout.INPUT_SHEETS}
    finally:
        wb.close()


def _cell(rows: Rows, r: int, c: int) -> Any:
    return rows[r][c] if 0 <= r < len(rows) and 0 <= c < len(rows[r]) else None


def _header_keys(column: Column) -> set[str]:
    return {coerce.normalize_key(text) for text in (column.code, column.header, column.title)}


def _is_header(value: Any, column: Column) -> bool:
    return isinstance(value, str) and coerce.normalize_key(value) in _header_keys(column)


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
                           table=table.sheet)


def _table_block(rows: Rows, table: TableLayout) -> tuple[Rows, Callable[[int, int], str]]:
    """The table's cells (header row first) and a function naming a cell as 工作表!A1."""
    r0, c0 = _locate(rows, table)
    width = 0
    while not coerce.is_blank(_cell(rows, r0, c0 + width)):
        width += 1
    block = [[_cell(rows, r, c0 + j) for j in range(width)] for r in range(r0, len(rows))]

    def position(r: int, c: int) -> str:
        return f"{table.sheet}!{get_column_letter(c0 + c + 1)}{r0 + r + 1}"

    return block, position


def _with_formula_hint(exc: BudgetInputError) -> BudgetInputError:
    if "为空" in exc.message:
        exc.message += _FORMULA_HINT
        exc.args = (exc.describe(),)
    return exc


def _read_frame(sheets: dict[str, Rows], table: TableLayout, columns: Sequence[Column] | None = None,
                required: Sequence[str] | None = None) -> pd.DataFrame:
    block, position = _table_block(sheets[table.sheet], table)
    try:
        return coerce.frame_from_rows(block, columns or table.columns, table=table.sheet, required=required,
                                      key_columns=table.key_columns, position=position)
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
    block, position = _table_block(sheets[table.sheet], table)
    frame = coerce.frame_from_rows(block, table.columns, table=table.sheet, position=position)
    found = coerce.header_positions(block[0], table.columns, table=table.sheet, required=["amount"],
                                    position=position)
    by_label = {coerce.normalize_key(v): k for k, v in items.LABELS.items()}
    amounts: dict[str, float] = {}
    for i in range(len(frame)):
        amount = frame["amount"].iloc[i] if "amount" in frame.columns else math.nan
        if math.isnan(amount):
            continue
        code = frame["item"].iloc[i] if "item" in frame.columns else None
        label = frame["label"].iloc[i] if "label" in frame.columns else None
        if coerce.is_blank(code):
            code = by_label.get(coerce.normalize_key(label)) if isinstance(label, str) else None
        if not code:
            raise BudgetInputError(f"{position(i + 1, found['amount'])} 有金额但科目不明，请填写科目代码或科目名称",
                                   table=table.sheet, field="科目", value=label)
        if code in amounts:
            raise BudgetInputError(f"{position(i + 1, found['amount'])} 科目重复", table=table.sheet,
                                   field="科目", value=code)
        amounts[code] = float(amount)
    return pd.Series(amounts, dtype=float)


def _settings_by_key(settings: Sequence[Setting]) -> dict[str, Setting]:
    keys: dict[str, Setting] = {}
    for s in settings:
        keys.setdefault(coerce.normalize_key(s.code), s)
        keys.setdefault(coerce.normalize_key(s.label), s)
    return keys


def _setting_rows(block: Rows, position: Callable[[int, int], str], table: TableLayout,
                  settings: Sequence[Setting], value_cols: Sequence[int],
                  extra: Callable[[str], Setting | None] = lambda code: None) -> list[tuple[int, Setting]]:
    """(row index, setting) for every non-blank row of a key/value table, by 代码 or else 中文名."""
    found = coerce.header_positions(block[0], table.columns, table=table.sheet, required=["code"],
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
                                       table=table.sheet)
            continue
        setting = keys.get(coerce.normalize_key(code)) if code else keys.get(coerce.normalize_key(label))
        if setting is None and code:
            setting = extra(code)
        if setting is None:
            raise BudgetInputError(f"{position(i, found['code'])} 未知的代码，请检查拼写（可用代码见预算模板）",
                                   table=table.sheet, field="代码", value=code or label)
        if setting.code in seen:
            raise BudgetInputError(f"{position(i, found['code'])} 与第 {seen[setting.code]} 行重复",
                                   table=table.sheet, field="代码", value=setting.code)
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
    found = coerce.header_positions(block[0], table.columns, table=table.sheet, required=["code", "value"],
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
        raise BudgetInputError(f"参数表缺少 {heads} 这些行，请从预算模板补上", table=table.sheet)
    values["synthetic"] = bool(values.get("synthetic") or False)
    values["notes"] = values.get("notes") or ""
    values["trend_methods"] = trend
    return values


def _read_options(rows: Rows) -> list[dict]:
    table = layout.TABLES["options"]
    block, position = _table_block_wide(rows, table)
    found = coerce.header_positions(block[0], table.columns, table=table.sheet, required=["code"],
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
                                   table=table.sheet, field="方案代码", value=option["name"])
        names[option["name"]] = where["name"]
        options.append(option)
    return options


def _table_block_wide(rows: Rows, table: TableLayout) -> tuple[Rows, Callable[[int, int], str]]:
    """Like `_table_block`, but the table runs to the last used column (option columns may have gaps)."""
    r0, c0 = _locate(rows, table)
    width = max((len(r) for r in rows[r0:]), default=0) - c0
    block = [[_cell(rows, r, c0 + j) for j in range(width)] for r in range(r0, len(rows))]

    def position(r: int, c: int) -> str:
        return f"{table.sheet}!{get_column_letter(c0 + c + 1)}{r0 + r + 1}"

    return block, position


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == []


def _assemble_option(values: dict[str, Any], where: dict[str, str], sheet: str) -> dict[str, Any]:
    """One option column → the dict `models.sharing.parse_option` takes.

    fixed_amount appears only when the amount is fixed; cap is None when not set.
    """
    def need(code: str, message: str) -> Any:
        value = values.get(code)
        if _blank(value):
            raise BudgetInputError(f"{where.get(code, sheet)} {message}", table=sheet, unit=values.get("name"),
                                   field=code)
        return value

    def get(code: str, default: Any = None) -> Any:
        value = values.get(code)
        return default if _blank(value) else value

    name = need("name", "方案代码为空，请为每个方案填写唯一的代码")
    amount = need("amount", "分担基数为空，请从下拉列表中选择")
    share: Any
    if not _blank(values.get("province_share.basis")):
        if not _blank(values.get("province_share")):
            raise BudgetInputError(f"{where['province_share']} 省级分担比例与条件比例只能填一种，请清空其中之一",
                                   table=sheet, unit=name, field="province_share")
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
                               table=sheet, unit=name, field="权重")
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise BudgetInputError(f"{cells} 权重合计为 {total:.2%}，应等于 100%，请调整",
                               table=sheet, unit=name, field="权重", value=round(total, 6))
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
                               table=sheet, unit=name, field="fixed_amount", value=fixed)
    option |= {
        "management_charge_ratio": get("management_charge_ratio", 0.0),
        "province_share": share,
        "weights": weights,
        "use_coefficients": bool(get("use_coefficients", False)),
        "cap": cap,
        "rewards": list(get("rewards", [])),
    }
    return option
