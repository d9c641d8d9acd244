"""编制说明 — the draft's explanatory note, generated in Chinese from the engine's result.

Sections: 编制依据和方法, 主要参数, 收入预算, 支出预算 (each line's change against last year's
estimated execution and its cause: which driver moved it), 收支平衡与基金储备 (可支付月数, the
reserve floor, whether the rate adjustment is triggered and the rate needed), 缺口分担 (the chosen
option, its conditions and each city's share, and how the other options differ), 预测校验, 中期展望
(when the draft has the 多年预测与风险 sheet: first breach year, the rate that keeps the floor, the
biggest sensitivity driver, the probability below the floor in the first and the last year), 其他说明.
Every figure is taken from the draft tables (万元, 2 dp), so the text and the tables agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from addin.draft.notice_sheet import notices_attached
from addin.draft.style import DraftStyle, load_style
from addin.report.notice import city_units
from addin.report.rule_text import USER_NOTE_LABEL, option_names, origin_text, rule_text, user_note
from addin.report.tables import DraftTables
from addin.report.wording import change_words, growth_pct, pct, points, wan
from models import items
from models.compare import CHANGE, PCT_COLLECTIONS, PER_INSURED, SHARE
from models.money import allocate_wan
from models.sharing import AMOUNTS, PROVINCE_LABEL, load_presets
from models.trend import METHODS

SYNTHETIC_TEXT = "本草案所用数据为示例数据（虚构），仅供演示，不代表任何地区的实际情况。"
NUMERALS = "一二三四五六七八九十"


@dataclass
class NoteSection:
    """说明的一节 (one section): heading and paragraphs."""

    title: str
    paragraphs: list[str] = field(default_factory=list)


def _line(df: pd.DataFrame, code: str) -> tuple[float, float, float, float]:
    row = df.loc[code]
    return float(row["estimate"]), float(row["budget"]), float(row["change"]), float(row["growth"])


def _sum(x: np.ndarray) -> float:
    return float(np.asarray(x, dtype=float).sum())


def _count(df: pd.DataFrame, cols: list[str]) -> int:
    return int(round(float(df[cols].to_numpy(dtype=float).sum())))


# ---------------------------------------------------------------- sections

def _basis(t: DraftTables) -> NoteSection:
    r = t.result
    inp = r.inputs
    fc = r.forecast
    y = fc.budget_year
    b = y - 1
    hist = inp.history
    part = pd.to_numeric(hist.loc[pd.to_numeric(hist["year"]) == b, "months"])
    months = int(part[part < 12].max()) if (part < 12).any() else 12
    n_city = int(fc.city_mask.sum())
    has_province = bool((~fc.city_mask).any())
    units = f"{n_city}个设区市" + ("和省本级" if has_province else "")
    est_text = (f"{b}年预计执行数以{b}年1–{months}月实际执行数为基础，按以前年度同期执行进度推算全年"
                if months < 12 else f"{b}年按全年执行数")
    k = inp.assumptions.trend_years
    paras = [
        f"本草案按照工伤保险基金省级统收统支的要求，坚持“以支定收、收支平衡”的原则，根据上年度基金预算执行情况，"
        f"综合考虑经济社会发展水平、工伤保险政策调整、基金支出项目及标准、历年基金预算执行情况、扩面征缴和基金结余"
        f"等因素编制{inp.province}{y}年工伤保险基金收支预算。",
        f"预算以{units}为测算单位，逐单位测算后汇总为全省预算；财政补贴收入和利息收入在省级统一测算。"
        f"{est_text}；{b - 1}年为决算数。",
        "测算方法：工伤保险费收入 = 年平均参保人数 × 平均缴费工资 × 实际费率 ×（1 + 费率政策调整），年平均参保人数 = "
        "上年末参保人数 + 扩面计划 × 新增参保缴费时间占比，实际费率 = 上年保险费收入 ÷（上年平均参保人数 × 平均缴费工资）；"
        "工伤医疗待遇支出按上年预计执行数、参保人数增长和医疗费用增长率测算；伤残待遇和工亡待遇支出按享受待遇人数"
        "和《工伤保险条例》规定的计发标准逐项测算；工伤预防费用支出按计划数安排，不超过规定上限；劳动能力鉴定支出、"
        f"其他收入和其他支出按近{k}年趋势测算；利息收入按年初、年末滚存结余的平均数乘以存款利率测算。",
        f"各项目另按近{k}年趋势测算作对照，驱动测算与趋势测算相差超过±{inp.assumptions.trend_tolerance * 100:g}%的，"
        "在“预测与校验”表中标出。",
        "金额单位为万元，保留两位小数；各表分项之和与合计数一致（按最大余数法舍入）。",
    ]
    return NoteSection("一、编制依据和方法", paras)


def _parameters(t: DraftTables, on: dt.date) -> NoteSection:
    r = t.result
    a = r.inputs.assumptions
    fc = r.forecast
    income = float(np.asarray(fc.details["national_income"]))
    per_death = float(np.asarray(fc.details["per_death"]))
    paras = [
        f"工资增长率{pct(a.wage_growth, 1)}；新增参保人员当年缴费时间占比{pct(a.timing, 0)}；费率政策调整"
        f"{pct(a.rate_change, 1)}；医疗费用增长率{pct(a.medical_growth, 1)}；伤残津贴、供养亲属抚恤金等定期待遇调整幅度"
        f"{pct(a.benefit_adjustment, 1)}。",
        f"上年全省城镇非私营单位在岗职工月平均工资{a.avg_monthly_wage:,.0f}元；一次性工亡补助金计发基数（上一年度全国城镇"
        f"居民人均可支配收入）{income:,.0f}元，每例工亡的一次性工亡补助金和丧葬补助金合计{per_death:,.0f}元。",
        f"基金存款综合利率{pct(a.interest_rate, 2)}；储备下限为{a.reserve_months:g}个月的平均支出；趋势测算取近{a.trend_years}年，"
        f"校验容差±{a.trend_tolerance * 100:g}%。",
    ]
    cites = []
    for name in ("death_grant_income_multiple", "funeral_months", "prevention_cap_ratio", "reserve_months_floor"):
        if name in r.parameters:
            e = r.parameters.entry(name, on)
            desc = e.description.split(" — ")[0].split("（")[0].split("：")[0]
            cites.append(f"{desc}{_parameter_value(e.value, e.unit)}（{e.reference}）")
    if cites:
        paras.append("采用的法定标准：" + "；".join(cites) + "。")
    from addin.report.parameter_notes import override_paragraph, unconfirmed_paragraph  # issue 14
    paras += [p for p in (override_paragraph(r.parameters), unconfirmed_paragraph(r.parameters)) if p]
    return NoteSection("二、主要参数", paras)


def _parameter_value(value: float | tuple[float, ...], unit: str) -> str:
    """A statutory value with its unit in words: 20倍, 6个月, 3%."""
    values = value if isinstance(value, tuple) else (value,)
    unit = unit.split(" ")[0]
    if unit == "比例":
        return "、".join(f"{v * 100:g}%" for v in values)
    return "、".join(f"{v:g}" for v in values) + {"月": "个月"}.get(unit, unit)


def _rate_policy_changed(t: DraftTables) -> bool:
    inp = t.result.inputs
    per_unit = pd.to_numeric(inp.plans["rate_change"], errors="coerce") if "rate_change" in inp.plans else None
    return bool(inp.assumptions.rate_change) or bool(per_unit is not None and per_unit.fillna(0).ne(0).any())


def _premium_cause(t: DraftTables) -> str:
    fc = t.result.forecast
    d = fc.drivers
    n_b, n_y = _sum(d["insured_avg_base"]), _sum(d["insured_avg"])
    pay_b, pay_y = _sum(d["payroll_base"]), _sum(d["payroll"])
    prem_b, prem_y = _sum(fc.estimate[items.PREMIUM]), _sum(fc.budget[items.PREMIUM])
    w_b, w_y = pay_b / n_b, pay_y / n_y
    r_b, r_y = prem_b / pay_b, prem_y / pay_y
    tau = t.result.inputs.assumptions.timing
    parts = [f"年平均参保人数由{n_b / 1e4:,.2f}万人增至{n_y / 1e4:,.2f}万人（{growth_pct(n_y, n_b, sign=True)}；"
             f"扩面计划{_sum(d['expansion']) / 1e4:,.2f}万人，按{pct(tau, 0)}计入年平均）",
             f"人均缴费工资由{w_b:,.0f}元增至{w_y:,.0f}元（{growth_pct(w_y, w_b, sign=True)}）"]
    if _rate_policy_changed(t):
        parts.append(f"平均费率由{pct(r_b, 3)}变为{pct(r_y, 3)}（含费率政策调整）")
    elif round(r_b, 5) != round(r_y, 5):
        parts.append(f"各单位实际费率不变，全省平均费率因各单位参保结构变化由{pct(r_b, 3)}变为{pct(r_y, 3)}")
    else:
        parts.append(f"平均费率保持{pct(r_y, 3)}")
    return "，".join(parts)


def _revenue(t: DraftTables) -> NoteSection:
    r = t.result
    df = t.revenue
    est, bud, chg, gr = _line(df, "revenue_total")
    paras = [f"全省基金收入预算{wan(bud)}，比上年预计执行数{wan(est)}{change_words(chg, gr)}。其中："]
    _, b, c, g = _line(df, items.PREMIUM)
    paras.append(f"（一）工伤保险费收入{wan(b)}，{change_words(c, g)}。主要因素：{_premium_cause(t)}。")
    _, b, c, g = _line(df, items.SUBSIDY)
    how = "按财政安排的计划数" if r.inputs.assumptions.subsidy_plan is not None else "按历年趋势测算"
    paras.append(f"（二）财政补贴收入{wan(b)}，{change_words(c, g)}，{how}。")
    _, b, c, g = _line(df, items.INTEREST)
    opening = float(t.balance.loc["opening_balance", "budget"])
    closing = float(t.balance.loc["closing_balance", "budget"])
    paras.append(f"（三）利息收入{wan(b)}，{change_words(c, g)}，按年初滚存结余{wan(opening)}与年末滚存结余{wan(closing)}"
                 f"的平均数乘以存款利率{pct(r.inputs.assumptions.interest_rate, 2)}测算。")
    _, b, c, g = _line(df, items.OTHER_REVENUE)
    method = METHODS.get(r.forecast.trend_methods[items.OTHER_REVENUE], "趋势")
    paras.append(f"（四）其他收入{wan(b)}，{change_words(c, g)}，按近{r.inputs.assumptions.trend_years}年{method}测算。")
    return NoteSection("三、收入预算", paras)


def _components(total_wan: float, parts_yuan: list[float]) -> list[float]:
    """Split a displayed line figure into its components, adding up exactly (万元)."""
    return [float(x) for x in allocate_wan(np.asarray(parts_yuan, dtype=float), total_wan * 1e4)]


def _expenditure(t: DraftTables) -> NoteSection:
    r = t.result
    inp = r.inputs
    fc = r.forecast
    a = inp.assumptions
    df = t.expenditure
    ben = inp.beneficiaries
    est, bud, chg, gr = _line(df, "expenditure_total")
    paras = [f"全省基金支出预算{wan(bud)}，比上年预计执行数{wan(est)}{change_words(chg, gr)}。其中："]
    _, b, c, g = _line(df, "benefit_total")
    paras.append(f"（一）工伤保险待遇支出{wan(b)}，{change_words(c, g)}。")

    _, b, c, g = _line(df, items.MEDICAL)
    n_b, n_y = _sum(fc.drivers["insured_avg_base"]), _sum(fc.drivers["insured_avg"])
    paras.append(f"1. 工伤医疗待遇支出{wan(b)}，{change_words(c, g)}，主要因年平均参保人数增长"
                 f"{growth_pct(n_y, n_b)}，医疗费用增长率按{pct(a.medical_growth, 1)}测算。")

    _, b, c, g = _line(df, items.DISABILITY)
    det = fc.details
    grants, allowance, care, med = _components(b, [_sum(det["disability_grants"]), _sum(det["disability_allowance"]),
                                                    _sum(det["care_allowance"]), _sum(det["medical_grant"])])
    new = _count(ben, [f"new_{g}" for g in range(1, 11)])
    allow_n = _count(ben, [f"allowance_{g}" for g in range(1, 5)])
    care_n = _count(ben, [f"care_{lv}" for lv in range(1, 4)])
    med_n = _count(ben, [f"medical_grant_{g}" for g in range(5, 11)])
    paras.append(f"2. 伤残待遇支出{wan(b)}，{change_words(c, g)}。其中一次性伤残补助金{wan(grants)}（预计新增一至十级伤残"
                 f"{new:,}人），一至四级伤残津贴{wan(allowance)}（{allow_n:,}人，按待遇调整{pct(a.benefit_adjustment, 1)}测算），"
                 f"生活护理费{wan(care)}（{care_n:,}人），一次性工伤医疗补助金{wan(med)}（{med_n:,}人）。")

    _, b, c, g = _line(df, items.DEATH)
    lump, pension = _components(b, [_sum(det["death_lump_sum"]), _sum(det["dependant_pension"])])
    deaths = _count(ben, ["deaths"])
    dependants = _count(ben, ["dependants_spouse", "dependants_other"])
    per_death = float(np.asarray(det["per_death"]))
    paras.append(f"3. 工亡待遇支出{wan(b)}，{change_words(c, g)}。其中一次性工亡补助金和丧葬补助金{wan(lump)}（预计工亡"
                 f"{deaths:,}人，每人{per_death:,.0f}元），供养亲属抚恤金{wan(pension)}（供养亲属{dependants:,}人）。")

    _, b, c, g = _line(df, items.APPRAISAL)
    method = METHODS.get(fc.trend_methods[items.APPRAISAL], "趋势")
    paras.append(f"（二）劳动能力鉴定支出{wan(b)}，{change_words(c, g)}，按近{a.trend_years}年{method}测算。")

    _, b, c, g = _line(df, items.PREVENTION)
    on = dt.date(fc.budget_year, 1, 1)
    cap_text = ""
    if "prevention_cap_ratio" in r.parameters:
        ratio = float(r.parameters.value("prevention_cap_ratio", on))
        cap = ratio * float(t.revenue.loc[items.PREMIUM, "estimate"])
        cap_text = f"，不超过上年工伤保险费收入的{ratio * 100:g}%（上限{wan(cap)}）"
    paras.append(f"（三）工伤预防费用支出{wan(b)}，{change_words(c, g)}，按各地工伤预防计划安排{cap_text}。")

    _, b, c, g = _line(df, items.OTHER_EXPENDITURE)
    method = METHODS.get(fc.trend_methods[items.OTHER_EXPENDITURE], "趋势")
    paras.append(f"（四）其他支出{wan(b)}，{change_words(c, g)}，按近{a.trend_years}年{method}测算。")

    changes = df.loc[list(items.EXPENDITURE_ITEMS), ["label", "change"]]
    if chg != 0:
        top = changes.reindex(changes["change"].abs().sort_values(ascending=False).index).head(2)
        parts = [f"{row.label}（{row.change:+,.2f}万元，占支出增减额的{row.change / chg * 100:.1f}%）"
                 for row in top.itertuples()]
        paras.append("支出增减主要来自" + "和".join(parts) + "。")
    return NoteSection("四、支出预算", paras)


def _reserve(t: DraftTables) -> NoteSection:
    r = t.result
    bal = t.balance["budget"]
    months_floor = float(r.province.reserve_months)
    surplus = float(bal["surplus"])
    paras = [f"全省基金收入{wan(float(bal['revenue_total']))}，支出{wan(float(bal['expenditure_total']))}，"
             + (f"本年收支结余{wan(surplus)}。" if surplus >= 0 else f"当年收不抵支{wan(-surplus)}。")
             + f"年初滚存结余{wan(float(bal['opening_balance']))}，年末滚存结余{wan(float(bal['closing_balance']))}，"
             f"可支付{float(bal['months_payable']):.2f}个月（上年预计{float(t.balance.loc['months_payable', 'estimate']):.2f}个月）。"]
    floor = float(bal["reserve_floor"])
    margin = float(bal["reserve_margin"])
    if bal["trigger"] == "是":
        rate_now = float(bal["average_rate"])
        rate_need = float(bal["rate_needed"])
        paras.append(
            f"年末滚存结余低于{months_floor:g}个月平均支出的储备下限{wan(floor)}，差额{wan(-margin)}。按照累计结余低于"
            f"{months_floor:g}个月平均支付水平时上调行业基准费率的规定，应启动费率调整：经测算，全省平均费率需由"
            f"{pct(rate_now, 3)}提高到{pct(rate_need, 3)}（提高{points(rate_need, rate_now, 3)}个百分点，"
            f"相对提高{growth_pct(rate_need, rate_now, 1)}），相应增加保险费收入{wan(float(bal['premium_increase']))}，"
            "方可使年末滚存结余恢复到储备下限。")
    else:
        paras.append(f"年末滚存结余高于{months_floor:g}个月平均支出的储备下限{wan(floor)}，高出{wan(margin)}，"
                     "本年度不需要调整行业基准费率。")
    return NoteSection("五、收支平衡与基金储备", paras)


def _sharing(t: DraftTables, items_max: int) -> NoteSection:
    r = t.result
    res = r.sharing
    code = t.chosen[0]
    o = res.option_index(code)
    opt = res.options[o]
    table = t.sharing[code]
    attrs = table.attrs
    wide = t.comparison.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    head = heads[o]
    cities = list(res.cities)
    shares = table.set_index("单位")["分担额"]
    amount = float(attrs["应分担缺口"])
    shown = option_names(res.options)
    paras = [f"本草案采用{_quoted(shown[o])}。分担规则：{rule_text(opt)}"]
    origin = origin_text(opt)
    if origin:
        paras.append(f"规则来源：{origin}")
    note = user_note(opt, load_presets())
    if note:
        paras.append(f"{USER_NOTE_LABEL}：{note}")
    if amount == 0:
        paras.append(f"本年应分担缺口（{AMOUNTS[opt.amount]}）为0，各设区市不承担分担额。")
    else:
        prov = float(shares[PROVINCE_LABEL])
        city_total = float(shares["合计"])
        parts = [f"{k}{wan(v)}" for k, v in attrs["省级承担构成"].items() if round(v, 2) != 0]
        paras.append(f"应分担缺口（{AMOUNTS[opt.amount]}）{wan(amount)}；{attrs['条件']}。省级承担{wan(prov)}"
                     + (f"（{'，'.join(parts)}）" if parts else "") + f"，各设区市合计承担{wan(city_total)}。")
        sh = shares.reindex(cities).to_numpy(dtype=float)
        pct = wide.loc[cities, (head, PCT_COLLECTIONS)].to_numpy(dtype=float)
        per_insured = wide.loc[cities, (head, PER_INSURED)].to_numpy(dtype=float)
        payers = [k for k in range(len(cities)) if sh[k] > 0]
        named = sorted(sorted(payers, key=lambda k: -sh[k])[:items_max])      # the largest, in the cities' order
        per = [f"{cities[k]}{wan(sh[k])}（占其征缴收入{pct[k]:.2f}%，人均{per_insured[k]:.2f}元）" for k in named]
        none = [c for c, v in zip(cities, sh, strict=True) if v == 0]
        if per and len(named) < len(payers):
            rest = round(city_total - sum(round(float(sh[k]), 2) for k in named), 2)
            paras.append(f"各市分担额（列出分担额最大的{len(named)}个市）：" + "；".join(per)
                         + f"；其余{len(payers) - len(named):,}个市合计{wan(rest)}。")
        elif per:
            paras.append("各市分担额：" + "；".join(per) + "。")
        if none:
            paras.append("、".join(none[:items_max]) + (f"等{len(none):,}个市" if len(none) > items_max else "")
                         + "不承担分担额。")
    others = []
    base_share = wide[(head, SHARE)]
    for k, h in enumerate(heads):
        if k == o:
            continue
        s = wide[(h, SHARE)]
        diff = (s[cities] - base_share[cities]).round(2)
        total_diff = round(float(diff.sum()), 2)
        more, fewer = int((diff > 0).sum()), int((diff < 0).sum())
        if more == fewer == 0:
            others.append(f"采用{_quoted(shown[k])}时，各市分担额与本方案相同（合计{wan(float(s['城市合计']))}）")
            continue
        relative = (f"比本方案增加{wan(total_diff)}" if total_diff > 0 else
                    f"比本方案减少{wan(-total_diff)}" if total_diff < 0 else "合计与本方案持平")
        text = (f"采用{_quoted(shown[k])}时，各市合计分担{wan(float(s['城市合计']))}，{relative}，"
                f"{more}个市增加、{fewer}个市减少")
        if diff.abs().max() > 0:
            city = str(diff.abs().idxmax())
            text += f"，变化最大的是{city}（{float(diff[city]):+,.2f}万元）"
        others.append(text)
    if others:
        paras.append("与其他方案比较（详见“方案比较”表）：" + "；".join(others) + "。")
    if t.comparison.baseline != code:
        base = shown[res.option_index(t.comparison.baseline)]
        paras.append(f"“方案比较”表中的“{CHANGE}”以{_quoted(base)}为基准。")
    return NoteSection("六、基金缺口分担", paras)


def _quoted(name: str) -> str:
    """“名称” for an option's Chinese name; 方案二 as it is."""
    return name if name.startswith("方案") and len(name) <= 4 else f"“{name}”"


