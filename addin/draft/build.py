"""收支预算草案 — build the draft workbook (a new, macro-free .xlsx) from one engine result.

    tables = draft_tables(result, ["anhui"], outlook=draft_outlook(result, "anhui"))   # addin.report
    wb = build_draft(tables, on=dt.date(2027, 1, 1))
    write_draft(tables, "out/收支预算草案_江西省_2027.xlsx", force=False)

Sheets: 封面, 收入预算表, 支出预算表, 收支结余表, 分市预算表, 缺口分担表 (one per chosen option),
方案比较 (with a bar chart), 预测与校验, 多年预测与风险 (projection, sensitivity and a seeded risk run,
with line and bar charts; present when the tables carry an outlook), 编制说明, and 数据检查 (the findings of the
data check run before computing; right after the cover, with 未通过数据检查 in every page header, when the
draft was forced past errors). Styles come from templates/draft_style.toml.
The file is deterministic: document properties and zip entry times are set from the draft date,
so the same inputs and date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook

from addin.draft import sharing_sheets, sheets
from addin.draft.check_sheet import DATA_CHECK_SHEET, mark_headers, write_findings
from addin.draft.frame import issuing_agency
from addin.draft.note import NoteSection, explanatory_note
from addin.draft.notice_sheet import NOTICE_SHEET, notices_attached, write_notice_pages
from addin.draft.outlook_sheet import write_outlook
from addin.draft.save import save_workbook
from addin.draft.style import DraftStyle, load_style, set_chart_fonts
from addin.report.rule_text import ordinal
from addin.report.tables import DraftTables, draft_tables
from addin.workbook.atomic import atomic_write, check_target
from addin.workbook.check import Finding, has_errors
from addin.workbook.safe_cells import neutralise_formulas
from models.inputs import BudgetInputs

if TYPE_CHECKING:        # a type only: the draft never runs the engine
    from models.budget import BudgetResult

OUTPUT_FOLDER = "out"
COMPARISON_LONG_SHEET = "明细"
SHEET_DESCRIPTIONS: dict[str, str] = {
    "cover": "封面与目录",
    "revenue": "全省收入预算（上年预算数、上年预计执行数、本年预算数、增减额、增长%）",
    "expenditure": "全省支出预算（同上）",
    "balance": "本年收支结余、年初/年末滚存结余、可支付月数、储备下限与费率调整",
    "units": "各设区市和省本级的收入、支出与收支缺口",
    "sharing": "选定分担方案下各市的分担额及其构成",
    "comparison": "各分担方案并列比较及分担额图表",
    "checks": "驱动测算与趋势测算对照，偏离超出容差的标出",
    "outlook": "多年收支预测与储备下限图、预测假设、敏感性分析（龙卷风图）、储备风险模拟",
    "note": "编制依据、主要参数、增减原因、基金储备、缺口分担等说明",
    "notice": "分市通知：各设区市的收支预算、收支缺口和分担额（每市一页）",
    "data_check": "输入数据检查结果：规则、位置和修改方法",
}


def package_version() -> str:
    """wibudget 版本 — the package's one version (pyproject reads it from `addin.__version__`)."""
    from addin import __version__

    return __version__


def default_output(inputs: BudgetInputs, suffix: str = ".xlsx") -> Path:
    """默认输出路径: out/收支预算草案_<省份>_<年度>.xlsx."""
    return Path(OUTPUT_FOLDER) / f"收支预算草案_{inputs.province}_{inputs.budget_year}{suffix}"


def default_date(inputs: BudgetInputs, today: dt.date | None = None) -> dt.date:
    """编制日期 when none is given: today, clamped into the drafting year (the year before the budget year),
    so a draft made early or late still carries a date of the year it is drafted in."""
    year = int(inputs.budget_year) - 1
    today = today or dt.date.today()
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def sharing_sheet_names(chosen: Sequence[str], base: str, all_names: Sequence[str] = ()) -> list[str]:
    """缺口分担表 for the first chosen option, 缺口分担表（方案二） for the others, by the option's place."""
    out = []
    for k, code in enumerate(chosen):
        place = list(all_names).index(code) if code in all_names else k
        out.append(base if k == 0 else f"{base}（{ordinal(place)}）"[:31])
    return out


