"""草案表格数据 — the figures of every draft sheet, in 万元 (2 dp), reconciled, before any styling.

Every table here is a pandas DataFrame of displayed figures, so tests (and the explanatory note)
check exactly what the reader sees.

One rounded chain (一个舍入链): each quantity is rounded once, in the table that owns it; every other
place shows that figure, or derives it from shown figures where an identity must hold on the page.

Owner → who takes the figure:
- 收入/支出 lines and 合计: 收入/支出预算表 (`models.balance.official_lines`: 合计 rounded once, lines by
  largest remainder) → 收支结余表, 分市预算表 合计 row, 多年预测表 first column, 编制说明.
- 本年收支结余, 年初/年末滚存结余, 储备下限, 高于（低于）储备下限, 可支付月数: 收支结余表, which is
  `models.balance.balance_chain` on the shown 合计 (结余 = 收入 − 支出, 年末 = 年初 + 结余, 下限 = 支出 ÷ 12 ×
  月数) → 多年预测表 (the same chain, continued from the shown 年末), 龙卷风表 base, 风险表 基准, the
  缺口分担 condition text, 编制说明.
- Each unit's lines, totals and 收支缺口: 分市预算表 (controlled rounding to the official 合计) → 预测与校验,
  and 各市正缺口之和.
- 应分担缺口: derived from the figure its basis names (`shown_amounts`): −本年收支结余, −高于（低于）储备下限,
  Σ the cities' positive 收支缺口, or the fixed amount rounded once.
- Each city's share and 省级承担: 缺口分担表 (`displayed_result(...).sharing.table`: largest remainder to the
  shown 应分担缺口) → 方案比较, 风险表 budget year, 编制说明.
- Later years: 多年预测表 (`Projection.table(wan=True)`) → 风险表 基准 and each year's 应分担缺口 of the
  risk share table (`addin.report.outlook`).

- 分市预算表: each column's unit rows add up to its 合计, the 合计 row equals the 收入/支出预算表, and
  each unit's items add up to its 收入合计 / 支出合计. 财政补贴收入 and 利息收入 are province-level
  (省级统收), shown on their own row.
- 缺口分担表: Σ 城市 + 省级承担 = 应分担缺口.
- 预测与校验: per unit × line, the driver figure (the same cell as 分市预算表), the trend figure and the
  deviation flag.
Faces that run the engine themselves (workbook UDFs, command line) show the same figures when they
display `displayed_result(run_budget(...))`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from addin.report.rounding import controlled_round
from models import items
from models.balance import balance_chain, official_lines
from models.budget import BudgetResult
from models.compare import Comparison, compare
from models.forecast import TREND_ONLY_ITEMS
from models.money import CENTS_PER_WAN, round_wan
from models.sharing import SharingResult
from models.trend import METHODS

if TYPE_CHECKING:
    from addin.report.outlook import OutlookTables

PROVINCE_ROW = "省级统收项目"      # 财政补贴收入、利息收入 (not any unit's)
TOTAL_ROW = "合计"
UNIT_REVENUE_COLUMNS: tuple[str, ...] = (items.PREMIUM, items.SUBSIDY, items.INTEREST, items.OTHER_REVENUE)
UNIT_COLUMNS: tuple[str, ...] = (*UNIT_REVENUE_COLUMNS, "revenue_total", *items.EXPENDITURE_ITEMS,
                                 "expenditure_total", "gap")
GAP_LABEL = "收支缺口（支出−收入）"


@dataclass
class DraftTables:
    """草案数据 (the draft's figures): one DataFrame per sheet, 万元 unless a column says otherwise."""

    result: BudgetResult
    revenue: pd.DataFrame          # official_lines(…, "revenue")
    expenditure: pd.DataFrame      # official_lines(…, "expenditure")
    balance: pd.DataFrame          # 收支结余表: label, unit, estimate, budget, note
    units: pd.DataFrame            # 分市预算表: index rows, UNIT_COLUMNS
    checks: pd.DataFrame           # 预测与校验 (long form)
    chosen: list[str]              # option codes with a 缺口分担表
    sharing: dict[str, pd.DataFrame]
    comparison: Comparison
    outlook: OutlookTables | None = None   # 多年预测与风险 (addin.report.outlook), when the draft has that sheet

    @property
    def synthetic(self) -> bool:
        return bool(self.result.inputs.synthetic)


def _wan_steps(x: float) -> int:
    return int(np.rint(float(x) * CENTS_PER_WAN))


def unit_budget_table(result: BudgetResult, revenue: pd.DataFrame, expenditure: pd.DataFrame) -> pd.DataFrame:
    """分市预算表 (万元): units, the 省级统收 row and 合计; columns reconcile with the official tables.
    Worked by position in whole 0.01 万元 steps (int64), so every sum is exact and a unit named like a summary
    row keeps its own figures."""
    fc = result.forecast
    units = list(fc.units)
    n = len(units)
    at = {c: j for j, c in enumerate(UNIT_COLUMNS)}
    steps = np.zeros((n + 2, len(UNIT_COLUMNS)), dtype=np.int64)    # units, 省级统收项目, 合计

    def block(codes: Sequence[str], lines: pd.DataFrame, total_col: str) -> None:
        yuan = np.column_stack([np.asarray(fc.budget[c], dtype=float) for c in codes])
        cells, row_totals = controlled_round(yuan, _budget_column(lines, codes))
        steps[:n, [at[c] for c in codes]] = np.rint(cells * CENTS_PER_WAN).astype(np.int64)
        steps[:n, at[total_col]] = np.rint(row_totals * CENTS_PER_WAN).astype(np.int64)

    block(items.UNIT_REVENUE_ITEMS, revenue, "revenue_total")
    block(items.EXPENDITURE_ITEMS, expenditure, "expenditure_total")
    province = _budget_column(revenue, items.PROVINCE_REVENUE_ITEMS)
    for code, wan in zip(items.PROVINCE_REVENUE_ITEMS, province, strict=True):
        steps[n, at[code]] = _wan_steps(wan)
    steps[n, at["revenue_total"]] = sum(int(steps[n, at[c]]) for c in items.PROVINCE_REVENUE_ITEMS)
    steps[:n + 1, at["gap"]] = steps[:n + 1, at["expenditure_total"]] - steps[:n + 1, at["revenue_total"]]
    steps[n + 1] = steps[:n + 1].sum(axis=0)
    return pd.DataFrame(steps / CENTS_PER_WAN, index=pd.Index([*units, PROVINCE_ROW, TOTAL_ROW]),
                        columns=pd.Index(list(UNIT_COLUMNS)))


def _budget_column(lines: pd.DataFrame, codes: Sequence[str]) -> np.ndarray:
    """本年预算数 of `codes` in an official table (万元), in that order."""
    return _figures(lines, codes, "budget")


def _figures(frame: pd.DataFrame, rows: Sequence[Any], column: str) -> np.ndarray:
    """`frame.loc[rows, column]` as floats, for a table whose row labels are unique (KeyError for a
    missing one), without pandas' label indexing."""
    if not frame.index.is_unique:
        return frame.loc[list(rows), column].to_numpy(dtype=float)
    at = {label: i for i, label in enumerate(frame.index.tolist())}
    return frame[column].to_numpy(dtype=float)[[at[r] for r in rows]]


def balance_table(result: BudgetResult, revenue: pd.DataFrame, expenditure: pd.DataFrame) -> pd.DataFrame:
    """收支结余表: 上年预计执行数 and 本年预算数 of the balance rows, the reserve check and the rates."""
    pb = result.province
    fc = result.forecast
    months_floor = float(pb.reserve_months)
    rev = np.concatenate([_figures(revenue, ["revenue_total"], c) for c in ("estimate", "budget")])
    exp = np.concatenate([_figures(expenditure, ["expenditure_total"], c) for c in ("estimate", "budget")])
    now = balance_chain(rev[1:], exp[1:], float(pb.opening_balance), months_floor)   # 本年: the one chain
    # 上年: its 年末 is this year's 年初; its 年初 is derived backwards (年末 − 本年收支结余)
    opening_y = float(now["opening_balance"][0])
    surplus = np.array([round(rev[0] - exp[0], 2), float(now["surplus"][0])])
    closing = np.array([opening_y, float(now["closing_balance"][0])])
    opening = np.array([round(opening_y - surplus[0], 2), opening_y])
    months_est = round(closing[0] / (exp[0] / 12.0), 2) if exp[0] > 0 else np.nan
    months = np.array([months_est, float(now["months_payable"][0])])
    floor = np.array([float(round_wan(months_floor * exp[0] * 1e4 / 12.0)), float(now["reserve_floor"][0])])
    margin = np.round(closing - floor, 2)
    trigger = ["是" if c < f else "否" for c, f in zip(closing, floor, strict=True)]
    premium_est = float(np.asarray(fc.estimate[items.PREMIUM]).sum())
    payroll_est = float(np.asarray(fc.drivers["payroll_base"]).sum())
    avg_rate = [premium_est / payroll_est if payroll_est > 0 else np.nan, float(pb.average_rate)]
    premium_needed = float(round_wan(pb.premium_needed))
    premium_now = float(_figures(revenue, [items.PREMIUM], "budget")[0])
    m = f"{months_floor:g}"
    rows = [
        ("revenue_total", "收入合计", "万元", rev[0], rev[1], "见收入预算表"),
        ("expenditure_total", "支出合计", "万元", exp[0], exp[1], "见支出预算表"),
        ("surplus", "本年收支结余", "万元", surplus[0], surplus[1], "收入合计 − 支出合计"),
        ("opening_balance", "年初滚存结余", "万元", opening[0], opening[1], "上年年末滚存结余"),
        ("closing_balance", "年末滚存结余", "万元", closing[0], closing[1], "年初滚存结余 + 本年收支结余"),
        ("months_payable", "可支付月数", "月", months[0], months[1], "年末滚存结余 ÷ (支出合计 ÷ 12)"),
        ("reserve_floor", f"储备下限（{m}个月支出）", "万元", floor[0], floor[1], f"支出合计 ÷ 12 × {m}"),
        ("reserve_margin", "高于（低于）储备下限", "万元", margin[0], margin[1], "年末滚存结余 − 储备下限"),
        ("trigger", "是否触发费率调整", "", trigger[0], trigger[1], f"年末滚存结余低于{m}个月支出时上调行业基准费率"),
        ("payroll", "缴费工资总额", "万元", float(round_wan(payroll_est)), float(round_wan(pb.payroll)),
         "参保人数（年平均）× 平均缴费工资"),
        ("average_rate", "现行平均费率", "费率", avg_rate[0], avg_rate[1], "工伤保险费收入 ÷ 缴费工资总额"),
        ("rate_needed", "恢复储备下限所需平均费率", "费率", np.nan, float(pb.rate_needed),
         "使年末滚存结余恰好达到储备下限（含利息）"),
        ("premium_needed", "恢复储备下限所需保险费收入", "万元", np.nan, premium_needed, "同上，对应的工伤保险费收入"),
        ("premium_increase", "需增加保险费收入", "万元", np.nan,
         round(max(0.0, premium_needed - premium_now), 2), "所需保险费收入 − 本年预算数（不低于 0）"),
    ]
    df = pd.DataFrame(rows, columns=["code", "label", "unit", "estimate", "budget", "note"]).set_index("code")
    return df


def check_table(result: BudgetResult, units: pd.DataFrame) -> pd.DataFrame:
    """预测与校验: per line and unit the driver figure (as in 分市预算表), trend figure, deviation, flag."""
    fc = result.forecast
    ct = fc.check_table()
    rows = units.index.get_indexer(ct["unit"])
    cols = units.columns.get_indexer(ct["item"])
    if (rows < 0).any() or (cols < 0).any():
        raise KeyError("预测与校验：有单位或项目不在分市预算表中")
    driver = units.to_numpy(dtype=object)[rows, cols].astype(float)     # the 分市预算表 cell of each row
    trend_only = ct["item"].isin(TREND_ONLY_ITEMS)
    flag = ct["flag"].astype(bool).to_numpy()
    tol = f"±{fc.tolerance * 100:g}%"
    hint = np.where(flag, f"偏离超过{tol}，请核实", np.where(trend_only, "按趋势测算", ""))
    return pd.DataFrame({
        "label": ct["label"], "unit": ct["unit"],
        "method": [METHODS.get(m, m) for m in ct["method"]],
        "estimate": np.asarray(round_wan(ct["estimate"].to_numpy(dtype=float))),
        "budget": driver,
        # trend-only lines: the budget figure is the trend figure, shown identically
        "trend": np.where(trend_only, driver, np.asarray(round_wan(ct["trend"].to_numpy(dtype=float)))),
        "deviation": ct["deviation"].to_numpy(dtype=float),
        "flag": flag,
        "hint": hint,
    })


def shown_amounts(sharing: SharingResult, *, surplus: Any, reserve_margin: Any,
                  city_gaps: Any = None) -> np.ndarray:
    """应分担缺口 as shown (万元, (O, ...)), each option's taken from the figure its basis names.

    全省本年收支缺口: max(0, −本年收支结余); 低于储备下限的差额: max(0, −高于（低于）储备下限);
    各市正缺口之和: `city_gaps` (Σ of the cities' positive 收支缺口 in the 分市预算表; None: D rounded
    once); 固定金额: D rounded once. `surplus`, `reserve_margin`, `city_gaps`: shown figures, shaped like
    the scenario axes (...) — the budget year (scalars) or the projection years (T,).
    """
    out = np.array(round_wan(sharing.amount), dtype=float, ndmin=1)
    lead = out.shape[1:]
    by_basis = {"deficit": np.maximum(0.0, -np.asarray(surplus, dtype=float)),
                "floor_shortfall": np.maximum(0.0, -np.asarray(reserve_margin, dtype=float))}
    if city_gaps is not None:
        by_basis["city_gaps"] = np.asarray(city_gaps, dtype=float)
    for o, opt in enumerate(sharing.options):
        if opt.amount in by_basis:
            out[o] = np.round(np.broadcast_to(by_basis[opt.amount], lead), 2) + 0.0   # + 0.0: no "−0.00"
    return out


def positive_city_gaps(units: pd.DataFrame, cities: Sequence[str]) -> float:
    """各市正缺口之和 as the 分市预算表 shows it: Σ max(0, 收支缺口) over the cities (万元)."""
    gaps = _figures(units, cities, "gap")
    return round(float(np.maximum(gaps, 0.0).sum()), 2)


def displayed_result(result: BudgetResult, *, balance: pd.DataFrame | None = None,
                     units: pd.DataFrame | None = None) -> BudgetResult:
    """The engine result whose sharing and comparison are shown from the draft tables' figures.

    Its `sharing` rounds each option's shares to the 应分担缺口 its basis shows (`shown_amounts`) and
    quotes the 收支结余表's 本年收支结余 / 年初滚存结余 in the condition text; `comparison` is rebuilt on
    it. Raw (yuan) arrays are unchanged. `balance` / `units`: the 收支结余表 and 分市预算表 if already built.
    """
    if balance is None or units is None:
        revenue = official_lines(result.province, "revenue")
        expenditure = official_lines(result.province, "expenditure")
        balance = balance_table(result, revenue, expenditure) if balance is None else balance
        units = unit_budget_table(result, revenue, expenditure) if units is None else units
    b = balance["budget"]
    surplus, opening = float(b["surplus"]), float(b["opening_balance"])
    amounts = shown_amounts(result.sharing, surplus=surplus, reserve_margin=float(b["reserve_margin"]),
                            city_gaps=positive_city_gaps(units, result.sharing.cities))
    sharing = result.sharing.with_shown(amounts, surplus_wan=surplus, opening_wan=opening)
    comparison = compare(result.options, result.context, baseline=result.comparison.baseline, result=sharing)
    return dataclasses.replace(result, sharing=sharing, comparison=comparison)


def shown_closing(result: BudgetResult) -> float:
    """本年年末滚存结余 as the 收支结余表 (and the 多年预测表) shows it, 万元 — the tornado's base."""
    revenue = official_lines(result.province, "revenue")
    expenditure = official_lines(result.province, "expenditure")
    return float(balance_table(result, revenue, expenditure).loc["closing_balance", "budget"])


def chosen_options(result: BudgetResult, chosen: Sequence[str] | None) -> list[str]:
    """Codes of the options that get a 缺口分担表: the ones asked for (checked), else the baseline."""
    if not chosen:
        return [result.comparison.baseline]
    out: list[str] = []
    for name in chosen:
        code = result.sharing.names[result.sharing.option_index(name)]
        if code not in out:
            out.append(code)
    return out


def draft_tables(result: BudgetResult, chosen: Sequence[str] | None = None, *,
                 outlook: OutlookTables | None = None) -> DraftTables:
    """草案数据 — every sheet's figures from one engine result (`outlook`: the 多年预测与风险 figures)."""
    revenue = official_lines(result.province, "revenue")
    expenditure = official_lines(result.province, "expenditure")
    units = unit_budget_table(result, revenue, expenditure)
    balance = balance_table(result, revenue, expenditure)
    shown = displayed_result(result, balance=balance, units=units)
    codes = chosen_options(shown, chosen)
    return DraftTables(
        result=shown, revenue=revenue, expenditure=expenditure, balance=balance, units=units,
        checks=check_table(shown, units), chosen=codes,
        sharing={c: shown.sharing.table(c) for c in codes}, comparison=shown.comparison, outlook=outlook,
    )
