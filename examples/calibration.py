"""示例校准依据 — the public figures the synthetic example is calibrated to, and the targets derived from them.

The example province is synthetic (示例数据，虚构): no per-city work-injury figures for Jiangxi are
public. Its magnitudes are set so that revenue, insured and premium per insured fall within ±20 % of
national bulletin figures scaled by Jiangxi's share, and wages sit at the published provincial level
grown to the base year. Every source is written to ``example.toml`` under ``[calibration]``; figures
marked 近似 are from the team's reference notes and were not checked against the original text.
"""

from __future__ import annotations

from dataclasses import dataclass

YI = 100_000_000  # 1 亿元 in yuan
TOLERANCE = 0.20  # the example must fall within ±20 % of each derived target


@dataclass(frozen=True)
class PublicFigure:
    """One public figure (公开数据) with its source and whether it is approximate."""

    key: str
    label: str
    value: float
    unit: str
    source: str
    approximate: bool


PUBLIC_FIGURES: tuple[PublicFigure, ...] = (
    PublicFigure("national_revenue_2021", "全国工伤保险基金收入（2021年）", 952 * YI, "元",
                 "人力资源和社会保障部《2021年度人力资源和社会保障事业发展统计公报》", True),
    PublicFigure("national_insured_2021", "全国工伤保险参保人数（2021年末）", 2.83e8, "人",
                 "人力资源和社会保障部《2021年度人力资源和社会保障事业发展统计公报》", True),
    PublicFigure("national_revenue_2022", "全国工伤保险基金收入（2022年）", 1053 * YI, "元",
                 "人力资源和社会保障部《2022年度人力资源和社会保障事业发展统计公报》", True),
    PublicFigure("national_insured_2022", "全国工伤保险参保人数（2022年末）", 2.91e8, "人",
                 "人力资源和社会保障部《2022年度人力资源和社会保障事业发展统计公报》", True),
    PublicFigure("jiangxi_insured_share", "江西省参保人数占全国比重", 0.024, "比例",
                 "按各省参保人数公开数据估算", True),
    PublicFigure("jiangxi_revenue_share", "江西省工伤保险基金收入占全国比重", 0.020, "比例",
                 "国家统计局《中国统计年鉴》2012（2011年分省工伤保险基金收入）", True),
    PublicFigure("jiangxi_wage_2019", "江西省城镇非私营单位在岗职工年平均工资（2019年）", 73_725, "元/年",
                 "江西省统计局2019年城镇非私营单位在岗职工平均工资公报", False),
    PublicFigure("jiangxi_wage_2023", "江西省城镇非私营单位在岗职工年平均工资（2023年）", 92_794, "元/年",
                 "江西省统计局2023年城镇非私营单位在岗职工平均工资公报", True),
)
FIGURES = {f.key: f for f in PUBLIC_FIGURES}

#: Yearly growth used to carry the 2023 provincial wage forward (an assumption, not a published figure).
WAGE_GROWTH_AFTER_2023 = 0.05
#: City wage relative to the province, 2019 published city figures ÷ 73,725 (南昌 84,196; 新余 75,506;
#: 鹰潭 74,216; 萍乡 72,830); the other cities are synthetic.
CITY_WAGE_RATIO_2019 = {"南昌": 84_196 / 73_725, "新余": 75_506 / 73_725, "鹰潭": 74_216 / 73_725,
                        "萍乡": 72_830 / 73_725}


def provincial_wage(year: int) -> float:
    """江西省城镇非私营单位在岗职工年平均工资 for `year`: the 2023 figure grown 5 % a year (yuan/year)."""
    return FIGURES["jiangxi_wage_2023"].value * (1 + WAGE_GROWTH_AFTER_2023) ** (year - 2023)


def targets(year: int) -> dict[str, float]:
    """Derived magnitudes for Jiangxi in `year` (2021 or 2022): revenue (yuan), insured, premium per insured."""
    revenue = FIGURES[f"national_revenue_{year}"].value * FIGURES["jiangxi_revenue_share"].value
    insured = FIGURES[f"national_insured_{year}"].value * FIGURES["jiangxi_insured_share"].value
    return {"revenue": revenue, "insured": insured, "premium_per_insured": revenue / insured}


def toml_lines() -> list[str]:
    """The ``[calibration]`` part of example.toml: each public figure, its source and the derived targets."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# 校准依据（calibration sources）：示例数据为虚构，仅数量级按下列公开数据校准；标注“近似”的数值未经原文核对。",
        "[calibration]",
        f"tolerance = {TOLERANCE}",
        f"wage_growth_after_2023 = {WAGE_GROWTH_AFTER_2023}",
        'method = "收入 = 全国基金收入 × 江西收入占比；参保人数 = 全国参保人数 × 江西参保占比；'
        '人均保费 = 二者之比；示例2022年数应在其 ±20% 以内。工资 = 2023年全省平均工资按年增长5%推至各年。"',
    ]
    for year in (2021, 2022):
        t = targets(year)
        lines.append(f"target_{year} = {{ revenue = {t['revenue']:.1f}, insured = {t['insured']:.1f}, "
                     f"premium_per_insured = {t['premium_per_insured']:.2f} }}")
    for f in PUBLIC_FIGURES:
        lines += ["", "[[calibration.sources]]", f"key = {q(f.key)}", f"label = {q(f.label)}",
                  f"value = {float(f.value)!r}", f"unit = {q(f.unit)}", f"source = {q(f.source)}",
                  f"approximate = {'true' if f.approximate else 'false'}"]
    return lines
