"""中期展望的终端表格与 CSV — what `wibudget project / sensitivity / risk` print and save.

Figures come from `addin.report.outlook` (万元, 2 dp), so the terminal, the CSV files and the draft agree.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from addin.report.outlook import BAND_COLUMNS, OutlookTables, assumption_values, row_unit
from addin.report.text import SafeCsvWriter, text_table

SYNTHETIC_MARK = "（示例数据，虚构）"


def _title(o: OutlookTables, what: str) -> str:
    inp = o.result.inputs
    return f"{inp.province}{what}" + (SYNTHETIC_MARK if o.synthetic else "")


def percent(x: float, decimals: int = 1) -> str:
    """0.7838 → 78.4%."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:.{decimals}f}%"


def cell(value: Any, unit: str) -> Any:
    """A projection-table figure as shown in the terminal: 万元 and months 2 dp, rates 0.000%, 是/否."""
    if unit == "费率":
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.3f}%"
    if unit == "":
        return "是" if bool(value) else "否"
    if unit == "月":
        return round(float(value), 2)
    return float(value)


# ---------------------------------------------------------------- project


def breach_text(o: OutlookTables) -> str:
    """首次低于储备下限 in one sentence, with the figures of that year."""
    t = o.table
    months = f"{o.projection.reserve_months:g}"
    first = o.first_breach
    if first is None:
        return (f"预测期内（{o.years[0]}–{o.years[-1]}年）年末滚存结余均不低于储备下限（{months}个月支出），"
                "不需要因储备不足上调费率。")
    return (f"首次低于储备下限：{first}年。年末滚存结余{t.loc['closing_balance', first]:,.2f}万元，低于{months}个月支出的"
            f"储备下限{t.loc['reserve_floor', first]:,.2f}万元；保持储备下限所需平均费率{t.loc['rate_needed', first] * 100:.3f}%"
            f"（现行{t.loc['average_rate', first] * 100:.3f}%）。")


def projection_rows(o: OutlookTables) -> list[list[Any]]:
    """[label, unit, year 1, year 2, …] for every row of the projection table."""
    rows = []
    for code, r in o.table.iterrows():
        unit = row_unit(code)
        rows.append([r["label"], {"费率": "%"}.get(unit, unit), *[cell(r[y], unit) for y in o.years]])
    return rows


def project_text(o: OutlookTables) -> str:
    """多年预测表 for the terminal, then the first breach year and the assumptions."""
    headers = ["项目", "单位", *[f"{y}年" for y in o.years]]
    aligns = ["left", "left", *["right"] * len(o.years)]
    title = _title(o, f"{o.years[0]}–{o.years[-1]}年工伤保险基金多年收支预测（万元）")
    lines = [text_table(headers, projection_rows(o), title=title, aligns=aligns), "", breach_text(o), ""]
    a = assumption_values(o.assumptions, o.years)
    rows = [[r["label"], *[percent(r[y], 2) for y in o.years]] for _, r in a.iterrows()]
    lines.append(text_table(["预测假设", *[f"{y}年" for y in o.years]], rows, title="多年预测假设（第1年为预算年度假设；空白 = 只用于以后各年）",
                            aligns=["left", *["right"] * len(o.years)]))
    for source, labels in _sources(a).items():
        lines.append(f"  {'、'.join(labels)}：{source}")
    for note in o.projection.notes:
        lines.append(f"说明：{note}")
    return "\n".join(lines)


