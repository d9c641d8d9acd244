"""校验规则 — the input validation rule set (政策性、逻辑性校验规则).

:func:`validate` checks a :class:`~models.inputs.BudgetInputs` (and its sharing options) as pure data
and returns every problem as an :class:`Issue`: rule id, severity, the input table, the 0-based row
in that table's DataFrame, the column code and unit, and a Chinese message saying what to fix.
`wibudget check` and the GS_CHECK UDF map each issue to a sheet and cell (addin.check, addin.cells).
:data:`RULES` lists every rule with its severity and a one-line description.

Numbers and text: at this level a number is an int or float. Text such as "1,234", "12%" or
full-width digits is converted by the workbook reader and the UDF cell coercion (addin.coerce)
before it reaches the engine; any text left in a numeric column here — including such numeric
text — is reported (V103, or V105 for an Excel error value such as #N/A), never guessed at.

Order of work: cell-level checks, unit coverage, years, balance identity, plausibility and policy
checks (warnings), options; then, when nothing so far is an error, the engine itself is run
(`models.budget.run_budget`) so that any input it would still refuse is reported (V801) and the
checks that need its estimates (base-year effective rate, prevention cap) can be made.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models import items
from models.errors import BudgetInputError, ParameterError
from models.inputs import CITY, COLUMNS, OPTIONAL_COLUMNS, PROVINCE, BudgetInputs
from models.option_reachability import RULE_DESCRIPTION as REACHABILITY_DESCRIPTION
from models.option_reachability import option_reachability
from models.parameter_set import ParameterSet, load_parameters
from models.sharing import FACTORS, parse_option
from models.trend import METHODS as TREND_METHODS

ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示"}

# ---------------------------------------------------------------- thresholds (plausibility, not statute)

PLAUSIBLE_CHANGE = 0.30          # |year-on-year change| of insured or wage above this → warning
BALANCE_TOLERANCE = 1.0          # yuan: the balance identity must hold within this
UNIT_SLIP_RATIO = 1_000.0        # a value this many times off its neighbours looks like 元/万元 (×10,000)
MIN_PREMIUM_PER_INSURED = 1.0    # yuan per insured person per year; below it the premium is in 万元
MAX_PER_COLUMN = 20              # issues listed per (rule, table, column); the rest are counted
YEAR_RANGE = (1990, 2100)
MAX_MAGNITUDE = 1e15             # no amount (元) or count (人) in a provincial budget comes near this

#: Input tables, in the order issues are reported.
TABLES: tuple[str, ...] = ("assumptions", "units", "plans", "history", "province_history", "beneficiaries",
                           "prior_budget", "options")
TABLE_LABELS: dict[str, str] = {
    "assumptions": "参数", "units": "单位名单", "plans": "扩面计划", "history": "历年执行",
    "province_history": "省级收支", "beneficiaries": "待遇人员", "prior_budget": "上年预算数",
    "options": "分担方案",
}

# ---------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Rule:
    """一条校验规则: id, severity, Chinese title and a one-line description."""

    id: str
    severity: str
    title: str
    description: str


_RULE_LIST: tuple[Rule, ...] = (
    # workbook level (reported by addin.check)
    Rule("V001", ERROR, "文件无法打开", "不是 .xlsx/.xlsm、文件为空、不完整或已损坏、设有打开密码或找不到文件"),
    Rule("V002", ERROR, "文件超出安全限制", "文件过大、疑似压缩炸弹，或工作表的行数、列数、单元格数超过上限"),
    Rule("V003", ERROR, "缺少工作表", "参数、历年执行、扩面计划、待遇人员、分担方案五张输入表须齐全、名称一致"),
    Rule("V004", ERROR, "工作簿读取失败", "无法按输入版式读取的其他内容，如参数表或分担方案表中未知的代码"),
    Rule("V009", ERROR, "检查程序内部错误", "检查过程中发生了意外错误（不是工作簿的问题），请报告维护人员"),
    # tables and cells
    Rule("V101", ERROR, "缺少表或列", "必需的输入表或列不存在，或表头无法识别、单位不符"),
    Rule("V102", ERROR, "必填项为空", "必填的单元格为空白"),
    Rule("V103", ERROR, "不是数字", "数值列中出现文字、逻辑值、日期或非有限数值"),
    Rule("V104", ERROR, "不能为负数", "人数、金额、工资等不可能为负的数值为负"),
    Rule("V105", ERROR, "单元格为错误值", "单元格是 #N/A、#DIV/0! 等错误值"),
    Rule("V106", ERROR, "超出允许范围", "月数不在 1–12、年度或名次不合理、比例或假设超出可计算的范围"),
    Rule("V107", ERROR, "选项无效", "单位类型、是/否、趋势方法等不是可选的值"),
    # units
    Rule("V201", ERROR, "重复", "同一单位（或同一单位同一年度同一月数）出现多行，或列、方案重复"),
    Rule("V202", ERROR, "单位数据缺失", "单位名单中的单位在扩面计划、待遇人员表或某一年度的历年执行中没有数据"),
    Rule("V203", ERROR, "未知单位", "表中出现不在单位名单中的单位（名称不一致、多余空格或简称）"),
    Rule("V204", ERROR, "没有设区市", "单位名单中没有类型为设区市的单位"),
    # years and balances
    Rule("V301", ERROR, "年度不连续", "历年执行或省级收支的全年决算数据中间缺了年份"),
    Rule("V302", ERROR, "缺少执行年度数据", "缺少预算年度前两年的决算数，或缺少上年（编制年度）的1–N月执行数"),
    Rule("V303", ERROR, "进度月数不一致", "同一年度的执行进度数据月数不同（如有的1–9月、有的1–8月）"),
    Rule("V304", ERROR, "滚存结余不平衡（决算）",
         f"期末滚存结余 ≠ 上年末滚存结余 + 本年收入 − 本年支出（相差超过{BALANCE_TOLERANCE:g}元）"),
    Rule("V305", WARNING, "滚存结余不平衡（执行进度）", "1–N月期末结余 ≠ 上年末滚存结余 + 1–N月收入 − 1–N月支出"),
    Rule("V306", WARNING, "年度晚于编制年度", "出现预算年度及以后年度的历年数据，测算时不使用"),
    # plausibility and policy
    Rule("V401", WARNING, "参保人数变动异常", f"期末参保人数或扩面计划与上年相比变动超过{PLAUSIBLE_CHANGE:.0%}"),
    Rule("V402", WARNING, "工资增长异常", f"平均缴费工资年增长或工资增长率假设超过 ±{PLAUSIBLE_CHANGE:.0%}"),
    Rule("V403", WARNING, "实际费率超出法定区间", "保险费收入 ÷ 缴费工资总额 不在 最低基准费率×下浮 至 最高基准费率×上浮 之间"),
    Rule("V404", WARNING, "本人工资超出计发范围",
         "待遇人员本人工资不在上年职工月平均工资的计发上下限之间（参数 wage_floor_ratio、wage_ceiling_ratio）"),
    Rule("V405", WARNING, "金额单位疑似错误", f"数值与同单位其他年度或其他单位相差{UNIT_SLIP_RATIO:,.0f}倍以上，"
         f"或人均保险费不足{MIN_PREMIUM_PER_INSURED:g}元：疑似元与万元混用"),
    Rule("V406", WARNING, "工伤预防费计划超过上限", "各单位工伤预防费计划合计超过上年保险费收入的规定比例"),
    # sharing options
    Rule("V501", ERROR, "分担方案设置无效", "分担方案的设置无法识别或数值不合要求"),
    Rule("V502", ERROR, "分担权重之和不为1", "一个方案中各分担因素的权重合计须等于100%"),
    Rule("V503", ERROR, "未知分担因素", "权重填在了不是可用分担因素的名称下"),
    Rule("V504", ERROR, "方案代码重复", "两个分担方案使用同一代码"),
    Rule("V505", ERROR, "方案所需数据空白", "方案使用财力因素或以一般公共预算收入封顶，但有设区市该项空白"),
    Rule("V506", WARNING, "分担方案条件或因素无法生效", REACHABILITY_DESCRIPTION),
    # parameters, prior budget, engine
    Rule("V601", ERROR, "参数代码无效", "参数表中的省级参数代码没有对应的参数文件"),
    Rule("V701", WARNING, "上年预算科目无法识别", "上年预算数中有不是预算科目的代码"),
    Rule("V801", ERROR, "测算无法进行", "其他规则未发现、但测算引擎拒绝的输入"),
)

#: 校验规则表: rule id → :class:`Rule`.
RULES: dict[str, Rule] = {r.id: r for r in _RULE_LIST}


def rules_table() -> pd.DataFrame:
    """规则一览 (for documentation and the GS_CHECK legend): id, severity, title, description."""
    return pd.DataFrame([(r.id, SEVERITY_LABELS[r.severity], r.title, r.description) for r in _RULE_LIST],
                        columns=["规则", "级别", "名称", "说明"])


@dataclass(frozen=True)
class Issue:
    """一条校验结果: where in the input tables, which rule, and what to do.

    `table` is an input table code (see :data:`TABLES`); `row` the 0-based position in that
    DataFrame (None for a whole table or column); `column` a column code, or for `assumptions` the
    setting code, for `prior_budget` the item code, for `options` the option key ("weights",
    "cap.ratio" …) with `row` the option's position.
    """

    rule: str
    severity: str
    table: str | None
    row: int | None
    column: str | None
    unit: str | None
    message: str
    value: Any = None

    @property
    def title(self) -> str:
        return RULES[self.rule].title


class _Findings:
    """Collects issues; lists at most MAX_PER_COLUMN per (rule, table, column) and counts the rest."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._seen: Counter[tuple] = Counter()
        self._first: dict[tuple, Issue] = {}
        self._cells: set[tuple] = set()
        self._places: set[tuple] = set()

    def add(self, rule: str, table: str | None, message: str, *, row: int | None = None,
            column: str | None = None, unit: Any = None, value: Any = None) -> None:
        cell = (rule, table, row, column, unit)
        if cell in self._cells:
            return
        self._cells.add(cell)
        self._places.add((rule, table, row, column))
        key = (rule, table, column)
        self._seen[key] += 1
        issue = Issue(rule, RULES[rule].severity, table, row, column, None if unit is None else str(unit),
                      message, value)
        if self._seen[key] <= MAX_PER_COLUMN:
            self.issues.append(issue)
            self._first.setdefault(key, issue)

    def flagged(self, rule: str, table: str, row: int | None, column: str | None) -> bool:
        return (rule, table, row, column) in self._places

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)

    def result(self) -> list[Issue]:
        out = list(self.issues)
        for key, n in self._seen.items():
            if n > MAX_PER_COLUMN:
                first = self._first[key]
                out.append(Issue(first.rule, first.severity, first.table, None, first.column, None,
                                 f"同类问题另有 {n - MAX_PER_COLUMN} 处未逐一列出（{RULES[first.rule].title}），"
                                 "请按上面的提示一并检查该列"))
        rank = {ERROR: 0, WARNING: 1}
        return sorted(out, key=lambda i: rank[i.severity])


