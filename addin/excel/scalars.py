"""UDF 单项测算 — coercion and engine calls behind the single-value UDFs (GS_TREND, GS_PREMIUM,
GS_BENEFIT, GS_MONTHS_PAYABLE) and the environment report of GS_INFO.

Each function takes the raw values Excel hands over (numbers, text, None for a blank, lists for a
range), checks them with `addin.workbook.coerce`, and calls the engine: `models.trend.trend`,
`models.forecast.premium_revenue`, `models.benefits.benefit_amount`, `models.balance.months_payable`.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from addin import __version__
from addin.excel import results
from addin.workbook import coerce, layout
from models import benefits
from models.balance import months_payable
from models.errors import BudgetInputError
from models.forecast import premium_revenue
from models.inputs import Assumptions
from models.parameter_set import ParameterSet, load_parameters, to_date
from models.trend import METHODS, trend

EXCEL_EPOCH = dt.date(1899, 12, 30)     # Excel's day 0 (serial dates in arrays arrive as plain numbers)
YEARS = range(1900, 2201)
MAX_GROWTH = 10.0                        # a growth rate above 1000% is a typing slip (the projection's own bound)
TREND_CHOICES: tuple[tuple[str, str], ...] = layout.TREND_CHOICES + tuple((label, code) for code, label in
                                                                          METHODS.items())
#: Items whose base is the average monthly wage (the `wage` argument of GS_BENEFIT is that average).
AVERAGE_WAGE_ITEMS = frozenset({"care", "medical_grant", "funeral"})
#: Packages GS_INFO reports.
PACKAGES: tuple[str, ...] = ("numpy", "pandas", "numpy-financial", "openpyxl", "xlwings", "defusedxml")


# ---------------------------------------------------------------------------------------------
# small converters

def on_date(value: Any, field: str = "日期") -> dt.date:
    """查询日期: blank → today; a date; a year (2027); an Excel serial date (46388); 'YYYY-MM-DD' text."""
    if coerce.is_blank(value):
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        number = coerce.parse_number_text(value)
        if number is None:
            return to_date(value.strip())
        value = number
    number = coerce.to_float(value, field)
    if number.is_integer() and int(number) in YEARS:
        return dt.date(int(number), 1, 1)
    if 1 <= number < 2_958_466:             # Excel's serial dates run to 9999-12-31
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise BudgetInputError("日期无法识别：请填日期、年份（如 2027）或 2027-01-01 这样的文字", field=field, value=value)


def trend_method(value: Any) -> str:
    """趋势方法 code (average | cagr | linear) from its Chinese name or code; blank → average."""
    return coerce.to_choice(value, "趋势方法", TREND_CHOICES, default="average")


def trend_years(value: Any) -> int:
    """趋势测算年数 k; blank → the forecast's default."""
    years = coerce.to_int(value, "趋势测算年数", default=Assumptions().trend_years)
    if years < 1:
        raise BudgetInputError("趋势测算年数应为 1 或以上的整数", field="趋势测算年数", value=years)
    return years


def series(value: Any) -> tuple[np.ndarray, bool]:
    """历年数值: one row or column → (T,), or a block with one series per row → (N, T).

    Returns the array and whether it was a block. Blank cells at the end of a row or column are
    dropped (an oversized selection); other blanks and text are refused with their position.
    """
    rows = coerce.as_rows(value)
    if len(rows) > 1 and rows and len(rows[0]) > 1:
        block = [[coerce.to_float(v, "历年数值", where=coerce.range_position(i, j)) for j, v in enumerate(r)]
                 for i, r in enumerate(rows)]
        return np.array(block, dtype=float), True
    return coerce.to_vector(value, "历年数值", drop_trailing_blanks=True), False


def params_for(province: Any) -> ParameterSet:
    """参数集: the national parameters plus a province's file (blank → national only)."""
    code = coerce.to_str(province, "参数代码", default=None)
    return load_parameters(code)


# ---------------------------------------------------------------------------------------------
# engine calls

def trend_values(history: Any, method: Any, periods: Any) -> float | list[list[float]]:
    """下一年趋势值 of one series (a number) or of each row of a block (a column of numbers)."""
    values, block = series(history)
    result = trend(values, trend_method(method), trend_years(periods)).value
    if block:
        return [[finite(v)] for v in np.asarray(result, dtype=float)]
    return finite(result)


def premium(insured_end: Any, expansion: Any, avg_wage: Any, wage_growth: Any, effective_rate: Any,
            timing: Any = None, rate_change: Any = None) -> float:
    """工伤保险费收入 (yuan) by the forecast's own formula (`models.forecast.premium_revenue`).

    N_end 上年末参保人数, X 扩面计划, w 上年平均缴费工资 (元/年), g 工资增长率, r 实际费率, τ 新增参保
    缴费时间占比 (blank → the forecast's default), Δrate 费率调整 (blank → 0).
    """
    defaults = Assumptions()
    n_end = coerce.to_float(insured_end, "上年末参保人数")
    x = coerce.to_float(expansion, "扩面计划")
    wage = coerce.to_float(avg_wage, "平均缴费工资")
    g = coerce.to_float(wage_growth, "工资增长率")
    rate = coerce.to_float(effective_rate, "实际费率")
    tau = coerce.to_float(timing, "新增参保缴费时间占比", default=defaults.timing)
    d_rate = coerce.to_float(rate_change, "费率调整", default=defaults.rate_change)
    for name, number in (("上年末参保人数", n_end), ("扩面计划", x), ("平均缴费工资", wage), ("实际费率", rate)):
        if number < 0:
            raise BudgetInputError("不能为负数", field=name, value=number)
    if not 0 <= tau <= 1:
        raise BudgetInputError("应在 0 到 1（0%–100%）之间", field="新增参保缴费时间占比", value=tau)
    for name, number in (("工资增长率", g), ("费率调整", d_rate)):
        if not -1.0 < number <= MAX_GROWTH:
            raise BudgetInputError(f"应大于 −100% 且不超过 {MAX_GROWTH:.0%}（收到 {number:.0%}）", field=name)
    if rate > 1:
        raise BudgetInputError(f"实际费率应不超过 100%（收到 {rate:.2%}），请按比例填写（如 0.8%）", field="实际费率")
    return finite(premium_revenue(n_end, x, wage, g, rate, tau, d_rate))