def _checks(t: DraftTables, items_max: int) -> NoteSection:
    c = t.checks
    flagged = c[c["flag"]]
    tol = t.result.forecast.tolerance * 100
    k = t.result.inputs.assumptions.trend_years
    if flagged.empty:
        return NoteSection("七、预测校验", [f"各单位各项目的驱动测算结果与近{k}年趋势测算相差均在±{tol:g}%以内。"])
    items_text = "；".join(f"{row.unit}{row.label}（偏离{_deviation(row.deviation)}）"
                          for row in flagged.head(items_max).itertuples())
    if len(flagged) > items_max:
        items_text += f"等（其余{len(flagged) - items_max:,}项见“预测与校验”表）"
    return NoteSection("七、预测校验", [
        f"驱动测算与近{k}年趋势测算相差超过±{tol:g}%的有{len(flagged)}项：{items_text}。请结合政策调整和扩面计划核实。"])


def _deviation(x: float) -> str:
    return f"{x * 100:+.1f}%" if np.isfinite(x) else "趋势测算值为零"


def _outlook(t: DraftTables) -> NoteSection:
    o = t.outlook
    tab = o.table
    y0, y1 = o.years[0], o.years[-1]
    m = f"{o.projection.reserve_months:g}"
    closing = "、".join(f"{float(tab.loc['closing_balance', y]):,.2f}" for y in o.years)
    months = "、".join(f"{float(tab.loc['months_payable', y]):.2f}" for y in o.years)
    paras = [f"按现行费率和多年预测假设滚动测算，{y0}–{y1}年年末滚存结余分别为{closing}万元，可支付月数分别为{months}个月"
             "（详见“多年预测与风险”表）。"]
    first = o.first_breach
    rate_now = float(tab.loc["average_rate", y0])
    need = {y: float(tab.loc["rate_needed", y]) for y in (y0, y1)}
    if first is None:
        paras.append(f"预测期内年末滚存结余均不低于{m}个月平均支出的储备下限，按现行平均费率{pct(rate_now, 3)}可保持储备水平。")
    else:
        paras.append(f"年末滚存结余自{first}年起低于{m}个月平均支出的储备下限。保持储备下限所需的全省平均费率{y0}年为"
                     f"{pct(need[y0], 3)}，{y1}年为{pct(need[y1], 3)}（现行{pct(rate_now, 3)}），费率调整宜统筹考虑以后年度的需要。")
    if o.tornado is not None and len(o.tornado):
        top = o.tornado.iloc[0]
        paras.append(f"单因素敏感性分析中，对{y0}年年末滚存结余影响最大的是{top['label']}：冲击{top['low_shock']}时"
                     f"{_signed_wan(top['effect_low'])}，冲击{top['high_shock']}时{_signed_wan(top['effect_high'])}。")
    if o.risk_years is not None:
        ry = o.risk_years
        r = o.risk
        paras.append(f"按{r.draws:,}次蒙特卡罗模拟（随机种子{r.seed}），年末滚存结余低于储备下限的概率{y0}年为"
                     f"{ry.loc[y0, 'prob_below_floor'] * 100:.1f}%，{y1}年为{ry.loc[y1, 'prob_below_floor'] * 100:.1f}%；"
                     + _deficit_band(ry, y0))
    else:
        paras.append("本草案未进行储备风险模拟。")
    paras.append("多年预测的增长率、退出率和敏感性冲击幅度、风险模拟的分布均为测算假设，不是法定标准，也不是官方预测。")
    return NoteSection("中期展望", paras)