# ---------------------------------------------------------------- helpers


def _header(table: str, column: str) -> str:
    return COLUMNS.get(table, {}).get(column, column)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str | None:
    """A text cell as stripped text; None when blank."""
    if _is_blank(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                           "#CALC!", "#GETTING_DATA"})


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def _not_a_number(value: Any) -> tuple[str, str] | None:
    """(rule, problem) when a non-blank cell is not a usable number; None when it is one."""
    if isinstance(value, bool | np.bool_):
        return "V103", f"是逻辑值（{value}），请填入数值"
    if isinstance(value, numbers.Real):
        if math.isfinite(float(value)):
            return None
        return "V103", "不是有限数值，请填入数值"
    if isinstance(value, str):
        if value.strip().upper() in _EXCEL_ERRORS:
            return "V105", f"是错误值 {value.strip()}，请先修正该单元格或它引用的单元格"
        return "V103", (f"不是数字（“{_shown(value)}”），请只填数字；“1,234”“12%”这类文字格式的数字"
                        "通过工作簿读取时会自动转换，直接传入数据时请先转换为数值")
    if isinstance(value, dt.date | dt.datetime | dt.time | pd.Timestamp):
        return "V103", f"是日期或时间（{value}），请填入数值"
    return "V103", f"不是数字（{type(value).__name__}），请填入数值"


def _where(table: str, frame: pd.DataFrame, i: int) -> str:
    """How a row is named in messages: 南昌 2023年全年, 2024年1–9月, 南昌 …"""
    def get(col: str) -> Any:
        return frame[col].iloc[i] if col in frame.columns else None

    unit = _text(get("unit"))
    year, months = _scalar(get("year")), _scalar(get("months"))
    when = ""
    if year is not None and YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        when = f"{int(year)}年"
        if months is not None and 1 <= months <= 12:
            when += "全年" if int(months) == 12 else f"1–{int(months)}月"
    parts = [p for p in (unit, when) if p]
    return " ".join(parts) if parts else f"第{i + 1}行"


@dataclass(frozen=True)
class _Spec:
    optional: bool = False
    signed: bool = False
    integer: bool = False
    low: float | None = None
    high: float | None = None


_INTEGER_BOUNDS = {"year": YEAR_RANGE, "months": (1, 12), "assessment_rank": (1, None)}
_SIGNED = {("plans", "wage_growth"), ("plans", "rate_change"), ("province_history", "balance_end")}
_TEXT_COLUMNS = ("unit", "kind")


def _spec(table: str, column: str) -> _Spec:
    low, high = _INTEGER_BOUNDS.get(column, (None, None))
    return _Spec(optional=column in OPTIONAL_COLUMNS.get(table, set()), signed=(table, column) in _SIGNED,
                 integer=column in _INTEGER_BOUNDS, low=low, high=high)


# ---------------------------------------------------------------- 1. tables and cells


