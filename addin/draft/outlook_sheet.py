"""多年预测与风险 — the draft sheet (and the `project` / `risk` xlsx exports) from `OutlookTables`.

Sections, each starting a printed page: 一、多年收支预测 (the table in 万元 with a native line chart of
年末滚存结余 against the reserve floor beside it), 二、多年预测假设, 三、敏感性分析 (tornado table and a
native bar chart), 四、储备风险 (probability below the floor and deficit bands per year, then the
share bands of each simulated option). Rows 1–2 (title, unit) repeat on every page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.series import SeriesLabel
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.utils.units import cm_to_EMU
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.cells import dress, merge
from addin.draft.frame import CM_PER_POINT, WAN, Frame
from addin.draft.style import DraftStyle
from addin.report.outlook import BAND_COLUMNS, OutlookTables, assumption_values, row_unit
from addin.report.outlook_text import TORNADO_HEADERS, distribution_text, tornado_rows
from addin.report.rule_text import option_names, ordinal
from models.sharing import PROVINCE_LABEL

PARTS = ("projection", "assumptions", "sensitivity", "risk")
ROW_FORMATS = {"万元": WAN, "月": "months", "费率": "rate", "": None}
KEY_ROWS = ("revenue_total", "expenditure_total", "surplus", "closing_balance", "months_payable", "rate_needed")
NUMERALS = "一二三四五六七八九"
RISK_HEADERS = ("年度", "年末滚存结余（基准预测）", "储备下限", "低于储备下限的概率", "至当年累计概率",
                *[f"当年收支缺口P{c[1:]}" for c in BAND_COLUMNS])
SHARE_HEADERS = ("年度", "单位", "基准预测", *[f"P{c[1:]}" for c in BAND_COLUMNS])
WIDE_SHARE_HEADERS = ("基准预测", "P5", "P95")
MAX_WIDE_YEARS = 4          # beyond this the wide share table would not fit a page width


def outlook_title(o: OutlookTables, what: str = "多年预测与风险分析") -> str:
    inp = o.result.inputs
    return f"{inp.province}{o.years[0]}–{o.years[-1]}年工伤保险基金{what}"


class _Sheet:
    """The sheet under construction: a Frame plus section headings, header rows and page breaks."""

    def __init__(self, ws: Worksheet, style: DraftStyle, n_cols: int) -> None:
        self.fr = Frame(ws, style, n_cols=n_cols)
        self.ws, self.style = ws, style
        self.headers: list[tuple[int, int]] = []
        self.sections = 0

    def section(self, text: str, *, new_page: bool) -> None:
        fr = self.fr
        if new_page and fr.row > 2:
            self.ws.row_breaks.append(Break(id=fr.row))
        fr.row += 1 if new_page or fr.row <= 2 else 2
        self.sections += 1
        r = fr.row
        merge(self.ws, r, 1, r, fr.n_cols)
        dress(self.ws.cell(row=r, column=1, value=f"{NUMERALS[self.sections - 1]}、{text}"), self.style,
              font="heading", size=self.style.fonts["body_size"] + 1, align="left")
        self.ws.row_dimensions[r].height = self.style.rows["line_height"] + 10

    def header(self, labels: Sequence[str]) -> int:
        fr = self.fr
        fr.header_rows = (0, 0)
        r = fr.header(list(labels))
        self.headers.append((r, r))
        return r

    def subheading(self, text: str) -> None:
        fr = self.fr
        fr.row += 2
        merge(self.ws, fr.row, 1, fr.row, fr.n_cols)
        dress(self.ws.cell(row=fr.row, column=1, value=text), self.style, font="heading", align="left")
        self.ws.row_dimensions[fr.row].height = self.style.rows["line_height"] + 6

    def reserve_rows(self, first: int, height_cm: float) -> int:
        """Rows from `first` sized to hold a chart `height_cm` tall; returns the last of them."""
        row_pt = self.style.rows["line_height"]
        n = math.ceil(height_cm / (row_pt * CM_PER_POINT)) + 1
        for r in range(first, first + n):
            self.ws.row_dimensions[r].height = row_pt
        return first + n - 1

    def finish(self, synthetic: bool) -> None:
        fr = self.fr
        for rows in self.headers:                                 # wrapped header heights, section by section
            fr.header_rows = rows
            fr.fit_rows()
        fr.header_rows = (2, 2)                                   # print titles: rows 1–2 on every page
        fr.finish(synthetic=synthetic)
        self.ws.row_dimensions[2].height = None


def _n_cols(o: OutlookTables, parts: Sequence[str], share_layout: str) -> int:
    widths = [2 + len(o.years)] if "projection" in parts else []
    if "assumptions" in parts:
        widths.append(1 + len(o.years))
    if "sensitivity" in parts and o.tornado is not None:
        widths.append(len(TORNADO_HEADERS))
    if "risk" in parts:
        widths += [len(RISK_HEADERS),
                   1 + len(WIDE_SHARE_HEADERS) * len(o.years) if share_layout == "wide" else len(SHARE_HEADERS)]
    return max(widths)


def write_outlook(ws: Worksheet, o: OutlookTables, style: DraftStyle, *, parts: Sequence[str] = PARTS,
                  title: str | None = None, risk_skipped: str = "", share_layout: str = "wide") -> None:
    """多年预测与风险 — the chosen `parts` of the outlook on one print-ready sheet.

    share_layout: "wide" (cities down; 基准预测, P5, P95 for each year across — the draft; more than
    MAX_WIDE_YEARS years fall back to long) or "long" (a row per year and city with every percentile —
    the `risk --xlsx` export).
    """
    if len(o.years) > MAX_WIDE_YEARS:
        share_layout = "long"
    sh = _Sheet(ws, style, _n_cols(o, parts, share_layout))
    fr = sh.fr
    fr.title(title or outlook_title(o))
    inp = o.result.inputs
    fr.meta(f"编制单位：{inp.province}　预算年度：{inp.budget_year}年" + ("　（示例数据，虚构）" if o.synthetic else ""),
            "金额单位：万元")
    charts = []
    if "projection" in parts:
        charts.append(_projection(sh, o))
    if "assumptions" in parts:
        _assumptions(sh, o)
    if "sensitivity" in parts:
        charts.append(_sensitivity(sh, o))
    if "risk" in parts:
        _risk(sh, o, risk_skipped, share_layout)
    fr.column_widths(minimum={1: 24, **{c: 12 for c in range(2, fr.n_cols + 1)}})
    for place in charts:
        if place is not None:
            place()
    sh.finish(o.synthetic)


# ---------------------------------------------------------------- 一、多年收支预测


def _projection(sh: _Sheet, o: OutlookTables):
    fr, ws, style = sh.fr, sh.ws, sh.style
    years = o.years
    sh.section("多年收支预测", new_page=False)
    head = sh.header(["项目", "单位", *[f"{y}年" for y in years]])
    red = style.colors["synthetic"]
    row_of: dict[str, int] = {}
    for code, r in o.table.iterrows():
        unit = row_unit(code)
        values = [bool(r[y]) for y in years] if unit == "" else [float(r[y]) for y in years]
        shown = ["是" if v else "否" for v in values] if unit == "" else values
        colors = [None, None, *[(red if v else None) for v in values]] if unit == "" else None
        key = code in KEY_ROWS
        row_of[code] = fr.body([r["label"], {"费率": "%"}.get(unit, unit), *shown],
                               [None, None, *[ROW_FORMATS[unit]] * len(years)], bold=key,
                               fill="total_fill" if code in ("revenue_total", "expenditure_total") else None,
                               aligns=[None, "center", *["right"] * len(years)], colors=colors)
    first, last = head, fr.row
    m = f"{o.projection.reserve_months:g}"
    fr.notes([f"注：1. {years[0]}年为预算年度，与收入预算表、支出预算表、收支结余表的本年预算数一致；以后各年按“多年预测假设”"
              "逐年滚动测算。各项目万元两位小数，分项之和与合计一致；年末滚存结余 = 年初滚存结余 + 本年收支结余，"
              "下一年的年初滚存结余即上一年的年末滚存结余。",
              f"2. 储备下限为{m}个月的平均支出（支出合计 ÷ 12 × {m}）；保持储备下限所需平均费率为使当年年末滚存结余恰好达到"
              "储备下限（含相应利息收入）所需的工伤保险费收入 ÷ 缴费工资总额。",
              "3. " + (f"年末滚存结余自{o.first_breach}年起低于储备下限。" if o.first_breach else
                       "预测期内年末滚存结余均不低于储备下限。")])
    col0 = 2 + len(years) + 1                                  # chart beside the table, if there is room
    beside = col0 + 2 <= fr.n_cols
    if not beside:                                              # else under the notes, across the sheet
        below = fr.row + 2
        end = fr.row = sh.reserve_rows(below, style.chart["height_cm"] * 0.6)

    def place() -> None:
        ch = LineChart()
        ch.title = "年末滚存结余与储备下限"
        for code, label in (("closing_balance", "年末滚存结余"), ("reserve_floor", f"储备下限（{m}个月支出）")):
            s = Series(Reference(ws, min_col=3, max_col=2 + len(years), min_row=row_of[code]), title=label)
            s.marker.symbol = "circle"
            s.smooth = False
            if code == "reserve_floor":
                s.graphicalProperties.line.dashStyle = "dash"
            ch.series.append(s)
        ch.set_categories(Reference(ws, min_col=3, max_col=2 + len(years), min_row=head))
        ch.y_axis.title = "万元"
        ch.y_axis.numFmt = "#,##0"
        ch.y_axis.scaling.min = _axis_floor(o)
        ch.x_axis.delete = False
        ch.y_axis.delete = False
        ch.legend.position = "b"
        if beside:   # from just right of the table (0.5 cm gap) to the sheet's last column, header to last row
            ch.anchor = TwoCellAnchor(_from=AnchorMarker(col=col0 - 1, colOff=cm_to_EMU(0.5), row=first - 1),
                                      to=AnchorMarker(col=fr.n_cols, row=last))
        else:
            ch.anchor = TwoCellAnchor(_from=AnchorMarker(col=0, row=below - 1), to=AnchorMarker(col=fr.n_cols, row=end))
        ws.add_chart(ch)

    return place


def _axis_floor(o: OutlookTables) -> float:
    """A round lower bound for the balance axis (about 80 % of the smallest value, never below 0)."""
    low = min(float(o.table.loc[c, y]) for c in ("closing_balance", "reserve_floor") for y in o.years)
    if low <= 0:
        return min(0.0, low)
    step = 10 ** math.floor(math.log10(low)) / 2
    return math.floor(0.8 * low / step) * step


# ---------------------------------------------------------------- 二、多年预测假设

_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}起[：:]")
_FILE_NOTE = re.compile(r"参数文件\s*[A-Za-z0-9_./-]+\.toml[（(]?")
_UNCHECKED = re.compile(r"[（(][^（）()]*(核对|核实)[^（）()]*[）)]")


def assumption_source(text: str) -> str:
    """The origin of a projection assumption as a reviewer reads it: no file names, dates of entry or notes
    about who set it; an assumption that is not a statutory figure says so."""
    t = _FILE_NOTE.sub("", str(text)).strip()
    if t != str(text).strip() and t.endswith(("）", ")")):
        t = t[:-1]
    t = _DATED.sub("", t)
    t = re.sub(r"^本团队假设[，,：:]?\s*", "", t)
    t = re.sub(r"^非法定标准[（(]?近似[）)]?[，,：:]?\s*", "", t)
    t = _UNCHECKED.sub("", t).replace("本团队", "").strip("，,：: ")
    return f"测算假设（非法定标准）：{t}" if t != str(text).strip() else t


def _option_title(o: OutlookTables, code: str) -> str:
    """方案二：<名称> — (an option by its place and Chinese name, never its code)."""
    opts = list(o.result.sharing.options)
    k = [p.name for p in opts].index(code) if code in [p.name for p in opts] else 0
    name = option_names(opts)[k]
    return f"{ordinal(k)}：{name}　" if name != ordinal(k) else f"{name}　"


def _assumptions(sh: _Sheet, o: OutlookTables) -> None:
    fr = sh.fr
    years = o.years
    sh.section("多年预测假设", new_page=True)
    sh.header(["假设", *[f"{y}年" for y in years]])
    a = assumption_values(o.assumptions, years)
    for _, r in a.iterrows():
        fr.body([r["label"], *[float(r[y]) for y in years]], [None, *["ratio"] * len(years)])
    groups: dict[str, list[str]] = {}
    for _, r in a.iterrows():
        groups.setdefault(str(r["source"]), []).append(str(r["label"]))
    lines = [f"注：{years[0]}年为预算年度的假设（见编制说明“主要参数”）；空白表示该假设只用于以后各年。来源："]
    lines += [f"{'、'.join(labels)}：{assumption_source(source)}" for source, labels in groups.items()]
    lines += [n for n in o.projection.notes if n.startswith("多年预测")]
    fr.notes(lines)


# ---------------------------------------------------------------- 三、敏感性分析


def _sensitivity(sh: _Sheet, o: OutlookTables):
    fr, ws, style = sh.fr, sh.ws, sh.style
    t = o.tornado
    sh.section("敏感性分析（单因素，预算年度）", new_page=True)
    if t is None:
        fr.notes(["未进行敏感性分析。"], gap=False)
        return None
    head = sh.header(TORNADO_HEADERS)
    fmts = [None, None, None, WAN, WAN, WAN, WAN, WAN]
    for values in tornado_rows(t):
        fr.body(values, fmts, aligns=[None, "right", "right", *[None] * 5])
    first, last = head + 1, fr.row
    y = t.attrs["预算年度"]
    fr.notes([f"注：基准为{y}年年末滚存结余{t.attrs['基准年末滚存结余']:,.2f}万元；每次只改变一个因素，其余按预算假设。"
              "较基准变化 = 冲击后的年末滚存结余 − 基准（本年收支结余的变化与之相同）；按波动幅度从大到小排列。"
              "增长率类冲击加到年增长率上，数量类冲击乘以（1 + 冲击）；冲击幅度为分析口径，不是预测。"])
    anchor = fr.row + 2
    end = sh.reserve_rows(anchor, style.chart["height_cm"] * 0.6)
    fr.row = end

    def place() -> None:
        ch = BarChart()
        ch.type = "bar"
        ch.grouping = "clustered"
        ch.overlap = 100
        ch.title = f"龙卷风图：各因素对{y}年年末滚存结余的影响（万元）"
        for col, label in ((6, "低冲击"), (7, "高冲击")):
            ch.add_data(Reference(ws, min_col=col, min_row=first, max_row=last), titles_from_data=False)
            ch.series[-1].tx = SeriesLabel(v=label)
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ch.x_axis.scaling.orientation = "maxMin"              # widest swing on top
        ch.x_axis.tickLblPos = "low"                           # driver names at the left edge
        ch.y_axis.crosses = "max"
        ch.y_axis.numFmt = "#,##0"
        ch.y_axis.title = "较基准变化（万元）"
        ch.y_axis.majorGridlines = None
        ch.x_axis.delete = False
        ch.y_axis.delete = False
        ch.legend.position = "b"
        ch.anchor = TwoCellAnchor(_from=AnchorMarker(col=0, row=anchor - 1), to=AnchorMarker(col=fr.n_cols, row=end))
        ws.add_chart(ch)

    return place


# ---------------------------------------------------------------- 四、储备风险


def _shares_wide(sh: _Sheet, df) -> None:
    """Cities down; for each year 基准预测, P5, P95 across (two header rows)."""
    fr, ws = sh.fr, sh.ws
    years = list(dict.fromkeys(df["year"]))
    first = ["单位"]
    for y in years:
        first += [f"{y}年", None, None]
    r0 = sh.header(first)
    fr.header_rows = (0, 0)
    fr.header([None, *WIDE_SHARE_HEADERS * len(years)])
    sh.headers[-1] = (r0, r0 + 1)
    merge(ws, r0, 1, r0 + 1, 1)
    for k in range(len(years)):
        merge(ws, r0, 2 + 3 * k, r0, 4 + 3 * k)
    by_year = {y: df[df["year"] == y].set_index("unit") for y in years}
    units = by_year[years[0]].index
    grid = np.hstack([by_year[y].reindex(units)[["baseline", "p5", "p95"]].to_numpy(dtype=float) for y in years])
    fmts = [None, *[WAN] * (3 * len(years))]
    for unit, figures in zip(units, grid, strict=True):
        total = unit == PROVINCE_LABEL
        fr.body([unit, *figures.tolist()], fmts, bold=total, fill="total_fill" if total else None)


def _shares_long(sh: _Sheet, df) -> None:
    """One row per year × unit with every percentile."""
    fr = sh.fr
    sh.header(SHARE_HEADERS)
    previous = None
    for row in df.itertuples():
        total = row.unit == PROVINCE_LABEL
        fr.body([f"{row.year}年" if row.year != previous else None, row.unit, row.baseline,
                 *[getattr(row, c) for c in BAND_COLUMNS]], [None, None, *[WAN] * 6],
                bold=total, fill="total_fill" if total else None, aligns=["center", None, *[None] * 6])
        previous = row.year


def _risk(sh: _Sheet, o: OutlookTables, skipped: str, share_layout: str) -> None:
    fr = sh.fr
    sh.section("储备风险（蒙特卡罗模拟）", new_page=True)
    r, ry = o.risk, o.risk_years
    if r is None:
        fr.notes([skipped or "未进行储备风险模拟。"], gap=False)
        return
    seed = "不固定" if r.seed is None else f"{r.seed}（固定，结果可重现）"
    fr.notes([f"模拟{r.draws:,}次，随机种子{seed}。每次模拟对各不确定因素逐年随机抽样，重算多年预测和缺口分担。"], gap=False)
    sh.header(RISK_HEADERS)
    fmts = [None, WAN, WAN, "probability", "probability", *[WAN] * len(BAND_COLUMNS)]
    for y, row in ry.iterrows():
        fr.body([f"{y}年", row["baseline_closing"], row["baseline_floor"], row["prob_below_floor"],
                 row["prob_breached_by"], *[row[f"deficit_{c}"] for c in BAND_COLUMNS]], fmts,
                aligns=["center", *[None] * (len(fmts) - 1)])
    for code, df in o.risk_shares.items():
        sh.subheading(f"{_option_title(o, code)}各市分担额的分布（万元）")
        if share_layout == "wide":
            _shares_wide(sh, df)
        else:
            _shares_long(sh, df)
    fr.notes(["注：1. 低于储备下限的概率 = 年末滚存结余低于当年储备下限的模拟次数 ÷ 模拟次数；至当年累计概率为该年或此前"
              "任一年低于储备下限的比例。当年收支缺口 = max(0, 支出合计 − 收入合计)。",
              "2. 基准预测为不加随机冲击的多年预测（预算年度即缺口分担表）；"
              + ("P5、P95为模拟结果的第5、第95百分位数（90%的模拟结果在两者之间）" if share_layout == "wide" else
                 "P5…P95为模拟结果的百分位数（P50为中位数）") + "，各自排序，各市之和不等于合计。",
              "3. 不确定因素及分布（测算假设，各因素、各年相互独立；"
              "请按本省历年预算执行偏差校准）：" + "；".join(distribution_text(d) for d in r.distributions) + "。"])
