"""预算科目 — the budget line items of the unified-collection era (domain.md §2).

One place for the item codes, their Chinese names and how they add up; every table in the
product takes its row order and labels from here.
"""

from __future__ import annotations

# 收入 revenue
PREMIUM = "premium"
SUBSIDY = "subsidy"
INTEREST = "interest"
OTHER_REVENUE = "other_revenue"
# 支出 expenditure
MEDICAL = "medical"
DISABILITY = "disability"
DEATH = "death"
APPRAISAL = "appraisal"
PREVENTION = "prevention"
OTHER_EXPENDITURE = "other_expenditure"

REVENUE_ITEMS: tuple[str, ...] = (PREMIUM, SUBSIDY, INTEREST, OTHER_REVENUE)
BENEFIT_ITEMS: tuple[str, ...] = (MEDICAL, DISABILITY, DEATH)
EXPENDITURE_ITEMS: tuple[str, ...] = (MEDICAL, DISABILITY, DEATH, APPRAISAL, PREVENTION, OTHER_EXPENDITURE)

#: Items forecast for every unit (设区市 and 省本级); subsidy and interest are province-level only.
UNIT_REVENUE_ITEMS: tuple[str, ...] = (PREMIUM, OTHER_REVENUE)
PROVINCE_REVENUE_ITEMS: tuple[str, ...] = (SUBSIDY, INTEREST)
UNIT_ITEMS: tuple[str, ...] = UNIT_REVENUE_ITEMS + EXPENDITURE_ITEMS

LABELS: dict[str, str] = {
    PREMIUM: "工伤保险费收入",
    SUBSIDY: "财政补贴收入",
    INTEREST: "利息收入",
    OTHER_REVENUE: "其他收入",
    MEDICAL: "工伤医疗待遇支出",
    DISABILITY: "伤残待遇支出",
    DEATH: "工亡待遇支出",
    APPRAISAL: "劳动能力鉴定支出",
    PREVENTION: "工伤预防费用支出",
    OTHER_EXPENDITURE: "其他支出",
    "revenue_total": "收入合计",
    "benefit_total": "工伤保险待遇支出",
    "expenditure_total": "支出合计",
    "surplus": "本年收支结余",
    "opening_balance": "年初滚存结余",
    "closing_balance": "年末滚存结余",
    "months_payable": "可支付月数",
}


def label(code: str) -> str:
    """中文科目名 (Chinese name) of an item code; the code itself when it has none."""
    return LABELS.get(code, code)
