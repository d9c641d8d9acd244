"""草案工作表 — write each sheet of the draft from `DraftTables`, styled by the template.

Every table sheet has the same frame: row 1 the title, row 2 who/when on the left and the unit on
the right, then the header row(s) (repeated on every printed page and frozen on screen), the body,
and notes under it. Column widths follow the widest figure or text (CJK characters count double).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.note import SYNTHETIC_TEXT, NoteSection
from addin.draft.style import DraftStyle
from addin.report.tables import GAP_LABEL, PROVINCE_ROW, TOTAL_ROW, UNIT_COLUMNS, DraftTables
from addin.report.text import display_width, fmt_number, is_blank
from addin.workbook.charts import share_columns_chart
from models import items
from models.compare import CHANGE, MEASURES, PCT_COLLECTIONS, PER_INSURED, SHARE, SUMMARY_ROWS
from models.sharing import AMOUNTS, PROVINCE_LABEL

WAN = "wan"
CM_PER_WIDTH_UNIT = 0.19   # one Excel character unit (7 px at 96 dpi) in centimetres
CM_PER_POINT = 2.54 / 72


@dataclass
class Frame:
    """一张表的版面 (a sheet under construction): rows written so far, widths, formats."""

    ws: Worksheet
    style: DraftStyle
    n_cols: int
    row: int = 0
    widths: dict[int, float] = field(default_factory=dict)
    header_rows: tuple[int, int] = (0, 0)
    pending_notes: list[tuple[int, str, int]] = field(default_factory=list)   # wrapped rows: row, text, from col
    styles: dict[tuple, Any] = field(default_factory=dict)     # style key → openpyxl StyleArray

    # -- cells --------------------------------------------------------------------------------
    def _track(self, col: int, text: str, factor: float = 1.0) -> None:
        w = max(display_width(part) for part in text.split("\n")) * factor
        self.widths[col] = max(self.widths.get(col, 0.0), w)

    def put(self, row: int, col: int, value: Any, *, fmt: str | None = None, bold: bool = False,
            fill: str | None = None, align: str | None = None, indent: int = 0, border: bool = True,
            color: str | None = None, wrap: bool = False, track: bool = True) -> None:
        st = self.style
        cell = self.ws.cell(row=row, column=col)
        number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if number and is_blank(float(value)):
            value, number = None, False
        if isinstance(value, (np.integer, np.floating)):
            value = value.item()
        cell.value = value
        key = (bold, color, fmt if number else None, align or ("right" if number else "left"), wrap, indent,
               fill, border)
        cached = self.styles.get(key)
        if cached is not None:     # reuse the style indices: assigning style objects is slow in openpyxl
            cell._style = copy.copy(cached)
        else:
            cell.font = st.body_font(bold=bold, color=color)
            if fmt and number:
                cell.number_format = st.formats.get(fmt, fmt)
            cell.alignment = st.align(key[3], wrap=wrap, indent=indent)
            if fill:
                cell.fill = st.fill(fill)
            if border:
                cell.border = st.border()
            self.styles[key] = copy.copy(cell._style)
        if track and value is not None:
            shown = fmt_number(value, _decimals(st.formats.get(fmt or "", ""))) if number else str(value)
            self._track(col, shown + " " * (2 * indent))

    # -- frame rows ---------------------------------------------------------------------------
    def title(self, text: str) -> None:
        st = self.style
        self.row = 1
        ws = self.ws
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=self.n_cols)
        cell = ws.cell(row=1, column=1, value=text)
        cell.font = st.title_font()
        cell.alignment = st.align("center")
        ws.row_dimensions[1].height = st.rows["title_height"]

    def meta(self, left: str, right: str = "金额单位：万元") -> None:
        st = self.style
        self.row = 2
        ws = self.ws
        split = max(1, self.n_cols - 2)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=split)
        c = ws.cell(row=2, column=1, value=left)
        c.font = st.body_font(color=st.colors["muted"])
        c.alignment = st.align("left")
        if self.n_cols > split:
            ws.merge_cells(start_row=2, start_column=split + 1, end_row=2, end_column=self.n_cols)
        c = ws.cell(row=2, column=split + 1, value=right)
        c.font = st.body_font(color=st.colors["muted"])
        c.alignment = st.align("right")

    def header(self, labels: Sequence[str | None], *, track: bool = True) -> int:
        """One header row (track=False for labels that span several columns)."""
        st = self.style
        self.row += 1
        r = self.row
        for k, text in enumerate(labels, start=1):
            cell = self.ws.cell(row=r, column=k, value=text)
            cell.font = st.heading_font()
            cell.fill = st.fill("header_fill")
            cell.border = st.border()
            cell.alignment = st.align("center", wrap=True)
            if text and track:
                self._track(k, text, 0.55)   # headers may wrap onto two lines
        start = self.header_rows[0] or r
        self.header_rows = (start, r)
        return r

    def body(self, values: Sequence[Any], fmts: Sequence[str | None], *, bold: bool = False,
             fill: str | None = None, indent: Sequence[int] | None = None, aligns: Sequence[str | None] | None = None,
             colors: Sequence[str | None] | None = None) -> int:
        self.row += 1
        self.ws.row_dimensions[self.row].height = self.style.rows["body_height"]
        for k, v in enumerate(values, start=1):
            self.put(self.row, k, v, fmt=fmts[k - 1], bold=bold, fill=fill,
                     indent=(indent[k - 1] if indent else 0), align=(aligns[k - 1] if aligns else None),
                     color=(colors[k - 1] if colors else None))
        return self.row

    def notes(self, lines: Sequence[str], *, gap: bool = True) -> None:
        """Wrapped note rows merged across the table, heights estimated from the text length."""
        st = self.style
        if gap:
            self.row += 1
        for text in lines:
            self.row += 1
            r = self.row
            self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=self.n_cols)
            cell = self.ws.cell(row=r, column=1, value=text)
            cell.font = st.body_font(color=st.colors["muted"])
            cell.alignment = st.align("left", wrap=True, vertical="top")
            self.pending_notes.append((r, text, 1))

    # -- finishing ----------------------------------------------------------------------------
    def column_widths(self, minimum: dict[int, float] | None = None, fill_to: float = 0.0) -> None:
        """Widths from the widest content; with `fill_to`, columns after the first widen (≤ 2×) to that total."""
        cw = self.style.columns
        widths = {}
        for col in range(1, self.n_cols + 1):
            raw = self.widths.get(col, 0.0) + cw["padding"]
            limit = cw["label_max_width"] if col == 1 else cw["max_width"]
            widths[col] = min(max(raw, cw["min_width"], (minimum or {}).get(col, 0.0)), limit)
        rest = sum(widths.values()) - widths[1]
        if fill_to and rest > 0 and sum(widths.values()) < fill_to:
            factor = min(2.0, (fill_to - widths[1]) / rest)
            widths.update({c: w * factor for c, w in widths.items() if c > 1})
        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = round(width, 1)

    def table_width(self) -> float:
        return sum(self.ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, self.n_cols + 1))

    def fit_rows(self) -> None:
        """Heights of header rows and note rows from their wrapped text."""
        st = self.style
        line = st.rows["line_height"]
        h0, h1 = self.header_rows
        for r in range(h0, h1 + 1):
            lines = 1
            for col in range(1, self.n_cols + 1):
                text = self.ws.cell(row=r, column=col).value
                if text:
                    width = self.ws.column_dimensions[get_column_letter(col)].width or 8.43
                    span = _merged_width(self.ws, r, col) or width
                    lines = max(lines, _text_lines(str(text), span - 1.0))
            self.ws.row_dimensions[r].height = max(st.rows["header_height"], lines * line + 4)
        for r, text, first in self.pending_notes:
            width = sum(self.ws.column_dimensions[get_column_letter(c)].width or 8.43
                        for c in range(first, self.n_cols + 1))
            lines = _text_lines(text, width - 2.0, self.style.rows["note_cjk_factor"])
            self.ws.row_dimensions[r].height = max(line, lines * line) + 3

    def finish(self, *, synthetic: bool, last_row: int | None = None, freeze_columns: int = 1) -> None:
        """Row heights, print setup (titles = rows 1 to the last header row) and frozen header rows."""
        self.fit_rows()
        last = last_row or self.row
        _, h1 = self.header_rows
        area = f"A1:{get_column_letter(self.n_cols)}{last}"
        self.style.apply_page_setup(self.ws, print_area=area, title_rows=f"1:{h1}" if h1 else None,
                                    header_center=self.style.synthetic_header if synthetic else "")
        if h1:
            self.ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{h1 + 1}"


def _text_lines(text: str, width: float, cjk_factor: float = 1.0) -> int:
    """Lines a wrapped text takes in a cell `width` character units wide."""
    return sum(max(1, math.ceil(display_width(part) * cjk_factor / max(1.0, width))) for part in text.split("\n"))


def _measure_head(measure: str) -> str:
    """分担额(万元) → 分担额 + line break + (万元), so narrow columns wrap cleanly."""
    return measure.replace("(", "\n(", 1)


def _decimals(fmt: str) -> int:
    if "." not in fmt:
        return 0
    return len(fmt.split(".")[1].rstrip("%;\"").split(";")[0].rstrip("%"))


def _merged_width(ws: Worksheet, row: int, col: int) -> float | None:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col == col:
            return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                       for c in range(rng.min_col, rng.max_col + 1))
    return None


def _meta_left(t: DraftTables) -> str:
    inp = t.result.inputs
    text = f"编制单位：{inp.province}　预算年度：{inp.budget_year}年"
    return text + ("　（示例数据，虚构）" if inp.synthetic else "")


def _title(t: DraftTables, what: str) -> str:
    inp = t.result.inputs
    return f"{inp.province}{inp.budget_year}年工伤保险基金{what}"


# ---------------------------------------------------------------- 封面

def write_cover(ws: Worksheet, t: DraftTables, style: DraftStyle, on: dt.date, sheet_list: Sequence[tuple[str, str]],
                version: str) -> None:
    """封面 — title, province, year, date, units, the synthetic-data statement, contents."""
    inp = t.result.inputs
    fr = Frame(ws, style, n_cols=2)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    ws.merge_cells("A2:B2")
    c = ws.cell(row=2, column=1, value=f"{inp.province}{inp.budget_year}年工伤保险基金收支预算草案")
    c.font = style.heading_font(style.fonts["cover_title_size"])
    c.alignment = style.align("center")
    ws.row_dimensions[2].height = 48
    r = 4
    if inp.synthetic:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        text = inp.notes if "虚构" in (inp.notes or "") else SYNTHETIC_TEXT
        if not text.startswith("示例数据"):
            text = "示例数据（虚构）：" + text
        c = ws.cell(row=r, column=1, value=text)
        c.font = style.heading_font(14, color=style.colors["synthetic"])
        c.alignment = style.align("center", wrap=True)
        c.border = style.border()
        ws.cell(row=r, column=2).border = style.border()
        ws.row_dimensions[r].height = 18 * max(2, math.ceil(display_width(text) / 100)) + 10
        r += 2
    units = [u for u in t.result.forecast.units]
    chosen = [t.result.sharing.options[t.result.sharing.option_index(c)].label for c in t.chosen]
    facts = [
        ("省份", inp.province),
        ("预算年度", f"{inp.budget_year}年"),
        ("编制日期", f"{on.year}年{on.month}月{on.day}日"),
        ("金额单位", "万元（保留两位小数）"),
        ("统筹层次", "省级统收统支"),
        ("测算单位", f"{'、'.join(units)}（共{len(units)}个）"),
        ("缺口分担方案", "；".join(chosen)),
        ("参数集", inp.province_code),
        ("编制工具", f"wibudget {version}"),
    ]
    for label, value in facts:
        fr.put(r, 1, label, bold=True, fill="header_fill", track=False, align="center")
        fr.put(r, 2, value, wrap=True, track=False)
        ws.row_dimensions[r].height = 20 * max(1, math.ceil(display_width(value) / 86))
        r += 1
    r += 1
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    c = ws.cell(row=r, column=1, value="目录")
    c.font = style.heading_font(style.fonts["subtitle_size"] + 2)
    r += 1
    for name, what in sheet_list:
        fr.put(r, 1, name, track=False)
        fr.put(r, 2, what, wrap=True, track=False)
        ws.row_dimensions[r].height = 18
        r += 1
    fr.row = r - 1
    style.apply_page_setup(ws, print_area=f"A1:B{r - 1}", title_rows=None,
                           header_center=style.synthetic_header if inp.synthetic else "")


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
        values = [label, row["prior_budget"], row["estimate"], row["budget"], row["change"], row["growth"]]
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
    ws.merge_cells(start_row=r0, start_column=1, end_row=r0 + 1, end_column=1)
    ws.merge_cells(start_row=r0, start_column=2, end_row=r0, end_column=1 + len(rev_cols))
    ws.merge_cells(start_row=r0, start_column=2 + len(rev_cols), end_row=r0, end_column=1 + len(rev_cols) + len(exp_cols))
    ws.merge_cells(start_row=r0, start_column=n, end_row=r0 + 1, end_column=n)
    fmts = [None] + [WAN] * len(UNIT_COLUMNS)
    for name, row in u.iterrows():
        total = name == TOTAL_ROW
        fr.body([name, *[row[c] for c in UNIT_COLUMNS]], fmts, bold=total, fill="total_fill" if total else None)
    fr.notes(["注：1. 合计行与收入预算表、支出预算表的本年预算数一致；每列各单位之和等于合计，每行各项目之和等于该单位的"
              "收入合计、支出合计（受控舍入：每个数只向上或向下舍入到 0.01 万元）。",
              f"2. {PROVINCE_ROW}为省级统一收取的财政补贴收入和利息收入，不属于任何设区市。",
              "3. 收支缺口 = 支出合计 − 收入合计，正数为缺口，负数为结余。"])
    fr.column_widths(minimum={1: 12})
    fr.finish(synthetic=t.synthetic)


# ---------------------------------------------------------------- 缺口分担表

def write_sharing(ws: Worksheet, t: DraftTables, style: DraftStyle, code: str) -> None:
    """缺口分担表 — one option with every component, Σ 城市 + 省级承担 = 应分担缺口."""
    res = t.result.sharing
    opt = res.options[res.option_index(code)]
    table = t.sharing[code]
    attrs = table.attrs
    heads = list(table.columns)
    fr = Frame(ws, style, n_cols=len(heads))
    fr.title(_title(t, "缺口分担表"))
    fr.meta(f"方案：{opt.name} — {opt.label}", "金额单位：万元")
    fr.header(heads)
    fmts = [None] + [WAN] * (len(heads) - 1)
    for _, row in table.iterrows():
        name = row["单位"]
        total = name in ("合计", PROVINCE_LABEL)
        fr.body(list(row), fmts, bold=total, fill="total_fill" if total else None)
    fr.row += 1
    prov = float(table.loc[table["单位"] == PROVINCE_LABEL, "分担额"].iloc[0])
    cities = float(table.loc[table["单位"] == "合计", "分担额"].iloc[0])
    amount = float(attrs["应分担缺口"])
    breakdown = "；".join(f"{k} {v:,.2f}" for k, v in attrs["省级承担构成"].items() if round(v, 2) != 0)
    info = [("应分担缺口", amount), ("分担口径", AMOUNTS[opt.amount]), ("省级承担比例依据", attrs["条件"]),
            ("省级承担构成", breakdown or "无"), ("核对：城市合计＋省级承担", round(cities + prov, 2)),
            ("方案说明", opt.description or "无")]
    for label, value in info:
        fr.row += 1
        fr.put(fr.row, 1, label, bold=True, fill="header_fill")
        ws.merge_cells(start_row=fr.row, start_column=2, end_row=fr.row, end_column=len(heads))
        fr.put(fr.row, 2, value, fmt=WAN, align="left", track=False, wrap=True)
        for col in range(3, len(heads) + 1):
            ws.cell(row=fr.row, column=col).border = style.border()
        if isinstance(value, str):
            fr.pending_notes.append((fr.row, value, 2))
    fr.notes(["注：管理性缺口先由所在市承担；各因素列为按权重分摊的金额；封顶调整为超过上限后再分配的增减；"
              "考核奖励抵减分担额、由省级承担。各列万元两位小数，逐行、逐列与合计一致。"], gap=False)
    fr.column_widths(minimum={1: 24}, fill_to=style.columns["page_width"])
    fr.finish(synthetic=t.synthetic)


# ---------------------------------------------------------------- 方案比较

MEASURE_FORMATS = {SHARE: WAN, PER_INSURED: "yuan_per_person", PCT_COLLECTIONS: "percent_points", CHANGE: WAN}
COUNT_ROWS = {"增加城市数", "减少城市数"}


def write_comparison(ws: Worksheet, t: DraftTables, style: DraftStyle, *, chart: bool = True) -> None:
    """方案比较 — all options side by side, with a clustered bar chart of each city's share."""
    comp = t.comparison
    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    names = list(comp.result.names)
    n = 1 + len(heads) * len(MEASURES)
    fr = Frame(ws, style, n_cols=n)
    fr.title(_title(t, "缺口分担方案比较表"))
    fr.meta(f"基准方案：{comp.baseline}　（较基准变化 = 该方案分担额 − 基准方案分担额）", "金额单位：万元")
    first: list[str | None] = ["单位"]
    for h, code in zip(heads, names, strict=True):
        first += [f"{code}：{h}{'（基准）' if code == comp.baseline else ''}"] + [None] * (len(MEASURES) - 1)
    r0 = fr.header(first, track=False)
    fr.header([None] + [_measure_head(m) for m in MEASURES] * len(heads))
    ws.merge_cells(start_row=r0, start_column=1, end_row=r0 + 1, end_column=1)
    for k in range(len(heads)):
        c1 = 2 + k * len(MEASURES)
        ws.merge_cells(start_row=r0, start_column=c1, end_row=r0, end_column=c1 + len(MEASURES) - 1)
    first_body = fr.row + 1
    for name, row in wide.iterrows():
        summary = name in SUMMARY_ROWS
        values: list[Any] = [name]
        fmts: list[str | None] = [None]
        for h in heads:
            for m in MEASURES:
                values.append(row[(h, m)])
                fmts.append("persons" if name in COUNT_ROWS else MEASURE_FORMATS[m])
        fr.body(values, fmts, bold=name in ("城市合计", PROVINCE_LABEL), fill="total_fill" if summary else None)
    last_city = first_body + len(comp.result.cities) - 1
    fr.notes(["注：分担额与缺口分担表一致（万元，两位小数，城市合计 + 省级承担 = 应分担缺口）；人均分担 = 分担额 ÷ 年平均参保人数"
              "（元/人）；占征缴收入 = 分担额 ÷ 本年工伤保险费收入 × 100；最高、最低为各设区市中的最大、最小值；增加（减少）"
              "城市数为分担额高于（低于）基准方案的设区市个数。"])
    fr.column_widths(minimum={1: 14})
    last_row = fr.row
    if chart and len(comp.result.cities):
        ch = share_columns_chart("各设区市分担额（万元）")
        ch.y_axis.majorGridlines = None
        for k, code in enumerate(names):
            col = 2 + k * len(MEASURES)
            data = Reference(ws, min_col=col, min_row=first_body, max_row=last_city)
            ch.add_data(data, titles_from_data=False)
            ch.series[-1].tx = SeriesLabel(v=code)
        ch.set_categories(Reference(ws, min_col=1, min_row=first_body, max_row=last_city))
        ch.legend.position = "b"
        ch.width = max(style.chart["width_cm"], 0.95 * fr.table_width() * CM_PER_WIDTH_UNIT)
        ch.height = style.chart["height_cm"]
        anchor_row = last_row + 2
        ws.row_breaks.append(Break(id=anchor_row - 1))   # the chart starts a page, never split
        ws.add_chart(ch, f"A{anchor_row}")
        row_pt = style.rows["line_height"]
        rows = math.ceil(ch.height / (row_pt * CM_PER_POINT)) + 2
        for r in range(anchor_row, anchor_row + rows + 1):
            ws.row_dimensions[r].height = row_pt
        last_row = anchor_row + rows
    fr.finish(synthetic=t.synthetic, last_row=last_row)


