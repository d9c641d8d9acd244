"""数据检查页 (data check page) of the draft, and the marks in every page header.

The data check (`wibudget check`'s rule set) runs before the draft is computed. Its findings — errors
when the draft was forced with --allow-errors, warnings always — are listed here with rule, level,
sheet!cell, unit and the fix. A draft made from inputs with errors says 未通过数据检查 in every page header.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.frame import Frame, _meta_left, _title
from addin.draft.style import DraftStyle
from addin.report.tables import DraftTables
from addin.workbook.check import Finding, has_errors
from models.validation import RULES, SEVERITY_LABELS

DATA_CHECK_SHEET = "数据检查"
STAMP = "未通过数据检查"
HEADERS = ("序号", "级别", "规则", "问题", "位置", "单位", "说明和修改方法")


def header_mark(*, synthetic: bool, stamped: bool, style: DraftStyle) -> str:
    """The text in the middle of every page header: 未通过数据检查 and/or 示例数据（虚构）."""
    parts = ([STAMP] if stamped else []) + ([style.synthetic_header] if synthetic else [])
    return "　".join(parts)


def mark_headers(wb: Workbook, style: DraftStyle, *, synthetic: bool, stamped: bool) -> None:
    """Put the header mark on every sheet (red), after the sheets are written."""
    text = header_mark(synthetic=synthetic, stamped=stamped, style=style)
    for ws in wb.worksheets:
        ws.oddHeader.center.text = text or None
        if text:
            ws.oddHeader.center.color = style.colors["synthetic"]


def write_findings(ws: Worksheet, t: DraftTables, style: DraftStyle, findings: Sequence[Finding]) -> None:
    """数据检查 — every finding of the data check; a line saying so when there is none."""
    fr = Frame(ws, style, n_cols=len(HEADERS))
    fr.title(_title(t, "输入数据检查结果"))
    fr.meta(_meta_left(t), "")
    fr.header(HEADERS)
    red = style.colors["synthetic"]
    for k, f in enumerate(findings, start=1):
        error = f.severity == "error"
        title = RULES[f.rule].title if f.rule in RULES else ""
        fr.body([k, SEVERITY_LABELS.get(f.severity, f.severity), f.rule, title, f.location or "整个工作簿",
                 f.unit or "", f.message], [None, None, None, None, None, None, None],
                aligns=["center", "center", "center", None, None, None, None],
                colors=[None, red if error else None, *[None] * 5], fill="flag_fill" if error else None)
        ws.cell(row=fr.row, column=len(HEADERS)).alignment = style.align("left", wrap=True)
        fr.pending_notes.append((fr.row, f.message, len(HEADERS)))
    errors = sum(1 for f in findings if f.severity == "error")
    if not findings:
        summary = "注：按预算模板的全部检查规则检查输入数据，未发现问题。"
    elif has_errors(findings):
        summary = (f"注：输入数据有{errors}项错误、{len(findings) - errors}项提示。本草案在数据检查未通过的情况下生成，"
                   f"各页页眉标注“{STAMP}”，其数字不能作为正式预算；请按上表修改输入后重新生成。")
    else:
        summary = (f"注：输入数据未发现错误；有{len(findings)}项提示，不影响测算，请逐项核实。")
    fr.notes([summary])
    fr.column_widths(minimum={1: 6, 2: 6, 3: 7, 4: 16, 5: 14, 6: 10, 7: 60})
    others = sum(ws.column_dimensions[c].width for c in "ABCDEF")
    ws.column_dimensions["G"].width = max(60.0, style.columns["page_width"] - others)   # fill the page width
    fr.finish(synthetic=t.synthetic)
