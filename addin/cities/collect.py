"""汇总分市填报表 (collect) — read the returned forms, check each, merge the good ones into the province's inputs.

Every form is read like any input workbook (size and zip checks of `safe_open` first, read-only, never
saved). A form is refused — with the reason — when it cannot be opened, names a unit the province does
not have, names the same unit as another form, is for another budget year or province, has a changed
layout (sheets, identity cells, headers or rows), or has bad cells (each listed as sheet!cell). The
accepted forms replace their unit's figures in the provincial inputs; province-set columns (分担系数,
考核排名, 上年征缴计划 …) stay as the province has them. Neither the forms nor the provincial workbook is
modified: the caller writes the merged inputs to a new file.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from addin.cities import form
from addin.cities.lenient import read_partial
from addin.workbook import check, layout, reader
from addin.workbook.check import Finding
from addin.workbook.safe_open import inspect_workbook
from models.errors import BudgetInputError
from models.inputs import BudgetInputs

FORM_SUFFIXES = (".xlsx", ".xlsm")


class FormRefused(Exception):
    """拒收 (a form that cannot be merged), with the reason and any cell findings."""

    def __init__(self, reason: str, findings: list[Finding] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings = findings or []


@dataclass
class Form:
    """一份已读入的填报表 (one form read back): its file, unit and tables."""

    path: Path
    unit: str
    tables: dict[str, pd.DataFrame]


@dataclass
class Collected:
    """汇总结果: merged inputs, which units are in, missing and refused (file → reason)."""

    inputs: BudgetInputs
    options: list[dict]
    units: list[str]
    merged: dict[str, Path] = field(default_factory=dict)
    refused: dict[Path, FormRefused] = field(default_factory=dict)
    findings: dict[str, list[Finding]] = field(default_factory=dict)   # unit → warnings after merging

    @property
    def missing(self) -> list[str]:
        return [u for u in self.units if u not in self.merged]

    def report(self) -> str:
        """汇总情况 as text: in, missing, refused and why (with sheet!cell findings)."""
        lines = [f"已并入（{len(self.merged)}）：{'、'.join(self.merged) or '无'}",
                 f"未报送（{len(self.missing)}）：{'、'.join(self.missing) or '无'}",
                 f"拒收（{len(self.refused)}）：" + ("无" if not self.refused else "")]
        for path, refusal in self.refused.items():
            lines.append(f"  {path.name}：{refusal.reason}")
            lines += [f"    {f.location}：{f.message}" for f in refusal.findings]
        for unit, found in self.findings.items():
            if found:
                lines.append(f"{unit} 并入后检查提示（位置为汇总工作簿中的单元格）：")
                lines += [f"    {f.location}：{f.message}" for f in found]
        return "\n".join(lines)


def _rows(path: Path) -> dict[str, list[list[Any]]]:
    try:
        inspect_workbook(path)
    except BudgetInputError as exc:
        raise FormRefused(f"无法安全打开：{exc.message}") from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FormRefused("无法打开：文件已损坏或不是 Excel 工作簿") from None
    try:
        missing = [s for s in form.FORM_SHEETS if s not in wb.sheetnames]
        if missing:
            raise FormRefused(f"表式已改动：缺少工作表 {'、'.join(missing)}，请用省级下发的填报表重新填报")
        return {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in form.FORM_SHEETS}
    finally:
        wb.close()


def _identity(rows: list[list[Any]]) -> dict[str, Any]:
    def at(ref: str) -> Any:
        r, c = int(ref[1:]) - 1, ord(ref[0]) - 65
        return rows[r][c] if r < len(rows) and c < len(rows[r]) else None

    return {ref: at(ref) for ref in form.ID_LABELS}


def read_form(path: Path, province: BudgetInputs) -> Form:
    """Read and check one returned form against the provincial inputs; raises FormRefused."""
    sheets = _rows(path)
    ident = _identity(sheets[form.INTRO_SHEET])
    where = f"{form.INTRO_SHEET}!"
    if ident[form.ID_VERSION] != form.FORM_SIGNATURE:
        raise FormRefused(f"表式已改动：{where}{form.ID_VERSION} 的表式版本不符（可能是旧版填报表或表头被修改），"
                          "请用本次下发的填报表重新填报")
    unit = str(ident[form.ID_UNIT] or "").strip()
    units = [str(u) for u in province.units["unit"]]
    if unit not in units:
        raise FormRefused(f"未知单位：{where}{form.ID_UNIT} 的填报单位“{unit}”不在全省工作簿的单位名单中"
                          f"（{'、'.join(units)}）")
    year = ident[form.ID_YEAR]
    if not isinstance(year, int | float) or int(year) != int(province.budget_year):
        raise FormRefused(f"年度不符：{where}{form.ID_YEAR} 为 {year}，全省工作簿的预算年度为 {province.budget_year}")
    if str(ident[form.ID_PROVINCE] or "").strip() != str(province.province).strip():
        raise FormRefused(f"省份不符：{where}{form.ID_PROVINCE} 为“{ident[form.ID_PROVINCE]}”，"
                          f"全省工作簿为“{province.province}”")
    _same_headers(sheets)
    capped = check._Capped()
    for key in form.TABLE_KEYS:
        check._scan_table(sheets[layout.TABLES[key].sheet], layout.TABLES[key], capped)
    bad = [f for f in capped.result() if f.severity == "error"]
    if bad:
        raise FormRefused(f"有 {len(bad)} 处填写错误，未并入，请{unit}改正后重报", bad)
    tables: dict[str, pd.DataFrame] = {}
    for key in form.TABLE_KEYS:
        try:
            tables[key] = reader._read_frame(sheets, layout.TABLES[key])
        except BudgetInputError as exc:
            raise FormRefused(f"表式已改动或填写有误：{exc.message}") from None
    _same_rows(tables, province, unit)
    return Form(path, unit, tables)


def _same_headers(sheets: dict[str, list[list[Any]]]) -> None:
    """Every table's headers exactly as split wrote them (a renamed or moved column is a changed layout)."""
    for key in form.TABLE_KEYS:
        table = layout.TABLES[key]
        rows = sheets[table.sheet]
        header = rows[table.row - 1] if len(rows) >= table.row else []
        for j, column in enumerate(table.columns):
            c = table.col - 1 + j
            got = header[c] if c < len(header) else None
            if got != column.title:
                cell = f"{table.sheet}!{get_column_letter(c + 1)}{table.row}"
                raise FormRefused(f"表式已改动：{cell} 的表头应为“{column.title}”，现为“{got or '空白'}”；"
                                  "请不要增删、移动或改名表中的列")