def _check_table(inputs: BudgetInputs, table: str, f: _Findings) -> pd.DataFrame | None:
    """Required columns and every cell; returns a clean copy (numbers as float, NaN where bad or blank)."""
    frame = getattr(inputs, table, None)
    if not isinstance(frame, pd.DataFrame):
        f.add("V101", table, f"缺少“{TABLE_LABELS[table]}”表，请按输入版式补上")
        return None
    frame = frame.reset_index(drop=True)
    required = [c for c in COLUMNS[table] if c not in OPTIONAL_COLUMNS.get(table, set())]
    missing = [c for c in required if c not in frame.columns]
    for c in missing:
        f.add("V101", table, f"“{TABLE_LABELS[table]}”表缺少列“{_header(table, c)}”（{c}），请补上该列",
              column=c)
    if missing:
        return None
    clean = pd.DataFrame(index=frame.index)
    for column in COLUMNS[table]:
        if column not in frame.columns:
            continue
        if column in _TEXT_COLUMNS:
            clean[column] = _text_column(frame, table, column, f)
        else:
            clean[column] = _number_column(frame, table, column, _spec(table, column), f)
    return clean


def _text_column(frame: pd.DataFrame, table: str, column: str, f: _Findings) -> pd.Series:
    values = [_text(v) for v in frame[column].tolist()]
    for i, v in enumerate(values):
        if v is None:
            f.add("V102", table, f"{_where(table, frame, i)}的“{_header(table, column)}”为空，请填写", row=i,
                  column=column)
    return pd.Series(values, index=frame.index, dtype=object)


