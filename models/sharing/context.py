"""分担依据 — the sharing context: what the sharing of one budget (or many scenarios) rests on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import BudgetInputError
from models.sharing.vocabulary import RESERVED_NAMES

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


def _refuse_names(names: Sequence[str]) -> None:
    """The first blank, reserved or repeated city name, refused with its message."""
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
    if len(set(names)) != len(names) or not RESERVED_NAMES.isdisjoint(names) or not all(c.strip() for c in names):
        _refuse_names(names)
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
