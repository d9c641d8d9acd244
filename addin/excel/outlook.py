"""UDF 多年预测、敏感性与风险 — GS_PROJECT, GS_SENSITIVITY and GS_RISK: arguments, cached runs, 2-D tables.

The runs reuse the cached one-year budget (`udf_inputs.budget_result`): `models.projection.project`,
`models.sensitivity.sensitivity` and `models.risk.simulate` are called with ``result=`` and cached
themselves (`udf_inputs.derived`), keyed by the input tables they read plus years, draws and seed — the
risk run is seeded, so a recalculation gives the same figures every time. None of them reads 分担方案
for its province figures: an edit of the options reuses them (a view of an option's city shares is
re-run for the current options).

The displayed figures are those of `addin.report.outlook`, which the `wibudget project / sensitivity / risk`
commands and the draft also show: the projection table is `Projection.table(wan=True)` (items add up
to the totals, 年末 = 年初 + 结余, year 1 is the one-year budget), the tornado table is
`outlook.tornado_table`, and percentile bands are rounded one by one (they are not parts of a total).
Every table has a fixed shape for given inputs and years (a legacy array formula is sized once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from addin.excel import inputs as udf_inputs
from addin.excel import results
from addin.excel import tables as udf_tables
from addin.excel.tables import NO, YES, Table, option_position
from addin.report import outlook
from addin.workbook import coerce
from models.budget import BudgetResult
from models.errors import BudgetInputError
from models.money import round_wan
from models.projection import DEFAULT_YEARS, MAX_YEARS, Projection, project
from models.risk import DEFAULT_SEED, MAX_DRAWS, RiskResult, simulate
from models.sensitivity import Sensitivity, sensitivity

#: 模拟次数 of GS_RISK when left blank: modest, so that a recalculation stays well under a second.
DEFAULT_DRAWS = 2_000

PROJECT_VIEWS: tuple[tuple[str, str], ...] = (
    ("预测表", "table"), ("多年预测", "table"), ("预测", "table"), ("假设", "assumptions"),
    ("预测假设", "assumptions"))
SENSITIVITY_VIEWS: tuple[tuple[str, str], ...] = (("龙卷风", "tornado"), ("龙卷风表", "tornado"))
RISK_VIEWS: tuple[tuple[str, str], ...] = (("逐年风险", "years"), ("风险", "years"))

FIRST_BREACH_LABEL = "首次低于储备下限年度"
NO_BREACH = "预测期内未低于"
ASSUMPTION_HEADERS = ("预测假设", "来源")
TORNADO_HEADERS: tuple[str, ...] = ("因素", "低冲击", "高冲击", "年末滚存结余（低）", "年末滚存结余（高）",
                                    "较基准变化（低）", "较基准变化（高）", "波动幅度")
BASE_LABEL = "基准（预算假设）"
PROBABILITY = "概率"
RISK_SHARE_HEADERS = ("年度", "单位", "基准预测")


def _year_headers(years: Sequence[int]) -> list[str]:
    return [f"{y}年" for y in years]


def _plain(x: Any) -> Any:
    return results.plain_value(x)


# ---------------------------------------------------------------------------------------------
# arguments

def projection_years(value: Any) -> int:
    """预测年数 (the budget year counts as the first): blank → 3; a whole number 1–10."""
    years = coerce.to_int(value, "预测年数", default=DEFAULT_YEARS)
    if not 1 <= years <= MAX_YEARS:
        raise BudgetInputError(f"应为 1–{MAX_YEARS} 的整数（含预算年度）", field="预测年数", value=years)
    return years


def risk_draws(value: Any) -> int:
    """模拟次数: blank → DEFAULT_DRAWS; a whole number 1 – MAX_DRAWS."""
    draws = coerce.to_int(value, "模拟次数", default=DEFAULT_DRAWS)
    if not 1 <= draws <= MAX_DRAWS:
        raise BudgetInputError(f"应为 1–{MAX_DRAWS:,} 的整数", field="模拟次数", value=draws)
    return draws


def risk_seed(value: Any) -> int:
    """随机种子: blank → the engine's default seed; a whole number ≥ 0 (the same seed, the same figures)."""
    seed = coerce.to_int(value, "随机种子", default=DEFAULT_SEED)
    if seed < 0:
        raise BudgetInputError("应为 0 或正整数", field="随机种子", value=seed)
    return seed


def view_or_option(value: Any, views: Sequence[tuple[str, str]], default: str) -> tuple[str, Any]:
    """A view name → (code, None); anything else (方案序号、代码或名称) → ("option", value)."""
    if coerce.is_blank(value):
        return default, None
    if isinstance(value, str):
        code = coerce.to_choice(value, "视图", views, default=None, open_list=True)
        if code in {c for _, c in views}:
            return code, None
    return "option", value


# ---------------------------------------------------------------------------------------------
# cached runs (on the cached one-year budget)

