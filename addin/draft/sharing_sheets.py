"""分担与比较页 (sharing, comparison, check and note pages) of the draft: 缺口分担表 per option, 方案比较表 with its
chart, 数据检查, 编制说明 and long tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from openpyxl.chart import Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.cells import dress, merge
from addin.draft.frame import (
    CM_PER_POINT,
    CM_PER_WIDTH_UNIT,
    WAN,
    Frame,
    _measure_head,
    _meta_left,
    _title,
)
from addin.draft.note import NoteSection
from addin.draft.style import DraftStyle
from addin.report.rule_text import USER_NOTE_LABEL, option_names, ordinal, origin_text, rule_text, user_note
from addin.report.tables import DraftTables
from addin.report.text import wrap_text
from addin.workbook.charts import share_columns_chart
from addin.workbook.safe_cells import put_text
from models.compare import CHANGE, MEASURES, PCT_COLLECTIONS, PER_INSURED, SHARE, SUMMARY_ROWS
from models.sharing import PROVINCE_LABEL, load_presets


def write_sharing(ws: Worksheet, t: DraftTables, style: DraftStyle, code: str) -> None:
    """缺口分担表 — one option with every component, Σ 城市 + 省级承担 = 应分担缺口."""
    res = t.result.sharing
    opt = res.options[res.option_index(code)]
    table = t.sharing[code]
    attrs = table.attrs
    heads = list(table.columns)
    fr = Frame(ws, style, n_cols=len(heads))
    fr.title(_title(t, "缺口分担表"))
    k = res.option_index(code)
    name = option_names(res.options)[k]
    fr.meta(f"分担方案：{ordinal(k)}　{name}" if name != ordinal(k) else f"分担方案：{name}", "金额单位：万元")
    fr.header(heads)
    fmts = [None] + [WAN] * (len(heads) - 1)
    for row in table.itertuples(index=False, name=None):
        total = row[0] in ("合计", PROVINCE_LABEL)
        fr.body(list(row), fmts, bold=total, fill="total_fill" if total else None)
    fr.row += 1
    prov = float(table.loc[table["单位"] == PROVINCE_LABEL, "分担额"].iloc[0])
    cities = float(table.loc[table["单位"] == "合计", "分担额"].iloc[0])
    amount = float(attrs["应分担缺口"])
    breakdown = "；".join(f"{k} {v:,.2f}" for k, v in attrs["省级承担构成"].items() if round(v, 2) != 0)
    info = [("应分担缺口", amount), ("分担规则", rule_text(opt)), ("省级承担比例依据", attrs["条件"]),
            ("省级承担构成", breakdown or "无"), ("核对：城市合计＋省级承担", round(cities + prov, 2))]
    origin = origin_text(opt)
    if origin:
        info.append(("规则来源", origin))
    note = user_note(opt, load_presets())
    if note:
        info.append((USER_NOTE_LABEL, note))
    for label, value in info:
        fr.row += 1
        fr.put(fr.row, 1, label, bold=True, fill="header_fill")
        merge(ws, fr.row, 2, fr.row, len(heads))
        fr.put(fr.row, 2, value, fmt=WAN, align="left", track=False, wrap=True)
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
    shown = option_names(comp.result.options)
    base_k = names.index(comp.baseline)
    fr.meta(f"基准方案：{_named(shown, base_k)}　（较基准变化 = 该方案分担额 − 基准方案分担额；增加以红色、减少以绿色显示）",
            "金额单位：万元")
    first: list[str | None] = ["单位"]
    for k, code in enumerate(names):
        first += [f"{_named(shown, k)}{'（基准）' if code == comp.baseline else ''}"] + [None] * (len(MEASURES) - 1)
    r0 = fr.header(first, track=False)
    fr.header([None] + [_measure_head(m) for m in MEASURES] * len(heads))
    merge(ws, r0, 1, r0 + 1, 1)
    for k in range(len(heads)):
        c1 = 2 + k * len(MEASURES)
        merge(ws, r0, c1, r0, c1 + len(MEASURES) - 1)
    first_body = fr.row + 1
    order = [(h, m) for h in heads for m in MEASURES]
    grid = wide[order].to_numpy(dtype=float)          # one array: reading cell by cell from pandas is slow
    unit_fmts = [None, *[MEASURE_FORMATS[m] for _h, m in order]]
    city_fmts = [None, *["signed_wan" if m == CHANGE else MEASURE_FORMATS[m] for _h, m in order]]   # +/− shown
    count_fmts = [None, *["persons"] * len(order)]
    n_cities = len(comp.result.cities)
    for k, (name, figures) in enumerate(zip(wide.index, grid, strict=True)):
        summary = name in SUMMARY_ROWS
        fmts = count_fmts if name in COUNT_ROWS else city_fmts if k < n_cities else unit_fmts
        fr.body([name, *figures.tolist()], fmts,
                bold=name in ("城市合计", PROVINCE_LABEL), fill="total_fill" if summary else None)
    last_city = first_body + len(comp.result.cities) - 1
    _sign_colours(ws, style, names, first_body, last_city)
    fr.notes(["注：分担额与缺口分担表一致（万元，两位小数，城市合计 + 省级承担 = 应分担缺口）；人均分担 = 分担额 ÷ 年平均参保人数"
              "（元/人）；占征缴收入 = 分担额 ÷ 本年工伤保险费收入 × 100；最高、最低为各设区市中的最大、最小值；增加（减少）"
              "城市数为分担额高于（低于）基准方案的设区市个数。"])
    fr.column_widths(minimum={1: 14})
    last_row = fr.row
    if chart and len(comp.result.cities):
        ch = share_columns_chart("各设区市分担额（万元）")
        ch.y_axis.majorGridlines = None
        for k in range(len(names)):
            col = 2 + k * len(MEASURES)
            data = Reference(ws, min_col=col, min_row=first_body, max_row=last_city)
            ch.add_data(data, titles_from_data=False)
            ch.series[-1].tx = SeriesLabel(v=_named(shown, k))
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
        cities = list(comp.result.cities)
        charted = [k for k, h in enumerate(heads) if wide.loc[cities, (h, SHARE)].abs().sum() > 0]
        last_row = _option_charts(ws, style, fr, shown, first_body, last_city, last_row, charted)
    fr.finish(synthetic=t.synthetic, last_row=last_row)


def _named(shown: Sequence[str], k: int) -> str:
    """方案二：<名称>, or 方案二 alone when the option has no Chinese name."""
    return shown[k] if shown[k] == ordinal(k) else f"{ordinal(k)}：{shown[k]}"


def _sign_colours(ws: Worksheet, style: DraftStyle, names: Sequence[str], first: int, last: int) -> None:
    """较基准变化 columns: increases red, decreases green (conditional formats; the +/− format is the cells' own)."""
    red, green = style.colors["increase"], style.colors["decrease"]
    for k in range(len(names)):
        col = get_column_letter(2 + k * len(MEASURES) + MEASURES.index(CHANGE))
        rng = f"{col}{first}:{col}{last}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="greaterThan", formula=["0.004"],
                                                      font=Font(color=red), fill=PatternFill(
                                                          fill_type="solid", start_color=style.colors["increase_fill"],
                                                          end_color=style.colors["increase_fill"])))
        ws.conditional_formatting.add(rng, CellIsRule(operator="lessThan", formula=["-0.004"],
                                                      font=Font(color=green), fill=PatternFill(
                                                          fill_type="solid", start_color=style.colors["decrease_fill"],
                                                          end_color=style.colors["decrease_fill"])))


