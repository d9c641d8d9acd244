"""分担方案 — one sharing option as plain data, checked by :func:`parse_option`; rule texts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from models.errors import BudgetInputError
from models.sharing.vocabulary import (
    ALPHA_BASES,
    AMOUNTS,
    CAP_BASES,
    FACTOR_NAMES,
    FACTORS,
    OPTION_TABLE,
    WEIGHT_TOLERANCE,
)


@dataclass(frozen=True)
class SharingOption:
    """分担方案 (one sharing option), as checked by :func:`parse_option`. Money in yuan."""

    name: str
    label: str
    description: str = ""
    amount: str = "deficit"
    fixed_amount: float = 0.0
    management_charge_ratio: float = 0.0
    alpha_basis: str = "fixed"
    alpha_if_true: float = 0.0
    alpha_if_false: float = 0.0
    weights: tuple[tuple[str, float], ...] = (("own_gap", 1.0),)
    use_coefficients: bool = False
    cap_basis: str | None = None
    cap_ratio: float | None = None
    rewards: tuple[float, ...] = ()
    name_zh: str = ""        # 方案中文名称 (neutral Chinese name, for the draft)
    origin: str = ""         # 来源 (where the rule comes from, e.g. “参照安徽省2025年…规则”)
    our_reading: str = ""    # 本团队的理解 (where a reading of the rule is ours, not the source's)

    @property
    def display_name(self) -> str:
        """方案名称: the Chinese name where given, else the label."""
        return self.name_zh or self.label

    def weight(self, factor: str) -> float:
        """β of a factor (0 when the option does not use it)."""
        return dict(self.weights).get(factor, 0.0)

    @property
    def factors_used(self) -> tuple[str, ...]:
        """Factors with β > 0, in :data:`FACTOR_NAMES` order."""
        return tuple(f for f in FACTOR_NAMES if self.weight(f) > 0)

    def to_dict(self, provenance: bool = True) -> dict[str, Any]:
        """The option as plain data again (what :func:`parse_option` reads).

        `provenance` (default) adds name_zh, origin and our_reading where set (the workbook's 分担方案 sheet
        has rows for them).
        """
        d: dict[str, Any] = {"name": self.name, "label": self.label, "description": self.description,
                             "amount": self.amount}
        if self.amount == "fixed":
            d["fixed_amount"] = self.fixed_amount
        d["management_charge_ratio"] = self.management_charge_ratio
        d["province_share"] = (self.alpha_if_true if self.alpha_basis == "fixed" else
                               {"basis": self.alpha_basis, "if_true": self.alpha_if_true,
                                "if_false": self.alpha_if_false})
        d["weights"] = dict(self.weights)
        d["use_coefficients"] = self.use_coefficients
        if self.cap_basis is not None:
            d["cap"] = {"basis": self.cap_basis, "ratio": self.cap_ratio}
        if self.rewards:
            d["rewards"] = list(self.rewards)
        if provenance:
            d.update({k: v for k, v in (("name_zh", self.name_zh), ("origin", self.origin),
                                        ("our_reading", self.our_reading)) if v})
        return d


_OPTION_KEYS = ("name", "label", "description", "amount", "fixed_amount", "management_charge_ratio",
                "province_share", "weights", "use_coefficients", "cap", "rewards", "name_zh", "origin",
                "our_reading")


def _option_error(name: str, key: str, message: str, value: Any = None) -> BudgetInputError:
    return BudgetInputError(message, table=f"{OPTION_TABLE} {name}", field=key, value=value)


def _number(value: Any, name: str, key: str, *, low: float | None = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or value is None:
        raise _option_error(name, key, "应为数值", value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise _option_error(name, key, "不是数字，请填入数值", value) from None
    if not math.isfinite(x):
        raise _option_error(name, key, "应为有限数值", value)
    if low is not None and x < low:
        raise _option_error(name, key, f"不能小于 {low:g}", value)
    if high is not None and x > high:
        raise _option_error(name, key, f"不能大于 {high:g}", value)
    return x


def _table(value: Any, name: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _option_error(name, key, "应为键值表（例如 {basis = ..., ...}）", value)
    return value


def _choice(value: Any, valid: Mapping[str, str], name: str, key: str) -> str:
    if not isinstance(value, str) or value not in valid:
        listing = "、".join(f"{k}（{v}）" for k, v in valid.items())
        raise _option_error(name, key, f"无法识别，可选：{listing}", value)
    return str(value)


def _parse_alpha(value: Any, name: str) -> tuple[str, float, float]:
    key = "province_share"
    if not isinstance(value, Mapping):
        a = _number(value, name, key, low=0.0, high=1.0)
        return "fixed", a, a
    unknown = sorted(set(value) - {"basis", "if_true", "if_false"})
    if unknown:
        raise _option_error(name, f"{key}.{unknown[0]}", "无法识别，可用的键：basis、if_true、if_false")
    basis = _choice(value.get("basis"), {k: v for k, v in ALPHA_BASES.items() if k != "fixed"}, name, f"{key}.basis")
    for k in ("if_true", "if_false"):
        if k not in value:
            raise _option_error(name, f"{key}.{k}", "缺少条件成立/不成立时的省级承担比例")
    return (basis, _number(value["if_true"], name, f"{key}.if_true", low=0.0, high=1.0),
            _number(value["if_false"], name, f"{key}.if_false", low=0.0, high=1.0))


def _parse_weights(value: Any, name: str) -> tuple[tuple[str, float], ...]:
    table = _table(value, name, "weights")
    valid = "、".join(f"{k}（{v}）" for k, v in FACTORS.items())
    if not table:
        raise _option_error(name, "weights", f"至少需要一个分担因素，可选：{valid}")
    weights: dict[str, float] = {}
    for factor, beta in table.items():
        if factor not in FACTORS:
            raise _option_error(name, f"weights.{factor}", f"不是可用的分担因素，可选：{valid}", factor)
        weights[factor] = _number(beta, name, f"weights.{factor}", low=0.0)
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise _option_error(name, "weights", f"各因素权重之和为 {total:g}，应等于 1，请调整", total)
    return tuple((f, weights[f]) for f in FACTOR_NAMES if f in weights)


def parse_option(d: Mapping[str, Any] | SharingOption) -> SharingOption:
    """分担方案 — check plain option data (dict / TOML table) and return a :class:`SharingOption`."""
    if isinstance(d, SharingOption):
        return d
    if not isinstance(d, Mapping):
        raise BudgetInputError("分担方案应为键值表", table=OPTION_TABLE, value=d)
    name = str(d.get("name", "")).strip()
    if not name:
        raise BudgetInputError("缺少方案代码 name", table=OPTION_TABLE, field="name")
    unknown = [k for k in d if k not in _OPTION_KEYS]
    if unknown:
        raise _option_error(name, str(unknown[0]), f"无法识别的设置，可用的键：{'、'.join(_OPTION_KEYS)}")
    amount = _choice(d.get("amount", "deficit"), AMOUNTS, name, "amount")
    if amount == "fixed":
        if "fixed_amount" not in d:
            raise _option_error(name, "fixed_amount", "amount = fixed 时须给出固定金额 fixed_amount（元）")
        fixed = _number(d["fixed_amount"], name, "fixed_amount")
    elif "fixed_amount" in d:
        raise _option_error(name, "fixed_amount", "只有 amount = fixed 时才能填写固定金额")
    else:
        fixed = 0.0
    ratio = _number(d.get("management_charge_ratio", 0.0), name, "management_charge_ratio", high=1.0)
    basis, a_true, a_false = _parse_alpha(d.get("province_share", 0.0), name)
    weights = _parse_weights(d.get("weights", {"own_gap": 1.0}), name)
    use_coef = d.get("use_coefficients", False)
    if not isinstance(use_coef, bool):
        raise _option_error(name, "use_coefficients", "应为 true 或 false", use_coef)
    cap_basis = cap_ratio = None
    if d.get("cap") is not None:
        cap = _table(d["cap"], name, "cap")
        unknown = sorted(set(cap) - {"basis", "ratio"})
        if unknown:
            raise _option_error(name, f"cap.{unknown[0]}", "无法识别，可用的键：basis、ratio")
        cap_basis = _choice(cap.get("basis", "collections"), CAP_BASES, name, "cap.basis")
        if "ratio" not in cap:
            raise _option_error(name, "cap.ratio", "缺少封顶比例（例如 0.1 表示征缴收入的 10%）")
        cap_ratio = _number(cap["ratio"], name, "cap.ratio")
    raw_rewards = d.get("rewards") or ()
    if isinstance(raw_rewards, (str, bytes, Mapping)) or not isinstance(raw_rewards, Sequence):
        raise _option_error(name, "rewards", "应为按考核名次排列的金额列表（元）", raw_rewards)
    rewards = tuple(_number(r, name, f"rewards[{i}]") for i, r in enumerate(raw_rewards))
    provenance = {k: str(d.get(k) or "").strip() for k in ("name_zh", "origin", "our_reading")}
    return SharingOption(
        **provenance,
        name=name, label=str(d.get("label") or name), description=str(d.get("description", "")),
        amount=amount, fixed_amount=fixed, management_charge_ratio=ratio, alpha_basis=basis,
        alpha_if_true=a_true, alpha_if_false=a_false, weights=weights, use_coefficients=use_coef,
        cap_basis=cap_basis, cap_ratio=cap_ratio, rewards=rewards,
    )


def ratio_text(alpha: float) -> str:
    """省:市 ratio text, e.g. 0.9 → '9:1', 0.75 → '75%:25%'."""
    tenths = alpha * 10
    if abs(tenths - round(tenths)) < 1e-9:
        return f"{round(tenths)}:{10 - round(tenths)}"
    return f"{alpha * 100:g}%:{(1 - alpha) * 100:g}%"


def rule_text(option: SharingOption) -> str:
    """省级承担规则 in words (independent of the data)."""
    if option.alpha_basis == "fixed":
        return f"省:市 = {ratio_text(option.alpha_if_true)}"
    return (f"{ALPHA_BASES[option.alpha_basis]}时省:市 = {ratio_text(option.alpha_if_true)}，"
            f"否则 {ratio_text(option.alpha_if_false)}")