def _number_column(frame: pd.DataFrame, table: str, column: str, spec: _Spec, f: _Findings) -> pd.Series:
    raw = frame[column]
    units = [_text(u) for u in frame["unit"].tolist()] if "unit" in frame.columns else [None] * len(frame)
    head = _header(table, column)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=float, na_value=np.nan).copy()
        candidates = np.flatnonzero(~np.isfinite(values))
    else:
        values = np.full(len(raw), np.nan)
        candidates = range(len(raw))
    for i in candidates:
        value = raw.iloc[i]
        if _is_blank(value):
            if not spec.optional:
                f.add("V102", table, f"{_where(table, frame, i)}的“{head}”为空，请填入数值", row=i, column=column,
                      unit=units[i])
            continue
        problem = _not_a_number(value)
        if problem is not None:
            f.add(problem[0], table, f"{_where(table, frame, i)}的“{head}”{problem[1]}", row=i, column=column,
                  unit=units[i], value=_shown(value))
            values[i] = np.nan
        else:
            values[i] = float(value)
    finite = np.isfinite(values)
    negative = finite & (values < 0) & (not spec.signed) & (spec.low is None)
    fraction = finite & spec.integer & (values != np.round(values))
    outside = finite & (((values < spec.low) if spec.low is not None else False)
                        | ((values > spec.high) if spec.high is not None else False)
                        | (np.abs(values) > MAX_MAGNITUDE))
    for i in np.flatnonzero(negative | fraction | outside):
        x = values[i]
        where = f"{_where(table, frame, i)}的“{head}”"
        if x < 0 and not spec.signed and spec.low is None:
            f.add("V104", table, f"{where}为 {x:,.2f}，不能为负数：请填写正数或 0（人数以人、金额以元为单位）",
                  row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif spec.integer and x != round(x):
            f.add("V106", table, f"{where}为 {x:g}，须为整数", row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif abs(x) > MAX_MAGNITUDE:
            f.add("V106", table, f"{where}为 {x:.3g}，大得不合常理（超过 {MAX_MAGNITUDE:.0e}）：请核对单位和数值",
                  row=i, column=column, unit=units[i], value=float(x))
            values[i] = np.nan
        elif (spec.low is not None and x < spec.low) or (spec.high is not None and x > spec.high):
            span = f"{spec.low:g}–{spec.high:g}" if spec.high is not None else f"不小于 {spec.low:g}"
            hint = "（12 表示全年决算，不足 12 表示1–N月执行数）" if column == "months" else ""
            f.add("V106", table, f"{where}为 {x:g}，应在 {span}{hint}", row=i, column=column, unit=units[i],
                  value=float(x))
            values[i] = np.nan
    return pd.Series(values, index=frame.index, dtype=float)


# ---------------------------------------------------------------- 2. units


def _check_units(clean: dict[str, pd.DataFrame | None], f: _Findings) -> list[str]:
    """单位名单: unique names, valid kinds, at least one city; returns the names in order."""
    units = clean.get("units")
    if units is None:
        return []
    seen: dict[str, int] = {}
    for i, name in enumerate(units["unit"]):
        if name is None:
            continue
        if name in seen:
            f.add("V201", "units", f"单位“{name}”重复出现（第{seen[name] + 1}行已有），每个单位只能填一行",
                  row=i, column="unit", unit=name)
        else:
            seen[name] = i
    kinds = units["kind"]
    for i, kind in enumerate(kinds):
        if kind is not None and kind not in (CITY, PROVINCE):
            f.add("V107", "units", f"{units['unit'].iloc[i] or f'第{i + 1}行'}的“类型”为“{_shown(kind)}”，"
                  "应为 设区市 或 省本级", row=i, column="kind", unit=units["unit"].iloc[i], value=kind)
    if not any(k == CITY for k in kinds) and not any(k is None for k in kinds):
        f.add("V204", "units", "单位名单中没有类型为“设区市”的单位，请至少列出一个设区市", column="kind")
    return list(seen)


def _check_per_unit(clean: dict[str, pd.DataFrame | None], table: str, names: list[str], f: _Findings) -> None:
    """扩面计划、待遇人员: every unit exactly once, no unknown unit."""
    frame = clean.get(table)
    if frame is None or not names:
        return
    known = set(names)
    seen: dict[str, int] = {}
    for i, name in enumerate(frame["unit"]):
        if name is None:
            continue
        if name not in known:
            f.add("V203", table, f"“{TABLE_LABELS[table]}”表中的单位“{name}”不在单位名单中，请检查名称是否一致"
                  "（含空格、简称）", row=i, column="unit", unit=name)
        elif name in seen:
            f.add("V201", table, f"单位“{name}”在“{TABLE_LABELS[table]}”表中出现多行，请合并为一行", row=i,
                  column="unit", unit=name)
        else:
            seen[name] = i
    for name in names:
        if name not in seen:
            f.add("V202", table, f"“{TABLE_LABELS[table]}”表中没有单位“{name}”的数据行，请补上（没有的人数填 0）",
                  column="unit", unit=name)


# ---------------------------------------------------------------- 3. years


def _year_rows(frame: pd.DataFrame, names: Iterable[str] | None) -> pd.DataFrame:
    """Rows with a usable (unit,) year and months, as integers."""
    ok = frame["year"].notna() & frame["months"].notna()
    if names is not None:
        ok &= frame["unit"].isin(list(names))
    out = frame[ok].copy()
    out["year"] = out["year"].astype(int)
    out["months"] = out["months"].astype(int)
    return out


def _check_history_years(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], names: list[str],
                         f: _Findings) -> tuple[int | None, int]:
    """历年执行: duplicates, unknown units, contiguous full years, the Y−1 progress row, months."""
    hist = clean.get("history")
    b = int(inputs.budget_year) - 1
    if hist is None:
        return None, b
    known = set(names)
    for i, name in enumerate(hist["unit"]):
        if name is not None and known and name not in known:
            f.add("V203", "history", f"历年执行表中的单位“{name}”不在单位名单中，请检查名称是否一致（含空格、简称）",
                  row=i, column="unit", unit=name)
    rows = _year_rows(hist, known if known else None)
    dup = rows.duplicated(subset=["unit", "year", "months"], keep="first")
    for i in rows.index[dup]:
        r = rows.loc[i]
        f.add("V201", "history", f"{r['unit']} {r['year']}年{_span(r['months'])}的数据出现多行，请只保留一行",
              row=int(i), column="year", unit=r["unit"])
    rows = rows[~dup]
    _late_rows(rows, b, "history", f)
    rows = rows[rows["year"] <= b]
    if rows.empty:
        f.add("V302", "history", f"历年执行表没有可用的数据：须有{b - 1}年决算数和{b}年1–N月执行数（预算年度"
              f"{b + 1}）", column="year")
        return None, b
    first = int(rows["year"].min())
    full = rows[rows["months"] == 12]
    for t in range(first, b):
        have = set(full.loc[full["year"] == t, "unit"])
        if not have:
            if t == b - 1:
                f.add("V302", "history", f"缺少{t}年全年决算数（月数 12）：预算年度{b + 1}须有{t}年决算数",
                      column="year", value=t)
            else:
                f.add("V301", "history", f"缺少{t}年全年数据：历年数据须逐年连续（{first}年至{b - 1}年），"
                      "请补上该年或删去更早的年份", column="year", value=t)
            continue
        for name in names:
            if name not in have:
                f.add("V202", "history", f"缺少{name} {t}年全年（月数 12）数据，请补上该行", column="year",
                      unit=name, value=t)
    current = rows[rows["year"] == b]
    have_b = set(current["unit"])
    if not have_b:
        f.add("V302", "history", f"缺少{b}年1–N月执行数（编制年度的执行进度），请补上各单位{b}年的进度行",
              column="year", value=b)
    else:
        for name in names:
            if name not in have_b:
                f.add("V302", "history", f"缺少{name} {b}年1–N月执行数，请补上该单位的进度行", column="year",
                      unit=name, value=b)
    _check_months(rows, "history", f)
    return first, b


def _span(months: int) -> str:
    return "全年" if int(months) == 12 else f"1–{int(months)}月"


def _late_rows(rows: pd.DataFrame, b: int, table: str, f: _Findings) -> None:
    for i in rows.index[rows["year"] > b]:
        r = rows.loc[i]
        who = f"{r['unit']} " if "unit" in rows.columns else ""
        f.add("V306", table, f"{who}{r['year']}年的数据晚于编制年度 {b} 年，测算时不使用：请确认预算年度是否填对",
              row=int(i), column="year", unit=r.get("unit"), value=int(r["year"]))


def _check_months(rows: pd.DataFrame, table: str, f: _Findings) -> None:
    """Year-to-date rows of one year must share one month count."""
    part = rows[rows["months"] < 12]
    for year, group in part.groupby("year"):
        counts = group["months"].value_counts()
        if len(counts) > 1:
            usual = int(counts.index[0])
            for i in group.index[group["months"] != usual]:
                r = group.loc[i]
                who = f"{r['unit']} " if "unit" in group.columns else ""
                f.add("V303", table, f"{who}{year}年的进度数据为1–{r['months']}月，其他为1–{usual}月："
                      "同一年度的进度数据请统一为同一月份", row=int(i), column="months", unit=r.get("unit"),
                      value=int(r["months"]))


def _check_province_years(clean: dict[str, pd.DataFrame | None], first: int | None, b: int, f: _Findings) -> None:
    ph = clean.get("province_history")
    if ph is None:
        return
    rows = _year_rows(ph, None)
    dup = rows.duplicated(subset=["year", "months"], keep="first")
    for i in rows.index[dup]:
        r = rows.loc[i]
        f.add("V201", "province_history", f"省级收支表 {r['year']}年{_span(r['months'])}出现多行，请只保留一行",
              row=int(i), column="year")
    rows = rows[~dup]
    _late_rows(rows, b, "province_history", f)
    rows = rows[rows["year"] <= b]
    if first is None:
        first = int(rows["year"].min()) if not rows.empty else b - 1
    full_years = set(rows.loc[rows["months"] == 12, "year"])
    for t in range(first, b):
        if t not in full_years:
            f.add("V301" if t < b - 1 else "V302", "province_history",
                  f"省级收支表缺少{t}年全年数据（月数 12）：须与历年执行表的年份一致（{first}年至{b - 1}年逐年）",
                  column="year", value=t)
    if b not in set(rows["year"]):
        f.add("V302", "province_history", f"省级收支表缺少{b}年1–N月执行数，请补上", column="year", value=b)
    _check_months(rows, "province_history", f)


# ---------------------------------------------------------------- 4. balance identity


def _check_balance(clean: dict[str, pd.DataFrame | None], names: list[str], b: int, f: _Findings) -> None:
    """滚存结余: balance_end_t = balance_end_{t−1} + revenue_t − expenditure_t, within 1 yuan.

    A mistyped year-end balance breaks two years at once, by opposite amounts: then only that year
    is reported, not the year that merely starts from it.
    """
    hist, ph = clean.get("history"), clean.get("province_history")
    if hist is None or ph is None or not names:
        return
    flows_in = list(items.UNIT_REVENUE_ITEMS)
    flows_out = list(items.EXPENDITURE_ITEMS)
    rows = _year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
    prov = _year_rows(ph, None).drop_duplicates(subset=["year", "months"]).sort_values(["year", "months"])
    closing = {int(r["year"]): r["balance_end"] for _, r in prov[prov["months"] == 12].iterrows()}
    gaps: dict[tuple[int, int], tuple[int, float, float, float, float, float]] = {}
    for i, r in prov.iterrows():
        year, months = int(r["year"]), int(r["months"])
        opening = closing.get(year - 1)
        group = rows[(rows["year"] == year) & (rows["months"] == months)]
        values = [r["balance_end"], r[items.SUBSIDY], r[items.INTEREST], opening]
        if len(group) != len(names) or any(v is None or not np.isfinite(v) for v in values):
            continue
        if not np.isfinite(group[flows_in + flows_out].to_numpy(dtype=float)).all():
            continue
        revenue = float(group[flows_in].to_numpy().sum()) + r[items.SUBSIDY] + r[items.INTEREST]
        expenditure = float(group[flows_out].to_numpy().sum())
        expected = opening + revenue - expenditure
        gaps[(year, months)] = (int(i), float(r["balance_end"]), float(opening), revenue, expenditure, expected)
    for (year, months), (i, actual, opening, revenue, expenditure, expected) in gaps.items():
        diff = actual - expected
        if abs(diff) <= BALANCE_TOLERANCE:
            continue
        before = gaps.get((year - 1, 12))
        if before is not None and abs(diff + (before[1] - before[5])) <= BALANCE_TOLERANCE:
            continue   # only last year's closing balance is off; reported there
        rule = "V304" if months == 12 else "V305"
        f.add(rule, "province_history",
              f"{year}年{_span(months)}期末滚存结余为 {actual:,.2f} 元，但 上年末滚存结余 {opening:,.2f}"
              f" + 收入 {revenue:,.2f}（各单位保险费及其他收入、财政补贴、利息）− 支出 {expenditure:,.2f}"
              f" = {expected:,.2f} 元，相差 {diff:,.2f} 元：请核对结余和收支数（是否漏填、是否元与万元混用）",
              row=i, column="balance_end", value=diff)


# ---------------------------------------------------------------- 5. plausibility and policy


def _change_warnings(clean: dict[str, pd.DataFrame | None], names: list[str], b: int, f: _Findings) -> None:
    """参保人数、平均缴费工资 year on year (full years, and Y−1's progress row against Y−2)."""
    hist = clean.get("history")
    if hist is None:
        return
    rows = _year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
    checks = (("insured_end", "V401", "期末参保人数", "人", "（是否以万人填写、是否漏填或多填）"),
              ("avg_wage", "V402", "平均缴费工资", "元/年", "（是否填成月工资或以万元填写）"))
    for name, own in rows.groupby("unit", sort=False):
        own_full = own[own["months"] == 12]
        mine = own_full.set_index("year")
        progress = own[(own["year"] == b) & (own["months"] < 12)]
        later = [(int(i), int(r["year"]), r) for i, r in own_full.iterrows()]
        later += [(int(i), b, r) for i, r in progress.iterrows() if b not in mine.index]
        for i, year, r in later:
            if year - 1 not in mine.index:
                continue
            prev = mine.loc[year - 1]
            for column, rule, label, unit, hint in checks:
                new, old = r[column], prev[column]
                if not (np.isfinite(new) and np.isfinite(old)) or old <= 0:
                    continue
                change = new / old - 1.0
                if abs(change) > PLAUSIBLE_CHANGE + 1e-9:
                    if f.flagged("V405", "history", i, column):
                        continue
                    f.add(rule, "history", f"{name} {year}年{_span(r['months'])}{label} {new:,.0f} {unit}，比{year - 1}年"
                          f"{old:,.0f} {unit}{'增加' if change > 0 else '减少'} {abs(change):.0%}，超过 ±{PLAUSIBLE_CHANGE:.0%}："
                          f"请核对{hint}", row=i, column=column, unit=name, value=float(change))


def _expansion_warnings(clean: dict[str, pd.DataFrame | None], b: int, f: _Findings) -> None:
    plans, hist = clean.get("plans"), clean.get("history")
    if plans is None or hist is None:
        return
    rows = _year_rows(hist, None)
    latest = rows[rows["year"] == b].sort_values("months").drop_duplicates("unit", keep="last")
    insured = dict(zip(latest["unit"], latest["insured_end"], strict=True))
    for i, r in plans.iterrows():
        n = insured.get(r["unit"])
        if n is None or not np.isfinite(n) or n <= 0 or not np.isfinite(r["expansion"]):
            continue
        if r["expansion"] / n > PLAUSIBLE_CHANGE + 1e-9:
            f.add("V401", "plans", f"{r['unit']}扩面计划 {r['expansion']:,.0f} 人，是{b}年期末参保人数 {n:,.0f} 人的"
                  f" {r['expansion'] / n:.0%}，超过 {PLAUSIBLE_CHANGE:.0%}：请确认以人为单位填写", row=int(i),
                  column="expansion", unit=r["unit"], value=float(r["expansion"]))
    if "wage_growth" in plans.columns:
        for i, r in plans.iterrows():
            g = r["wage_growth"]
            if np.isfinite(g) and abs(g) > PLAUSIBLE_CHANGE + 1e-9:
                f.add("V402", "plans", f"{r['unit']}的工资增长率为 {g:.1%}，超过 ±{PLAUSIBLE_CHANGE:.0%}：请确认按百分数"
                      "填写（如 5% 填 5% 或 0.05）", row=int(i), column="wage_growth", unit=r["unit"], value=float(g))


def _ratio_outliers(values: np.ndarray) -> np.ndarray:
    """True where a positive value is ≥ UNIT_SLIP_RATIO × off the median of the other positive values."""
    v = np.asarray(values, dtype=float)
    out = np.zeros(len(v), dtype=bool)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 3:
        return out
    for k in np.flatnonzero(ok):
        others = v[ok & (np.arange(len(v)) != k)]
        ref = float(np.median(others))
        ratio = v[k] / ref
        out[k] = ratio >= UNIT_SLIP_RATIO or ratio <= 1.0 / UNIT_SLIP_RATIO
    return out


_MONEY_HINT = "疑似元与万元混用（输入表的金额一律以元为单位），请核对"


def _unit_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], names: list[str], b: int,
                f: _Findings) -> None:
    """元/万元: values 1,000× or more off their neighbours, and premiums under 1 yuan per insured person."""
    hist = clean.get("history")
    if hist is not None:
        rows = _year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
        for name, mine in rows.groupby("unit", sort=False):
            scale = np.where(mine["months"] < 12, 12.0 / mine["months"], 1.0)
            for column in ("insured_end", "avg_wage", *items.UNIT_ITEMS):
                is_flow = column in items.UNIT_ITEMS
                values = mine[column].to_numpy(dtype=float) * (scale if is_flow else 1.0)
                for k in np.flatnonzero(_ratio_outliers(values)):
                    i = int(mine.index[k])
                    r = mine.loc[i]
                    f.add("V405", "history", f"{name} {r['year']}年{_span(r['months'])}的“{_header('history', column)}”"
                          f"为 {r[column]:,.2f}，与该单位其他年度相差上千倍：{_MONEY_HINT}", row=i, column=column,
                          unit=name, value=float(r[column]))
            for i, r in mine.iterrows():
                n, premium = r["insured_end"], r[items.PREMIUM]
                if not (np.isfinite(n) and np.isfinite(premium)) or n <= 0 or premium <= 0:
                    continue
                per_head = premium * (12.0 / r["months"]) / n
                if per_head < MIN_PREMIUM_PER_INSURED:
                    f.add("V405", "history", f"{name} {r['year']}年{_span(r['months'])}人均保险费收入只有 "
                          f"{per_head:.4f} 元/人·年（保险费 {premium:,.2f} ÷ 参保 {n:,.0f} 人）：{_MONEY_HINT}",
                          row=int(i), column=items.PREMIUM, unit=name, value=float(premium))
    ph = clean.get("province_history")
    if ph is not None:
        rows = _year_rows(ph, None).drop_duplicates(subset=["year", "months"])
        scale = np.where(rows["months"] < 12, 12.0 / rows["months"], 1.0)
        for column in (items.SUBSIDY, items.INTEREST, "balance_end"):
            values = rows[column].to_numpy(dtype=float) * (scale if column != "balance_end" else 1.0)
            for k in np.flatnonzero(_ratio_outliers(values)):
                i = int(rows.index[k])
                r = rows.loc[i]
                f.add("V405", "province_history", f"省级收支 {r['year']}年{_span(r['months'])}的“"
                      f"{_header('province_history', column)}”为 {r[column]:,.2f}，与其他年度相差上千倍：{_MONEY_HINT}",
                      row=i, column=column, value=float(r[column]))
    cross = (("plans", ("collection_plan_prev", "prevention_plan")), ("units", ("fiscal_revenue",)),
             ("beneficiaries", ("allowance_wage", "dependants_wage", "new_wage")))
    for table, columns in cross:
        frame = clean.get(table)
        if frame is None:
            continue
        for column in columns:
            if column not in frame.columns:
                continue
            for k in np.flatnonzero(_ratio_outliers(frame[column].to_numpy(dtype=float))):
                f.add("V405", table, f"{frame['unit'].iloc[k]}的“{_header(table, column)}”为 "
                      f"{frame[column].iloc[k]:,.2f}，与其他单位相差上千倍：{_MONEY_HINT}", row=int(k), column=column,
                      unit=frame["unit"].iloc[k], value=float(frame[column].iloc[k]))
    _prior_budget_slips(inputs, clean, b, f)