def _option_charts(ws: Worksheet, style: DraftStyle, fr: Frame, shown: Sequence[str], first: int, last: int,
                   row: int, charted: Sequence[int]) -> int:
    """One bar chart per option whose cities share anything (each city's share), two to a printed page, below
    the grouped chart."""
    height = style.chart["height_cm"] * 0.62
    row_pt = style.rows["line_height"]
    rows = math.ceil(height / (row_pt * CM_PER_POINT)) + 2
    for n, k in enumerate(charted):
        anchor = row + 2
        if n % 2 == 0:
            ws.row_breaks.append(Break(id=anchor - 1))
        ch = share_columns_chart(f"{_named(shown, k)}：各设区市分担额（万元）")
        ch.y_axis.majorGridlines = None
        col = 2 + k * len(MEASURES)
        ch.add_data(Reference(ws, min_col=col, min_row=first, max_row=last), titles_from_data=False)
        ch.series[-1].tx = SeriesLabel(v=shown[k])
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ch.legend = None
        ch.width = max(style.chart["width_cm"], 0.95 * fr.table_width() * CM_PER_WIDTH_UNIT)
        ch.height = height
        ws.add_chart(ch, f"A{anchor}")
        for r in range(anchor, anchor + rows + 1):
            ws.row_dimensions[r].height = row_pt
        row = anchor + rows
    return row


# ---------------------------------------------------------------- 预测与校验