def _deficit_band(ry: pd.DataFrame, y0: int) -> str:
    low, high = round(float(ry.loc[y0, "deficit_p5"]), 2), round(float(ry.loc[y0, "deficit_p95"]), 2)
    if high == 0:
        return f"{y0}年在90%的模拟中不出现当年收支缺口。"
    return f"{y0}年当年收支缺口的90%区间（P5–P95）为{low:,.2f}万元至{high:,.2f}万元。"


def _signed_wan(x: float) -> str:
    return f"年末滚存结余{'增加' if x >= 0 else '减少'}{wan(abs(float(x)))}"


def _other(t: DraftTables, separate_notices: bool) -> NoteSection:
    inp = t.result.inputs
    paras = [f"{n}。" if not n.endswith("。") else n for n in t.result.notes]
    if separate_notices:
        paras.append(f"设区市共{len(city_units(t)):,}个，分市通知不附于本草案，另行逐市印发。")
    if inp.notes:
        paras.append(inp.notes)
    if inp.synthetic and "虚构" not in inp.notes:
        paras.append(SYNTHETIC_TEXT)
    return NoteSection("其他说明", paras or ["无。"])


def explanatory_note(tables: DraftTables, style: DraftStyle | None = None) -> list[NoteSection]:
    """编制说明 — the note's sections, figures taken from the draft tables (the template's [scale] settings
    bound how many flagged items are named and whether the city notices are attached)."""
    scale = (style or load_style()).section("scale")
    on = dt.date(tables.result.forecast.budget_year, 1, 1)
    sections = [_basis(tables), _parameters(tables, on), _revenue(tables), _expenditure(tables), _reserve(tables),
                _sharing(tables, scale["note_items_max"]), _checks(tables, scale["note_items_max"])]
    if tables.outlook is not None:
        sections.append(_outlook(tables))
    sections.append(_other(tables, not notices_attached(tables, scale)))
    for k, s in enumerate(sections[7:], start=7):      # after 七、预测校验: 八、中期展望, then 其他说明
        s.title = f"{NUMERALS[k]}、{s.title}"
    return sections


def note_text(sections: list[NoteSection], title: str = "") -> str:
    """The note as plain text (one paragraph a line)."""
    lines = [title] if title else []
    for s in sections:
        lines.append(s.title)
        lines.extend(s.paragraphs)
    return "\n".join(lines)