# ---------------------------------------------------------------- 预测与校验

def write_checks(ws: Worksheet, t: DraftTables, style: DraftStyle) -> None:
    """预测与校验 — driver figure vs trend figure per unit and line; flagged rows highlighted."""
    c = t.checks
    headers = ("科目", "单位", "趋势方法", "上年预计执行数", "本年预算数（驱动测算）", "趋势测算值", "偏离", "提示")
    fr = Frame(ws, style, n_cols=len(headers))
    fr.title(_title(t, "收支预测与趋势校验表"))
    fr.meta(_meta_left(t))
    fr.header(headers)
    fmts = (None, None, None, WAN, WAN, WAN, "ratio", None)
    previous = None
    red = style.colors["synthetic"]
    for row in c.itertuples():
        label = row.label if row.label != previous else None
        previous = row.label
        fr.body([label, row.unit, row.method, row.estimate, row.budget, row.trend, row.deviation, row.hint],
                fmts, fill="flag_fill" if row.flag else None,
                colors=[None] * 7 + [red if row.flag else None], bold=False)
    tol = t.result.forecast.tolerance * 100
    k = t.result.inputs.assumptions.trend_years
    fr.notes([f"注：1. 偏离 = (驱动测算 − 趋势测算) ÷ 趋势测算；超过±{tol:g}%的行以底色标出，请核实。",
              f"2. 趋势测算取近{k}年（含上年预计执行数）；其他收入、劳动能力鉴定支出、其他支出本身按趋势测算，不作比较。",
              "3. 本年预算数与分市预算表一致。"])
    fr.column_widths(minimum={1: 18, 7: 9})
    fr.finish(synthetic=t.synthetic, freeze_columns=2)


