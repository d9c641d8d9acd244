"""拆分分市填报表 (split) — one form per unit from the provincial input workbook.

Each form holds only that unit's rows (history including the 1–N月 rows, its plan row, its
beneficiaries row) at the input workbook's own anchors and headers, with the instructions, the
identity cells, data validation, locked headers and key columns, and the province's figures for
reference. The provincial workbook is only read; each form is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.worksheet import Worksheet

from addin.cities import form
from addin.cities.lenient import read_partial
from addin.workbook import layout, writer
from addin.workbook.atomic import atomic_write, check_target
from models import items
from models.inputs import BudgetInputs

LOCKED_FILL = "D9D9D9"

INSTRUCTIONS: tuple[str, ...] = (
    "一、本表由{unit}填写，填好后按原文件名报回省级（不要改文件名中的单位名称，也不要另存为其他格式）。",
    "二、只填白色单元格；表头和灰色单元格（单位、年度、月数以及分担系数、考核排名等由省级确定的列）已锁定。",
    "三、金额单位为元，人数单位为人，本人工资为元/月；比率按百分数填写，如 5%。",
    "四、“历年执行”中月数为 12 的行填全年决算数；月数不足 12 的行填当年 1–N 月执行数（N 以该行月数为准）。",
    "五、不要增删工作表、行或列，不要修改本页第4至7行：省级汇总时据此识别填报单位和表式，改动后将被拒收。",
    "六、“全省参考”页列出全省合计和预测假设，仅供参考，不需填写。",
)


def unit_inputs(inputs: BudgetInputs, unit: str) -> BudgetInputs:
    """The inputs restricted to one unit's rows (the province-level tables kept whole)."""
    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["unit"].astype(str) == unit].reset_index(drop=True)

    return BudgetInputs(
        province=inputs.province, province_code=inputs.province_code, budget_year=inputs.budget_year,
        units=only(inputs.units), history=only(inputs.history), province_history=inputs.province_history,
        plans=only(inputs.plans), beneficiaries=only(inputs.beneficiaries), assumptions=inputs.assumptions,
        prior_budget=inputs.prior_budget, options=[], synthetic=inputs.synthetic, notes=inputs.notes)


def _protect(ws: Worksheet, table: layout.TableLayout, n_rows: int, editable: tuple[str, ...]) -> None:
    """Lock the sheet except the unit's editable cells (no password: it guards against slips, not people)."""
    locked_fill = PatternFill(fill_type="solid", start_color=LOCKED_FILL, end_color=LOCKED_FILL)
    for j, column in enumerate(table.columns):
        for i in range(n_rows):
            cell = ws.cell(table.row + 1 + i, table.col + j)
            if column.code in editable:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = locked_fill          # grey: set by the province, not to be filled
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _intro(wb: Workbook, inputs: BudgetInputs, unit: str) -> None:
    ws = wb.create_sheet(form.INTRO_SHEET, 0)
    ws["A1"] = f"{inputs.budget_year}年{inputs.province}工伤保险基金预算分市填报表——{unit}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "请按以下说明填写“历年执行”“扩面计划”“待遇人员”三张表。"
    values = {form.ID_PROVINCE: inputs.province, form.ID_YEAR: int(inputs.budget_year), form.ID_UNIT: unit,
              form.ID_VERSION: form.FORM_SIGNATURE}
    for ref, label in form.ID_LABELS.items():
        ws[f"A{ref[1:]}"] = label
        ws[f"A{ref[1:]}"].font = Font(bold=True)
        ws[ref] = values[ref]
        ws[ref].alignment = Alignment(horizontal="left")
    for i, line in enumerate(INSTRUCTIONS):
        cell = ws.cell(9 + i, 1, line.format(unit=unit))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=9 + i, start_column=1, end_row=9 + i, end_column=6)
        ws.row_dimensions[9 + i].height = 32
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 30
    for col in "CDEF":
        ws.column_dimensions[col].width = 12
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def _reference(wb: Workbook, inputs: BudgetInputs, unit: str) -> None:
    """全省参考: province totals of the full years and the forecast assumptions, for reference."""
    ws = wb.create_sheet(form.REFERENCE_SHEET)
    ws["A1"] = f"{inputs.province}全省合计与预测假设（仅供参考，金额单位：元）"
    ws["A1"].font = Font(bold=True, size=12)
    full = inputs.history[inputs.history["months"] == 12]
    columns = ["insured_end", items.PREMIUM, *items.EXPENDITURE_ITEMS]
    heads = ["年度", "全省期末参保人数", items.label(items.PREMIUM), *(items.label(c) for c in items.EXPENDITURE_ITEMS),
             f"{unit}保险费占全省比重"]
    for j, head in enumerate(heads):
        ws.cell(3, 1 + j, head).font = Font(bold=True)
        ws.column_dimensions[chr(65 + j)].width = 16
    for i, (year, rows) in enumerate(sorted(full.groupby("year"), key=lambda kv: kv[0])):
        ws.cell(4 + i, 1, int(year))
        for j, code in enumerate(columns):
            cell = ws.cell(4 + i, 2 + j, float(pd.to_numeric(rows[code], errors="coerce").sum()))
            cell.number_format = "#,##0" if code == "insured_end" else "#,##0.00"
        total = float(pd.to_numeric(rows[items.PREMIUM], errors="coerce").sum())
        own = float(pd.to_numeric(rows.loc[rows["unit"].astype(str) == unit, items.PREMIUM], errors="coerce").sum())
        share = ws.cell(4 + i, 2 + len(columns), own / total if total > 0 else None)
        share.number_format = "0.00%"
    row = 6 + full["year"].nunique()
    ws.cell(row, 1, "预测假设").font = Font(bold=True)
    a = inputs.assumptions
    for k, (label, value, fmt) in enumerate((
            ("工资增长率", a.wage_growth, "0.00%"), ("医疗费用增长率", a.medical_growth, "0.00%"),
            ("定期待遇调整幅度", a.benefit_adjustment, "0.00%"),
            ("上年全省在岗职工月平均工资（元/月）", a.avg_monthly_wage, "#,##0.00"))):
        ws.cell(row + 1 + k, 1, label)
        cell = ws.cell(row + 1 + k, 2, value if isinstance(value, int | float) and value == value else None)
        cell.number_format = fmt
    ws.protection.sheet = True


