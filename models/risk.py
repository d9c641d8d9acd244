"""储备风险 — Monte Carlo of the fund over the projection years (issue 6).

The uncertain drivers (工资增长率, 医疗费用增长率, 征缴率, 扩面, 待遇调整, 新发伤残, 工亡) are drawn
from documented distributions (parameters/risk_distributions.toml) with a seeded numpy Generator:
draws are a leading scenario axis of the projection engine. A run is worked out in blocks of draws
(as many as fit in WORK_BYTES) — each block projected over all years and shared year by year, all
options in one call of the sharing engine (which normalises the factors once and works the options in
bounded parts of its own) — and keeps for every draw only the city shares and province figures the bands
need (at most KEEP_BYTES, a limit that counts draws × years × options × cities). Memory therefore
stays bounded whatever the size, and time grows linearly in draws, years, units and options. The
random numbers are exactly those of one :func:`draw_shocks` call for all draws, handed out block by block.

Output: the probability that 年末滚存结余 falls below the reserve floor in each year, and percentile
bands (P5 … P95) of the deficit, the balance, 可支付月数 and of each city's share under each option.
With zero variance every draw is the deterministic projection; the same seed gives the same result.
"""

from __future__ import annotations

import copy
import functools
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.budget import BudgetResult, resolve_options, run_budget
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.parameter_set import ParameterSet
from models.projection import (
    DEFAULT_YEARS,
    SHARING_DRIVERS,
    SHOCK_FIELDS,
    Projection,
    ProjectionAssumptions,
    Shocks,
    baseline_projection,
    prepare_projection,
    roll_forward,
    share_by_year,
)
from models.sharing import FACTOR_NAMES, SharingOption, share_options

DISTRIBUTIONS_FILE = "risk_distributions.toml"
TABLE = "风险模拟"
DEFAULT_DRAWS = 10_000
MAX_DRAWS = 200_000
#: Memory bound (bytes). A run keeps, for every draw, each option's city shares and the province figures
#: (the percentile bands need them all); everything else is worked out one block of draws at a time.
KEEP_BYTES = 512 * 2**20
WORK_BYTES = 160 * 2**20
DEFAULT_SEED = 20_240_101
PERCENTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)
KINDS = ("normal", "lognormal")
SCOPES = ("province", "unit")
_FACTOR_FIELDS = ("expansion", "collection", "new_cases", "deaths")
_COUNT_FIELDS = ("new_cases", "deaths")   # fields with a per-unit expected count (for the Poisson-like part)


@dataclass(frozen=True)
class Distribution:
    """不确定因素的分布 (one uncertain driver); see the data file for what each field means."""

    name: str
    label: str
    field: str
    distribution: str = "normal"
    sd: float = 0.0
    cv: float = 0.0
    poisson: bool = False
    scope: str = "province"
    note: str = ""


def _parse(name: str, body: Mapping[str, Any]) -> Distribution:
    def fail(key: str, message: str, value: Any = None) -> BudgetInputError:
        return BudgetInputError(message, table=TABLE, field=f"{name}.{key}", value=value)

    fld = body.get("field")
    if fld not in SHOCK_FIELDS:
        raise fail("field", f"应取自：{'、'.join(SHOCK_FIELDS)}", fld)
    kind = body.get("distribution", "normal")
    if kind not in KINDS:
        raise fail("distribution", "应为 normal 或 lognormal", kind)
    scope = body.get("scope", "province")
    if scope not in SCOPES:
        raise fail("scope", "应为 province（全省共同）或 unit（各单位独立）", scope)
    spread = {}
    for key in ("sd", "cv"):
        raw = body.get(key, 0.0)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
            raise fail(key, "应为非负数", raw)
        spread[key] = float(raw)
    poisson = body.get("poisson", False)
    if not isinstance(poisson, bool):
        raise fail("poisson", "应为 true 或 false", poisson)
    if poisson and (kind != "lognormal" or fld not in _COUNT_FIELDS):
        raise fail("poisson", f"泊松式波动只适用于对数正态的 {'、'.join(_COUNT_FIELDS)}", poisson)
    return Distribution(name=name, label=str(body.get("label", name)), field=fld, distribution=kind,
                        sd=spread["sd"], cv=spread["cv"], poisson=poisson, scope=scope, note=str(body.get("note", "")))


