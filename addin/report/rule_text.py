"""分担规则文字 (sharing rule text) — the rule of a sharing option in Chinese, generated from its settings.

Every sentence comes from the option's actual settings: the amount shared, the management charge ratio,
the province share (fixed or conditional), the factor weights, the coefficients, the cap and the rewards.
Change a weight and the text changes with it. Options are named by their Chinese name (`label`) or, when
they have none, by their place (方案一, 方案二 …); codes never appear.

A user's free-text description (方案说明) is shown beside the generated rule, labelled as such, unless it is
the packaged preset's own wording (presets are described by the generated rule and their cited origin).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.sharing import AMOUNTS, FACTORS, SharingOption

NUMERALS = "一二三四五六七八九十"
USER_NOTE_LABEL = "方案说明（编制单位填写）"
#: How each factor is described in the rule text (the column name, for 财力 with its measure).
FACTOR_WORDS: dict[str, str] = {**FACTORS, "fiscal_capacity": "财力（一般公共预算收入）"}
CAP_WORDS: dict[str, str] = {"collections": "本市征缴收入", "expenditure": "本市基金支出",
                             "payroll": "本市缴费工资总额", "fiscal_capacity": "本市一般公共预算收入"}
CONDITION_WORDS: dict[str, tuple[str, str]] = {
    "surplus_positive": ("全省本年收支结余为正", "本年收支结余为零或为负"),
    "balance_covers": ("年初滚存结余足以弥补应分担缺口", "年初滚存结余不足以弥补"),
}


def ordinal(k: int) -> str:
    """方案一, 方案二 … (k from 0)."""
    n = k + 1
    if n <= 10:
        return f"方案{NUMERALS[n - 1]}"
    if n < 20:
        return f"方案十{NUMERALS[n - 11]}"
    return f"方案{n}"


def option_name(option: SharingOption, k: int) -> str:
    """方案的中文名称: its label, or 方案一 … when the label is only the code (or blank)."""
    label = (option.label or "").strip()
    if not label or label == option.name or label.isascii():
        return ordinal(k)
    return label


def option_names(options: Sequence[SharingOption]) -> list[str]:
    """Names of all options, unique: a repeated label gets its place added (…（方案三）)."""
    names = [option_name(o, k) for k, o in enumerate(options)]
    return [n if names.count(n) == 1 else f"{n}（{ordinal(k)}）" for k, n in enumerate(names)]


def percent(x: float) -> str:
    """0.4 → 40%, 0.125 → 12.5%."""
    return f"{round(x * 100, 4):g}%"


def _wan(yuan: float) -> str:
    return f"{yuan / 1e4:,.2f}万元".replace(".00万元", "万元")


def amount_sentence(option: SharingOption) -> str:
    """分担基数 — what amount is shared."""
    if option.amount == "fixed":
        return f"分担基数为固定金额{_wan(option.fixed_amount)}。"
    return f"分担基数为{AMOUNTS[option.amount]}。"


def management_sentence(option: SharingOption) -> str | None:
    r = option.management_charge_ratio
    if r <= 0:
        return None
    return (f"各设区市上年征缴收入未完成计划的差额（征缴短收额）的{percent(r)}计为管理性缺口，先由所在市全额承担"
            "（合计超过分担基数时按比例压减）。")


def province_sentence(option: SharingOption) -> str:
    """省级承担比例 — fixed or conditional, on what remains after management charges."""
    a, b = option.alpha_if_true, option.alpha_if_false
    rest = "其余部分" if option.management_charge_ratio > 0 else "分担基数"
    if option.alpha_basis == "fixed":
        if a <= 0:
            return f"{rest}全部由各设区市分担，省级不承担。"
        if a >= 1:
            return f"{rest}全部由省级承担。"
        return f"{rest}由省级承担{percent(a)}，各设区市承担{percent(1 - a)}。"
    yes, no = CONDITION_WORDS[option.alpha_basis]
    return (f"{yes}时，{rest}由省级承担{percent(a)}、各设区市承担{percent(1 - a)}；"
            f"{no}时，省级承担{percent(b)}、各设区市承担{percent(1 - b)}。")


def weights_sentence(option: SharingOption) -> str:
    """市级部分 — how the cities' part is split among them."""
    used = [(f, w) for f, w in option.weights if w > 0]
    if len(used) == 1:
        f = used[0][0]
        how = "由各设区市平均分摊" if f == "equal" else f"按各设区市{FACTOR_WORDS[f]}占全省的比例分摊"
        if f == "own_gap":
            how = "按各设区市自身缺口（支出减收入的正数部分）占各市缺口合计的比例分摊"
    else:
        parts = "、".join(f"{FACTOR_WORDS[f]}{percent(w)}" for f, w in used)
        how = f"按{parts}的权重，以各设区市各因素占全省的比例加权分摊"
    text = f"各设区市承担的部分{how}"
    if option.use_coefficients:
        text += "，并乘以各市的分担系数（见扩面计划表）"
    return text + "。"


def cap_sentence(option: SharingOption) -> str | None:
    if option.cap_basis is None or option.cap_ratio is None:
        return None
    return (f"任一设区市的分担额（含管理性缺口）不超过{CAP_WORDS[option.cap_basis]}的{percent(option.cap_ratio)}，"
            "超出部分按得分分给未达上限的市，仍无法分配的由省级承担。")


def reward_sentence(option: SharingOption) -> str | None:
    rewards = [r for r in option.rewards]
    if not any(r > 0 for r in rewards):
        return None
    if len(set(rewards)) == 1:
        ranks = f"考核排名前{len(rewards)}名的设区市各减免{_wan(rewards[0])}"
    else:
        ranks = "考核排名" + "、".join(f"第{k}名" for k in range(1, len(rewards) + 1)) + "的设区市分别减免" \
            + "、".join(_wan(r) for r in rewards)
    return f"{ranks}分担额（不超过其分担额），减免部分由省级承担。"


def rule_sentences(option: SharingOption) -> list[str]:
    """分担规则 — the option's rule, one sentence per setting, from the settings alone."""
    out = [amount_sentence(option), management_sentence(option), province_sentence(option)]
    if not (option.alpha_basis == "fixed" and option.alpha_if_true >= 1):
        out.append(weights_sentence(option))
        out.append(cap_sentence(option))
    out.append(reward_sentence(option))
    return [s for s in out if s]


def rule_text(option: SharingOption) -> str:
    """The rule as one paragraph."""
    return "".join(rule_sentences(option))


def user_note(option: SharingOption, presets: Sequence[Any] = ()) -> str | None:
    """方案说明 a user typed, or None when blank or when it is a packaged preset's own wording."""
    text = (option.description or "").strip()
    if not text:
        return None
    if any(text == (getattr(p, "description", "") or "").strip() for p in presets):
        return None
    return text


def origin_text(option: SharingOption) -> str | None:
    """A preset's cited origin (来源), when the option carries one."""
    for attr in ("origin", "source", "reading"):
        value = getattr(option, attr, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