def form_workbook(inputs: BudgetInputs, unit: str) -> Workbook:
    """The 分市填报表 of one unit, in memory."""
    own = unit_inputs(inputs, unit)
    wb = Workbook()
    wb.remove(wb.active)
    note = "请只填写本单位白色单元格；表头与单位、年度等列已锁定。"
    ws = writer._new_sheet(wb, layout.HISTORY_SHEET, False)
    writer._write_table(ws, layout.TABLES["history"], own.history)
    _protect(ws, layout.TABLES["history"], len(own.history), form.CITY_COLUMNS["history"])
    writer._write_plans(wb, own)
    _protect(wb[layout.PLANS_SHEET], layout.TABLES["plans"], 1, form.CITY_COLUMNS["plans"])
    writer._write_beneficiaries(wb, own)
    _protect(wb[layout.BENEFICIARIES_SHEET], layout.TABLES["beneficiaries"], 1, form.CITY_COLUMNS["beneficiaries"])
    for name in (layout.HISTORY_SHEET, layout.PLANS_SHEET, layout.BENEFICIARIES_SHEET):
        wb[name]["A1"] = f"{unit}：{wb[name]['A1'].value}"
        wb[name]["A2"] = note
    _intro(wb, inputs, unit)
    _reference(wb, inputs, unit)
    wb.active = 0
    return wb


def split_workbook(source: Path, folder: Path, *, force: bool = False) -> list[tuple[str, Path]]:
    """One form per unit of `source` in `folder`; returns (unit, path) in unit order. Nothing is written
    when any target exists (without `force`)."""
    inputs, _ = read_partial(source)
    units = [str(u) for u in inputs.units["unit"]]
    targets = [(u, folder / form.form_file_name(inputs.province, inputs.budget_year, u)) for u in units]
    names = [t.name for _, t in targets]
    if len(set(names)) != len(names):
        from models.errors import BudgetInputError
        raise BudgetInputError("有单位名称在文件名中无法区分（含 \\ / : * ? 等字符），请改用不同的单位名称",
                               table=layout.PLANS_SHEET, field="单位")
    for _, target in targets:
        check_target(target, force)
    for unit, target in targets:
        atomic_write(target, form_workbook(inputs, unit).save, force=force)
    return targets