def check_distributions(distributions: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """Check each distribution's settings and refuse a driver field drawn twice; return them as a tuple."""
    if any(not isinstance(d, Distribution) for d in distributions):
        raise BudgetInputError("分布应为 Distribution（见 load_distributions）", table=TABLE)
    out = tuple(_parse(d.name, d.__dict__) for d in distributions)
    fields = [d.field for d in out]
    dup = next((f for f in fields if fields.count(f) > 1), None)
    if dup is not None:
        raise BudgetInputError("同一驱动量只能有一个分布", table=TABLE, field=dup)
    return out


@functools.cache
def load_distributions() -> tuple[Distribution, ...]:
    """默认分布 (the packaged distributions of the uncertain drivers), in file order."""
    text = resources.files("models").joinpath("parameters", DISTRIBUTIONS_FILE).read_text(encoding="utf-8")
    return check_distributions([_parse(name, body) for name, body in tomllib.loads(text).items()])


def zero_variance(distributions: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """The same drivers with no spread at all (every draw = the deterministic projection)."""
    return tuple(replace(d, sd=0.0, cv=0.0, poisson=False) for d in distributions)


def _shock_values(d: Distribution, common: np.ndarray, own: np.ndarray | None, n_units: int,
                  counts: Mapping[str, np.ndarray]) -> np.ndarray:
    """One driver's shocks from its standard normal blocks (common, and own for the Poisson-like part)."""
    if d.distribution == "normal":
        x = d.sd * common
        if d.field in _FACTOR_FIELDS:
            x = np.maximum(x, -1.0)
        return x
    sigma = math.sqrt(math.log1p(d.cv ** 2))
    factor = np.exp(sigma * common - sigma ** 2 / 2.0)
    if own is not None:
        lam = np.asarray(counts.get(d.field, np.zeros(n_units)), dtype=float)
        s_u = np.sqrt(np.log1p(np.divide(1.0, lam, out=np.zeros_like(lam), where=lam > 0)))
        factor = factor * np.exp(s_u * own - s_u ** 2 / 2.0)
    return factor - 1.0


def draw_shocks(distributions: Sequence[Distribution], draws: int, n_years: int, n_units: int,
                rng: np.random.Generator, expected_counts: Mapping[str, np.ndarray] | None = None) -> Shocks:
    """抽样: driver shocks shaped (draws, years, 1) for province scope or (draws, years, units) for unit scope.

    Every driver consumes the same random numbers whatever its spread (a common and a per-unit
    standard normal block), so changing one driver's spread leaves the others' draws unchanged.
    `expected_counts` {field: (U,)} are the expected cases behind the Poisson-like part.
    """
    counts = expected_counts or {}
    out: dict[str, np.ndarray] = {}
    for d in check_distributions(distributions):
        common = rng.standard_normal((draws, n_years, 1 if d.scope == "province" else n_units))
        own = rng.standard_normal((draws, n_years, n_units)) if d.poisson else None
        out[d.field] = _shock_values(d, common, own, n_units, counts)
    return Shocks(**out)


#: 随机数缓存: the standard normals of the last few small seeded runs (an Excel recalculation after an edit
#: re-runs the risk simulation with the same seed and sizes; drawing them again would give the same numbers)
KEEP_NORMALS = 2_000_000
_NORMALS: dict[tuple, list[tuple[np.ndarray, np.ndarray | None]]] = {}


class _ShockStream:
    """分批抽样 — the draws of :func:`draw_shocks` handed out block by block, number for number.

    draw_shocks takes, driver by driver, one standard normal block for all draws (common, then own).
    Here each of those blocks gets its own generator, started where that block starts in the seeded
    stream (found by drawing and discarding in bounded chunks), so consecutive blocks of draws receive
    exactly the numbers the one-shot call would give them, with memory for one block only.
    """

    _CHUNK = 1 << 20   # numbers drawn at a time while skipping

    def __init__(self, distributions: Sequence[Distribution], draws: int, n_years: int, n_units: int,
                 rng: np.random.Generator, expected_counts: Mapping[str, np.ndarray], seed: int | None = None) -> None:
        self.n_years, self.n_units, self.counts = n_years, n_units, expected_counts
        self.parts: list[tuple[Distribution, np.random.Generator, np.random.Generator | None]] = []
        shapes = tuple((d.scope, d.poisson) for d in distributions)
        numbers = draws * n_years * n_units * 2 * len(shapes)
        # a seeded run small enough to keep: its standard normals depend only on the seed and the sizes
        self.key = (seed, draws, n_years, n_units, shapes) if seed is not None and numbers <= KEEP_NORMALS else None
        self.draws, self.kept = draws, _NORMALS.get(self.key) if self.key is not None else None
        self.pos = 0                                   # draws handed out so far
        if self.kept is not None:
            self.parts = [(d, None, None) for d in distributions]      # type: ignore[misc]
            return
        segments = []
        for d in distributions:
            segments.append(n_years * (1 if d.scope == "province" else n_units))
            if d.poisson:
                segments.append(n_years * n_units)
        starts = []
        for k, per_draw in enumerate(segments):
            starts.append(copy.deepcopy(rng))
            if k + 1 < len(segments):                  # move rng to where the next block starts
                left = draws * per_draw
                while left:
                    step = min(left, self._CHUNK)
                    rng.standard_normal(step)
                    left -= step
        it = iter(starts)
        for d in distributions:
            common = next(it)
            self.parts.append((d, common, next(it) if d.poisson else None))

    def next_block(self, size: int) -> Shocks:
        """The shocks of the next `size` draws."""
        T, U = self.n_years, self.n_units
        out = {}
        normals = []
        for k, (d, common_rng, own_rng) in enumerate(self.parts):
            if self.kept is not None:       # the same numbers, block for block (the stream is the one-shot draw)
                common, own = self.kept[k]
                common = common[self.pos:self.pos + size]
                own = own[self.pos:self.pos + size] if own is not None else None
            else:
                common = common_rng.standard_normal((size, T, 1 if d.scope == "province" else U))
                own = own_rng.standard_normal((size, T, U)) if own_rng is not None else None
                normals.append((common, own))
            out[d.field] = _shock_values(d, common, own, U, self.counts)
        if self.key is not None and self.kept is None and size == self.draws:     # the whole run in one block
            for common, own in normals:
                common.setflags(write=False)
                if own is not None:
                    own.setflags(write=False)
            while len(_NORMALS) >= 4:
                del _NORMALS[next(iter(_NORMALS))]
            _NORMALS[self.key] = normals
        self.pos += size
        return Shocks(**out)


def _bands(x: np.ndarray, q: np.ndarray, axis: int) -> np.ndarray:
    """Percentiles along `axis` (percentile axis first), made monotone against rounding noise."""
    return np.maximum.accumulate(np.percentile(x, q, axis=axis), axis=0)


@dataclass(frozen=True, eq=False)
class RiskResult:
    """风险模拟结果 (yuan). Bands put the percentile axis first: (P, T), (P, O, T), (P, O, T, C)."""

    years: tuple[int, ...]
    cities: tuple[str, ...]
    options: tuple[SharingOption, ...]
    percentiles: tuple[float, ...]
    draws: int
    seed: int | None
    distributions: tuple[Distribution, ...]
    baseline: Projection                # the deterministic projection
    baseline_shares: np.ndarray         # (O, T, C)
    prob_below_floor: np.ndarray        # P(年末滚存结余 < 储备下限) each year (T,)
    prob_breached_by: np.ndarray        # P(below the floor in this year or an earlier one) (T,)
    surplus: np.ndarray                 # 本年收支结余 per draw (D, T)
    closing: np.ndarray                 # 年末滚存结余 per draw (D, T)
    floor: np.ndarray                   # 储备下限 per draw (D, T)
    deficit_bands: np.ndarray           # 当年收支缺口 max(0, 支出 − 收入) (P, T)
    surplus_bands: np.ndarray
    closing_bands: np.ndarray
    months_bands: np.ndarray            # 可支付月数
    share_bands: np.ndarray             # city shares (P, O, T, C)
    province_bands: np.ndarray          # 省级承担 (P, O, T)
    synthetic: bool = False

    def _option(self, option: int | str) -> int:
        names = [o.name for o in self.options]
        if isinstance(option, str):
            if option not in names:
                raise BudgetInputError(f"没有这个方案，可选：{'、'.join(names)}", table=TABLE, value=option)
            return names.index(option)
        return int(option)

    def table(self) -> pd.DataFrame:
        """逐年风险: probabilities and percentile bands (yuan, months), one row per year."""
        cols: dict[str, Any] = {"prob_below_floor": self.prob_below_floor, "prob_breached_by": self.prob_breached_by,
                                "baseline_closing": self.baseline.closing_balance,
                                "baseline_floor": self.baseline.floor}
        for name, bands in (("deficit", self.deficit_bands), ("closing", self.closing_bands),
                            ("months", self.months_bands)):
            for p, row in zip(self.percentiles, bands, strict=True):
                cols[f"{name}_p{p:g}"] = row
        df = pd.DataFrame(cols, index=pd.Index(self.years, name="year"))
        df.attrs.update({"模拟次数": self.draws, "随机种子": self.seed, "单位制": "元", "示例数据": self.synthetic})
        return df

    def share_table(self, option: int | str, year: int) -> pd.DataFrame:
        """各市分担额的分布 (yuan) of one option and year: baseline share and P5 … P95 by city."""
        o = self._option(option)
        k = self.baseline.year_position(year)
        cols = {"baseline": self.baseline_shares[o, k]}
        cols.update({f"p{p:g}": self.share_bands[i, o, k] for i, p in enumerate(self.percentiles)})
        df = pd.DataFrame(cols, index=pd.Index(self.cities, name="city"))
        df.attrs.update({"方案": self.options[o].name, "年度": year, "单位制": "元", "示例数据": self.synthetic})
        return df


_PER_DRAW_SERIES = 6          # per-draw (D, T) arrays kept besides the shares: surplus, closing, floor, …
_UNIT_YEAR_ARRAYS = 60        # float64 (draws, years, units) arrays alive while a block is drawn and projected
_CITY_ARRAYS = 12 + len(FACTOR_NAMES)    # float64 (draws, cities) arrays of a year's sharing context and factors
_OPTION_CITY_ARRAYS = 4                  # … and of each option's results (the engine's own work is bounded apart)


def kept_cells(draws: int, years: int, options: int, cities: int) -> int:
    """Numbers a run keeps for all draws: draws × years × (options × (cities + 1) + a few per-draw series)."""
    return int(draws) * int(years) * (int(options) * (int(cities) + 1) + _PER_DRAW_SERIES)


def draws_per_block(years: int, units: int, cities: int, options: int = 1) -> int:
    """分批大小: draws projected and shared together so that one block's arrays stay within WORK_BYTES
    (the sharing engine works the options of a block in parts of its own bounded size, BLOCK_CELLS)."""
    per_draw = 8 * (int(years) * int(units) * _UNIT_YEAR_ARRAYS
                    + int(cities) * (_CITY_ARRAYS + _OPTION_CITY_ARRAYS * int(options)))
    return max(1, WORK_BYTES // per_draw)


def max_draws(years: int, options: int, cities: int) -> int:
    """The most draws a run of this size may have: MAX_DRAWS, or fewer so that the kept numbers fit KEEP_BYTES."""
    return int(min(MAX_DRAWS, KEEP_BYTES // (8 * kept_cells(1, years, options, cities))))


#: 草案风险模拟次数的规则 (the draft's draw count rule), see :func:`draws_for_size`.
DRAFT_DRAWS_MAX = 2_000        # a province of ordinary size: 2,000 draws (percentages to about ±1 point)
DRAFT_DRAWS_MIN = 200          # never fewer: P5 and P95 still rest on 10 draws each
DRAFT_RISK_SECONDS = 1.5       # time allowed for the draft's risk run
UNIT_SECONDS = 0.3e-6          # projection: seconds per draw × year × unit (measured on a 2-core machine)
SHARE_SECONDS = 0.5e-6         # sharing: seconds per draw × year × option × city (idem)


def draws_for_size(units: int, options: int, years: int, time_budget_s: float = DRAFT_RISK_SECONDS, *,
                   cities: int | None = None) -> int:
    """草案风险模拟次数 — how many draws the draft's risk section runs for a province of this size.

    Rule: one draw costs about years × (units × UNIT_SECONDS + options × cities × SHARE_SECONDS)
    seconds (cities default to units); the draft runs as many draws as fit in `time_budget_s`, in
    whole hundreds, at most DRAFT_DRAWS_MAX (2,000) and at least DRAFT_DRAWS_MIN (200) — a large
    province then takes longer rather than show bands from too few draws — and never more than
    memory allows (:func:`max_draws`). The seed stays DEFAULT_SEED, so the same workbook gives the
    same figures; the draft states the number of draws and the seed beside them.
    Example: 12 or 300 units keep 2,000 draws; 3,000 units, 1 option, 3 years: one draw ≈ 7.2 ms,
    1.5 s → 200 draws.
    """
    n_cities = int(units) if cities is None else int(cities)
    per_draw = int(years) * (int(units) * UNIT_SECONDS + int(options) * n_cities * SHARE_SECONDS)
    fit = int(time_budget_s / per_draw) // 100 * 100 if per_draw > 0 else DRAFT_DRAWS_MAX
    return max(1, min(max(DRAFT_DRAWS_MIN, min(DRAFT_DRAWS_MAX, fit)), max_draws(years, options, n_cities)))


def simulate(inputs: BudgetInputs, draws: int = DEFAULT_DRAWS, years: int = DEFAULT_YEARS,
             options: Sequence[Any] | None = None, *, seed: int | None = DEFAULT_SEED,
             distributions: Sequence[Distribution] | None = None,
             assumptions: ProjectionAssumptions | None = None, percentiles: Sequence[float] = PERCENTILES,
             params: ParameterSet | None = None, result: BudgetResult | None = None,
             progress: Callable[[int, int], None] | None = None, share: bool = True) -> RiskResult:
    """风险模拟: `draws` projections of `years` years under random driver shocks, shared by every option.

    `seed` makes the run reproducible (None: fresh entropy). Draws are projected and shared in blocks
    (:func:`draws_per_block`), every option of a block and year in one engine call, with the random
    numbers of one run over all draws and its results (to the last bits of float sums); memory is
    KEEP_BYTES for what every draw keeps plus WORK_BYTES for a block, and a run whose kept numbers exceed KEEP_BYTES is refused (:func:`max_draws`). `progress(done,
    total)` is called after each block's projection and after each year's sharing of that block (for
    a progress bar). `result`: a :func:`run_budget` result of the same inputs to reuse (its options
    are used unless `options` is given). `share` False: no option is shared — the yearly figures only (they
    do not depend on the options), with empty share bands.
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or not 1 <= int(draws) <= MAX_DRAWS:
        raise BudgetInputError(f"模拟次数应为 1–{MAX_DRAWS:,} 的整数", table=TABLE, field="draws", value=draws)
    q = np.asarray(percentiles, dtype=float)
    if q.ndim != 1 or q.size == 0 or not np.isfinite(q).all() or (q < 0).any() or (q > 100).any() \
            or (np.diff(q) <= 0).any():
        raise BudgetInputError("百分位数应为 0–100 之间递增的数", table=TABLE, field="percentiles",
                               value=tuple(percentiles))
    dists = check_distributions(load_distributions() if distributions is None else distributions)
    if result is None:
        result = run_budget(inputs, options, params=params)
    opts = tuple(result.options if options is None else resolve_options(options)) if share else ()
    base = prepare_projection(inputs, years, assumptions, result=result)
    baseline = baseline_projection(base)
    D, T, U = int(draws), len(base.years), len(baseline.units)
    n_opt, n_city = len(opts), len(baseline.cities)
    if D > max_draws(T, n_opt, n_city):
        raise BudgetInputError(
            f"模拟规模过大：{D:,} 次 × {T} 年 × {n_opt} 个方案 × {n_city:,} 个设区市，超出内存限额，"
            f"本规模最多 {max_draws(T, n_opt, n_city):,} 次，请减少模拟次数、预测年数或方案数",
            table=TABLE, field="draws", value=draws)
    block = min(D, draws_per_block(T, U, n_city, n_opt))
    n_blocks = -(-D // block)
    total_steps = n_blocks * (T + 1)

    stream = _ShockStream(dists, D, T, U, np.random.default_rng(seed),
                          {f: base.counts[f] for f in _COUNT_FIELDS}, seed if isinstance(seed, int) else None)
    plan = baseline.unit_lines[items.PREMIUM]
    shares = np.empty((n_opt, T, D, n_city))          # a block's shares are whole rows: written in place
    province = np.empty((n_opt, T, D))
    series = {name: np.empty((D, T)) for name in ("surplus", "closing", "floor", "deficit", "months")}
    for b, start in enumerate(range(0, D, block)):
        stop = min(D, start + block)
        proj = roll_forward(base, stream.next_block(stop - start), collection_plan=plan,
                            drivers=SHARING_DRIVERS, units=bool(opts))
        for name, values in (("surplus", proj.surplus), ("closing", proj.closing_balance), ("floor", proj.floor),
                             ("deficit", proj.deficit), ("months", proj.months_payable)):
            series[name][start:stop] = values
        if progress is not None:
            progress(b * (T + 1) + 1, total_steps)
        for k in range(T):
            if opts:
                res = share_options(opts, proj.context_at(k))   # (O, block, C), worked out in blocks of options
                shares[:, k, start:stop] = res.share
                province[:, k, start:stop] = res.province
                del res
            if progress is not None:
                progress(b * (T + 1) + k + 2, total_steps)
        del proj

    share_bands = np.empty((q.size, n_opt, T, n_city))
    for o in range(n_opt):
        for k in range(T):
            # each city's draws as one contiguous row: the same percentiles, found faster
            share_bands[:, o, k, :] = _bands(np.ascontiguousarray(shares[o, k].T), q, axis=1)
    del shares
    below = series["closing"] < series["floor"]
    return RiskResult(
        years=baseline.years, cities=baseline.cities, options=opts, percentiles=tuple(float(p) for p in q),
        draws=D, seed=seed, distributions=dists, baseline=baseline,
        baseline_shares=np.concatenate([share_by_year(baseline, [o]).share for o in opts]) if opts
        else np.empty((0, T, n_city)),
        prob_below_floor=below.mean(axis=0), prob_breached_by=np.logical_or.accumulate(below, axis=1).mean(axis=0),
        surplus=series["surplus"], closing=series["closing"], floor=series["floor"],
        deficit_bands=_bands(series["deficit"], q, 0), surplus_bands=_bands(series["surplus"], q, 0),
        closing_bands=_bands(series["closing"], q, 0), months_bands=_bands(series["months"], q, 0),
        share_bands=share_bands, province_bands=_bands(province, q, axis=2), synthetic=bool(inputs.synthetic),
    )