def _keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(str(v) if c == "unit" else int(v) for c, v in zip(columns, row, strict=True))
            for row in frame[columns].itertuples(index=False)]


def _same_rows(tables: dict[str, pd.DataFrame], province: BudgetInputs, unit: str) -> None:
    """The form has exactly the unit's rows the province sent (same years and months, no other unit)."""
    others = sorted({str(u) for k in form.TABLE_KEYS for u in tables[k]["unit"] if str(u) != unit})
    if others:
        raise FormRefused(f"表式已改动：表中出现其他单位 {'、'.join(others)} 的行，每份填报表只能填本单位")
    key = ["unit", "year", "months"]
    sent = _keys(province.history[province.history["unit"].astype(str) == unit], key)
    got = _keys(tables["history"], key)
    if sorted(sent) != sorted(got):
        raise FormRefused(f"表式已改动：{layout.HISTORY_SHEET}的年度、月数行与下发时不同（下发 {len(sent)} 行，"
                          f"报回 {len(got)} 行），请不要增删行或修改年度、月数")
    for k in ("plans", "beneficiaries"):
        if len(tables[k]) != 1:
            raise FormRefused(f"表式已改动：{layout.TABLES[k].sheet}应只有本单位一行，现有 {len(tables[k])} 行")


def _merge(inputs: BudgetInputs, accepted: list[Form]) -> BudgetInputs:
    history, plans = inputs.history.copy(), inputs.plans.copy()
    units, beneficiaries = inputs.units.copy(), inputs.beneficiaries.copy()
    for f in accepted:
        got = f.tables["history"].set_index(["year", "months"])
        mine = history.index[history["unit"].astype(str) == f.unit]
        for i in mine:
            row = got.loc[(int(history.at[i, "year"]), int(history.at[i, "months"]))]
            for c in form.CITY_COLUMNS["history"]:
                if c in row.index:
                    history.at[i, c] = row[c]
        for frame in (plans, units):
            i = frame.index[frame["unit"].astype(str) == f.unit][0]
            for c in form.CITY_COLUMNS["plans"]:
                if c in frame.columns and c in f.tables["plans"].columns:
                    frame.at[i, c] = f.tables["plans"][c].iloc[0]
        i = beneficiaries.index[beneficiaries["unit"].astype(str) == f.unit][0]
        for c in form.CITY_COLUMNS["beneficiaries"]:
            if c in f.tables["beneficiaries"].columns:
                beneficiaries.at[i, c] = f.tables["beneficiaries"][c].iloc[0]
    return BudgetInputs(
        province=inputs.province, province_code=inputs.province_code, budget_year=inputs.budget_year,
        units=units, history=history, province_history=inputs.province_history, plans=plans,
        beneficiaries=beneficiaries, assumptions=inputs.assumptions, prior_budget=inputs.prior_budget,
        options=inputs.options, synthetic=inputs.synthetic, notes=inputs.notes,
        parameter_overrides=dict(inputs.parameter_overrides))


def form_files(folder: Path) -> list[Path]:
    """The forms in a folder: .xlsx/.xlsm files, not Office lock files (~$…) or hidden files."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in FORM_SUFFIXES and not p.name.startswith(("~$", ".")))


def collect_forms(folder: Path, provincial: Path) -> Collected:
    """Read every form in `folder`, refuse the bad ones, merge the rest into `provincial`'s inputs."""
    inputs, options = read_partial(provincial)
    units = [str(u) for u in inputs.units["unit"]]
    out = Collected(inputs, list(options), units)
    by_unit: dict[str, list[Form]] = defaultdict(list)
    for path in form_files(folder):
        if path.resolve() == provincial.resolve():
            continue
        try:
            got = read_form(path, inputs)
        except FormRefused as refusal:
            out.refused[path] = refusal
            continue
        by_unit[got.unit].append(got)
    accepted = []
    for unit, forms in by_unit.items():
        if len(forms) > 1:
            names = "、".join(f.path.name for f in forms)
            for f in forms:
                out.refused[f.path] = FormRefused(f"重复单位：{unit} 有 {len(forms)} 份填报表（{names}），"
                                                  "均未并入，请只保留一份后重新汇总")
            continue
        accepted.append(forms[0])
        out.merged[unit] = forms[0].path
    out.merged = {u: out.merged[u] for u in units if u in out.merged}
    out.inputs = _merge(inputs, accepted)
    found = check.check_inputs(out.inputs, out.options)
    for unit in out.merged:
        out.findings[unit] = [f for f in found if f.unit == unit]
    return out
