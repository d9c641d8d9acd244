"""工伤保险基金预算 Excel 函数 — the UDF module Excel imports (xlwings.conf: UDF Modules = addin.excel.udfs).

Every `@xw.func` of the workbook lives in this one module, because xlwings imports (and reloads) only
the modules named in "UDF Modules"; the work is done in `addin.excel.inputs` (input ranges → engine
result, cached), `addin.excel.tables` (result → 2-D tables), `addin.excel.outlook` (multi-year projection,
sensitivity and risk, cached), `addin.excel.check` (the findings of `addin.workbook.check`) and
`addin.excel.scalars` (single values).

The arguments carry no type hints and no converters on purpose: on Windows xlwings would turn hints
into converters, on Linux it applies none, so the UDFs take the raw values Excel passes (numbers, text,
None for a blank, lists of rows for a range) and coerce them with `addin.workbook.coerce` — the same code in
Excel and in the tests. `@xw.arg(..., doc=...)` only adds help text. A bad input gives a short
"#输入错误: …" message in the cell, never a traceback (`addin.excel.results.udf_result`).

Table functions return 2-D lists in 万元 with 2 decimals that add up (the engine's reconciled tables);
they take the seven input tables (with their header rows) as defined names inp_params … inp_options.
Every array function has xlwings' reserved last argument `caller` (the calling Range on Windows; not a
worksheet argument, the VBA wrapper passes it itself): `udf_result` fits the table to that range and
shows "区域不足 …" in its first cell when the range is too small, so a table is never cut off silently.
"""

from __future__ import annotations

import xlwings as xw

from addin.excel import check as udf_check
from addin.excel import inputs as udf_inputs
from addin.excel import outlook as udf_outlook
from addin.excel import scalars as udf_scalars
from addin.excel import tables as udf_tables
from addin.excel.results import udf_result
from addin.workbook import coerce
from addin.workbook.coerce import to_choice
from models.errors import BudgetInputError

CATEGORY = "工伤保险基金预算"

# Argument help (Excel shows it in the function wizard; at most 255 characters each).
_DOC = {
    "params": "参数表 inp_params（含表头）— parameter table with its header row",
    "history": "各单位历年收支 inp_history（含表头，金额单位元）— unit history, yuan",
    "province_history": "省级收支与滚存结余 inp_province_history（含表头）— province history",
    "prior_budget": "上年预算数 inp_prior_budget（含表头，可留空）— last year's budget, may be blank",
    "plans": "各单位基本情况与扩面计划 inp_plans（含表头）— units and coverage plans",
    "beneficiaries": "待遇享受人员 inp_beneficiaries（含表头）— beneficiaries",
    "options": "缺口分担方案 inp_options（含表头；留空用预置方案）— sharing options; blank = presets",
}


def _inputs_doc(f):
    """@xw.arg help text for the seven input-table arguments."""
    for name in reversed(udf_inputs.INPUT_TABLES):
        f = xw.arg(name, doc=_DOC[name])(f)
    return f


# ---------------------------------------------------------------------------------------------
# single values


@xw.func(category=CATEGORY)
@xw.arg("history", doc="历年数值：一行或一列（旧→新），或每行一个序列 — yearly figures, oldest first")
@xw.arg("method", doc="趋势方法：平均增长率（默认）、年均复合增长率、线性趋势 — average | cagr | linear")
@xw.arg("periods", doc="参与测算的最近年数，默认 3 — number of recent years used (default 3)")
@udf_result
def GS_TREND(history, method=None, periods=None):
    """趋势值：按历年执行数测算下一年数值（平均增长率、年均复合增长率或线性趋势）。Trend figure: next year's value of a series of prior execution figures (average growth, CAGR or linear). A block with one series per row gives one value per row."""
    return udf_scalars.trend_values(history, method, periods)


