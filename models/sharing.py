"""缺口分担 — deficit sharing between the province and its cities (domain.md §5).

An option (分担方案) is plain data — a dict or a TOML table — checked by :func:`parse_option`.
:func:`share_options` computes every option at once: arrays carry the option axis first, then
any scenario axes of the context, then the city axis — shape ``(O, ..., U)``.

Steps, per option: amount to share D; management charges M_i (charged to the city first);
province share α (fixed or conditional); pot P = (1 − α)(D − ΣM); city scores
s_i = c_i Σ_k β_k x_ik / Σ_j x_jk; share_i = P s_i / Σ s; caps with exact redistribution;
assessment rewards; whatever cannot be placed returns to the province and is reported.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models.errors import BudgetInputError
from models.money import YUAN_PER_WAN, allocate_wan, largest_remainder_steps, round_wan

# ---------------------------------------------------------------- vocabulary

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

# ---------------------------------------------------------------- context


_CONTEXT_FIELDS: dict[str, str] = {
    "gap": "缺口(支出−收入)",
    "collections": "征缴收入",
    "insured": "参保人数",
    "expenditure": "基金支出",
    "payroll": "缴费工资",
    "fiscal_revenue": "一般公共预算收入",
    "coefficient": "分担系数",
    "assessment_rank": "考核排名",
    "collection_shortfall": "上年征缴短收",
    "province_deficit": "全省本年收支缺口",
    "floor_shortfall": "低于储备下限的差额",
    "current_surplus": "本年收支结余",
    "opening_balance": "年初滚存结余",
}


@dataclass(frozen=True, eq=False)
class SharingContext:
    """分担依据 (what the sharing rests on); yuan, persons; arrays shaped (..., U), scalars (...)."""

    cities: tuple[str, ...]
    gap: np.ndarray
    collections: np.ndarray
    insured: np.ndarray
    expenditure: np.ndarray
    payroll: np.ndarray
    fiscal_revenue: np.ndarray
    coefficient: np.ndarray
    assessment_rank: np.ndarray
    collection_shortfall: np.ndarray
    province_deficit: float | np.ndarray
    floor_shortfall: float | np.ndarray
    current_surplus: float | np.ndarray
    opening_balance: float | np.ndarray

    @property
    def lead_shape(self) -> tuple[int, ...]:
        """Shape of the scenario axes in front of the city axis (() for a single budget)."""
        shapes = [np.shape(getattr(self, f))[:-1] for f in _CITY_FIELDS]
        shapes += [np.shape(getattr(self, f)) for f in _SCALAR_FIELDS]
        return tuple(np.broadcast_shapes(*shapes))

    @property
    def n_cities(self) -> int:
        return len(self.cities)


_CITY_FIELDS = ("gap", "collections", "insured", "expenditure", "payroll", "fiscal_revenue",
                "coefficient", "assessment_rank", "collection_shortfall")
_SCALAR_FIELDS = ("province_deficit", "floor_shortfall", "current_surplus", "opening_balance")


def _where(cities: Sequence[str], shape: tuple[int, ...], flat_index: int, per_city: bool) -> tuple[str | None, str]:
    """City name and scenario text of the first bad element."""
    idx = np.unravel_index(flat_index, shape) if shape else ()
    city = cities[idx[-1]] if per_city and idx else None
    lead = idx[:-1] if per_city else idx
    return city, (f"（情景 {tuple(int(i) for i in lead)}）" if lead else "")


def _as_array(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise BudgetInputError("含有非数字内容，请填入数值", field=_CONTEXT_FIELDS[name], table="分担依据") from None


def _check_values(arr: np.ndarray, name: str, cities: Sequence[str], *, per_city: bool,
                  allow_nan: bool = False, allow_negative: bool = False) -> None:
    label = _CONTEXT_FIELDS[name]
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        city, scen = _where(cities, arr.shape, i, per_city)
        raise BudgetInputError(f"空白或不是有限数值{scen}，请填入数值", unit=city, field=label,
                               table="分担依据", value=float(arr.flat[i]))
    if not allow_negative:
        neg = arr < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            city, scen = _where(cities, arr.shape, i, per_city)
            raise BudgetInputError(f"不能为负数{scen}，请改为 0 或正数", unit=city, field=label,
                                   table="分担依据", value=float(arr.flat[i]))


def make_context(
    cities: Sequence[str], *, gap: Any, collections: Any, insured: Any, expenditure: Any, payroll: Any,
    current_surplus: Any, province_deficit: Any = None, fiscal_revenue: Any = None, coefficient: Any = None,
    assessment_rank: Any = None, collection_shortfall: Any = None, floor_shortfall: Any = None,
    opening_balance: Any = None,
) -> SharingContext:
    """分担依据 — build and check a :class:`SharingContext`.

    Defaults: province_deficit = max(0, −current_surplus); coefficient 1; collection_shortfall 0;
    fiscal_revenue, assessment_rank, floor_shortfall, opening_balance blank (NaN) — an option that
    needs a blank field is refused by :func:`share_options`.
    """
    names = tuple(str(c) for c in cities)
    if not names:
        raise BudgetInputError("没有设区市，请至少列出一个单位", table="分担依据", field="单位")
    seen: set[str] = set()
    for c in names:
        if not c.strip():
            raise BudgetInputError("单位名称为空，请填写设区市名称", table="分担依据", field="单位")
        if c in RESERVED_NAMES:
            raise BudgetInputError(f"“{c}”是表格汇总行的名称，请给设区市换一个名称", unit=c, table="分担依据",
                                   field="单位")
        if c in seen:
            raise BudgetInputError("单位名称重复，请保证每个设区市只出现一次", unit=c, table="分担依据", field="单位")
        seen.add(c)
    n = len(names)
    blank = np.full(n, np.nan)
    given = {
        "gap": gap, "collections": collections, "insured": insured, "expenditure": expenditure,
        "payroll": payroll,
        "fiscal_revenue": blank if fiscal_revenue is None else fiscal_revenue,
        "coefficient": np.ones(n) if coefficient is None else coefficient,
        "assessment_rank": blank if assessment_rank is None else assessment_rank,
        "collection_shortfall": np.zeros(n) if collection_shortfall is None else collection_shortfall,
    }
    arrays: dict[str, Any] = {}
    for name, value in given.items():
        arr = _as_array(value, name)
        if arr.ndim == 0 or arr.shape[-1] != n:
            got = 1 if arr.ndim == 0 else arr.shape[-1]
            raise BudgetInputError(f"个数 {got} 与设区市个数 {n} 不一致，请逐市填写", field=_CONTEXT_FIELDS[name],
                                   table="分担依据")
        _check_values(arr, name, names, per_city=True,
                      allow_nan=name in ("fiscal_revenue", "assessment_rank"),
                      allow_negative=name == "gap")
        arrays[name] = arr
    rank = arrays["assessment_rank"]
    ranked = ~np.isnan(rank)
    bad_rank = ranked & ((rank < 1) | (rank != np.round(rank)))
    if bad_rank.any():
        i = int(np.flatnonzero(bad_rank)[0])
        city, scen = _where(names, rank.shape, i, True)
        raise BudgetInputError(f"考核排名应为 1、2、3… 的整数{scen}（1 为最好，未排名留空）", unit=city,
                               field=_CONTEXT_FIELDS["assessment_rank"], table="分担依据", value=float(rank.flat[i]))

    surplus = _as_array(current_surplus, "current_surplus")
    deficit = np.maximum(0.0, -surplus) if province_deficit is None else _as_array(province_deficit, "province_deficit")
    scalars = {
        "current_surplus": surplus,
        "province_deficit": deficit,
        "floor_shortfall": _as_array(np.nan if floor_shortfall is None else floor_shortfall, "floor_shortfall"),
        "opening_balance": _as_array(np.nan if opening_balance is None else opening_balance, "opening_balance"),
    }
    for name, arr in scalars.items():
        _check_values(arr, name, names, per_city=False,
                      allow_nan=name in ("floor_shortfall", "opening_balance"),
                      allow_negative=name in ("current_surplus", "opening_balance"))
    try:
        np.broadcast_shapes(*(a.shape[:-1] for a in arrays.values()), *(a.shape for a in scalars.values()))
    except ValueError:
        raise BudgetInputError("各项数据的情景维度不一致，请使用相同的情景个数", table="分担依据") from None
    out = {k: (float(v) if v.ndim == 0 else v) for k, v in scalars.items()}
    return SharingContext(cities=names, **arrays, **out)


# ---------------------------------------------------------------- options


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

    def weight(self, factor: str) -> float:
        """β of a factor (0 when the option does not use it)."""
        return dict(self.weights).get(factor, 0.0)

    @property
    def factors_used(self) -> tuple[str, ...]:
        """Factors with β > 0, in :data:`FACTOR_NAMES` order."""
        return tuple(f for f in FACTOR_NAMES if self.weight(f) > 0)

    def to_dict(self) -> dict[str, Any]:
        """The option as plain data again (what :func:`parse_option` reads)."""
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
        return d


_OPTION_KEYS = ("name", "label", "description", "amount", "fixed_amount", "management_charge_ratio",
                "province_share", "weights", "use_coefficients", "cap", "rewards")


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
    return SharingOption(
        name=name, label=str(d.get("label") or name), description=str(d.get("description", "")),
        amount=amount, fixed_amount=fixed, management_charge_ratio=ratio, alpha_basis=basis,
        alpha_if_true=a_true, alpha_if_false=a_false, weights=weights, use_coefficients=use_coef,
        cap_basis=cap_basis, cap_ratio=cap_ratio, rewards=rewards,
    )


def _presets_data() -> dict[str, Any]:
    text = resources.files("models").joinpath(PRESETS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_presets() -> list[SharingOption]:
    """预置方案 — the packaged preset options (anhui, liaoning, own_gap, weighted_mix, …)."""
    return [parse_option(d) for d in _presets_data().get("option", [])]


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


# ---------------------------------------------------------------- engine


@dataclass(frozen=True, eq=False)
class SharingResult:
    """分担结果 — every option at once; yuan; arrays shaped (O, ..., U) or (O, ...)."""

    options: tuple[SharingOption, ...]
    cities: tuple[str, ...]
    amount: np.ndarray           # D 应分担缺口 (O, ...)
    management: np.ndarray       # M 管理性缺口 (O, ..., U)
    alpha: np.ndarray            # α used (O, ...)
    condition_met: np.ndarray    # the α condition held (O, ...); True for fixed α
    province_base: np.ndarray    # α (D − ΣM) (O, ...)
    pot: np.ndarray              # P = (1 − α)(D − ΣM) (O, ...)
    unplaced: np.ndarray         # pot a zero-total factor or zero scores could not place (O, ...)
    cap_returned: np.ndarray     # pot no city could take under its cap (O, ...)
    rewards: np.ndarray          # rewards applied, borne by the province (O, ..., U)
    province: np.ndarray         # province total = D − Σ shares (O, ...)
    share: np.ndarray            # city shares (O, ..., U)
    components: np.ndarray       # (O, ..., U, K) in COMPONENTS order; sum over K = share
    context: SharingContext = field(repr=False)
    component_names: tuple[str, ...] = COMPONENTS

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.options)

    @property
    def returned(self) -> np.ndarray:
        """未能分配返还省级 (unplaced + cap returns) (O, ...)."""
        return self.unplaced + self.cap_returned

    @property
    def reward_total(self) -> np.ndarray:
        return self.rewards.sum(axis=-1)

    def option_index(self, option: int | str) -> int:
        """Position of an option given by position or code; unknown codes are refused."""
        if isinstance(option, str):
            if option not in self.names:
                raise BudgetInputError(f"没有这个方案，可选：{'、'.join(self.names)}", table=OPTION_TABLE,
                                       value=option)
            return self.names.index(option)
        if not -len(self.options) <= option < len(self.options):
            raise BudgetInputError(f"方案序号超出范围（共 {len(self.options)} 个方案）", table=OPTION_TABLE,
                                   value=option)
        return int(option) % len(self.options)

    def _select(self, option: int | str, index: tuple[int, ...]) -> int:
        o = self.option_index(option)
        if len(index) != self.alpha.ndim - 1:
            raise BudgetInputError(f"结果含有 {self.alpha.ndim - 1} 个情景维度，请用 index 指定情景",
                                   table=OPTION_TABLE, value=tuple(index))
        return o

    def condition_text(self, option: int | str, index: tuple[int, ...] = ()) -> str:
        """省级承担比例的依据 in words, with the figures of (scenario) `index`."""
        o = self._select(option, index)
        opt = self.options[o]
        sel = (o, *index)
        alpha = float(self.alpha[sel])
        if opt.alpha_basis == "fixed":
            return f"省级固定承担 {alpha * 100:g}%（省:市 = {ratio_text(alpha)}）"
        met = bool(self.condition_met[sel])
        if opt.alpha_basis == "surplus_positive":
            x = float(np.broadcast_to(self.context.current_surplus, self.alpha.shape[1:])[index])
            facts = f"本年收支结余 {round_wan(x):,.2f} 万元 {'>' if met else '≤'} 0"
        else:
            b = float(np.broadcast_to(self.context.opening_balance, self.alpha.shape[1:])[index])
            d = float(self.amount[sel])
            facts = (f"年初滚存结余 {round_wan(b):,.2f} 万元 {'≥' if met else '<'} 应分担缺口 "
                     f"{round_wan(d):,.2f} 万元（{'足以' if met else '不足以'}弥补）")
        return f"{facts}，省:市 = {ratio_text(alpha)}"

    @cached_property
    def rounded(self) -> dict[str, np.ndarray]:
        """万元 (2 dp): 'share' (O, ..., U) and 'province' (O, ...) with Σ share + province = 'amount'."""
        parts = np.concatenate([self.share, self.province[..., None]], axis=-1)
        wan = allocate_wan(parts, self.amount)
        return {"share": wan[..., :-1], "province": wan[..., -1], "amount": np.asarray(round_wan(self.amount))}

    def _columns(self, o: int) -> list[int]:
        opt = self.options[o]
        used = set(opt.factors_used)
        return [k for k, c in enumerate(COMPONENTS) if c not in FACTORS or c in used]

    def table_yuan(self, option: int | str, index: tuple[int, ...] = ()) -> pd.DataFrame:
        """Per-city table in yuan, unrounded (same layout as :meth:`table`)."""
        o = self._select(option, index)
        sel = (o, *index)
        cols = self._columns(o)
        comps = self.components[sel][:, cols]
        return self._frame(o, index, comps, self.share[sel], float(self.province[sel]))

    def table(self, option: int | str, index: tuple[int, ...] = ()) -> pd.DataFrame:
        """Per-city table in 万元 (2 dp) that reconciles exactly: Σ cities + 省级承担 = rounded D.

        Columns 单位, 管理性缺口, one per factor the option uses, 封顶调整, 考核奖励, 分担额; rows the
        cities, 合计 (sum of the displayed cells) and 省级承担. Each city's parts are rounded
        (largest remainder) to its rounded share. `attrs` carry the option, the α condition, the
        rounded D and the make-up of the province part.
        """
        o = self._select(option, index)
        sel = (o, *index)
        cols = self._columns(o)
        share_wan = self.rounded["share"][sel]
        share_steps = np.rint(share_wan * 100)
        comp_steps = largest_remainder_steps(self.components[sel][:, cols] / YUAN_PER_WAN * 100, share_steps)
        return self._frame(o, index, comp_steps / 100, share_wan, float(self.rounded["province"][sel]),
                           steps=True)

    def _frame(self, o: int, index: tuple[int, ...], comps: np.ndarray, share: np.ndarray,
               province: float, steps: bool = False) -> pd.DataFrame:
        cols = self._columns(o)
        heads = [COMPONENT_LABELS[COMPONENTS[k]] for k in cols] + [SHARE_LABEL]
        body = np.column_stack([comps, share])
        total = body.sum(axis=0)
        if steps:  # the sum of displayed cells, free of binary noise
            total = np.rint(np.rint(body * 100).sum(axis=0)) / 100
        prov = np.full(len(heads), np.nan)
        prov[-1] = province
        df = pd.DataFrame(np.vstack([body, total, prov]), columns=heads)
        df.insert(0, "单位", [*self.cities, TOTAL_LABEL, PROVINCE_LABEL])
        opt = self.options[o]
        sel = (o, *index)
        breakdown = np.array([self.province_base[sel], self.unplaced[sel], self.cap_returned[sel],
                              self.reward_total[sel]], dtype=float)
        if steps:  # rounded to the displayed 省级承担 figure
            breakdown = allocate_wan(breakdown, province * YUAN_PER_WAN)
        df.attrs.update({
            "方案": opt.name, "方案名称": opt.label, "说明": opt.description,
            "条件": self.condition_text(o, index),
            "单位制": "万元" if steps else "元",
            "应分担缺口": float(self.rounded["amount"][sel]) if steps else float(self.amount[sel]),
            "省级承担构成": dict(zip(["按比例承担", "因素无法分配返还", "封顶返还", "考核奖励"],
                                 (float(x) for x in breakdown), strict=True)),
        })
        return df


def _require_known(options: Sequence[SharingOption], ctx: SharingContext) -> None:
    """Refuse a blank context field that some option needs."""
    needs: list[tuple[str, str]] = []
    for opt in options:
        if "fiscal_capacity" in opt.factors_used or opt.cap_basis == "fiscal_capacity":
            needs.append(("fiscal_revenue", opt.name))
        if opt.amount == "floor_shortfall":
            needs.append(("floor_shortfall", opt.name))
        if opt.alpha_basis == "balance_covers":
            needs.append(("opening_balance", opt.name))
    for name, opt_name in needs:
        arr = np.asarray(getattr(ctx, name), dtype=float)
        if np.isnan(arr).any():
            i = int(np.flatnonzero(np.isnan(arr))[0])
            city, scen = _where(ctx.cities, arr.shape, i, name in _CITY_FIELDS)
            raise BudgetInputError(f"方案 {opt_name} 需要此项数据，但它为空白{scen}，请补填", unit=city,
                                   field=_CONTEXT_FIELDS[name], table="分担依据")


def _fill_to_caps(target: np.ndarray, score: np.ndarray, cap: np.ndarray,
                  precap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """封顶再分配 — share_i = min(cap_i, λ s_i) with Σ share = target, solved exactly.

    λ is found by sorting cap_i / s_i: f(λ) = Σ min(cap_i, λ s_i) is piecewise linear and
    increasing, so the first sorted breakpoint where f ≥ target brackets λ. When even full caps
    cannot reach the target, every city with a score takes its cap and the rest is returned.
    Returns (shares, returned). Shapes (..., U), (...).
    """
    pos = score > 0
    cap = np.where(pos, cap, 0.0)
    ratio = np.where(pos, cap / np.where(pos, score, 1.0), np.inf)
    order = np.argsort(ratio, axis=-1, kind="stable")
    r_sorted = np.take_along_axis(ratio, order, axis=-1)
    c_sorted = np.take_along_axis(cap, order, axis=-1)
    s_sorted = np.take_along_axis(score, order, axis=-1)
    cap_before = np.cumsum(c_sorted, axis=-1) - c_sorted            # caps of the cities capped before
    score_from = np.flip(np.cumsum(np.flip(s_sorted, -1), axis=-1), -1)  # scores of the rest
    scored = np.take_along_axis(pos, order, axis=-1)                 # zero-score cities sort last
    with np.errstate(invalid="ignore"):
        reach = np.where(scored, cap_before + r_sorted * score_from, -np.inf)  # f(λ) at each breakpoint
    hits = reach >= target[..., None]
    feasible = hits.any(axis=-1)
    m = np.argmax(hits, axis=-1)[..., None]
    base = np.take_along_axis(cap_before, m, axis=-1)[..., 0]
    rest = np.take_along_axis(score_from, m, axis=-1)[..., 0]
    lam = np.maximum(0.0, target - base) / np.where(rest > 0, rest, 1.0)
    capped = np.where(feasible[..., None], np.minimum(cap, lam[..., None] * score), cap)
    binding = (m[..., 0] > 0) | ~feasible
    shares = np.where(binding[..., None], capped, precap)
    returned = np.where(feasible, 0.0, np.maximum(0.0, target - shares.sum(axis=-1)))
    return shares, returned


def share_options(options: Sequence[SharingOption | Mapping[str, Any]], ctx: SharingContext) -> SharingResult:
    """缺口分担 — compute every option at once (arrays (O, ..., U)); see the module docstring."""
    opts = tuple(parse_option(o) for o in options)
    if not opts:
        raise BudgetInputError("没有分担方案，请至少给出一个方案", table=OPTION_TABLE)
    names = [o.name for o in opts]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise BudgetInputError("方案代码重复，请为每个方案取不同的 name", table=OPTION_TABLE, value=dup)
    _require_known(opts, ctx)

    lead = ctx.lead_shape
    u = ctx.n_cities
    full = (*lead, u)
    n_lead = len(lead)

    def per_option(values: Sequence[float], *, city: bool = False) -> np.ndarray:
        """(O,) → (O, 1…) broadcasting against (…) or, with city=True, (…, U)."""
        return np.asarray(values, dtype=float).reshape((len(opts),) + (1,) * (n_lead + city))

    def city_field(name: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(getattr(ctx, name), dtype=float), full)

    def scalar_field(name: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(getattr(ctx, name), dtype=float), lead)

    own_gap = np.maximum(city_field("gap"), 0.0)

    # 1. D — the amount to share
    code = np.array([AMOUNT_NAMES.index(o.amount) for o in opts])
    candidates = np.stack([scalar_field("province_deficit"), scalar_field("floor_shortfall"),
                           own_gap.sum(axis=-1), np.zeros(lead)])            # AMOUNT_NAMES order
    amount = candidates[code] + per_option([o.fixed_amount if o.amount == "fixed" else 0.0 for o in opts])

    # 2. M — management charges, scaled down pro rata so that ΣM ≤ D
    raw = per_option([o.management_charge_ratio for o in opts], city=True) * city_field("collection_shortfall")
    raw_total = raw.sum(axis=-1)
    scale = np.divide(amount, raw_total, out=np.ones_like(raw_total), where=raw_total > amount)
    management = raw * scale[..., None]
    rest = np.maximum(0.0, amount - management.sum(axis=-1))

    # 3. α — fixed or conditional
    basis = per_option([list(ALPHA_BASES).index(o.alpha_basis) for o in opts])  # 0 fixed, 1 surplus, 2 balance
    surplus_positive = scalar_field("current_surplus") > 0
    balance_covers = scalar_field("opening_balance") >= amount                 # NaN (unused) → False
    met = np.where(basis == 1, surplus_positive, np.where(basis == 2, balance_covers, True))
    alpha = np.where(met, per_option([o.alpha_if_true for o in opts]), per_option([o.alpha_if_false for o in opts]))
    province_base = alpha * rest
    pot = rest - province_base

    # 4. scores s_i = c_i Σ_k β_k x_ik / Σ_j x_jk
    beta = np.array([[o.weight(f) for f in FACTOR_NAMES] for o in opts])      # (O, K)
    used = beta.any(axis=0)
    sources = {"own_gap": own_gap, "collections": city_field("collections"), "insured": city_field("insured"),
               "expenditure": city_field("expenditure"), "payroll": city_field("payroll"),
               "fiscal_capacity": city_field("fiscal_revenue"), "equal": np.ones(full)}
    x = np.stack([sources[f] if used[k] else np.zeros(full) for k, f in enumerate(FACTOR_NAMES)])  # (K, …, U)
    totals = x.sum(axis=-1)                                                   # (K, …)
    normed = x / np.where(totals > 0, totals, 1.0)[..., None]
    coef = np.where(per_option([o.use_coefficients for o in opts], city=True) > 0, city_field("coefficient"), 1.0)
    weighted = np.moveaxis(beta.reshape(beta.shape + (1,) * (n_lead + 1)) * normed[None], 1, -1)  # (O, …, U, K)
    weighted = weighted * coef[..., None]
    score = weighted.sum(axis=-1)
    score_total = score.sum(axis=-1)
    placeable = np.moveaxis((beta.reshape(beta.shape + (1,) * n_lead) * (totals > 0)[None]), 1, -1).sum(axis=-1)
    target = np.where(score_total > 0, pot * np.minimum(placeable, 1.0), 0.0)
    unplaced = pot - target
    lam0 = target / np.where(score_total > 0, score_total, 1.0)
    factor_parts = weighted * lam0[..., None, None]
    precap = factor_parts.sum(axis=-1)

    # 5. caps — the management charge counts within the cap
    pot_share = precap.copy()
    cap_returned = np.zeros_like(target)
    capped = [i for i, o in enumerate(opts) if o.cap_basis is not None]
    if capped:
        cap_src = {"collections": "collections", "expenditure": "expenditure", "payroll": "payroll",
                   "fiscal_capacity": "fiscal_revenue"}
        cap_base = np.stack([city_field(cap_src[opts[i].cap_basis or "collections"]) for i in capped])
        ratios = np.array([opts[i].cap_ratio for i in capped], dtype=float).reshape((len(capped),) + (1,) * (n_lead + 1))
        room = np.maximum(0.0, ratios * cap_base - management[capped])
        pot_share[capped], cap_returned[capped] = _fill_to_caps(target[capped], score[capped], room, precap[capped])

    # 6. rewards by assessment rank, toward the city's whole share, never below 0
    n_rewards = max((len(o.rewards) for o in opts), default=0)
    reward_table = np.zeros((len(opts), n_rewards + 1))
    for i, o in enumerate(opts):
        reward_table[i, :len(o.rewards)] = o.rewards
    rank = city_field("assessment_rank")
    ranked = ~np.isnan(rank) & (rank <= n_rewards)
    slot = np.where(ranked, np.nan_to_num(rank) - 1, n_rewards).astype(np.int64)
    nominal = np.take(reward_table, slot, axis=1)                             # (O, …, U)
    before_reward = management + pot_share
    rewards = np.minimum(nominal, before_reward)
    share = before_reward - rewards

    components = np.concatenate([management[..., None], factor_parts, (pot_share - precap)[..., None],
                                 -rewards[..., None]], axis=-1)
    province = province_base + unplaced + cap_returned + rewards.sum(axis=-1)
    return SharingResult(
        options=opts, cities=ctx.cities, amount=amount, management=management, alpha=alpha,
        condition_met=np.broadcast_to(met, alpha.shape).copy(), province_base=province_base, pot=pot,
        unplaced=unplaced, cap_returned=cap_returned, rewards=rewards, province=province, share=share,
        components=components, context=ctx,
    )


# ---------------------------------------------------------------- settlement (清算)


@dataclass(frozen=True)
class SettlementParams:
    """清算容差 (settlement tolerance): bands of overrun → province share of the excess."""

    tolerance: float                          # overrun within this → normal ratio on the whole gap
    band_limits: tuple[float, ...]            # upper overrun limits of the bands above the tolerance
    band_province_shares: tuple[float, ...]   # province share of the excess in each band
    label: str = ""
    description: str = ""


def load_settlement_params(name: str = "anhui") -> SettlementParams:
    """清算参数 from the presets file (``[settlement.<name>]``)."""
    table = _presets_data().get("settlement", {})
    if name not in table:
        raise BudgetInputError(f"没有这个清算规则，可选：{'、'.join(table)}", table="清算规则", value=name)
    t = table[name]
    bands = t.get("bands", [])
    return SettlementParams(
        tolerance=float(t["tolerance"]),
        band_limits=tuple(float(b["up_to"]) for b in bands),
        band_province_shares=tuple(float(b["province_share"]) for b in bands),
        label=str(t.get("label", name)), description=str(t.get("description", "")),
    )


@dataclass(frozen=True, eq=False)
class Settlement:
    """清算结果 (yuan, broadcast shape of the inputs)."""

    province: np.ndarray
    city: np.ndarray
    band: np.ndarray      # 0 = within tolerance, 1… = bands of SettlementParams
    excess: np.ndarray    # actual gap above the budget gap (0 within tolerance)


def anhui_settlement(budget_gap: Any, actual_gap: Any, params: SettlementParams | None = None, *,
                     normal_share: Any) -> Settlement:
    """安徽清算 — split the actual gap: within the tolerance the normal province share α applies to
    the whole actual gap; above it α applies to the budget gap and the band's share to the excess
    (actual − budget). Vectorised over any broadcastable shapes.
    """
    p = params or load_settlement_params("anhui")
    budget = np.maximum(0.0, np.asarray(budget_gap, dtype=float))
    actual = np.maximum(0.0, np.asarray(actual_gap, dtype=float))
    alpha = np.asarray(normal_share, dtype=float)
    if not np.isfinite(budget).all() or not np.isfinite(actual).all() or not np.isfinite(alpha).all():
        raise BudgetInputError("预算缺口、实际缺口和正常比例须为有限数值", table="清算")
    over = actual - budget
    with np.errstate(divide="ignore", invalid="ignore"):
        overrun = np.where(budget > 0, over / np.where(budget > 0, budget, 1.0), np.where(over > 0, np.inf, 0.0))
    edges = np.array([p.tolerance, *p.band_limits])
    band = np.minimum(np.searchsorted(edges, overrun, side="left"), len(edges) - 1)
    shares = np.array([0.0, *p.band_province_shares])
    within = band == 0
    excess = np.where(within, 0.0, over)
    province = np.where(within, alpha * actual, alpha * budget + shares[band] * excess)
    return Settlement(province=province, city=actual - province, band=band, excess=excess)
