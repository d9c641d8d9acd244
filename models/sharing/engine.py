"""缺口分担计算 — compute every option at once: amount, management charges, α, scores, caps, rewards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import BudgetInputError
from models.sharing.context import _CITY_FIELDS, _CONTEXT_FIELDS, SharingContext, _where
from models.sharing.options import SharingOption, parse_option
from models.sharing.result import FactorParts, SharingResult
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


def _screen_unbinding(target: np.ndarray, score: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Rows (...) whose caps clearly do not bind: λ0 = target / Σ s stays below every cap_i / s_i with a margin
    far above the rounding of any sum, so :func:`_fill_to_caps` would return the uncapped shares and nothing."""
    ratio = np.full(score.shape, np.inf)
    with np.errstate(all="ignore"):
        np.divide(cap, score, out=ratio, where=score > 0)
        margin = 1e-9 + 4.0 * score.shape[-1] * np.finfo(float).eps
        return ratio.min(axis=-1) * score.sum(axis=-1) >= target * (1.0 + margin)   # no score: NaN → False


def _cap_option(target: np.ndarray, score: np.ndarray, room: np.ndarray,
                precap: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """封顶 of one option (arrays (..., U)): (shares, returned), shares None where no cap binds in any row.
    Rows whose caps clearly do not bind keep their uncapped shares; the rest are solved exactly by
    :func:`_fill_to_caps` (the figures of solving every row)."""
    rows = ~_screen_unbinding(target, score, room)
    if not rows.any():
        return None, np.zeros_like(target)
    if rows.all():
        return _fill_to_caps(target, score, room, precap)
    shares, returned = precap.copy(), np.zeros_like(target)
    shares[rows], returned[rows] = _fill_to_caps(target[rows], score[rows], room[rows], precap[rows])
    return shares, returned


#: Options × scenarios × cities worked out together (one block's arrays are a few of this many float64s).
BLOCK_CELLS = 1 << 20


def option_blocks(n_options: int, cells_per_option: int, block_cells: int | None = None) -> list[slice]:
    """分批: consecutive option ranges with at most `block_cells` (default BLOCK_CELLS) cells, one option at least."""
    size = max(1, (BLOCK_CELLS if block_cells is None else block_cells) // max(1, cells_per_option))
    return [slice(a, min(n_options, a + size)) for a in range(0, n_options, size)]


def share_options(options: Sequence[SharingOption | Mapping[str, Any]], ctx: SharingContext, *,
                  block_cells: int | None = None) -> SharingResult:
    """缺口分担 — compute every option (arrays (O, ..., U)); see the module docstring.

    The factors are normalised once for all options; the options are then worked out in blocks
    (:func:`option_blocks`, `block_cells`), so no (options × scenarios × cities × factors) array exists
    and the figures are those of any other blocking, to the last bit.
    """
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
    n_opt = len(opts)

    def per_option(values: Sequence[float], *, city: bool = False) -> np.ndarray:
        """(O,) → (O, 1…) broadcasting against (…) or, with city=True, (…, U)."""
        return np.asarray(values, dtype=float).reshape((n_opt,) + (1,) * (n_lead + city))

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

    # 3. α — fixed or conditional (it does not depend on the management charges)
    basis = per_option([list(ALPHA_BASES).index(o.alpha_basis) for o in opts])  # 0 fixed, 1 surplus, 2 balance
    surplus_positive = scalar_field("current_surplus") > 0
    balance_covers = scalar_field("opening_balance") >= amount                 # NaN (unused) → False
    met = np.where(basis == 1, surplus_positive, np.where(basis == 2, balance_covers, True))
    alpha = np.where(met, per_option([o.alpha_if_true for o in opts]), per_option([o.alpha_if_false for o in opts]))

    # 4. the factors, normalised once: x_ik / Σ_j x_jk (only those some option uses)
    beta = np.array([[o.weight(f) for f in FACTOR_NAMES] for o in opts])      # (O, K)
    used = beta.any(axis=0)
    sources = {"own_gap": lambda: own_gap, "collections": lambda: city_field("collections"),
               "insured": lambda: city_field("insured"), "expenditure": lambda: city_field("expenditure"),
               "payroll": lambda: city_field("payroll"), "fiscal_capacity": lambda: city_field("fiscal_revenue"),
               "equal": lambda: np.ones(full)}
    totals = np.zeros((len(FACTOR_NAMES), *lead))                              # (K, …)
    normed: dict[int, np.ndarray] = {}
    for k, f in enumerate(FACTOR_NAMES):
        if used[k]:
            x = np.ascontiguousarray(sources[f]())
            totals[k] = x.sum(axis=-1)
            normed[k] = x / np.where(totals[k] > 0, totals[k], 1.0)[..., None]
    placeable = np.moveaxis((beta.reshape(beta.shape + (1,) * n_lead) * (totals > 0)[None]), 1, -1).sum(axis=-1)
    coefficient = city_field("coefficient")
    use_coef = np.array([o.use_coefficients for o in opts])
    shortfall = city_field("collection_shortfall")
    ratio = per_option([o.management_charge_ratio for o in opts], city=True)

    # 6. rewards by assessment rank (the table of every option; the slot of every city)
    n_rewards = max((len(o.rewards) for o in opts), default=0)
    reward_table = np.zeros((n_opt, n_rewards + 1))
    for i, o in enumerate(opts):
        reward_table[i, :len(o.rewards)] = o.rewards
    rank = city_field("assessment_rank")
    ranked = ~np.isnan(rank) & (rank <= n_rewards)
    slot = np.where(ranked, np.nan_to_num(rank) - 1, n_rewards).astype(np.int64)

    run = _Run(opts=opts, ctx=ctx, full=full, shortfall=shortfall, normed=normed, coefficient=coefficient,
               amount=amount, alpha=alpha, ratio=ratio, beta=beta, use_coef=use_coef, placeable=placeable,
               reward_table=reward_table, slot=slot)
    scalar_out = {name: np.empty((n_opt, *lead)) for name in
                  ("province_base", "pot", "unplaced", "cap_returned", "province", "lam0")}
    city_out = {name: np.empty((n_opt, *full)) for name in ("management", "adjustment", "rewards", "share")}
    cells = int(np.prod(full, dtype=np.int64))
    for blk in option_blocks(n_opt, cells, block_cells):
        _share_block(run, blk, {k: v[blk] for k, v in scalar_out.items()}, {k: v[blk] for k, v in city_out.items()})

    parts = FactorParts(normed=normed, beta=beta, use_coefficients=use_coef, coefficient=coefficient,
                        lam0=scalar_out["lam0"])
    return SharingResult(
        options=opts, cities=ctx.cities, amount=amount, management=city_out["management"], alpha=alpha,
        condition_met=np.broadcast_to(met, alpha.shape).copy(), province_base=scalar_out["province_base"],
        pot=scalar_out["pot"], unplaced=scalar_out["unplaced"], cap_returned=scalar_out["cap_returned"],
        rewards=city_out["rewards"], province=scalar_out["province"], share=city_out["share"],
        cap_adjustment=city_out["adjustment"], factor_parts=parts, context=ctx,
    )


@dataclass(frozen=True, eq=False)
class _Run:
    """What every block of options shares: the options, the context, the normalised factors (…, U) and the
    per-option settings (O, …)."""

    opts: tuple[SharingOption, ...]
    ctx: SharingContext
    full: tuple[int, ...]
    shortfall: np.ndarray
    normed: dict[int, np.ndarray]
    coefficient: np.ndarray
    amount: np.ndarray
    alpha: np.ndarray
    ratio: np.ndarray
    beta: np.ndarray
    use_coef: np.ndarray
    placeable: np.ndarray
    reward_table: np.ndarray
    slot: np.ndarray


def _share_block(run: _Run, blk: slice, scalar_out: dict[str, np.ndarray], city_out: dict[str, np.ndarray]) -> None:
    """Steps 2–6 for the options `blk` (arrays (B, …) and (B, …, U)); results written into the `*_out` views."""
    opts, ctx, full, normed = run.opts, run.ctx, run.full, run.normed
    amount, alpha, ratio, beta = run.amount[blk], run.alpha[blk], run.ratio[blk], run.beta[blk]
    use_coef, placeable = run.use_coef[blk], run.placeable[blk]
    shortfall, coefficient = run.shortfall, run.coefficient
    n = blk.stop - blk.start

    management_out, share, adjustment, rewards = (city_out[k] for k in ("management", "share", "adjustment",
                                                                         "rewards"))

    # 2. M — management charges, scaled down pro rata so that ΣM ≤ D (no charge in the block: M = 0 exactly)
    if ratio.any():
        raw = ratio * shortfall
        raw_total = raw.sum(axis=-1)
        scale = np.divide(amount, raw_total, out=np.ones_like(raw_total), where=raw_total > amount)
        management = raw * scale[..., None]               # summed in raw's own memory order (as ever: a sum's
        del raw                                           # last bits depend on it), then copied out
        rest = np.maximum(0.0, amount - management.sum(axis=-1))
        management_out[...] = management
    else:
        management_out[...] = 0.0
        management = management_out
        rest = np.maximum(0.0, amount)
    province_base = alpha * rest
    pot = rest - province_base

    # 4. scores s_i = c_i Σ_k β_k x_ik / Σ_j x_jk, summed factor by factor in K order (c_i = 1 where an option
    # does not use the coefficients: those rows are left as they are)
    with_coef = np.flatnonzero(use_coef)
    weighted: list[np.ndarray] = []
    for k in sorted(normed):
        if not beta[:, k].any():
            continue                                      # β = 0 for the whole block: adds exact zeros
        w = beta[:, k].reshape((n,) + (1,) * len(full)) * normed[k]
        for i in with_coef:
            w[i] *= coefficient
        weighted.append(w)
    score = _sequential_sum(weighted, keep=True)
    score_total = score.sum(axis=-1)
    target = np.where(score_total > 0, pot * np.minimum(placeable, 1.0), 0.0)
    unplaced = pot - target
    lam0 = target / np.where(score_total > 0, score_total, 1.0)
    for w in weighted:
        w *= lam0[..., None]                              # the factor parts
    precap = _sequential_sum(weighted, keep=False)
    del weighted

    # 5. caps — the management charge counts within the cap; 6. rewards, toward the city's whole share,
    # never below 0. Written straight into the outputs: share = M + pot share − reward.
    np.add(management, precap, out=share)                 # M + pot share, before caps and rewards
    adjustment[...] = 0.0
    cap_returned = np.zeros_like(target)
    cap_src = {"collections": "collections", "expenditure": "expenditure", "payroll": "payroll",
               "fiscal_capacity": "fiscal_revenue"}
    for i in range(n):
        opt = opts[blk.start + i]
        if opt.cap_basis is None:
            continue
        base = np.broadcast_to(np.asarray(getattr(ctx, cap_src[opt.cap_basis]), dtype=float), full)
        room = float(opt.cap_ratio or 0.0) * base - management[i]
        np.maximum(0.0, room, out=room)
        capped, cap_returned[i] = _cap_option(target[i], score[i], room, precap[i])
        if capped is not None:
            np.add(management[i], capped, out=share[i])
            np.subtract(capped, precap[i], out=adjustment[i])
    del management, precap, score
    nominal = np.take(run.reward_table[blk], run.slot, axis=1)              # reward of each city (B, …, U)
    np.minimum(nominal, share, out=rewards)
    share -= rewards

    scalar_out["province_base"][...] = province_base
    scalar_out["pot"][...] = pot
    scalar_out["unplaced"][...] = unplaced
    scalar_out["cap_returned"][...] = cap_returned
    scalar_out["province"][...] = province_base + unplaced + cap_returned + rewards.sum(axis=-1)
    scalar_out["lam0"][...] = lam0


def _sequential_sum(parts: list[np.ndarray], *, keep: bool) -> np.ndarray:
    """Σ of the parts in order, ((p0 + p1) + p2) + … (the order a sum over a factor axis takes).
    keep=False adds into the first part (the parts are not needed afterwards)."""
    if len(parts) == 1:
        return parts[0].copy() if keep else parts[0]
    total = np.add(parts[0], parts[1]) if keep else np.add(parts[0], parts[1], out=parts[0])
    for p in parts[2:]:
        total += p
    return total
