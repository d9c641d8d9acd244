"""草案工作表 — write each sheet of the draft from `DraftTables`, styled by the template.

Every table sheet has the same frame: row 1 the title, row 2 who/when on the left and the unit on
the right, then the header row(s) (repeated on every printed page and frozen on screen), the body,
and notes under it. Column widths follow the widest figure or text (CJK characters count double).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.cells import dress, merge
from addin.draft.frame import WAN, Frame, _meta_left, _title
from addin.draft.note import SYNTHETIC_TEXT
from addin.draft.style import DraftStyle
from addin.report.rule_text import option_names
from addin.report.tables import GAP_LABEL, PROVINCE_ROW, TOTAL_ROW, UNIT_COLUMNS, DraftTables
from addin.report.text import display_width
from models import items


def write_cover(ws: Worksheet, t: DraftTables, style: DraftStyle, on: dt.date, sheet_list: Sequence[tuple[str, str]],
                agency: str, *, stamped: bool = False) -> None:
    """封面 — title, issuing agencies, year, date, units, the options, the synthetic-data statement and
    contents, on one printed page whatever the number of options."""
    inp = t.result.inputs
    fr = Frame(ws, style, n_cols=2)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    merge(ws, 2, 1, 2, 2)
    dress(ws.cell(row=2, column=1, value=f"{inp.province}{inp.budget_year}年工伤保险基金收支预算草案"), style,
          font="heading", size=style.fonts["cover_title_size"], align="center")
    ws.row_dimensions[2].height = 48
    r = 4
    if stamped:
        merge(ws, r, 1, r, 2)
        dress(ws.cell(row=r, column=1, value="本草案未通过数据检查，数字不能作为正式预算（见“数据检查”表）"), style,
              font="heading", size=14, color=style.colors["synthetic"], align="center", wrap=True)
        ws.row_dimensions[r].height = 28
        r += 2
    if inp.synthetic:
        merge(ws, r, 1, r, 2)
        text = inp.notes if "虚构" in (inp.notes or "") else SYNTHETIC_TEXT
        if not text.startswith("示例数据"):
            text = "示例数据（虚构）：" + text
        dress(ws.cell(row=r, column=1, value=text), style, font="heading", size=14,
              color=style.colors["synthetic"], align="center", wrap=True, border=True)
        ws.row_dimensions[r].height = 18 * max(2, math.ceil(display_width(text) / 100)) + 10
        r += 2
    units = [u for u in t.result.forecast.units]
    res = t.result.sharing
    all_names = option_names(res.options)
    chosen = [all_names[res.option_index(c)] for c in t.chosen]
    others = len(res.options) - len(chosen)
    facts = [
        ("编制单位", agency),
        ("预算年度", f"{inp.budget_year}年"),
        ("编制日期", f"{on.year}年{on.month}月{on.day}日"),
        ("金额单位", "万元（保留两位小数）"),
        ("统筹层次", "省级统收统支"),
        ("测算单位", f"{'、'.join(units)}（共{len(units)}个）"),
        ("缺口分担方案", "；".join(chosen) + (f"（另有{others}个方案列入方案比较表）" if others > 0 else "")),
    ]
    for label, value in facts:
        fr.put(r, 1, label, bold=True, fill="header_fill", track=False, align="center")
        fr.put(r, 2, value, wrap=True, track=False)
        ws.row_dimensions[r].height = 20 * max(1, math.ceil(display_width(value) / 86))
        r += 1
    r += 1
    merge(ws, r, 1, r, 2)
    dress(ws.cell(row=r, column=1, value="目录"), style, font="heading", size=style.fonts["subtitle_size"] + 2)
    r += 1
    for name, what in sheet_list:
        fr.put(r, 1, name, track=False)
        fr.put(r, 2, what, wrap=True, track=False)
        ws.row_dimensions[r].height = 18
        r += 1
    fr.row = r - 1
    style.apply_page_setup(ws, print_area=f"A1:B{r - 1}", title_rows=None,
                           header_center=style.synthetic_header if inp.synthetic else "")
    ws.page_setup.fitToHeight = 1          # the cover is one page, however many options and sheets


# ---------------------------------------------------------------- 收入 / 支出预算表

LINE_HEADERS = ("科目", "上年预算数", "上年预计执行数", "本年预算数", "增减额", "增长%")
LINE_FORMATS = (None, WAN, WAN, WAN, WAN, "percent_points")
SUB_ITEMS = set(items.BENEFIT_ITEMS)


def write_lines(ws: Worksheet, t: DraftTables, style: DraftStyle, side: str) -> None:
    """收入预算表 / 支出预算表 in the official layout."""
    df = t.revenue if side == "revenue" else t.expenditure
    what = "收入预算表" if side == "revenue" else "支出预算表"
    fr = Frame(ws, style, n_cols=len(LINE_HEADERS))
    fr.title(_title(t, what))
    fr.meta(_meta_left(t))
    fr.header(LINE_HEADERS)
    for code, row in df.iterrows():
        total = code in ("revenue_total", "expenditure_total")
        sub = code in SUB_ITEMS
        label = row["label"]
        if sub:
            label = ("其中：" if code == items.BENEFIT_ITEMS[0] else "") + label
        growth = row["growth"]
        if not math.isfinite(float(growth)) and float(row["estimate"]) == 0:
            growth = "上年为零"
        values = [label, row["prior_budget"], row["estimate"], row["budget"], row["change"], growth]
        fr.body(values, LINE_FORMATS, bold=total or code == "benefit_total", fill="total_fill" if total else None,
                indent=[2 if sub else 0] + [0] * 5)
    notes = ["注：1. 增减额 = 本年预算数 − 上年预计执行数；增长% = 增减额 ÷ 上年预计执行数 × 100。",
             "2. 各项目按万元保留两位小数，分项之和与合计数一致（最大余数法）。"]
    if side == "revenue":
        notes.append("3. 财政补贴收入、利息收入为省级统收项目；其余项目为各设区市和省本级汇总数（见分市预算表）。")
    else:
        notes.append("3. 工伤保险待遇支出 = 工伤医疗待遇支出 + 伤残待遇支出 + 工亡待遇支出。")
    if df["prior_budget"].isna().all():
        notes.append("4. 未提供上年预算数，该列留空。")
    fr.notes(notes)
    fr.column_widths(minimum={1: 20, 2: 14, 3: 14, 4: 14, 5: 13, 6: 9})
    fr.finish(synthetic=t.synthetic)


# ---------------------------------------------------------------- 收支结余表

BALANCE_FORMATS = {"万元": WAN, "月": "months", "费率": "rate", "": None}


def write_balance(ws: Worksheet, t: DraftTables, style: DraftStyle) -> None:
    """收支结余表 — balances, 可支付月数, the reserve floor and the rate adjustment check."""
    b = t.balance
    fr = Frame(ws, style, n_cols=5)
    fr.title(_title(t, "收支结余表"))
    fr.meta(_meta_left(t), "金额单位：万元")
    fr.header(("项目", "单位", "上年预计执行数", "本年预算数", "说明"))
    red = style.colors["synthetic"]
    for code, row in b.iterrows():
        unit = row["unit"]
        fmt = BALANCE_FORMATS[unit]
        shown_unit = {"费率": "%"}.get(unit, unit)
        key = code in ("surplus", "closing_balance", "months_payable", "trigger")
        colors = [None] * 5
        if code == "trigger":
            colors = [None, None, red if row["estimate"] == "是" else None, red if row["budget"] == "是" else None, None]
        fr.body([row["label"], shown_unit, row["estimate"], row["budget"], row["note"]],
                [None, None, fmt, fmt, None], bold=key, aligns=[None, "center", "right", "right", None],
                colors=colors)
    m = f"{t.result.province.reserve_months:g}"
    fr.notes([f"注：1. 上年年末滚存结余即本年年初滚存结余；储备下限为{m}个月的平均支出（支出合计 ÷ 12 × {m}）。",
              "2. 年末滚存结余低于储备下限时，按规定上调行业基准费率；“恢复储备下限所需平均费率”为使本年年末滚存结余恰好"
              "达到储备下限（含相应的利息收入）所需的全省平均费率。",
              "3. 费率以缴费工资总额为基数；金额单位万元，月数保留两位小数。"])
    fr.column_widths(minimum={1: 26, 2: 6, 3: 16, 4: 16, 5: 30})
    fr.finish(synthetic=t.synthetic)


# ---------------------------------------------------------------- 分市预算表

def write_units(ws: Worksheet, t: DraftTables, style: DraftStyle) -> None:
    """分市预算表 — every unit's items and totals; columns reconcile to 收入/支出预算表."""
    u = t.units
    rev_cols = list(UNIT_COLUMNS[:5])
    exp_cols = list(UNIT_COLUMNS[5:12])
    n = 1 + len(UNIT_COLUMNS)
    fr = Frame(ws, style, n_cols=n)
    fr.title(_title(t, "分市收支预算表"))
    fr.meta(_meta_left(t))
    first = ["单位", "收入", *[None] * (len(rev_cols) - 1), "支出", *[None] * (len(exp_cols) - 1), GAP_LABEL]
    second = [None, *[items.label(c) for c in rev_cols], *[items.label(c) for c in exp_cols], None]
    r0 = fr.header(first, track=False)
    fr.header(second)
    merge(ws, r0, 1, r0 + 1, 1)
    merge(ws, r0, 2, r0, 1 + len(rev_cols))
    merge(ws, r0, 2 + len(rev_cols), r0, 1 + len(rev_cols) + len(exp_cols))
    merge(ws, r0, n, r0 + 1, n)
    fmts = [None] + [WAN] * len(UNIT_COLUMNS)
    for name, figures in zip(u.index, u[list(UNIT_COLUMNS)].to_numpy(dtype=float), strict=True):
        total = name == TOTAL_ROW
        fr.body([name, *figures.tolist()], fmts, bold=total, fill="total_fill" if total else None)
    fr.notes(["注：1. 合计行与收入预算表、支出预算表的本年预算数一致；每列各单位之和等于合计，每行各项目之和等于该单位的"
              "收入合计、支出合计（受控舍入：每个数只向上或向下舍入到 0.01 万元）。",
              f"2. {PROVINCE_ROW}为省级统一收取的财政补贴收入和利息收入，不属于任何设区市。",
              "3. 收支缺口 = 支出合计 − 收入合计，正数为缺口，负数为结余。"])
    fr.column_widths(minimum={1: 12})
    fr.finish(synthetic=t.synthetic)


# ---------------------------------------------------------------- 缺口分担表