@xw.func(category=CATEGORY)
@xw.arg("insured_end", doc="上年末参保人数（人）— insured at the end of the base year")
@xw.arg("expansion", doc="扩面计划（人）— planned newly insured")
@xw.arg("avg_wage", doc="上年平均缴费工资（元/年）— average contribution wage, yuan per year")
@xw.arg("wage_growth", doc="工资增长率，如 5% — wage growth")
@xw.arg("effective_rate", doc="实际费率 = 上年保险费收入 ÷ 缴费工资总额 — effective premium rate")
@xw.arg("timing", doc="新增参保缴费时间占比，默认 50% — share of the year the newly insured pay")
@xw.arg("rate_change", doc="费率政策调整，默认 0 — rate policy change")
@udf_result
def GS_PREMIUM(insured_end, expansion, avg_wage, wage_growth, effective_rate, timing=None, rate_change=None):
    """工伤保险费收入（元）=（上年末参保人数 + 时间占比 × 扩面计划）× 平均缴费工资 ×（1 + 工资增长率）× 实际费率 ×（1 + 费率调整）。Premium revenue in yuan: (insured + timing × expansion) × wage × (1 + growth) × effective rate × (1 + rate change)."""
    return udf_scalars.premium(insured_end, expansion, avg_wage, wage_growth, effective_rate, timing, rate_change)


@xw.func(category=CATEGORY)
@xw.arg("item", doc="待遇项目：一次性伤残补助金、伤残津贴、生活护理费、一次性工伤医疗补助金、丧葬补助金、供养亲属抚恤金、一次性工亡补助金（或英文代码）")
@xw.arg("grade", doc="伤残等级 1–10 / 护理等级 1–3 / 亲属类别 1 配偶 2 其他 3 孤寡；不需要时留空 — grade, level or kind")
@xw.arg("wage", doc="计发基数：本人月工资；护理费、医疗补助金、丧葬费为月平均工资；工亡补助金为全国城镇居民人均可支配收入（留空取参数文件）")
@xw.arg("count", doc="人数，默认 1 — number of persons")
@xw.arg("standard_date", doc="标准执行日期或年份，默认今天 — date or year whose standards apply")
@xw.arg("avg_monthly_wage", doc="上年度职工月平均工资（本人工资 60%–300% 限额用）— average monthly wage")
@xw.arg("province", doc="省份参数代码，如 jiangxi；留空只用全国参数 — province parameter code")
@udf_result
def GS_BENEFIT(item, grade, wage, count=1, standard_date=None, avg_monthly_wage=None, province=None):
    """工伤保险待遇标准金额（元；按月项目为每月金额），依《工伤保险条例》和参数文件中执行的标准。Statutory benefit amount in yuan (monthly items per month) for an item named in Chinese or by its English code, under the standards in force on the date."""
    return udf_scalars.benefit(item, grade, wage, count, standard_date, avg_monthly_wage, province)


@xw.func(category=CATEGORY)
@xw.arg("balance", doc="滚存结余 — accumulated balance")
@xw.arg("annual_expenditure", doc="年支出合计（与结余同一单位）— annual expenditure, same unit")
@udf_result
def GS_MONTHS_PAYABLE(balance, annual_expenditure):
    """可支付月数 = 滚存结余 ÷（年支出 ÷ 12）：结余可支付几个月的平均支出。Months payable: how many months of average spending the balance covers, balance ÷ (annual expenditure ÷ 12)."""
    return udf_scalars.months(balance, annual_expenditure)


@xw.func(category=CATEGORY)
@xw.arg("province", doc="省份参数代码，如 jiangxi；留空只报告全国参数 — province parameter code")
@udf_result(array=True)
def GS_INFO(province=None, caller=None):
    """运行环境：Python 解释器、各软件包版本、当前执行的参数集——出问题时请把这张表发给技术支持。Environment report: interpreter, package versions and the parameter set in force (two columns)."""
    return udf_scalars.info_rows(province, __file__)


