"""方案比较 — sharing options side by side (domain.md §5).

For every city and option: the share (万元, rounded exactly as in ``SharingResult.table``), the
share per insured person (元/人), the share as a percentage of the city's collections, and the
change against a baseline option (万元, difference of the displayed figures); plus summary rows
and a long (tidy) table for charts and CSV.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from models.errors import BudgetInputError
from models.money import round_wan
from models.sharing import (
    OPTION_TABLE,
    PROVINCE_LABEL,
    SharingContext,
    SharingOption,
    SharingResult,
    share_options,
)

SHARE = "分担额(万元)"
PER_INSURED = "人均分担(元/人)"
PCT_COLLECTIONS = "占征缴收入(%)"
CHANGE = "较基准变化(万元)"
MEASURES: tuple[str, ...] = (SHARE, PER_INSURED, PCT_COLLECTIONS, CHANGE)

CITY_TOTAL = "城市合计"
RETURNED = "未能分配返还省级"
HIGHEST = "最高"
LOWEST = "最低"
MORE = "增加城市数"
FEWER = "减少城市数"
SUMMARY_ROWS: tuple[str, ...] = (CITY_TOTAL, PROVINCE_LABEL, RETURNED, HIGHEST, LOWEST, MORE, FEWER)


@dataclass(frozen=True, eq=False)
class Comparison:
    """方案比较结果: `wide` (one row per city + summary rows, columns 方案 × 指标) and `long` (tidy), each
    laid out when first asked for (a run that shows neither does not build them)."""

    result: SharingResult
    baseline: str
    body: np.ndarray = field(repr=False)               # (O, 4, U + 7): MEASURES × (cities, SUMMARY_ROWS)
    cities: tuple[str, ...] = field(repr=False)
    baseline_at: int = field(default=0, repr=False)     # the baseline's position among the options

    @property
    def heads(self) -> list[str]:
        """The options' column heads (labels; the code added where labels repeat)."""
        return _option_heads(self.result.options)

    @cached_property
    def wide(self) -> pd.DataFrame:
        """One row per city + summary rows; columns 方案 × 指标."""
        n_opt = self.body.shape[0]
        columns = pd.MultiIndex.from_product([self.heads, MEASURES], names=["方案", "指标"])
        return pd.DataFrame(self.body.reshape(n_opt * len(MEASURES), -1).T, columns=columns, copy=False,
                            index=pd.Index([*self.cities, *SUMMARY_ROWS], name="单位"))

    @cached_property
    def long(self) -> pd.DataFrame:
        """The long (tidy) table: one row per option × unit."""
        return _long_table(self.body, self.cities, self.result.names, self.heads,
                           self.baseline_at)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """num/den × scale to 2 dp; blank (NaN) where den is 0."""
    den = np.asarray(den, dtype=float)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, np.round(num / safe * scale, 2), np.nan)


def _option_heads(options: Sequence[SharingOption]) -> list[str]:
    """Column heads: the Chinese labels, with the code added where labels repeat."""
    labels = [o.label for o in options]
    return [lab if labels.count(lab) == 1 else f"{lab}（{o.name}）" for lab, o in zip(labels, options, strict=True)]


