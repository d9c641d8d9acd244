"""分担方案的词汇 — the names options use (factors, amounts, conditions, caps) and table labels."""

from __future__ import annotations

#: 分担因素 (factors) and their Chinese column names.
FACTORS: dict[str, str] = {
    "own_gap": "自身缺口",
    "collections": "征缴收入",
    "insured": "参保人数",
    "expenditure": "基金支出",
    "payroll": "缴费工资",
    "fiscal_capacity": "财力",
    "equal": "平均分摊",
}
FACTOR_NAMES: tuple[str, ...] = tuple(FACTORS)

#: 应分担缺口口径 (what amount D is shared).
AMOUNTS: dict[str, str] = {
    "deficit": "全省本年收支缺口",
    "floor_shortfall": "低于储备下限的差额",
    "city_gaps": "各市正缺口之和",
    "fixed": "固定金额",
}
AMOUNT_NAMES: tuple[str, ...] = tuple(AMOUNTS)

#: 省级承担比例的条件 (conditions for a conditional province share α).
ALPHA_BASES: dict[str, str] = {
    "fixed": "固定比例",
    "surplus_positive": "本年收支结余为正",
    "balance_covers": "年初滚存结余足以弥补缺口",
}

#: 封顶依据 (cap bases): money fields of the context a cap can be a ratio of.
CAP_BASES: dict[str, str] = {
    "collections": "征缴收入",
    "expenditure": "基金支出",
    "payroll": "缴费工资",
    "fiscal_capacity": "一般公共预算收入",
}

#: Components of a city's share, in table order; they add up to the share.
COMPONENTS: tuple[str, ...] = ("management_charge", *FACTOR_NAMES, "cap_adjustment", "reward")
COMPONENT_LABELS: dict[str, str] = {
    "management_charge": "管理性缺口",
    **FACTORS,
    "cap_adjustment": "封顶调整",
    "reward": "考核奖励",
}
SHARE_LABEL = "分担额"
TOTAL_LABEL = "合计"
PROVINCE_LABEL = "省级承担"
#: Row names of the sharing and comparison tables; no city may carry one of them.
RESERVED_NAMES = frozenset({TOTAL_LABEL, PROVINCE_LABEL, "城市合计", "未能分配返还省级", "最高", "最低",
                            "增加城市数", "减少城市数"})

WEIGHT_TOLERANCE = 1e-9  # Σβ must be 1 within this
OPTION_TABLE = "分担方案"
PRESETS_FILE = "sharing_presets.toml"