@dataclass(frozen=True)
class _Run:
    """A cached run, the budget it started from and the content of the 分担方案 it shared."""

    options: bytes | None
    result: BudgetResult
    value: Any


def _cached(what: str, ranges: Sequence[Any], args: tuple, run: Callable[[BudgetResult], Any],
            fits: Callable[[_Run], bool] | None = None, full: Callable[[BudgetResult], Any] | None = None) -> _Run:
    """`run(result)` cached by the tables it reads. The province figures of a run (projection, tornado,
    yearly risk) do not read 分担方案: they are kept by the other six tables, so an edit of the options
    reuses them. A view of city shares under an option passes `fits`: the kept run serves it only if it
    shared the current options and `fits` it, else `full(result)` runs, kept by all seven tables.

    The budget is asked for first, so bad input anywhere gives its message even when a run is kept."""
    key = udf_inputs.cache_key(ranges)
    result = udf_inputs.CACHE.result(ranges, key)
    current = udf_inputs.options_key(key)
    cached = udf_inputs.derived(what, ranges, args, lambda: _Run(current, result, run(result)),
                                udf_inputs.budget_key(key))
    if fits is not None and not (cached.options == current and fits(cached)):
        again = full or run
        cached = udf_inputs.derived(what, ranges, args, lambda: _Run(current, result, again(result)), key)
    return cached


def projection(ranges: Sequence[Any], years: int) -> Projection:
    """多年预测 of the inputs in `ranges` over `years` years (cached; it does not read 分担方案)."""
    return _cached("project", ranges, (years,), lambda result: project(result.inputs, years, result=result)).value


def sensitivity_run(ranges: Sequence[Any], shares: bool = False) -> tuple[BudgetResult, Sensitivity]:
    """敏感性分析 of the inputs in `ranges` with the default shock sizes, and the budget it starts from;
    `shares`: the city shares under the options will be shown (they must be the current options')."""
    run = _cached("sensitivity", ranges, (), lambda result: sensitivity(result.inputs, result=result),
                  (lambda _: True) if shares else None)
    return run.result, run.value


def risk_run(ranges: Sequence[Any], draws: int, years: int, seed: int,
             option: Any = None) -> tuple[BudgetResult, RiskResult, str | None]:
    """风险模拟 of the inputs in `ranges`, seeded; cached by draws, years and seed. Returns the budget, the
    run and the code of `option` (方案序号、代码或名称; None: the yearly table only).

    The yearly figures do not depend on the options (every draw's shocks are drawn before any sharing,
    and each option is shared on its own), so the yearly table's run shares no option, a view of one
    option shares that option, and a view of another option runs every option once for all such views."""
    def sharing(codes: Callable[[BudgetResult], set[str]]) -> Callable[[BudgetResult], RiskResult]:
        return lambda result: simulate(result.inputs, draws, years, seed=seed, result=result,
                                       options=[o for o in result.options if o.name in codes(result)])

    args = (draws, years, seed)
    if option is None:
        run = _cached("risk", ranges, args,
                      lambda result: simulate(result.inputs, draws, years, seed=seed, result=result, share=False))
        return run.result, run.value, None
    budget = udf_inputs.CACHE.result(ranges)
    code = budget.options[option_position(budget, option)].name    # an unknown option: its message, no run
    run = _cached("risk", ranges, args, sharing(lambda _: {code}),
                  lambda kept: code in {o.name for o in kept.value.options},
                  sharing(lambda result: {o.name for o in result.options}))
    return run.result, run.value, code


# ---------------------------------------------------------------------------------------------
# GS_PROJECT

def _projection_cell(value: Any, unit: str) -> Any:
    if unit == "":
        return YES if bool(value) else NO
    if unit == "月":
        return round(float(value), 2)
    return _plain(value)


def projection_table(proj: Projection) -> Table:
    """多年预测表: 项目, 单位, one column per year (万元 2 dp; 可支付月数 2 dp; rates as fractions; 是/否),
    then 首次低于储备下限年度 (the year, or 预测期内未低于) in the first year's column."""
    frame = proj.table(wan=True)
    rows: Table = [["项目", "单位", *_year_headers(proj.years)]]
    values = frame[list(proj.years)].to_numpy(dtype=object)
    for code, label, line in zip(frame.index, frame["label"], values, strict=True):
        unit = outlook.row_unit(str(code))
        rows.append([label, unit, *(_projection_cell(v, unit) for v in line)])
    first = frame.attrs["首次低于储备下限年度"]
    rows.append([FIRST_BREACH_LABEL, "年", float(first) if first is not None else NO_BREACH,
                 *([None] * (len(proj.years) - 1))])
    return rows


def short_source(text: str) -> str:
    """来源 as a table cell: the parameter file without its long reference (that stays in the file)."""
    return text.split("（", 1)[0] if text.startswith("参数文件") else text