# ---------------------------------------------------------------------------------------------
# tables (one array formula per table)


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("view", doc="分市预算（默认）或 预测与校验 — per-unit budget (default) or the trend check")
@udf_result(array=True)
def GS_FORECAST(params, history, province_history, prior_budget, plans, beneficiaries, options=None, view=None,
                caller=None):
    """分市收支预算表（万元）：各单位各科目本年预算数、收入合计、支出合计、收支缺口，行列合计相符；或预测与校验表。Per-unit revenue and expenditure forecast in 万元 (rows and columns add up), or the driver-versus-trend check table."""
    which = to_choice(view, "视图", udf_tables.FORECAST_VIEWS, default="budget")
    result = udf_inputs.budget_result(params, history, province_history, prior_budget, plans, beneficiaries,
                                      options)
    return udf_tables.check_table(result) if which == "check" else udf_tables.unit_table(result)


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("part", doc="收支结余（默认）、收入预算 或 支出预算 — balance (default), revenue or expenditure table")
@udf_result(array=True)
def GS_BALANCE(params, history, province_history, prior_budget, plans, beneficiaries, options=None, part=None,
               caller=None):
    """全省收支预算（万元）：收支结余表（本年收支结余、年末滚存结余、可支付月数、储备下限、是否调费率、所需费率），或收入/支出预算表。Province budget in 万元: balance, reserve months, rate trigger and rate needed; or the revenue / expenditure tables."""
    which = to_choice(part, "表", udf_tables.BALANCE_PARTS, default="balance")
    result = udf_inputs.budget_result(params, history, province_history, prior_budget, plans, beneficiaries,
                                      options)
    if which == "balance":
        return udf_tables.balance_table(result)
    return udf_tables.lines_table(result, which)


@xw.func(category=CATEGORY)
@xw.arg("scheme", doc="方案：序号（1、2…）、方案代码或方案名称 — option number, code or name")
@_inputs_doc
@udf_result(array=True)
def GS_SHARE(scheme, params, history, province_history, prior_budget, plans, beneficiaries, options=None,
             caller=None):
    """缺口分担表（万元）：一个方案下各市的管理性缺口、各因素分担、封顶调整、考核奖励和分担额，及省级承担；合计与应分担缺口相符。One option's per-city shares in 万元 with their components; cities plus province add up to the amount shared."""
    result = udf_inputs.budget_result(params, history, province_history, prior_budget, plans, beneficiaries,
                                      options)
    return udf_tables.share_table(result, scheme)


@xw.func(category=CATEGORY)
@xw.arg("options", doc=_DOC["options"])
@xw.arg("params", doc=_DOC["params"])
@xw.arg("history", doc=_DOC["history"])
@xw.arg("province_history", doc=_DOC["province_history"])
@xw.arg("prior_budget", doc=_DOC["prior_budget"])
@xw.arg("plans", doc=_DOC["plans"])
@xw.arg("beneficiaries", doc=_DOC["beneficiaries"])
@xw.arg("baseline", doc="基准方案（序号、代码或名称），默认第一个 — baseline option, default the first")
@xw.arg("view", doc="宽表（默认）、长表 或 方案说明 — wide (default), long or per-option summary")
@udf_result(array=True)
def GS_COMPARE(options, params, history, province_history, prior_budget, plans, beneficiaries, baseline=None,
               view=None, caller=None):
    """方案比较：各方案下各市分担额（万元）、人均分担、占征缴收入比例、较基准方案变化及汇总行；或长表、方案说明。Sharing options side by side: share, per insured, % of collections and change against the baseline, with summary rows."""
    which = to_choice(view, "视图", udf_tables.COMPARE_VIEWS, default="wide")
    result = udf_inputs.budget_result(params, history, province_history, prior_budget, plans, beneficiaries,
                                      options)
    if not coerce.is_blank(baseline):
        try:
            udf_tables.option_position(result, baseline)
        except BudgetInputError:
            labels = "、".join(f"{k}（{o.label}）" for k, o in enumerate(result.sharing.options, 1))
            shown = int(baseline) if isinstance(baseline, float) and baseline.is_integer() else baseline
            raise BudgetInputError(f"“{shown}”不是分担方案表中的方案，请填序号 1–{len(result.sharing.options)}、"
                                   f"代码或名称：{labels}", field="基准方案") from None
    return udf_tables.compare_table(result, which, baseline)