def write_checks(ws: Worksheet, t: DraftTables, style: DraftStyle) -> None:
    """预测与校验 — driver figure vs trend figure per unit and line; flagged rows highlighted. With more units
    than the template's `check_rows_all_max_units`, only the flagged rows are listed (the note says how many
    rows were within tolerance)."""
    c = t.checks
    n_units = c["unit"].nunique()
    only_flagged = n_units > style.section("scale")["check_rows_all_max_units"]
    shown = c[c["flag"].to_numpy(dtype=bool)] if only_flagged else c
    headers = ("科目", "单位", "趋势方法", "上年预计执行数", "本年预算数（驱动测算）", "趋势测算值", "偏离", "提示")
    fr = Frame(ws, style, n_cols=len(headers))
    fr.title(_title(t, "收支预测与趋势校验表"))
    fr.meta(_meta_left(t))
    fr.header(headers)
    fmts = (None, None, None, WAN, WAN, WAN, "ratio", None)
    red = style.colors["synthetic"]
    labels = shown["label"].to_numpy(dtype=object)
    first = np.r_[True, labels[1:] != labels[:-1]] if len(labels) else np.zeros(0, dtype=bool)
    for row, new_label in zip(shown.itertuples(), first, strict=True):
        fr.body([row.label if new_label else None, row.unit, row.method, row.estimate, row.budget, row.trend,
                 row.deviation, row.hint],
                fmts, fill="flag_fill" if row.flag else None,
                colors=[None] * 7 + [red if row.flag else None], bold=False)
    tol = t.result.forecast.tolerance * 100
    k = t.result.inputs.assumptions.trend_years
    notes = [f"注：1. 偏离 = (驱动测算 − 趋势测算) ÷ 趋势测算；超过±{tol:g}%的行以底色标出，请核实。",
             f"2. 趋势测算取近{k}年（含上年预计执行数）；其他收入、劳动能力鉴定支出、其他支出本身按趋势测算，不作比较。",
             "3. 本年预算数与分市预算表一致。"]
    if only_flagged:
        notes.append(f"4. 本省测算单位{n_units:,}个，共{len(c):,}行；本表只列偏离超过±{tol:g}%的{len(shown):,}行，"
                     f"其余{len(c) - len(shown):,}行在容差以内或按趋势测算，未逐行列出。")
    fr.notes(notes)
    fr.column_widths(minimum={1: 18, 7: 9})
    fr.finish(synthetic=t.synthetic, freeze_columns=2)


# ---------------------------------------------------------------- 编制说明

def write_note(ws: Worksheet, t: DraftTables, style: DraftStyle, sections: Sequence[NoteSection]) -> None:
    """编制说明 — the generated note, one paragraph a row, wrapped; a heading never ends a printed page (a page
    break is put before it when it and its first paragraph do not fit on the page)."""
    width = style.columns["note_width"]
    fr = Frame(ws, style, n_cols=1)
    ws.column_dimensions["A"].width = width
    fr.title(_title(t, "收支预算草案编制说明"))
    r = 2
    line = style.rows["line_height"]
    page = style.rows["note_page_height"]
    used = style.rows["title_height"] + (ws.row_dimensions[2].height or line)
    for s in sections:
        r += 1
        c = put_text(ws.cell(row=r, column=1), s.title)
        dress(c, style, font="heading", size=style.fonts["body_size"] + 1, align="left")
        ws.row_dimensions[r].height = line + 8
        first = _paragraph_height(s.paragraphs[0], width, style) if s.paragraphs else 0.0
        if used + line + 8 + first > page:          # keep the heading with its first paragraph
            ws.row_breaks.append(Break(id=r - 1))
            used = 0.0
        used += line + 8
        for p in s.paragraphs:
            r += 1
            # own breaks (no line starts with closing punctuation), measured as the PDF sets the text
            text = wrap_text("　　" + p, (width - 3) / style.rows["wrap_factor"])
            c = put_text(ws.cell(row=r, column=1), text)
            dress(c, style, align="left", wrap=True, vertical="top")
            height = _paragraph_height(p, width, style)
            ws.row_dimensions[r].height = height
            used = height if used + height > page else used + height     # a row that does not fit moves on
    style.apply_page_setup(ws, print_area=f"A1:A{r}", title_rows=None,
                           header_center=style.synthetic_header if t.synthetic else "")


def _paragraph_height(p: str, width: float, style: DraftStyle) -> float:
    """Row height (points) of one wrapped note paragraph."""
    lines = wrap_text("　　" + p, (width - 3) / style.rows["wrap_factor"]).count("\n") + 1
    return lines * (style.rows["line_height"] + 1) + 3


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
