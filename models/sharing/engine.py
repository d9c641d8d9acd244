"""缺口分担计算 — compute every option at once: amount, management charges, α, scores, caps, rewards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from models.errors import BudgetInputError
from models.sharing.context import _CITY_FIELDS, _CONTEXT_FIELDS, SharingContext, _where
from models.sharing.options import SharingOption, parse_option
from models.sharing.result import SharingResult
from models.sharing.vocabulary import ALPHA_BASES, AMOUNT_NAMES, FACTOR_NAMES, OPTION_TABLE


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