def build_draft(tables: DraftTables, *, on: dt.date | None = None, note: list[NoteSection] | None = None,
                style: DraftStyle | None = None, findings: Sequence[Finding] | None = None) -> Workbook:
    """生成草案工作簿 — every sheet of the draft, print-ready, in a new openpyxl Workbook.

    `tables` holds the engine's one result turned into figures (`addin.report.tables.draft_tables`); the
    多年预测与风险 sheet is included when `tables.outlook` is given. Nothing is computed here.
    `findings` (the data check run before computing) are listed on a 数据检查 sheet; when any is an error
    every page header says 未通过数据检查 and that sheet follows the cover.
    """
    style = style or load_style()
    result = tables.result
    note = note if note is not None else explanatory_note(tables, style)
    with_notices = notices_attached(tables, style.section("scale"))
    on = on or default_date(result.inputs)
    names = style.sheets
    sharing_names = sharing_sheet_names(tables.chosen, names["sharing"], result.sharing.names)
    stamped = findings is not None and has_errors(findings)
    check_sheet = [("data_check", DATA_CHECK_SHEET)] if findings is not None else []
    order = [("cover", names["cover"]), *(check_sheet if stamped else []),
             ("revenue", names["revenue"]), ("expenditure", names["expenditure"]),
             ("balance", names["balance"]), ("units", names["units"]),
             *[("sharing", n) for n in sharing_names],
             ("comparison", names["comparison"]), ("checks", names["checks"]),
             *([("outlook", names["outlook"])] if tables.outlook is not None else []), ("note", names["note"]),
             *([("notice", NOTICE_SHEET)] if with_notices else []), *([] if stamped else check_sheet)]
    contents = [(title, SHEET_DESCRIPTIONS[key]) for key, title in order if key != "cover"]

    wb = Workbook()
    wb.remove(wb.active)
    ws = {title: wb.create_sheet(title) for _, title in order}
    sheets.write_cover(ws[names["cover"]], tables, style, on, contents, issuing_agency(result.inputs),
                       stamped=stamped)
    sheets.write_lines(ws[names["revenue"]], tables, style, "revenue")
    sheets.write_lines(ws[names["expenditure"]], tables, style, "expenditure")
    sheets.write_balance(ws[names["balance"]], tables, style)
    sheets.write_units(ws[names["units"]], tables, style)
    for code, title in zip(tables.chosen, sharing_names, strict=True):
        sharing_sheets.write_sharing(ws[title], tables, style, code)
    sharing_sheets.write_comparison(ws[names["comparison"]], tables, style)
    sharing_sheets.write_checks(ws[names["checks"]], tables, style)
    if tables.outlook is not None:
        write_outlook(ws[names["outlook"]], tables.outlook, style,
                      risk_skipped="本草案未进行储备风险模拟。")
    sharing_sheets.write_note(ws[names["note"]], tables, style, note)
    if findings is not None:
        write_findings(ws[DATA_CHECK_SHEET], tables, style, findings)
    if with_notices:
        write_notice_pages(ws[NOTICE_SHEET], tables, style)      # 分市通知, one page per city
    wb.active = 0
    mark_headers(wb, style, synthetic=tables.synthetic, stamped=stamped)
    neutralise_formulas(wb)
    chart_fonts(wb, style)

    inp = result.inputs
    set_properties(wb, inp, on, f"{inp.province}{inp.budget_year}年工伤保险基金收支预算草案")
    return wb


def chart_fonts(wb: Workbook, style: DraftStyle) -> None:
    """Every chart's text in the template's heading face (Simplified Chinese glyphs in the PDF)."""
    for ws in wb.worksheets:
        for chart in ws._charts:
            set_chart_fonts(chart, style.fonts["heading"])


def set_properties(wb: Workbook, inputs: BudgetInputs, on: dt.date, title: str) -> None:
    """Fixed document properties (created = modified = the draft date) for reproducible files."""
    when = dt.datetime(on.year, on.month, on.day)
    props = wb.properties
    props.title = title
    props.subject = "工伤保险基金收支预算草案"
    props.creator = f"wibudget {package_version()}"
    props.lastModifiedBy = "wibudget"
    props.keywords = "工伤保险;基金预算;缺口分担" + (";示例数据" if inputs.synthetic else "")
    props.description = "示例数据（虚构），仅供演示" if inputs.synthetic else ""
    props.created = when
    props.modified = when


def build_comparison_workbook(result: BudgetResult, *, on: dt.date | None = None,
                              style: DraftStyle | None = None, findings: Sequence[Finding] | None = None) -> Workbook:
    """方案比较工作簿 — the draft's 方案比较 sheet (with its chart) plus the long-form 明细 sheet."""
    style = style or load_style()
    tables = draft_tables(result)
    wb = Workbook()
    ws = wb.active
    ws.title = style.sheets["comparison"]
    sharing_sheets.write_comparison(ws, tables, style)
    sharing_sheets.write_long(wb.create_sheet(COMPARISON_LONG_SHEET), tables, style, result.comparison.long)
    if findings is not None:
        write_findings(wb.create_sheet(DATA_CHECK_SHEET), tables, style, findings)
    mark_headers(wb, style, synthetic=tables.synthetic, stamped=findings is not None and has_errors(findings))
    neutralise_formulas(wb)
    chart_fonts(wb, style)
    inp = result.inputs
    set_properties(wb, inp, on or default_date(inp), f"{inp.province}{inp.budget_year}年缺口分担方案比较")
    return wb


def write_draft(tables: DraftTables, path: Path | str, *, on: dt.date | None = None, force: bool = False,
                findings: Sequence[Finding] | None = None, save: Callable[[Workbook, Path], None] = save_workbook) -> Path:
    """写出草案 — build the draft from computed tables and write it atomically to `path` (refused if it
    exists, unless `force`)."""
    check_target(path, force)
    wb = build_draft(tables, on=on, findings=findings)
    return atomic_write(path, lambda tmp: save(wb, tmp), force=force)
