"""分担结果 — every option's shares at once, with reconciled tables in 万元."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from models.errors import BudgetInputError
from models.money import YUAN_PER_WAN, allocate_wan, largest_remainder_steps, round_wan
from models.sharing.context import SharingContext
from models.sharing.options import SharingOption, ratio_text
from models.sharing.vocabulary import (
    COMPONENT_LABELS,
    COMPONENTS,
    FACTORS,
    OPTION_TABLE,
    PROVINCE_LABEL,
    SHARE_LABEL,
    TOTAL_LABEL,
)


@dataclass(frozen=True, eq=False)
class FactorParts:
    """按因素分配的部分 (factor parts), kept as their makings and rebuilt on demand, figure for figure:
    part_ik = ((β_k · x_ik / Σ_j x_jk) · c_i) · λ0 with c_i = 1 where the option does not use coefficients."""

    normed: dict[int, np.ndarray]    # factor position → x_ik / Σ_j x_jk (..., U), for the factors some option uses
    beta: np.ndarray                 # β (O, K)
    use_coefficients: np.ndarray     # (O,) bool
    coefficient: np.ndarray          # c (..., U)
    lam0: np.ndarray                 # λ0 = target / Σ s (O, ...)

    def option(self, o: int) -> np.ndarray:
        """One option's factor parts (..., U, K), K in FACTOR_NAMES order (0 where β = 0)."""
        first = next(iter(self.normed.values()))
        out = np.zeros((*first.shape, self.beta.shape[1]))
        lam = self.lam0[o][..., None]
        for k, x in self.normed.items():
            if self.beta[o, k] == 0:
                continue
            w = self.beta[o, k] * x
            if self.use_coefficients[o]:
                w = w * self.coefficient
            out[..., k] = w * lam
        return out


#: Options rounded together by :attr:`SharingResult.rounded` (bounds the memory of the rounding at scale).
ROUND_BLOCK_CELLS = 1 << 20


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
    cap_adjustment: np.ndarray   # 封顶调整 (O, ..., U)
    factor_parts: FactorParts = field(repr=False)   # makings of the factor parts (see :attr:`components`)
    context: SharingContext = field(repr=False)
    component_names: tuple[str, ...] = COMPONENTS
    #: 应分担缺口 as the tables show it (万元, (O, ...)), and the 本年收支结余 / 年初滚存结余 the condition text
    #: quotes; None: the engine's figures rounded on their own. Set with :meth:`with_shown`.
    shown_amount: np.ndarray | None = field(default=None, repr=False)
    shown_surplus: np.ndarray | None = field(default=None, repr=False)
    shown_opening: np.ndarray | None = field(default=None, repr=False)

    def with_shown(self, amount_wan: np.ndarray, *, surplus_wan: Any = None, opening_wan: Any = None) -> SharingResult:
        """The same result displayed from figures other tables show (万元): `amount_wan` (O, ...) is each
        option's 应分担缺口 as its basis shows it (e.g. −本年收支结余 of the 收支结余表), the total that the
        rounded shares add up to; `surplus_wan` / `opening_wan` (...) are quoted by the condition text."""
        def arr(x: Any) -> np.ndarray | None:
            return None if x is None else np.asarray(x, dtype=float)
        amount = np.broadcast_to(np.asarray(amount_wan, dtype=float), self.amount.shape).copy()
        return replace(self, shown_amount=amount, shown_surplus=arr(surplus_wan), shown_opening=arr(opening_wan))

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
        lead = self.alpha.shape[1:]
        if opt.alpha_basis == "surplus_positive":
            x = self._shown(self.shown_surplus, self.context.current_surplus, lead, index)
            facts = f"本年收支结余 {x:,.2f} 万元 {'>' if met else '≤'} 0"
        else:
            b = self._shown(self.shown_opening, self.context.opening_balance, lead, index)
            d = float(self.rounded["amount"][sel])
            facts = (f"年初滚存结余 {b:,.2f} 万元 {'≥' if met else '<'} 应分担缺口 "
                     f"{d:,.2f} 万元（{'足以' if met else '不足以'}弥补）")
        return f"{facts}，省:市 = {ratio_text(alpha)}"

    @staticmethod
    def _shown(shown: np.ndarray | None, engine: Any, lead: tuple[int, ...], index: tuple[int, ...]) -> float:
        """A scalar context figure at `index` in 万元: as shown when given, else the engine's rounded."""
        if shown is not None:
            return float(np.broadcast_to(shown, lead)[index])
        return float(round_wan(float(np.broadcast_to(engine, lead)[index])))

    def option_components(self, option: int | str) -> np.ndarray:
        """分担额构成 of one option (..., U, K) in COMPONENTS order; the sum over K is its share."""
        o = self.option_index(option)
        return np.concatenate([self.management[o][..., None], self.factor_parts.option(o),
                               self.cap_adjustment[o][..., None], -self.rewards[o][..., None]], axis=-1)

    @cached_property
    def components(self) -> np.ndarray:
        """分担额构成 of every option (O, ..., U, K) in COMPONENTS order (built when first asked for)."""
        return np.stack([self.option_components(o) for o in range(len(self.options))])

    @cached_property
    def rounded(self) -> dict[str, np.ndarray]:
        """万元 (2 dp): 'share' (O, ..., U) and 'province' (O, ...) with Σ share + province = 'amount'
        ('amount' is the shown 应分担缺口 when set by :meth:`with_shown`, else D rounded on its own)."""
        amount = np.asarray(round_wan(self.amount)) if self.shown_amount is None else self.shown_amount
        total = np.broadcast_to(np.asarray(amount) * YUAN_PER_WAN, self.province.shape)
        wan = np.empty(self.share.shape[:-1] + (self.share.shape[-1] + 1,))
        per_option = max(1, wan[0].size)
        step = max(1, ROUND_BLOCK_CELLS // per_option)     # rows are rounded independently: blocks change nothing
        for a in range(0, len(self.options), step):
            b = slice(a, a + step)
            wan[b] = allocate_wan(np.concatenate([self.share[b], self.province[b][..., None]], axis=-1), total[b])
        return {"share": wan[..., :-1], "province": wan[..., -1], "amount": np.asarray(amount, dtype=float)}

    def _columns(self, o: int) -> list[int]:
        opt = self.options[o]
        used = set(opt.factors_used)
        return [k for k, c in enumerate(COMPONENTS) if c not in FACTORS or c in used]

    def table_yuan(self, option: int | str, index: tuple[int, ...] = ()) -> pd.DataFrame:
        """Per-city table in yuan, unrounded (same layout as :meth:`table`)."""
        o = self._select(option, index)
        sel = (o, *index)
        cols = self._columns(o)
        comps = self.option_components(o)[index][:, cols]
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
        comp_steps = largest_remainder_steps(self.option_components(o)[index][:, cols] / YUAN_PER_WAN * 100,
                                             share_steps)
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
