"""规则目录 (the rule catalogue) — severities, limits, every rule id with its title and description, the Issue record
and the collector that caps repeated findings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.validation.reachability import RULE_DESCRIPTION as REACHABILITY_DESCRIPTION

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

#: 读入数值界限 — the one table of numeric limits: the workbook reader refuses a value beyond them at
#: read time (naming the cell) and validation applies the same bounds, so the engine never sees a
#: value the rules would refuse. Code → (lowest, highest); every other number: |x| ≤ MAX_MAGNITUDE.
READ_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "year": YEAR_RANGE, "budget_year": YEAR_RANGE, "months": (1, 12), "assessment_rank": (1, None),
    "weight.*": (0.0, 1.0), "province_share": (0.0, 1.0), "province_share.if_true": (0.0, 1.0),
    "province_share.if_false": (0.0, 1.0), "management_charge_ratio": (0.0, 1.0), "cap.ratio": (0.0, None),
    "fixed_amount": (0.0, None), "interest_rate": (0.0, 1.0),
}


def read_limits(code: str | None) -> tuple[float, float]:
    """(lowest, highest) a number of column/setting `code` may take when read (±MAX_MAGNITUDE by default)."""
    key = "weight.*" if (code or "").startswith("weight.") else code or ""
    low, high = READ_LIMITS.get(key, (None, None))
    return (-MAX_MAGNITUDE if low is None else low, MAX_MAGNITUDE if high is None else high)

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
    # workbook level (reported by addin.workbook.check)
    Rule("V001", ERROR, "文件无法打开", "不是 .xlsx/.xlsm、文件为空、不完整或已损坏、设有打开密码或找不到文件"),
    Rule("V002", ERROR, "文件超出安全限制", "文件过大、疑似压缩炸弹，或工作表的行数、列数、单元格数超过上限"),
    Rule("V003", ERROR, "缺少工作表", "参数、历年执行、扩面计划、待遇人员、分担方案五张输入表须齐全、名称一致"),
    Rule("V004", ERROR, "工作簿读取失败", "无法按输入版式读取的其他内容，如参数表或分担方案表中未知的代码"),
    Rule("V005", ERROR, "输入区域外有内容", "输入表下方（或分担方案右侧）超出函数读取区域的单元格有内容：工作簿中的结果表未计入，"
                                     "与命令行结果不一致；请重建工作簿或把内容移入表内"),
    Rule("V006", ERROR, "分担表不够", "分担方案表中的方案多于缺口分担工作表上的分担表：多出的方案没有分担表；请重建工作簿"),
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
    # workbook level warnings (reported by addin.workbook.check from the file itself)
    Rule("V407", WARNING, "隐藏的行或列中有数据", "输入表中被隐藏的行或列里有数据，测算会照常使用：请取消隐藏并核对"),
    Rule("V408", WARNING, "输入表被隐藏", "输入表所在的工作表被隐藏，其数据会照常使用：请取消隐藏并核对"),
    Rule("V409", WARNING, "公式链接到其他工作簿", "输入表中的公式引用了其他工作簿或外部程序，读取的是上次保存的结果：请改为数值并核对"),
    Rule("V410", WARNING, "名称以公式符号开头", "单位名称、方案代码或方案名称以 = + - @ 开头，在其他表格软件中可能被当作公式执行"),
    # sharing options
    Rule("V501", ERROR, "分担方案设置无效", "分担方案的设置无法识别或数值不合要求"),
    Rule("V502", ERROR, "分担权重之和不为1", "一个方案中各分担因素的权重合计须等于100%"),
    Rule("V503", ERROR, "未知分担因素", "权重填在了不是可用分担因素的名称下"),
    Rule("V504", ERROR, "方案代码重复", "两个分担方案使用同一代码"),
    Rule("V505", ERROR, "方案所需数据空白", "方案使用财力因素或以一般公共预算收入封顶，但有设区市该项空白"),
    Rule("V506", WARNING, "分担方案条件或因素无法生效", REACHABILITY_DESCRIPTION),
    # parameters, prior budget, engine
    Rule("V601", WARNING, "省级标准待核实", "该省没有省级参数文件（或文件缺少某些省级标准），按全国参数和参考值测算"),
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


class Findings:
    """Collects issues; lists at most MAX_PER_COLUMN per (rule, table, column) and counts the rest."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._seen: Counter[tuple] = Counter()
        self._first: dict[tuple, Issue] = {}
        self._cells: set[tuple] = set()
        self._places: set[tuple] = set()
        self.memo: dict[tuple, Any] = {}          # tables derived once per validation (see units_years.unique_rows)
        self.tapes: list[list[tuple]] = []        # recordings of the add calls of running steps (validation.memo)
        self.table_keys: dict[str, bytes | None] = {}   # content key of each input table (validation.memo)

    def add(self, rule: str, table: str | None, message: str, *, row: int | None = None,
            column: str | None = None, unit: Any = None, value: Any = None) -> None:
        for tape in self.tapes:
            tape.append((rule, table, message, {"row": row, "column": column, "unit": unit, "value": value}))
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