def _prior_budget_slips(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], b: int, f: _Findings) -> None:
    """上年预算数 against the units' (and the province's) full-year figures of the year before."""
    prior = _prior_budget(inputs)
    hist, ph = clean.get("history"), clean.get("province_history")
    if prior is None or hist is None:
        return
    full = _year_rows(hist, None)
    full = full[full["months"] == 12]
    latest = int(full["year"].max()) if not full.empty else None
    reference: dict[str, float] = {}
    if latest is not None:
        reference = {it: float(full.loc[full["year"] == latest, it].sum()) for it in items.UNIT_ITEMS}
        if ph is not None:
            prov = _year_rows(ph, None)
            prov = prov[(prov["months"] == 12) & (prov["year"] == latest)]
            if len(prov):
                reference |= {it: float(prov[it].iloc[0]) for it in items.PROVINCE_REVENUE_ITEMS}
    for code, value in prior.items():
        ref = reference.get(str(code))
        if ref is None or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0 or ref <= 0:
            continue
        ratio = float(value) / ref
        if ratio >= UNIT_SLIP_RATIO or ratio <= 1.0 / UNIT_SLIP_RATIO:
            f.add("V405", "prior_budget", f"上年预算数“{items.label(str(code))}”为 {float(value):,.2f}，与{latest}年"
                  f"决算数 {ref:,.2f} 相差上千倍：{_MONEY_HINT}", column=str(code), value=float(value))


