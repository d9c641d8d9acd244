"""分市通知页 (the city notice pages) — one A4 portrait page per 设区市, in the draft's style.

Each page: the city's revenue and expenditure lines (上年预计执行数, 本年预算数, 增减额, 增长%) and its gap; its
share under the adopted option with each component; its share under every option against the baseline,
per insured person and as % of its collections. The figures are those of `addin.report.notice`, which
takes them from the draft's 分市预算表, 缺口分担表 and 方案比较 (nothing is computed or rounded here).
`write_notice_pages` puts every city on one sheet of the draft (a page break after each);
`notice_workbook` makes one city's notice as a workbook of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from addin.draft.cells import dress, merge
from addin.draft.frame import WAN, Frame
from addin.draft.style import DraftStyle, load_style
from addin.report.notice import CityNotice, city_notices, city_units
from addin.report.tables import DraftTables

NOTICE_SHEET = "分市通知"
N_COLS = 5
WIDTHS = {1: 36.0, 2: 15.0, 3: 15.0, 4: 15.0, 5: 13.0}
COMPONENT_NOTES = {
    "管理性缺口": "上年征缴未完成计划部分按比例计收，先由本市承担",
    "封顶调整": "超过封顶上限的部分转由其他城市承担（负数为调减）",
    "考核奖励": "按考核名次给予的奖励，抵减分担额（由省级承担）",
    "分担额": "本市应承担的缺口金额",
}


def _section(fr: Frame, text: str) -> None:
    fr.row += 2
    merge(fr.ws, fr.row, 1, fr.row, N_COLS)
    dress(fr.ws.cell(row=fr.row, column=1, value=text), fr.style, font="heading", align="left")


def _merged_text(fr: Frame, row: int, col: int, text: str, *, bold: bool = False, muted: bool = False,
                 size: float | None = None, align: str = "left", height: float | None = None) -> None:
    st = fr.style
    merge(fr.ws, row, col, row, N_COLS)
    dress(fr.ws.cell(row=row, column=col, value=text), st, font="heading" if bold else "body",
          size=size if bold else None, color=st.colors["muted"] if muted and not bold else None, align=align,
          wrap=True, vertical="top" if not bold else "center")
    if height:
        fr.ws.row_dimensions[row].height = height


def _table_header(fr: Frame, labels: Sequence[str]) -> None:
    fr.header(labels, track=False)
    fr.ws.row_dimensions[fr.row].height = 30


def write_notice_block(fr: Frame, t: DraftTables, n: CityNotice) -> None:
    """One city's notice from row fr.row + 1 on (one page)."""
    inp = t.result.inputs
    fr.row += 1
    _merged_text(fr, fr.row, 1, f"{inp.province}{inp.budget_year}年工伤保险基金预算分市通知", bold=True,
                 size=fr.style.fonts["title_size"], align="center", height=fr.style.rows["title_height"])
    fr.row += 1
    _merged_text(fr, fr.row, 1, f"{n.unit}：", bold=True)
    fr.row += 1
    mark = "（示例数据，虚构）" if n.synthetic else ""
    _merged_text(fr, fr.row, 1, f"　　根据{inp.province}{inp.budget_year}年工伤保险基金收支预算草案，现将你市收支预算和"
                 f"基金缺口分担情况通知如下{mark}。", height=34)

    _section(fr, "一、收支预算（金额单位：万元）")
    _table_header(fr, ["项目", "上年预计执行数", "本年预算数", "增减额", "增长%"])
    for code, line in n.lines.iterrows():
        total = code in ("revenue_total", "expenditure_total", "gap")
        fr.body([line["label"], line["estimate"], line["budget"], line["change"],
                 None if line["growth"] != line["growth"] else round(float(line["growth"]), 2)],
                [None, WAN, WAN, WAN, "percent_points"], bold=total, fill="total_fill" if total else None,
                indent=[0 if total else 1, 0, 0, 0, 0])

    _section(fr, f"二、缺口分担（采用方案：{n.option_label}）")
    fr.row += 1
    _merged_text(fr, fr.row, 1, f"全省应分担缺口 {n.amount_shared:,.2f} 万元，省级承担 {n.province_part:,.2f} 万元；"
                 f"{n.condition}。", muted=True, height=20)
    _table_header(fr, ["构成", "金额", "说明", None, None])
    merge(fr.ws, fr.row, 3, fr.row, N_COLS)
    for label, amount in n.components:
        last = label == "分担额"
        note = COMPONENT_NOTES.get(label, "按该因素权重分摊的金额")
        r = fr.body([label, amount, note, None, None], [None, WAN, None, None, None], bold=last,
                    fill="total_fill" if last else None)
        merge(fr.ws, r, 3, r, N_COLS)
    r = fr.body(["人均分担（元/人）", n.per_insured, "分担额 ÷ 年平均参保人数", None, None],
                [None, "yuan_per_person", None, None, None])
    merge(fr.ws, r, 3, r, N_COLS)
    r = fr.body(["占本市征缴收入（%）", n.pct_collections, "分担额 ÷ 本年工伤保险费收入 × 100", None, None],
                [None, "percent_points", None, None, None])
    merge(fr.ws, r, 3, r, N_COLS)

    _section(fr, "三、各方案下本市分担额比较")
    _table_header(fr, ["方案", "分担额", "人均分担（元/人）", "占征缴收入（%）", "较基准变化"])
    for _, o in n.options.iterrows():
        tags = ("（采用）" if o["code"] == n.option else "") + ("（基准）" if o["baseline"] else "")
        r = fr.body([f"{o['label']}{tags}", o["share"], o["per_insured"], o["pct"], o["change"]],
                    [None, WAN, "yuan_per_person", "percent_points", WAN], bold=o["code"] == n.option)
        fr.ws.cell(row=r, column=1).alignment = fr.style.align("left", wrap=True)
        fr.ws.row_dimensions[r].height = 30
    fr.row += 2
    _merged_text(fr, fr.row, 1, "注：本通知数字与收支预算草案的分市预算表、缺口分担表和方案比较表一致（万元，两位小数）；"
                 "较基准变化 = 该方案分担额 − 基准方案分担额。", muted=True, height=30)


