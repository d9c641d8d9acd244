"""附表内容 (the tables of the Word draft) as text, from `DraftTables`: 收入预算表, 支出预算表, 收支结余表,
分市收支预算表 (收入 and 支出 parts), 缺口分担表 per chosen option, 缺口分担方案比较表 (one part per measure).

Every figure is the draft tables' own, already rounded to 万元 with two decimals (the figures of the xlsx
draft); here it is only formatted, never rounded again. Options are named 方案一, 方案二 … in the order
of the comparison, with their Chinese names in a legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from addin.draft.docx_tables import Row, TableSpec
from addin.report.tables import PROVINCE_ROW, TOTAL_ROW, UNIT_COLUMNS, DraftTables
from models import items
from models.compare import CHANGE, MEASURES, PCT_COLLECTIONS, PER_INSURED, SHARE
from models.sharing import AMOUNTS, PROVINCE_LABEL

NUMERALS = "一二三四五六七八九十"
COUNT_ROWS = ("增加城市数", "减少城市数")
MEASURE_TITLES = {SHARE: ("各方案分担额", "金额单位：万元"), PER_INSURED: ("人均分担额", "单位：元/人"),
                  PCT_COLLECTIONS: ("分担额占征缴收入的比例", "单位：%"), CHANGE: ("较基准方案的变化", "金额单位：万元")}


@dataclass
class Annex:
    """一个附表: its title and one or more tables (parts with sub-captions)."""

    title: str
    tables: list[TableSpec]
    meta_left: str = ""
    legend: list[str] = field(default_factory=list)     # lines under the title (the options by name)


def ordinal(k: int) -> str:
    """方案一 … 方案十, 方案十一 … (k from 0)."""
    n = k + 1
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def option_names(t: DraftTables) -> dict[str, str]:
    """Option code → 方案一 … in the order of the results (the comparison's order)."""
    return {code: f"方案{ordinal(k)}" for k, code in enumerate(t.result.sharing.names)}


def option_label(t: DraftTables, code: str) -> str:
    res = t.result.sharing
    return res.options[res.option_index(code)].label


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan(value: Any) -> str:
    """A 万元 figure as shown: 12,345.67 (already rounded; blank stays blank)."""
    return "" if blank(value) else f"{float(value):,.2f}"


def fixed(value: Any, decimals: int = 2, suffix: str = "") -> str:
    return "" if blank(value) else f"{float(value):,.{decimals}f}{suffix}"


def _break_label(label: str) -> str:
    """Header text with line breaks only between words: 劳动能力鉴定支出 → 劳动能力\\n鉴定支出."""
    head, paren, rest = label.partition("（")
    if paren:
        return _break_label(head) + "\n（" + rest
    if len(label) <= 4:
        return label
    if len(label) == 8:
        return label[:4] + "\n" + label[4:]
    for suffix in ("收入", "支出", "合计", "缺口", "调整", "奖励"):
        if label.endswith(suffix):
            return label[: -len(suffix)] + "\n" + suffix
    return label


# ---------------------------------------------------------------- 收入 / 支出 / 结余


def lines_table(t: DraftTables, side: str) -> TableSpec:
    """收入预算表 / 支出预算表 (上年预算数, 上年预计执行数, 本年预算数, 增减额, 增长%)."""
    df = t.revenue if side == "revenue" else t.expenditure
    y = t.result.inputs.budget_year
    rows = []
    for code, r in df.iterrows():
        sub = code in items.BENEFIT_ITEMS
        label = ("其中：" if code == items.BENEFIT_ITEMS[0] else "") + r["label"] if sub else r["label"]
        total = code in ("revenue_total", "expenditure_total", "benefit_total")
        rows.append(Row([label, wan(r["prior_budget"]), wan(r["estimate"]), wan(r["budget"]), wan(r["change"]),
                         fixed(r["growth"])], total=total, indent=2 if sub else 0))
    notes = ["增减额 = 本年预算数 − 上年预计执行数；增长% = 增减额 ÷ 上年预计执行数 × 100。"]
    if side == "revenue":
        notes.append("财政补贴收入、利息收入为省级统收项目，其余项目为各设区市和省本级汇总数。")
    else:
        notes.append("工伤保险待遇支出 = 工伤医疗待遇支出 + 伤残待遇支出 + 工亡待遇支出。")
    if df["prior_budget"].isna().all():
        notes.append("未提供上年预算数，该列留空。")
    return TableSpec(headers=["项目", f"{y - 1}年\n预算数", f"{y - 1}年预计\n执行数", f"{y}年\n预算数", "增减额", "增长%"],
                     rows=rows, aligns=["left"] + ["right"] * 5, notes=notes)


def _balance_value(value: Any, unit: str) -> str:
    if isinstance(value, str):
        return value
    if unit == "费率":
        return "" if blank(value) else f"{float(value) * 100:.3f}%"
    if unit == "月":
        return fixed(value)
    return wan(value)


def balance_table(t: DraftTables) -> TableSpec:
    """收支结余表: balances, 可支付月数, the reserve floor, the rate adjustment check."""
    y = t.result.inputs.budget_year
    rows = []
    for code, r in t.balance.iterrows():
        unit = r["unit"]
        key = code in ("surplus", "closing_balance", "months_payable", "trigger")
        rows.append(Row([r["label"], {"费率": "%"}.get(unit, unit), _balance_value(r["estimate"], unit),
                         _balance_value(r["budget"], unit), r["note"]], total=key))
    m = f"{t.result.province.reserve_months:g}"
    notes = [f"上年年末滚存结余即本年年初滚存结余；储备下限为{m}个月的平均支出。年末滚存结余低于储备下限时，"
             "按规定上调行业基准费率。"]
    return TableSpec(headers=["项目", "单位", f"{y - 1}年预计\n执行数", f"{y}年\n预算数", "说明"], rows=rows,
                     aligns=["left", "center", "right", "right", "left"], notes=notes, wrap=4, meta_right="")


# ---------------------------------------------------------------- 分市


def unit_tables(t: DraftTables) -> list[TableSpec]:
    """分市收支预算表 in two parts: 收入 (units × revenue items) and 支出 (× expenditure items, 收支缺口)."""
    u = t.units
    rev_cols = list(UNIT_COLUMNS[:5])
    exp_cols = list(UNIT_COLUMNS[5:])

    def label(code: str) -> str:
        return "收支缺口" if code == "gap" else items.label(code)

    def spec(cols: list[str], caption: str, notes: list[str]) -> TableSpec:
        rows = [Row([str(name), *[wan(r[c]) for c in cols]], total=name == TOTAL_ROW) for name, r in u.iterrows()]
        return TableSpec(headers=["单位", *[_break_label(label(c)) for c in cols]], rows=rows,
                         aligns=["left"] + ["right"] * len(cols), caption=caption, notes=notes)

    return [
        spec(rev_cols, "（一）收入", [f"{PROVINCE_ROW}为省级统一收取的财政补贴收入和利息收入，不属于任何设区市；"
                                    "合计行与收入预算表一致，各单位之和等于合计。"]),
        spec(exp_cols, "（二）支出", ["收支缺口 = 支出合计 − 收入合计，正数为缺口，负数为结余；合计行与支出预算表一致。"]),
    ]


# ---------------------------------------------------------------- 缺口分担


def sharing_table(t: DraftTables, code: str) -> TableSpec:
    """缺口分担表 of one option: each city's components and share, 合计 and 省级承担."""
    table = t.sharing[code]
    attrs = table.attrs
    heads = [str(c) for c in table.columns]
    rows = []
    for _, r in table.iterrows():
        name = str(r["单位"])
        rows.append(Row([name, *[wan(r[h]) for h in heads[1:]]], total=name in (TOTAL_ROW, PROVINCE_LABEL)))
    res = t.result.sharing
    opt = res.options[res.option_index(code)]
    info = []
    amount = attrs.get("应分担缺口")
    if amount is not None:
        info.append(f"应分担缺口（{AMOUNTS.get(opt.amount, '')}）{wan(amount)}万元。".replace("（）", ""))
    if attrs.get("条件"):
        info.append(f"省级承担比例依据：{attrs['条件']}。")
    parts = [f"{k}{wan(v)}万元" for k, v in (attrs.get("省级承担构成") or {}).items() if round(float(v), 2) != 0]
    if parts:
        info.append("省级承担构成：" + "；".join(parts) + "。")
    notes = ["各设区市分担额合计与省级承担之和等于应分担缺口；各列逐行、逐列与合计一致。"]
    return TableSpec(headers=[_break_label(h) for h in heads], rows=rows, aligns=["left"] + ["right"] * (len(heads) - 1),
                     notes=notes, info=info)


def comparison_tables(t: DraftTables) -> list[TableSpec]:
    """方案比较: one table per measure, units down and 方案一 … across (the baseline marked)."""
    comp = t.comparison
    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    codes = list(comp.result.names)
    names = option_names(t)
    titles = [names.get(c, c) + ("\n（基准）" if c == comp.baseline else "") for c in codes]
    specs = []
    for k, measure in enumerate(MEASURES):
        rows = []
        for unit, r in wide.iterrows():
            values = [r[(h, measure)] for h in heads]
            if all(blank(v) for v in values):
                continue
            count = unit in COUNT_ROWS
            cells = [("" if blank(v) else f"{int(round(float(v)))}") if count else fixed(v) for v in values]
            rows.append(Row([str(unit), *cells], total=unit in ("城市合计", PROVINCE_LABEL)))
        title, unit_text = MEASURE_TITLES.get(measure, (measure, ""))
        specs.append(TableSpec(headers=["单位", *titles], rows=rows, aligns=["left"] + ["right"] * len(codes),
                               caption=f"（{NUMERALS[k]}）{title}", meta_right=unit_text))
    specs[-1].notes = [
        "分担额与缺口分担表一致；人均分担额 = 分担额 ÷ 年平均参保人数；占征缴收入比例 = 分担额 ÷ 本年工伤保险费收入"
        " × 100；较基准方案的变化 = 该方案分担额 − 基准方案分担额；增加（减少）城市数为分担额高于（低于）基准方案的"
        "设区市个数。"]
    return specs


def legend(t: DraftTables) -> list[str]:
    """方案一：…（基准方案） — the options by name, one a line."""
    names = option_names(t)
    base = t.comparison.baseline
    return [f"{names[c]}：{option_label(t, c)}" + ("（基准方案）" if c == base else "")
            for c in t.comparison.result.names]


def annexes(t: DraftTables) -> list[Annex]:
    """The 附表 of the document in order."""
    inp = t.result.inputs
    who = f"{inp.province}　预算年度：{inp.budget_year}年"
    names = option_names(t)
    out = [Annex("收入预算表", [lines_table(t, "revenue")], who),
           Annex("支出预算表", [lines_table(t, "expenditure")], who),
           Annex("收支结余表", [balance_table(t)], who),
           Annex("分市收支预算表", unit_tables(t), who)]
    for code in t.chosen:
        out.append(Annex(f"缺口分担表（{names[code]}）", [sharing_table(t, code)],
                         legend=[f"{names[code]}：{option_label(t, code)}"]))
    out.append(Annex("缺口分担方案比较表", comparison_tables(t), legend=legend(t)))
    return out