# ---------------------------------------------------------------- 编制说明

def write_note(ws: Worksheet, t: DraftTables, style: DraftStyle, sections: Sequence[NoteSection]) -> None:
    """编制说明 — the generated note, one paragraph a row, wrapped."""
    width = style.columns["note_width"]
    fr = Frame(ws, style, n_cols=1)
    ws.column_dimensions["A"].width = width
    fr.title(_title(t, "收支预算草案编制说明"))
    r = 2
    line = style.rows["line_height"]
    for s in sections:
        r += 1
        c = ws.cell(row=r, column=1, value=s.title)
        c.font = style.heading_font(style.fonts["body_size"] + 1)
        c.alignment = style.align("left")
        ws.row_dimensions[r].height = line + 8
        for p in s.paragraphs:
            r += 1
            c = ws.cell(row=r, column=1, value="　　" + p)
            c.font = style.body_font()
            c.alignment = style.align("left", wrap=True, vertical="top")
            lines = _text_lines("　　" + p, width - 2, style.rows["note_cjk_factor"])
            ws.row_dimensions[r].height = lines * (line + 1) + 3
    style.apply_page_setup(ws, print_area=f"A1:A{r}", title_rows=None,
                           header_center=style.synthetic_header if t.synthetic else "")


# ---------------------------------------------------------------- 明细 (long form, for compare --xlsx)

def write_long(ws: Worksheet, t: DraftTables, style: DraftStyle, df: pd.DataFrame) -> None:
    """A long (tidy) table: one row per option × unit, as `Comparison.long`."""
    heads = [str(c) for c in df.columns]
    fr = Frame(ws, style, n_cols=len(heads))
    fr.title(_title(t, "缺口分担方案比较明细"))
    fr.meta(_meta_left(t))
    fr.header(heads)
    fmts = [MEASURE_FORMATS.get(h) for h in heads]
    for row in df.itertuples(index=False):
        fr.body([("是" if v else "否") if isinstance(v, (bool, np.bool_)) else v for v in row], fmts)
    fr.column_widths()
    fr.finish(synthetic=t.synthetic)