def finite(value: Any) -> float:
    """A result Excel can show: a finite number, else a readable message instead of a bare #NUM!."""
    number = float(value)
    if not np.isfinite(number):
        raise BudgetInputError("结果超出可计算的范围：请核对输入的数值和单位（元、人、比例）")
    return number


def option_number(number: int, count: int) -> int:
    """方案序号 (1 = the first option) → 0-based position, or a message naming the valid numbers."""
    if not 1 <= number <= count:
        raise BudgetInputError(f"方案序号应为 1–{count} 的整数（1 表示第一个方案），收到 {number}", field="方案")
    return number - 1


def benefit(item: Any, grade: Any, wage: Any, count: Any, date: Any, avg_monthly_wage: Any,
            province: Any) -> float:
    """单项待遇金额 (yuan; monthly items per month) via `models.benefits.benefit_amount`.

    `wage` is the base the item is computed on: the worker's own monthly wage (一次性伤残补助金, 伤残津贴,
    供养亲属抚恤金 — the deceased's), the average monthly wage (生活护理费, 一次性工伤医疗补助金, 丧葬补助金),
    or the national urban income (一次性工亡补助金; blank → the parameter file's figure).
    """
    code = benefits.item_code(coerce.to_str(item, "待遇项目"))
    grade_value = coerce.to_float(grade, "等级", default=None)
    base = coerce.to_float(wage, "工资", default=None)
    average = coerce.to_float(avg_monthly_wage, "上年度职工月平均工资", default=None)
    n = coerce.to_float(count, "人数", default=1.0)
    on = on_date(date)
    params = params_for(province)
    national_income = None
    if code in AVERAGE_WAGE_ITEMS:
        average = average if average is not None else base
        if average is None:
            raise BudgetInputError("请填写上年度职工月平均工资（第3个参数）", field="工资")
    elif code == "death_grant":
        national_income = base
    elif average is None:
        raise BudgetInputError("请在第6个参数填写上年度职工月平均工资（用于本人工资60%–300%的限额）",
                               field="上年度职工月平均工资")
    amount = benefits.benefit_amount(code, grade_value, base, n, on=on, params=params,
                                     avg_monthly_wage=average, national_income=national_income)
    return finite(amount)


def months(balance: Any, annual_expenditure: Any) -> float:
    """可支付月数 = 滚存结余 ÷ (年支出 ÷ 12) (`models.balance.months_payable`)."""
    b = coerce.to_float(balance, "滚存结余")
    e = coerce.to_float(annual_expenditure, "年支出")
    if e <= 0:
        raise BudgetInputError("年支出应大于 0，才能计算可支付月数", field="年支出", value=e)
    return finite(months_payable(b, e))


# ---------------------------------------------------------------------------------------------
# GS_INFO

def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "未安装"


#: GS_INFO's reports, by (province argument, module file, day): the packages of a running process do not
#: change, and the parameter set in force changes with the date only.
_INFO: dict[tuple[str, str | None, dt.date], list[list[Any]]] = {}
INFO_KEPT = 8


def info_rows(province: Any = None, module_file: str | None = None) -> list[list[Any]]:
    """运行环境: interpreter, package versions and the parameter set in force today (2 columns); made
    once a day per province argument (a recalculation does not look up the package versions again)."""
    key = (repr(province), module_file, dt.date.today())
    rows = _INFO.get(key)
    if rows is None:
        rows = _info_rows(province, module_file, key[2])
        if len(_INFO) >= INFO_KEPT:
            _INFO.clear()
        _INFO[key] = rows
    return [list(r) for r in rows]


def _info_rows(province: Any, module_file: str | None, today: dt.date) -> list[list[Any]]:
    rows: list[list[Any]] = [["项目", "内容"],
                             ["Python 版本", platform.python_version()],
                             ["Python 路径", sys.executable],
                             ["wibudget 版本", __version__]]
    rows += [[f"{name} 版本", _package_version(name)] for name in PACKAGES]
    rows.append(["UDF 模块", str(Path(module_file).resolve()) if module_file else "addin.excel.udfs"])
    rows.append(["操作系统", platform.platform()])
    try:
        params = params_for(province)
        table = params.table(today)
        sources = "、".join(dict.fromkeys(table["source"]))
        latest = max(table["effective"]).isoformat() if len(table) else ""
        rows += [["参数集", params.province or "全国"], ["参数文件", sources],
                 [f"参数个数（{today.isoformat()} 生效）", str(len(table))], ["最近生效日期", latest]]
    except BudgetInputError as exc:
        rows.append(["参数集", results.cell_error(exc)])
    # one length whatever the province: a failed parameter look-up is padded to the rows of a good one, so the
    # formula's range fits in Excel and in LibreOffice alike (neither shows #N/A below a shorter report)
    full = 4 + len(PACKAGES) + 2 + 4
    return rows + [[None, None] for _ in range(full - len(rows))]