# ---------------------------------------------------------------------------------------------
# beyond one year, and the data check


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("years", doc="预测年数 1–10（含预算年度），默认 3 — years projected, the budget year included (default 3)")
@xw.arg("view", doc="预测表（默认）或 假设 — the projection table (default) or its assumptions by year")
@udf_result(array=True)
def GS_PROJECT(params, history, province_history, prior_budget, plans, beneficiaries, options=None, years=None,
               view=None, caller=None):
    """多年收支预测（万元）：各科目、合计、滚存结余、可支付月数、储备下限、首次低于下限年度、保持下限所需费率；第1年即本年预算。Multi-year projection in 万元 with months payable, the reserve floor, first breach year and the rate that keeps the floor."""
    which = to_choice(view, "视图", udf_outlook.PROJECT_VIEWS, default="table")
    n = udf_outlook.projection_years(years)
    proj = udf_outlook.projection((params, history, province_history, prior_budget, plans, beneficiaries, options), n)
    return udf_outlook.projection_table(proj) if which == "table" else udf_outlook.assumption_table(proj)


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("view", doc="龙卷风（默认），或方案序号、代码、名称：该方案各市分担额的变化 — tornado, or an option's city shares")
@udf_result(array=True)
def GS_SENSITIVITY(params, history, province_history, prior_budget, plans, beneficiaries, options=None, view=None,
                   caller=None):
    """敏感性分析（万元）：各因素单独取低、高冲击时本年年末滚存结余的变化（龙卷风表，波动大者在前），或某方案各市分担额的变化。One-at-a-time shocks: tornado table of the budget-year balance, or the change in each city's share under an option."""
    which, option = udf_outlook.view_or_option(view, udf_outlook.SENSITIVITY_VIEWS, "tornado")
    ranges = (params, history, province_history, prior_budget, plans, beneficiaries, options)
    result, sens = udf_outlook.sensitivity_run(ranges, shares=which != "tornado")
    return udf_outlook.tornado_table(sens, result) if which == "tornado" else udf_outlook.share_effect_table(result, sens,
                                                                                                     option)


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("draws", doc="模拟次数，默认 2000（越多越稳，重算越慢）— number of draws, default 2,000")
@xw.arg("years", doc="预测年数 1–10（含预算年度），默认 3 — years simulated, default 3")
@xw.arg("seed", doc="随机种子，默认固定值：同一种子结果相同 — random seed; the same seed gives the same figures")
@xw.arg("view", doc="逐年风险（默认），或方案序号、代码、名称：该方案各市分担额的分布 — yearly risk, or an option's share bands")
@udf_result(array=True)
def GS_RISK(params, history, province_history, prior_budget, plans, beneficiaries, options=None, draws=None,
            years=None, seed=None, view=None, caller=None):
    """储备风险（蒙特卡罗）：逐年年末滚存结余低于储备下限的概率，滚存结余、收支缺口、可支付月数的 P5–P95（万元）；或某方案各市分担额的分布。Reserve risk by simulation: yearly probability below the floor and percentile bands, or an option's city share bands."""
    which, option = udf_outlook.view_or_option(view, udf_outlook.RISK_VIEWS, "years")
    ranges = (params, history, province_history, prior_budget, plans, beneficiaries, options)
    _, risk, code = udf_outlook.risk_run(ranges, udf_outlook.risk_draws(draws), udf_outlook.projection_years(years),
                                         udf_outlook.risk_seed(seed), option if which == "option" else None)
    return udf_outlook.risk_table(risk) if code is None else udf_outlook.risk_share_table(risk, code)


@xw.func(category=CATEGORY)
@_inputs_doc
@xw.arg("outside", doc="各输入区域外有内容的单元格数（chk_outside，工作簿用 COUNTA 计得）；大于 0 报错误 — "
                       "non-blank cells outside each input range")
@xw.arg("tables", doc="工作簿缺口分担工作表上的分担表张数；方案多于此数时报错误 — the number of share tables")
@udf_result(array=True)
def GS_CHECK(params, history, province_history, prior_budget, plans, beneficiaries, options=None, outside=None,
             tables=None, caller=None):
    """数据检查：输入表中的错误和提示——规则、级别、位置（工作表!单元格）、单位、说明，先错误后提示；没有问题时显示“未发现问题”。Data check of the input tables: findings with rule, severity, sheet!cell, unit and message; errors first."""
    return udf_check.check_table((params, history, province_history, prior_budget, plans, beneficiaries, options),
                                 outside=outside, tables=tables)
