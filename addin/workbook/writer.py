"""输入表写出 (writing input sheets) — lay budget inputs out as Excel tables in a workbook.

`write_inputs` writes 参数, 历年执行, 扩面计划, 待遇人员 and 分担方案 as Excel tables (ListObjects) with data
validation, number formats, frozen headers and a defined name over every table (formula engines that cannot read
structured references use those). The layout itself is in `addin.workbook.layout`.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.workbook import layout
from addin.workbook.layout import Column, Setting, TableLayout
from addin.workbook.safe_cells import neutralise_formulas
from models import items
from models.errors import BudgetInputError
from models.inputs import BudgetInputs

TABLE_STYLE = "TableStyleMedium2"
OPTION_COLUMN_WIDTH = 20
HEADER_LINE_HEIGHT = 15        # points per wrapped header line
SYNTHETIC_MARK = "（示例数据，数字为虚构）"
#: Blank rows below each table that its defined name also covers, so a row the user adds (typed under
#: the table, Tab in its last cell, an inserted sheet row) is inside the name the formulas pass; the
#: reader and the UDFs skip blank rows. 历年执行 gets a year of a larger province (units × 13 months rows).
SPARE_ROWS: dict[str, int] = {"params": 20, "history": 200, "province_history": 20, "prior_budget": 20,
                              "plans": 60, "beneficiaries": 60, "overrides": 20}
#: Blank columns right of 分担方案 covered by inp_options (and its data validation): room for more options.
SPARE_OPTION_COLUMNS = 8



def write_inputs(wb: Workbook, inputs: BudgetInputs, options: list[dict]) -> dict[str, str]:
    """Write the input sheets (参数, 历年执行, 扩面计划, 待遇人员, 分担方案) into `wb`.

    Sheets of the same name are replaced; an empty default sheet is removed. Returns the defined
    names created → their ranges, e.g. {"inp_history": "'历年执行'!$A$4:$M$10", "prm_wage_growth": …}.
    """
    _drop_default_sheet(wb)
    names: dict[str, str] = {}
    names |= _write_params(wb, inputs)
    names |= _write_overrides(wb, inputs)
    names[layout.TABLES["params"].defined_name] = _covering(names[layout.TABLES["params"].defined_name],
                                                            names[layout.OVERRIDE_TABLE.defined_name])
    names |= _write_history(wb, inputs)
    names |= _write_plans(wb, inputs)
    names |= _write_beneficiaries(wb, inputs)
    names |= _write_options(wb, options, inputs.synthetic)
    neutralise_formulas(wb, layout.INPUT_SHEETS)      # input sheets hold values: a name such as "=1+1" stays text
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


def _covering(first: str, second: str) -> str:
    """The one block over two ranges of a sheet: inp_params reaches over 参数调整 beside it, so the functions
    read the overrides together with the parameters (as `wibudget` reads the whole sheet)."""
    sheet, a = first.rsplit("!", 1)
    c1, r1, c2, r2 = range_boundaries(a.replace("$", ""))
    d1, s1, d2, s2 = range_boundaries(second.rsplit("!", 1)[1].replace("$", ""))
    return _absolute(sheet.strip("'").replace("''", "'"), min(c1, d1), min(r1, s1), max(c2, d2), max(r2, s2))


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


def _add_table(ws: Worksheet, table: TableLayout, last_col: int, last_row: int, *, spare_cols: int = 0) -> str:
    """The Excel table (ListObject) over the cells written; returns the reference of its defined name,
    which also covers the spare blank rows (`SPARE_ROWS`) and `spare_cols` blank columns beyond it."""
    ref = f"{table.anchor}:{get_column_letter(last_col)}{last_row}"
    tab = Table(displayName=table.name, ref=ref)
    tab.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(tab)
    _caption(ws, table)
    _style_header(ws, table.row, table.col, last_col)
    return _absolute(ws.title, table.col, table.row, last_col + spare_cols, last_row + SPARE_ROWS.get(table.key, 0))


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
            extra = max(layout.VALIDATION_EXTRA_ROWS, SPARE_ROWS.get(table.key, 0))
            dv.add(f"{letter}{r0 + 1}:{letter}{r0 + n_rows + extra}")
    ref = _add_table(ws, table, c0 + len(columns) - 1, r0 + n_rows)
    return {table.defined_name: ref}


def _param_values(inputs: BudgetInputs) -> dict[str, Any]:
    values: dict[str, Any] = {
        "province": inputs.province, "province_code": inputs.province_code,
        "budget_year": inputs.budget_year, "synthetic": inputs.synthetic, "notes": inputs.notes or None,
        "issuing_agency": inputs.issuing_agency or None,
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


def _write_overrides(wb: Workbook, inputs: BudgetInputs) -> dict[str, str]:
    """参数调整 table beside the parameters (one blank row when there are none)."""
    table = layout.OVERRIDE_TABLE
    overrides = getattr(inputs, "parameter_overrides", None) or {}
    frame = pd.DataFrame({"name": list(overrides), "value": [list(v) for v, _ in overrides.values()],
                          "basis": [b for _, b in overrides.values()]}, dtype=object)
    names = _write_table(wb[table.sheet], table, frame)
    for column, width in zip(table.columns, (26, 24, 40), strict=True):
        wb[table.sheet].column_dimensions[get_column_letter(table.col + table.columns.index(column))].width = width
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
                "province_share", "weights", "use_coefficients", "cap", "rewards", "name_zh", "origin", "our_reading"}


def _option_settings(option: dict[str, Any]) -> dict[str, Any]:
    """A sharing option dict → {setting code: value} (the rows of the 分担方案 sheet)."""
    name = option.get("name", "?")
    unknown = set(option) - _OPTION_KEYS
    if unknown:
        raise BudgetInputError(f"分担方案表没有这些设置的位置：{'、'.join(sorted(unknown))}",
                               table=layout.OPTIONS_SHEET, unit=name)
    flat = {k: option.get(k) for k in ("name", "label", "description", "amount", "fixed_amount",
                                       "management_charge_ratio", "use_coefficients", "rewards", "name_zh",
                                       "origin", "our_reading")}
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
    for j in range(first_opt, last_opt + 1 + SPARE_OPTION_COLUMNS):
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
            extra = get_column_letter(last_opt + SPARE_OPTION_COLUMNS)
            dv.add(f"{get_column_letter(first_opt)}{r}:{extra}{r}")
    ref = _add_table(ws, table, last_opt, r0 + len(layout.OPTION_ROWS), spare_cols=SPARE_OPTION_COLUMNS)
    return {table.defined_name: ref}