def compare(options: Sequence[SharingOption | Mapping[str, Any]], ctx: SharingContext,
            baseline: str | None = None, *, index: tuple[int, ...] = (),
            result: SharingResult | None = None) -> Comparison:
    """方案比较 — share every option and lay the results side by side.

    `baseline` is an option code (default: the first option). When the context carries scenario
    axes, `index` picks the scenario to compare. `result`: these options already shared on `ctx`
    (e.g. displayed with the tables' 应分担缺口, `SharingResult.with_shown`), used as it is.
    """
    result = share_options(options, ctx) if result is None else result
    names = result.names
    if baseline is None:
        b = 0
    elif baseline in names:
        b = names.index(baseline)
    else:
        raise BudgetInputError(f"基准方案不存在，可选：{'、'.join(names)}", table=OPTION_TABLE, field="baseline",
                               value=baseline)
    lead = ctx.lead_shape
    if len(index) != len(lead):
        raise BudgetInputError(f"分担依据含有 {len(lead)} 个情景维度，请用 index 指定要比较的情景",
                               table="分担依据", value=tuple(index))
    sel = (slice(None), *index)
    full = (*lead, ctx.n_cities)
    insured = np.broadcast_to(ctx.insured, full)[tuple(index)]
    collections = np.broadcast_to(ctx.collections, full)[tuple(index)]

    share_yuan = result.share[sel]                                  # (O, U)
    share = result.rounded["share"][sel]                            # (O, U) 万元
    province = result.rounded["province"][sel]                      # (O,)
    returned = np.asarray(round_wan(result.returned[sel]))          # (O,)
    n_opt, n_city = len(names), ctx.n_cities
    nan = np.full(n_opt, np.nan)

    # body (O, 4, U + 7): the cities' four measures, then the summary rows — filled in place, one option block
    # at a time, so that no second (options × cities) copy of the table exists
    body = np.empty((n_opt, len(MEASURES), n_city + len(SUMMARY_ROWS)))
    cities = body[:, :, :n_city]                                    # (O, 4, U) view
    step = max(1, _BLOCK_CELLS // max(1, n_city))
    for a in range(0, n_opt, step):
        blk = slice(a, a + step)
        cities[blk, 0] = share[blk]
        cities[blk, 1] = _ratio(share_yuan[blk], insured)
        cities[blk, 2] = _ratio(share_yuan[blk], collections, 100.0)
        cities[blk, 3] = np.round(share[blk] - share[b], 2)
    change = cities[:, 3]
    summary = body[:, :, n_city:]                                   # (O, 4, 7) view, SUMMARY_ROWS order
    city_yuan = share_yuan.sum(axis=1)
    summary[:, :, 0] = np.stack([np.round(share.sum(axis=1), 2), _ratio(city_yuan, insured.sum()),
                                 _ratio(city_yuan, collections.sum(), 100.0), np.round(change.sum(axis=1), 2)], axis=1)
    prov_row = np.stack([province, nan, nan, np.round(province - province[b], 2)], axis=1)
    summary[:, :, 1] = prov_row
    summary[:, :, 2] = np.stack([returned, nan, nan, np.round(returned - returned[b], 2)], axis=1)
    summary[:, :, 3] = np.fmax.reduce(cities, axis=2)
    summary[:, :, 4] = np.fmin.reduce(cities, axis=2)
    summary[:, :, 5] = np.stack([nan, nan, nan, (change > 0).sum(axis=1).astype(float)], axis=1)
    summary[:, :, 6] = np.stack([nan, nan, nan, (change < 0).sum(axis=1).astype(float)], axis=1)

    return Comparison(result=result, baseline=names[b], body=body, cities=tuple(ctx.cities),
                      baseline_at=b)


_BLOCK_CELLS = 1 << 20          # options × cities worked out at a time
_UNIT_KINDS = np.array(["设区市", "省级"], dtype=object)


def _long_table(body: np.ndarray, city_names: Sequence[str], names: Sequence[str], heads: Sequence[str],
                baseline: int) -> pd.DataFrame:
    """The long (tidy) table: one row per option × unit (the cities, then 省级承担), from the wide body."""
    n_city = len(city_names)
    n_opt = len(names)
    n_units = n_city + 1
    values = np.empty((len(MEASURES), n_opt, n_units))              # measure-major: each column a contiguous row
    values[:, :, :n_city] = body[:, :, :n_city].transpose(1, 0, 2)
    values[:, :, n_city] = body[:, :, n_city + SUMMARY_ROWS.index(PROVINCE_LABEL)].T
    option_codes = np.repeat(np.arange(n_opt, dtype=np.int32), n_units)
    unit_codes = np.tile(np.arange(n_units, dtype=np.int32), n_opt)
    long = pd.DataFrame(values.reshape(len(MEASURES), -1).T, columns=list(MEASURES), copy=False)  # one block
    long.insert(0, "类型", _UNIT_KINDS[(unit_codes >= n_city).astype(np.intp)])
    long.insert(0, "单位", pd.Categorical.from_codes(unit_codes, categories=[*city_names, PROVINCE_LABEL]))
    long.insert(0, "方案名称", pd.Categorical.from_codes(option_codes, categories=list(heads)))
    long.insert(0, "方案", pd.Categorical.from_codes(option_codes, categories=list(names)))
    long["基准方案"] = option_codes == baseline
    return long