def _band(params: ParameterSet, year: int) -> tuple[float, float] | None:
    """(lowest, highest) legal effective rate in force on 1 January of `year`; None if not in force."""
    try:
        base = params.value("industry_base_rates", dt.date(year, 1, 1))
        band = params.value("rate_float_band", dt.date(year, 1, 1))
    except ParameterError:
        return None
    base = base if isinstance(base, tuple) else (base,)
    band = band if isinstance(band, tuple) else (band, band)
    return min(base) * min(band), max(base) * max(band)


def _rate_message(name: str, when: str, rate: float, band: tuple[float, float]) -> str:
    return (f"{name} {when}实际费率（保险费收入 ÷ 平均参保人数 ÷ 平均缴费工资）为 {rate:.3%}，不在法定费率区间 "
            f"{band[0]:.2%}–{band[1]:.2%}（最低行业基准费率×下浮下限 至 最高行业基准费率×上浮上限）之内：请核对保险费收入、"
            "参保人数和平均缴费工资是否同一口径、同以元和人为单位")


def _rate_warnings(clean: dict[str, pd.DataFrame | None], names: list[str], params: ParameterSet | None,
                   b: int, f: _Findings) -> None:
    """Effective rate of every full year that has a full year before it."""
    hist = clean.get("history")
    if hist is None or params is None:
        return
    rows = _year_rows(hist, names).drop_duplicates(subset=["unit", "year", "months"])
    full = rows[rows["months"] == 12]
    for name, own in full.groupby("unit", sort=False):
        mine = own.set_index("year")
        index_of = dict(zip(own["year"], own.index, strict=True))
        for year in mine.index:
            if year - 1 not in mine.index:
                continue
            band = _band(params, int(year))
            i, j = int(index_of[year]), int(index_of[year - 1])
            if band is None or any(f.flagged("V405", "history", k, c) for k in (i, j)
                                   for c in ("insured_end", "avg_wage", items.PREMIUM)):
                continue
            r, p = mine.loc[year], mine.loc[year - 1]
            payroll = (r["insured_end"] + p["insured_end"]) / 2.0 * r["avg_wage"]
            if not (np.isfinite(payroll) and payroll > 0 and np.isfinite(r[items.PREMIUM])):
                continue
            rate = r[items.PREMIUM] / payroll
            if not band[0] <= rate <= band[1]:
                f.add("V403", "history", _rate_message(name, f"{year}年", rate, band), row=i, column=items.PREMIUM,
                      unit=name, value=float(rate))


def _wage_warnings(inputs: BudgetInputs, clean: dict[str, pd.DataFrame | None], params: ParameterSet | None,
                   year: int, f: _Findings) -> None:
    """本人工资 within the floor and ceiling of the average monthly wage (条例 §64), where people are counted."""
    ben = clean.get("beneficiaries")
    avg = _scalar(getattr(inputs.assumptions, "avg_monthly_wage", None))
    if ben is None or params is None or avg is None or avg <= 0:
        return
    on = dt.date(year, 1, 1)
    try:
        low, high = float(params.value("wage_floor_ratio", on)), float(params.value("wage_ceiling_ratio", on))
    except ParameterError:
        return
    groups = {
        "allowance_wage": [f"allowance_{g}" for g in range(1, 5)],
        "dependants_wage": ["dependants_spouse", "dependants_other", "dependants_lone_extra"],
        "new_wage": [f"new_{g}" for g in range(1, 11)],
    }
    for column, counts in groups.items():
        for i, r in ben.iterrows():
            w = r[column]
            people = r[counts].to_numpy(dtype=float)
            if not np.isfinite(w) or not (np.nan_to_num(people) > 0).any():
                continue
            if f.flagged("V405", "beneficiaries", int(i), column):
                continue
            share = w / avg
            if share < low or share > high:
                f.add("V404", "beneficiaries", f"{r['unit']}的“{_header('beneficiaries', column)}”为 {w:,.2f} 元/月，"
                      f"是上年全省职工月平均工资 {avg:,.0f} 元的 {share:.0%}，不在 {low:.0%}–{high:.0%} 的计发范围内："
                      "请确认按月工资（元/月）填写；测算时按上下限计发", row=int(i), column=column, unit=r["unit"],
                      value=float(w))