def _sources(a: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for _, r in a.iterrows():
        out.setdefault(str(r["source"]), []).append(str(r["label"]))
    return out


def projection_csv(o: OutlookTables) -> str:
    """多年预测表 as CSV: 项目, 单位, one column per year (万元 2 dp, months 2 dp, rates in %)."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(["项目", "单位", *[str(y) for y in o.years]])
    for code, r in o.table.iterrows():
        unit = row_unit(code)
        values = []
        for y in o.years:
            v = r[y]
            if unit == "":
                values.append("是" if bool(v) else "否")
            elif unit == "费率":
                values.append("" if math.isnan(float(v)) else f"{float(v) * 100:.4f}")
            else:
                values.append(f"{float(v):.2f}")
        w.writerow([r["label"], {"费率": "%"}.get(unit, unit), *values])
    return buf.getvalue()


# ---------------------------------------------------------------- sensitivity


TORNADO_HEADERS = ("因素", "低冲击", "高冲击", "年末滚存结余（低）", "年末滚存结余（高）", "较基准变化（低）",
                   "较基准变化（高）", "波动幅度")


def tornado_rows(tornado: pd.DataFrame) -> list[list[Any]]:
    return [[r.label, r.low_shock, r.high_shock, r.closing_low, r.closing_high, r.effect_low, r.effect_high, r.swing]
            for r in tornado.itertuples()]


def sensitivity_text(o: OutlookTables) -> str:
    """龙卷风表 for the terminal: widest swing of the budget-year 年末滚存结余 first."""
    t = o.tornado
    y = t.attrs["预算年度"]
    title = _title(o, f"{y}年工伤保险基金敏感性分析（单因素，万元）")
    lines = [f"基准：{y}年年末滚存结余{t.attrs['基准年末滚存结余']:,.2f}万元；每次只改变一个因素，其余按预算假设。",
             text_table(list(TORNADO_HEADERS), tornado_rows(t), title=title,
                        aligns=["left", "right", "right", *["right"] * 5])]
    lines.append("注：本年收支结余的变化与年末滚存结余的变化相同（年初滚存结余不变）；冲击幅度见参数文件"
                 " sensitivity_shocks.toml（分析口径，不是预测）。")
    return "\n".join(lines)


# ---------------------------------------------------------------- risk


def _band_heads(prefix: str = "") -> list[str]:
    return [f"{prefix}P{c[1:]}" for c in BAND_COLUMNS]


def risk_text(o: OutlookTables) -> str:
    """储备风险 for the terminal: probabilities and deficit bands per year, then city share bands per option."""
    r, ry = o.risk, o.risk_years
    seed = "无（每次不同）" if r.seed is None else str(r.seed)
    lines = [_title(o, f"{r.years[0]}–{r.years[-1]}年工伤保险基金储备风险（蒙特卡罗模拟）"),
             f"模拟次数 {r.draws:,}，随机种子 {seed}；不确定因素：" + "；".join(distribution_text(d) for d in r.distributions)
             + "。", ""]
    rows = [[f"{y}年", percent(row["prob_below_floor"]), percent(row["prob_breached_by"]),
             *[row[f"deficit_{c}"] for c in BAND_COLUMNS], row["months_p5"], row["months_p50"], row["months_p95"]]
            for y, row in ry.iterrows()]
    heads = ["年度", "低于储备下限概率", "至当年累计概率", *_band_heads("缺口"), "月数P5", "月数P50", "月数P95"]
    lines.append(text_table(heads, rows, title="逐年风险（当年收支缺口 = max(0, 支出 − 收入)，万元；月数 = 可支付月数）",
                            aligns=["left", *["right"] * (len(heads) - 1)]))
    for code, df in o.risk_shares.items():
        label = df.attrs["方案名称"]
        rows = []
        previous = None
        for row in df.itertuples():
            rows.append([f"{row.year}年" if row.year != previous else "", row.unit, row.baseline,
                         *[getattr(row, c) for c in BAND_COLUMNS]])
            previous = row.year
        lines += ["", text_table(["年度", "单位", "基准预测", *_band_heads()], rows,
                                 title=f"方案 {code}：{label} — 各市分担额的分布（万元）",
                                 aligns=["left", "left", *["right"] * 6])]
    lines += ["", "注：基准预测为不加随机冲击的多年预测；P5…P95为各次模拟结果的百分位数（分别排序，各市之和不等于合计）。"
                  "分布为本团队设定的测算假设（参数文件 risk_distributions.toml），请按本省历年预算执行偏差校准。"]
    return "\n".join(lines)


def distribution_text(d) -> str:
    if d.distribution == "normal":
        spread = f"正态，标准差{d.sd * 100:g}%"
    else:
        spread = f"对数正态，变异系数{d.cv * 100:g}%" + ("，另加泊松式波动" if d.poisson else "")
    return f"{d.label}（{spread}，{'全省共同' if d.scope == 'province' else '各单位独立'}）"


def risk_csv(o: OutlookTables) -> str:
    """储备风险 as CSV (long form): one row per measure × option × year × unit."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(["指标", "方案", "年度", "单位", "基准预测", *_band_heads(), "低于储备下限概率", "至当年累计概率"])
    for y, row in o.risk_years.iterrows():
        w.writerow(["当年收支缺口(万元)", "", y, "全省", "", *[f"{row[f'deficit_{c}']:.2f}" for c in BAND_COLUMNS],
                    f"{row['prob_below_floor']:.4f}", f"{row['prob_breached_by']:.4f}"])
        w.writerow(["可支付月数", "", y, "全省", "", *[f"{row[f'months_{c}']:.2f}" for c in BAND_COLUMNS], "", ""])
    for code, df in o.risk_shares.items():
        for row in df.itertuples():
            w.writerow(["分担额(万元)", code, row.year, row.unit, f"{row.baseline:.2f}",
                        *[f"{getattr(row, c):.2f}" for c in BAND_COLUMNS], "", ""])
    return buf.getvalue()