def assumption_table(proj: Projection) -> Table:
    """多年预测假设: each assumption by year (fractions; blank where only later years use it) and its source."""
    frame = outlook.assumption_values(proj.assumption_table(), proj.years)
    rows: Table = [[ASSUMPTION_HEADERS[0], *_year_headers(proj.years), ASSUMPTION_HEADERS[1]]]
    values = frame[list(proj.years)].to_numpy(dtype=object)
    for label, line, source in zip(frame["label"], values, frame["source"], strict=True):
        rows.append([label, *(_plain(v) for v in line), short_source(str(source))])
    return rows


# ---------------------------------------------------------------------------------------------
# GS_SENSITIVITY

def tornado_table(sens: Sensitivity, result: BudgetResult) -> Table:
    """龙卷风表 (万元), widest swing first, then the baseline row: 年末滚存结余 at the budget assumptions, the
    figure the 收支结余表 of `result` shows (as in the draft), the changes taken against it."""
    shown = float(udf_tables.balance_frame(result).loc["closing_balance", "budget"])
    frame = outlook.tornado_table(sens, base_closing=shown)
    rows: Table = [list(TORNADO_HEADERS)]
    for r in frame.itertuples():
        rows.append([r.label, r.low_shock, r.high_shock, *(float(v) for v in (r.closing_low, r.closing_high,
                                                                             r.effect_low, r.effect_high, r.swing))])
    base = float(frame.attrs["基准年末滚存结余"])
    rows.append([BASE_LABEL, None, None, base, base, 0.0, 0.0, 0.0])
    return rows


def share_effect_table(result: BudgetResult, sens: Sensitivity, option: Any) -> Table:
    """各市分担额的敏感性 (万元) of one option: the budget's share (as in 缺口分担表), then its change under
    each driver's low and high shock (drivers in tornado order); each change rounded on its own."""
    o = option_position(result, option)
    order = [d.name for d in sens.drivers]
    by_name = {d.name: d for d in sens.drivers}
    drivers = list(outlook.tornado_table(sens).index)
    head = ["单位", "基准分担额"]
    for name in drivers:
        d = by_name[name]
        head += [f"{d.label}（{outlook.shock_text(d, d.low)}）", f"{d.label}（{outlook.shock_text(d, d.high)}）"]
    base = np.asarray(result.sharing.rounded["share"][o], dtype=float)
    effect = np.asarray(round_wan(sens.share_effect[:, :, o, :]), dtype=float)      # (n, 2, C)
    rows: Table = [head]
    for c, city in enumerate(sens.cities):
        values = [float(base[c])]
        for name in drivers:
            i = order.index(name)
            values += [float(effect[i, 0, c]), float(effect[i, 1, c])]
        rows.append([city, *values])
    return rows


# ---------------------------------------------------------------------------------------------
# GS_RISK

def _bands(name: str, unit: str, bands: np.ndarray, percentiles: Sequence[float], money: bool) -> Table:
    out = []
    for p, values in zip(percentiles, bands, strict=True):
        shown = np.asarray(round_wan(values)) if money else np.round(values, 2)
        out.append([f"{name} P{p:g}", unit, *(float(v) for v in shown)])
    return out


def risk_table(risk: RiskResult) -> Table:
    """逐年风险: 项目, 单位, one column per year — P(年末滚存结余 < 储备下限), the same by that year, the
    deterministic 年末滚存结余 and 储备下限 (as in the projection table), then P5 … P95 of 年末滚存结余,
    当年收支缺口 and 可支付月数."""
    base = risk.baseline.table(wan=True)
    years = risk.years
    rows: Table = [["项目", "单位", *_year_headers(years)],
                   ["低于储备下限的概率", PROBABILITY, *(float(v) for v in risk.prob_below_floor)],
                   ["至当年累计低于储备下限的概率", PROBABILITY, *(float(v) for v in risk.prob_breached_by)],
                   ["年末滚存结余（基准预测）", "万元", *(float(base.loc["closing_balance", y]) for y in years)],
                   ["储备下限（基准预测）", "万元", *(float(base.loc["reserve_floor", y]) for y in years)]]
    rows += _bands("年末滚存结余", "万元", risk.closing_bands, risk.percentiles, True)
    rows += _bands("当年收支缺口", "万元", risk.deficit_bands, risk.percentiles, True)
    rows += _bands("可支付月数", "月", risk.months_bands, risk.percentiles, False)
    return rows


def risk_share_table(risk: RiskResult, code: str) -> Table:
    """各市分担额的分布 (万元) of one option (its code): per year and unit (cities, then 省级承担) the
    deterministic projection's share and P5 … P95 (`outlook.risk_share_table`)."""
    frame = outlook.risk_share_table(risk, code)
    bands = [f"p{p:g}" for p in risk.percentiles]
    rows: Table = [[*RISK_SHARE_HEADERS, *(b.upper() for b in bands)]]
    for r in frame.to_dict("records"):
        rows.append([float(r["year"]), r["unit"], float(r["baseline"]), *(float(r[b]) for b in bands)])
    return rows