# ---------------------------------------------------------------- 6. assumptions and parameters


def _scalar(value: Any) -> float | None:
    """A finite float from a number (None when blank, not a number, or an array)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


_ASSUMPTION_LABELS = {
    "wage_growth": "工资增长率", "timing": "新增参保缴费时间占比", "rate_change": "费率政策调整",
    "medical_growth": "医疗费用增长率", "benefit_adjustment": "定期待遇调整幅度",
    "avg_monthly_wage": "上年全省在岗职工月平均工资", "national_income": "上年全国城镇居民人均可支配收入",
    "income_growth": "居民收入增长率", "interest_rate": "基金存款综合利率", "subsidy_plan": "财政补贴收入计划",
    "reserve_months": "储备月数下限", "trend_years": "趋势测算年数", "trend_tolerance": "趋势校验容差",
}
#: field → (blank allowed, lowest, highest, lowest is exclusive, must be an integer)
_ASSUMPTION_RANGES: dict[str, tuple[bool, float | None, float | None, bool, bool]] = {
    "wage_growth": (False, -1.0, None, True, False),
    "timing": (False, 0.0, 1.0, False, False),
    "rate_change": (False, -1.0, None, True, False),
    "medical_growth": (False, -1.0, None, True, False),
    "benefit_adjustment": (False, -1.0, None, True, False),
    "avg_monthly_wage": (False, 0.0, None, True, False),
    "national_income": (True, 0.0, None, True, False),
    "income_growth": (False, -1.0, None, True, False),
    "interest_rate": (False, 0.0, 1.0, False, False),
    "subsidy_plan": (True, 0.0, None, False, False),
    "reserve_months": (False, 0.0, None, False, False),
    "trend_years": (False, 1.0, None, False, True),
    "trend_tolerance": (False, 0.0, None, False, False),
}


def _budget_year(inputs: BudgetInputs) -> int | None:
    """预算年度 as an int, None when it is not a whole year in YEAR_RANGE."""
    year = _scalar(inputs.budget_year)
    if year is None or year != round(year) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    return int(year)


def _check_assumptions(inputs: BudgetInputs, f: _Findings) -> None:
    a = inputs.assumptions
    if _budget_year(inputs) is None:
        f.add("V106", "assumptions", f"预算年度“{_shown(inputs.budget_year)}”应为 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} "
              "之间的整数年份", column="budget_year", value=_shown(inputs.budget_year))
    for name, (blank_ok, low, high, exclusive, integer) in _ASSUMPTION_RANGES.items():
        value = getattr(a, name, None)
        label = _ASSUMPTION_LABELS[name]
        if _is_blank(value):
            if not blank_ok:
                f.add("V102", "assumptions", f"参数“{label}”为空，请填写", column=name)
            continue
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            problem = _not_a_number(value) or ("V103", "不是数字，请填入数值")
            f.add(problem[0], "assumptions", f"参数“{label}”{problem[1]}", column=name, value=_shown(value))
            continue
        if isinstance(value, str | bool | np.bool_) or not np.isfinite(arr).all():
            problem = _not_a_number(value) or ("V103", "含有空白或非有限数值，请填入数值")
            f.add(problem[0], "assumptions", f"参数“{label}”{problem[1]}", column=name, value=_shown(value))
            continue
        too_low = low is not None and ((arr <= low) if exclusive else (arr < low)).any()
        too_high = (high is not None and (arr > high).any()) or (np.abs(arr) > MAX_MAGNITUDE).any()
        not_whole = integer and (arr != np.round(arr)).any()
        if too_low or too_high or not_whole:
            bound = []
            if low is not None:
                bound.append(f"{'大于' if exclusive else '不小于'} {low:g}")
            bound.append(f"不大于 {high if high is not None else MAX_MAGNITUDE:g}")
            if integer:
                bound.append("整数")
            rule = "V104" if name == "subsidy_plan" and too_low else "V106"
            f.add(rule, "assumptions", f"参数“{label}”为 {_shown(value)}，应{'、'.join(bound)}（比率按小数或百分数填写，"
                  "如 5% 或 0.05）", column=name, value=_shown(value))
        elif name == "wage_growth" and (np.abs(arr) > PLAUSIBLE_CHANGE + 1e-9).any():
            f.add("V402", "assumptions", f"工资增长率假设为 {_shown(value)}，超过 ±{PLAUSIBLE_CHANGE:.0%}：请确认按百分数填写"
                  "（如 5% 填 5% 或 0.05）", column=name, value=_shown(value))
    raw_methods = getattr(a, "trend_methods", None) or {}
    methods = raw_methods if isinstance(raw_methods, Mapping) else {}
    if not isinstance(raw_methods, Mapping):
        f.add("V107", "assumptions", "趋势方法应为 科目 → 方法 的对照表", column="trend_methods")
    valid_items = set(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    choices = "、".join(f"{k}（{v}）" for k, v in TREND_METHODS.items())
    for item, method in methods.items():
        if str(item) not in valid_items:
            f.add("V107", "assumptions", f"趋势方法中的科目“{_shown(item)}”不是预算科目，请删去该行",
                  column=f"trend_methods.{item}", value=_shown(item))
        elif method not in TREND_METHODS:
            f.add("V107", "assumptions", f"“{items.label(str(item))}”的趋势方法“{_shown(method)}”无法识别，可选：{choices}",
                  column=f"trend_methods.{item}", value=_shown(method))


def _load_params(inputs: BudgetInputs, params: ParameterSet | None, f: _Findings) -> ParameterSet | None:
    if params is not None:
        return params
    code = inputs.province_code
    try:
        return load_parameters(code if isinstance(code, str) and code.strip() else None)
    except ParameterError as exc:
        f.add("V601", "assumptions", f"参数代码“{_shown(code)}”无效：{exc.message}", column="province_code",
              value=_shown(code))
    try:
        return load_parameters(None)
    except ParameterError:  # pragma: no cover - the packaged national file is always there
        return None


def _prior_budget(inputs: BudgetInputs) -> pd.Series | None:
    prior = inputs.prior_budget
    return prior if isinstance(prior, pd.Series) else None


def _check_prior_budget(inputs: BudgetInputs, f: _Findings) -> None:
    prior = inputs.prior_budget
    if prior is None:
        return
    if not isinstance(prior, pd.Series):
        f.add("V101", "prior_budget", "上年预算数应为 科目 → 金额（元） 的对照表")
        return
    known = set(items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS)
    for code, value in prior.items():
        name = items.label(str(code))
        if str(code) not in known:
            f.add("V701", "prior_budget", f"上年预算数中的科目“{_shown(code)}”不是预算科目，测算时不使用：请检查科目代码"
                  "或科目名称", column=str(code), value=_shown(code))
        if _is_blank(value):
            continue
        problem = _not_a_number(value)
        if problem is not None:
            f.add(problem[0], "prior_budget", f"上年预算数“{name}”{problem[1]}", column=str(code), value=_shown(value))
        elif float(value) < 0:
            f.add("V104", "prior_budget", f"上年预算数“{name}”为 {float(value):,.2f}，不能为负数", column=str(code),
                  value=float(value))


# ---------------------------------------------------------------- 7. sharing options


def _option_rule(exc: BudgetInputError) -> str:
    """Which rule a refusal of parse_option falls under (from the error's field and value)."""
    key = exc.field or ""
    if key == "weights" and isinstance(exc.value, float):
        return "V502"
    if key.startswith("weights.") and key.split(".", 1)[1] not in FACTORS:
        return "V503"
    return "V501"


def _check_options(options: Sequence[Any], clean: dict[str, pd.DataFrame | None], f: _Findings) -> None:
    names: dict[str, int] = {}
    for k, option in enumerate(options):
        name = _text(option.get("name")) if isinstance(option, Mapping) else getattr(option, "name", None)
        try:
            parsed = parse_option(option)
        except BudgetInputError as exc:
            f.add(_option_rule(exc), "options", f"分担方案“{name or k + 1}”：{exc.message}"
                  + (f"（{exc.field}）" if exc.field else ""), row=k, column=exc.field, unit=None,
                  value=_shown(exc.value) if exc.value is not None else None)
            continue
        except (TypeError, ValueError, AttributeError, KeyError):   # a value of a type parse_option cannot read
            f.add("V501", "options", f"分担方案“{name or k + 1}”：有设置的取值类型无法识别（如在应填代码或数值处填了"
                  "列表或表），请按方案格式填写", row=k)
            continue
        if parsed.name in names:
            f.add("V504", "options", f"分担方案代码“{parsed.name}”与第{names[parsed.name] + 1}个方案重复，请改用不同的代码",
                  row=k, column="name", value=parsed.name)
            continue
        names[parsed.name] = k
        needs_fiscal = "fiscal_capacity" in parsed.factors_used or parsed.cap_basis == "fiscal_capacity"
        units = clean.get("units")
        if not needs_fiscal or units is None:
            continue
        if "fiscal_revenue" not in units.columns:
            f.add("V505", "units", f"分担方案“{parsed.name}”使用财力（一般公共预算收入），但单位表没有“一般公共预算收入”列，"
                  "请补上", column="fiscal_revenue")
            continue
        for i, r in units.iterrows():
            if r["kind"] == CITY and not np.isfinite(r["fiscal_revenue"]):
                f.add("V505", "units", f"分担方案“{parsed.name}”使用财力（一般公共预算收入），但{r['unit']}的该项为空，"
                      "请补填（元）", row=int(i), column="fiscal_revenue", unit=r["unit"])


# ---------------------------------------------------------------- 8. the engine as the last check


_HEADER_CODES: dict[str, dict[str, str]] = {t: {v: k for k, v in cols.items()} for t, cols in COLUMNS.items()}


def _engine_checks(inputs: BudgetInputs, options: Sequence[Any], params: ParameterSet, b: int,
                   f: _Findings) -> None:
    """Run the engine: a refusal is V801; its estimates feed the base-year rate and prevention cap checks."""
    from models.benefits import prevention_cap
    from models.budget import run_budget

    try:
        result = run_budget(inputs, list(options) or None, params=params)
    except BudgetInputError as exc:
        table = exc.table if exc.table in TABLES else None
        column = exc.field
        if table is not None and column in _HEADER_CODES.get(table, {}):
            column = _HEADER_CODES[table][column]
        f.add("V801", table, f"测算无法进行：{exc.describe()}", column=column, unit=exc.unit,
              value=_shown(exc.value) if exc.value is not None else None)
        return
    for i in option_reachability(options, result.context):
        f.add(i.rule, i.table, i.message, row=i.row, column=i.column, value=i.value)
    fc = result.forecast
    hist = inputs.history.reset_index(drop=True)
    years = pd.to_numeric(hist["year"], errors="coerce")
    months = pd.to_numeric(hist["months"], errors="coerce")
    units = [_text(u) for u in hist["unit"]]
    band = _band(params, b)
    rates = np.asarray(fc.drivers["effective_rate"], dtype=float)
    for k, name in enumerate(fc.units):
        if band is None or band[0] <= rates[k] <= band[1]:
            continue
        rows = [i for i in range(len(hist)) if units[i] == name and years.iloc[i] == b]
        i = max(rows, key=lambda j: months.iloc[j]) if rows else None
        if i is not None and f.flagged("V405", "history", i, items.PREMIUM):
            continue
        f.add("V403", "history", _rate_message(name, f"{b}年（预计执行数）", float(rates[k]), band), row=i,
              column=items.PREMIUM, unit=name, value=float(rates[k]))
    on = dt.date(int(inputs.budget_year), 1, 1)
    premium_b = float(np.asarray(fc.estimate[items.PREMIUM]).sum())
    plan_total = float(np.nansum(np.asarray(fc.drivers["prevention_plan"], dtype=float)))
    cap = float(np.asarray(prevention_cap(premium_b, params, on)))
    if plan_total > cap + BALANCE_TOLERANCE:
        ratio = cap / premium_b if premium_b > 0 else 0.0
        f.add("V406", "plans", f"各单位工伤预防费计划合计 {plan_total / 1e4:,.2f} 万元，超过上限 {cap / 1e4:,.2f} 万元"
              f"（{b}年保险费收入预计 {premium_b / 1e4:,.2f} 万元 × {ratio:.0%}），测算时将按比例压减：请按上限调整计划",
              column="prevention_plan", value=plan_total)


# ---------------------------------------------------------------- entry point


def validate(inputs: BudgetInputs, options: list[dict] | None = None,
             params: ParameterSet | None = None) -> list[Issue]:
    """校验输入: every rule of :data:`RULES` that applies to pure data; errors first, then warnings.

    `options` defaults to ``inputs.options``; `params` to the packaged parameters of
    ``inputs.province_code``. Never raises for bad input: every problem is an :class:`Issue`.
    """
    f = _Findings()
    opts = list(inputs.options or []) if options is None else list(options)
    _check_assumptions(inputs, f)
    params = _load_params(inputs, params, f)
    clean = {t: _check_table(inputs, t, f) for t in COLUMNS}
    names = _check_units(clean, f)
    for table in ("plans", "beneficiaries"):
        _check_per_unit(clean, table, names, f)
    year = _budget_year(inputs)
    b = year - 1 if year is not None else 0
    if year is not None:
        first, b = _check_history_years(inputs, clean, names, f)
        _check_province_years(clean, first, b, f)
        _check_balance(clean, names, b, f)
        _unit_slips(inputs, clean, names, b, f)
        _change_warnings(clean, names, b, f)
        _expansion_warnings(clean, b, f)
        _rate_warnings(clean, names, params, b, f)
        _wage_warnings(inputs, clean, params, year, f)
    _check_prior_budget(inputs, f)
    _check_options(opts, clean, f)
    if not f.has_errors and params is not None and year is not None:
        _engine_checks(inputs, opts, params, b, f)
    return f.result()