def notices_attached(tables: DraftTables, scale: dict) -> bool:
    """分市通知 in the draft (one page a city) unless there are more cities than the template allows."""
    return len(city_units(tables)) <= scale["notice_pages_max_cities"]


def _page_setup(ws: Worksheet, style: DraftStyle, last_row: int, synthetic: bool) -> None:
    for col, width in WIDTHS.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    style.apply_page_setup(ws, print_area=f"A1:{get_column_letter(N_COLS)}{last_row}", title_rows=None,
                           header_center=style.synthetic_header if synthetic else "")
    ws.page_setup.orientation = "portrait"


def write_notice_pages(ws: Worksheet, t: DraftTables, style: DraftStyle, option: str | None = None,
                       units: Sequence[str] | None = None) -> list[CityNotice]:
    """分市通知 sheet: every city's notice, one page each; returns the notices written."""
    fr = Frame(ws, style, n_cols=N_COLS)
    notices = city_notices(t, list(units or city_units(t)), option)
    for k, n in enumerate(notices):
        if k:
            ws.row_breaks.append(Break(id=fr.row))
        write_notice_block(fr, t, n)
    _page_setup(ws, style, max(fr.row, 1), t.synthetic)
    return notices


def notice_workbook(t: DraftTables, unit: str, option: str | None = None, style: DraftStyle | None = None) -> Workbook:
    """One city's notice as a workbook of its own (one A4 page)."""
    wb = Workbook()
    ws = wb.active
    ws.title = NOTICE_SHEET
    write_notice_pages(ws, t, style or load_style(), option, [unit])
    inp = t.result.inputs
    wb.properties.title = f"{inp.province}{inp.budget_year}年工伤保险基金预算分市通知（{unit}）"
    wb.properties.creator = inp.province
    return wb


