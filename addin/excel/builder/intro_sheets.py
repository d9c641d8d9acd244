"""说明、数据检查与 xlwings.conf (intro, check and config sheets) of budget.xlsm.

说明 lists the steps, the sheets and the functions with live example formulas; 数据检查 holds GS_CHECK's findings;
xlwings.conf tells xlwings where Python and the UDF module are.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import check as udf_check
from addin.excel import inputs as udf_inputs
from addin.excel import outside, udfs
from addin.excel.builder.common import (
    BALANCE_SHEET,
    BORDER,
    CHECK_SHEET,
    COMPARE_SHEET,
    CONF_SHEET,
    EXPENDITURE_SHEET,
    FIRST_ROW,
    GREEN_FONT,
    HEAD_FILL,
    HEAD_FONT,
    INPUT_ARGS,
    INPUT_FILL,
    INTERPRETER_PLACEHOLDER,
    INTRO_SHEET,
    NOTE_FONT,
    OUTLOOK_SHEET,
    RATIO,
    RED_FONT,
    REVENUE_SHEET,
    SHARING_SHEET,
    SYNTHETIC_NOTE,
    TITLE_FONT,
    TWO_DP,
    UDF_MODULE,
    UNITS_SHEET,
    ResultTable,
    _call,
    _fit_height,
    _heading,
    _place,
    _print_setup,
    _sheet,
    _title_formula,
    _widths,
)
from addin.excel.recalc import count_nonblank
from addin.workbook import layout
from models.validation import RULES, SEVERITY_LABELS

# ---------------------------------------------------------------------------------------------
# 数据检查

CHECK_WIDTHS = {1: 8, 2: 7, 3: 22, 4: 12, 5: 96}


def _check_sheet(wb: Workbook, values: list) -> ResultTable:
    """数据检查: the GS_CHECK table, then the rules it applies (static: they are the software's)."""
    ws = _sheet(wb, CHECK_SHEET)
    _heading(ws, note="修改输入表后先看这里：“错误”须按位置（工作表!单元格）改正，结果表才可信；“提示”请核对。"
                      "整个工作簿文件也可用命令行 wibudget check 检查。",
             formula=_title_formula("工伤保险基金预算输入数据检查"))
    guard = outside.regions({name: wb.defined_names[name].attr_text for name in udf_inputs.INPUT_NAMES})
    n_tables = len(udf_inputs.budget_result(*values).options)          # one 缺口分担 table per option
    rows = _call(udfs.GS_CHECK, *values, [_count_outside(wb, g) for g in guard], n_tables)
    table = ResultTable(CHECK_SHEET, (FIRST_ROW, 1), f"=GS_CHECK({INPUT_ARGS},{outside.OUTSIDE_NAME},{n_tables})",
                        rows)
    _place(ws, table, [None] * len(rows[0]))
    for i in range(1, len(rows)):
        ws.cell(FIRST_ROW + i, 2).alignment = Alignment(horizontal="center", vertical="top")
        for j in (1, 3, 4, 5):
            ws.cell(FIRST_ROW + i, j).alignment = Alignment(vertical="top", wrap_text=j == 5)
    ws.conditional_formatting.add(f"B{FIRST_ROW + 1}:B{table.last_row}",
                                  CellIsRule(operator="equal", formula=[f'"{SEVERITY_LABELS["error"]}"'],
                                             font=RED_FONT))
    ws.conditional_formatting.add(f"E{FIRST_ROW + 1}", CellIsRule(operator="equal", formula=[f'"{udf_check.CLEAN}"'],
                                                                  font=GREEN_FONT))

    row = _outside_block(wb, ws, guard, table.last_row + 2) + 2
    ws.cell(row, 1, "检查规则（错误：须改正；提示：请核对）").font = HEAD_FONT
    row += 1
    for col, head in ((1, "规则"), (2, "级别"), (3, "名称"), (4, "说明")):
        cell = ws.cell(row, col, head)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
    ws.cell(row, 5).border = BORDER
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    for rule in RULES.values():
        row += 1
        for col, value in ((1, rule.id), (2, SEVERITY_LABELS[rule.severity]), (3, rule.title), (4, rule.description)):
            cell = ws.cell(row, col, value)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=col == 3)
        ws.cell(row, 5).border = BORDER
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    _widths(ws, CHECK_WIDTHS)
    ws.freeze_panes = f"A{FIRST_ROW + 1}"
    _print_setup(ws, len(CHECK_WIDTHS), row)
    return table


def _outside_block(wb: Workbook, ws: Worksheet, guard: list[outside.Outside], row: int) -> int:
    """函数读取的输入区域: each inp_* name's cells and Excel's count (COUNTA) of the non-blank cells outside it —
    the counts GS_CHECK takes as chk_outside. Returns the last row written."""
    ws.cell(row, 1, f"函数读取的输入区域（区域外有内容时，上表报告 {outside.OUTSIDE_RULE}）").font = HEAD_FONT
    row += 1
    for col, head in ((1, "工作表"), (3, "读取区域"), (4, "区域外非空单元格"), (5, "统计的区域外范围")):
        cell = ws.cell(row, col, head)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(row, 2).border = BORDER
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    first = row + 1
    for g in guard:
        row += 1
        for col, value in ((1, g.sheet), (3, g.read), (4, g.formula), (5, g.where)):
            ws.cell(row, col, value).border = BORDER
        ws.cell(row, 2).border = BORDER
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.cell(row, 4).number_format = "0"
        ws.cell(row, 4).alignment = Alignment(horizontal="center")
    ws.conditional_formatting.add(f"D{first}:D{row}", CellIsRule(operator="greaterThan", formula=["0"], font=RED_FONT))
    wb.defined_names[outside.OUTSIDE_NAME] = DefinedName(
        outside.OUTSIDE_NAME, attr_text=f"'{CHECK_SHEET}'!$D${first}:$D${row}")
    return row


def _count_outside(wb: Workbook, g: outside.Outside) -> float:
    """What COUNTA gives for one region of the workbook being built (0 for a fresh build)."""
    return float(sum(count_nonblank(wb[g.sheet], ref) for ref in g.beyond))


# ---------------------------------------------------------------------------------------------
# 说明 and xlwings.conf

STEPS: tuple[str, ...] = (
    "安装：在 Windows 上安装 Python 3.11，建立虚拟环境并用 pip 安装本软件（见 README“在 Windows 上使用 budget.xlsm”）。",
    "设置解释器：在“xlwings.conf”工作表的 B1（Interpreter_Win）填入 pythonw.exe 的完整路径；"
    "B6（UDF Modules）保持 addin.excel.udfs。",
    "允许导入函数：Excel“文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置”，勾选“信任对 VBA 工程对象模型的访问”。",
    "打开本工作簿，点“启用内容”。按 Alt+F8，选 ImportPythonUDFs，点“运行”（只需一次；软件更新后再做一次）。",
    "按 Ctrl+Alt+F9 全部重新计算：Python 函数不会在打开文件时自动计算。",
    "修改输入表（参数、历年执行、扩面计划、待遇人员、分担方案）中的数据或假设，结果表随之重算。"
    "输入金额以元为单位；结果以万元显示、保留两位小数，各表合计相符。",
    "改完输入先看“数据检查”工作表（GS_CHECK）：每条问题给出规则、级别和位置（工作表!单元格）；"
    "“错误”须改正，结果才可信；“提示”请核对；没有问题时显示“未发现问题”。",
    "“多年预测与风险”工作表：多年收支预测（第1年即本年预算）及首次低于储备下限的年度、敏感性分析（龙卷风表和图）、"
    "储备风险模拟。模拟次数和随机种子在黄色单元格中：次数越多结果越稳、重算越慢（2000 次约需零点几秒），同一种子结果相同。",
    "单元格显示 #NAME?：函数尚未导入或 Python 未能启动。检查第 2–4 步后按 Ctrl+Alt+F9；仍不行，"
    "看本页“运行环境”（GS_INFO）并把它发给技术支持。",
    "单元格显示“#输入错误: …”：按提示改正所指的表、单位、字段或单元格。",
    "在输入表下方或右侧接着填写即可增加单位、分担方案；结果区域（数组公式）放不下时，其左上角显示“区域不足：需要 …”："
    "在命令行运行 wibudget build-workbook --from 本工作簿 -o 新工作簿.xlsm，按本工作簿的输入重建，结果区域和图表随之调整。",
    "在 WPS 或 LibreOffice 中 Python 函数不可用（显示 #NAME?）：请用命令行 wibudget draft 生成预算草案。",
)

SHEET_NOTES: tuple[tuple[str, str], ...] = (
    (INTRO_SHEET, "使用步骤、工作表与函数说明、运行环境"),
    (CHECK_SHEET, "输入数据检查结果：规则、级别、位置（工作表!单元格）、单位、说明，及检查规则一览 — GS_CHECK"),
    (layout.PARAMS_SHEET, "省份、预算年度和预测假设（工资增长率、医疗费用增长率、利率、储备月数、趋势方法等）"),
    (layout.HISTORY_SHEET, "各单位历年收支（元，含当年 1–N 月执行数）、省级收支与滚存结余、上年预算数"),
    (layout.PLANS_SHEET, "各单位类型、分担系数、财力、考核排名、扩面计划、上年征缴计划、工伤预防费计划"),
    (layout.BENEFICIARIES_SHEET, "伤残津贴、生活护理、供养亲属人数，预计新增伤残、一次性医疗补助金和工亡人数"),
    (layout.OPTIONS_SHEET, "缺口分担方案，每列一个方案（分担基数、省级比例、因素权重、封顶、考核奖励）"),
    (REVENUE_SHEET, "全省收入预算表（万元）：上年预算数、上年预计执行数、本年预算数、增减额、增长% — GS_BALANCE"),
    (EXPENDITURE_SHEET, "全省支出预算表（万元），含工伤保险待遇支出小计 — GS_BALANCE"),
    (BALANCE_SHEET, "本年收支结余、年末滚存结余、可支付月数、储备下限、是否调整费率、所需费率 — GS_BALANCE"),
    (UNITS_SHEET, "各单位各科目本年预算数（万元），行列合计相符 — GS_FORECAST"),
    (SHARING_SHEET, "每个方案一张缺口分担表（万元），含各项构成和省级承担 — GS_SHARE"),
    (COMPARE_SHEET, "各方案并列比较、汇总行、省级承担依据和各市分担额柱状图 — GS_COMPARE"),
    (OUTLOOK_SHEET, "多年收支预测与折线图、敏感性分析龙卷风表与条形图、储备风险概率与百分位、预测假设"
                    " — GS_PROJECT、GS_SENSITIVITY、GS_RISK"),
    (CONF_SHEET, "Python 解释器路径（Interpreter_Win）和函数模块（UDF Modules）"),
)

FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("GS_TREND(历年数值, [方法], [年数])", "按历年执行数测算下一年趋势值：平均增长率、年均复合增长率或线性趋势"),
    ("GS_PREMIUM(年末参保人数, 扩面计划, 平均工资, 工资增长率, 实际费率, [时间占比], [费率调整])", "工伤保险费收入（元）"),
    ("GS_BENEFIT(项目, [等级], 工资, [人数], [日期], [月平均工资], [省份代码])", "法定待遇标准金额（元；按月项目为每月金额）"),
    ("GS_MONTHS_PAYABLE(滚存结余, 年支出)", "可支付月数"),
    ("GS_FORECAST(7 张输入表, [视图])", "分市收支预算表或预测与校验表（万元）"),
    ("GS_BALANCE(7 张输入表, [表])", "收支结余表、收入预算表或支出预算表（万元）"),
    ("GS_SHARE(方案, 7 张输入表)", "一个方案的缺口分担表（万元）"),
    ("GS_COMPARE(分担方案, 6 张输入表, [基准方案], [视图])", "方案比较表（宽表、长表或方案说明）"),
    ("GS_PROJECT(7 张输入表, [年数], [视图])",
     "多年收支预测表（万元，含可支付月数、储备下限、首次低于下限年度、保持下限所需费率），或预测假设表"),
    ("GS_SENSITIVITY(7 张输入表, [视图])", "龙卷风表：各因素对本年年末滚存结余的影响；视图填方案时为各市分担额的变化"),
    ("GS_RISK(7 张输入表, [次数], [年数], [种子], [视图])",
     "逐年低于储备下限的概率和百分位区间；视图填方案时为各市分担额的分布"),
    ("GS_CHECK(7 张输入表)", "数据检查：规则、级别、位置（工作表!单元格）、单位、说明"),
    ("GS_INFO([省份代码])", "运行环境与参数集：出问题时发给技术支持"),
)
INTRO_WIDTHS = {1: 22, 2: 62, 3: 16, 4: 50}
INPUTS_NOTE = ("7 张输入表依次为 " + "、".join(udf_inputs.INPUT_NAMES) + "（名称管理器中的名称，含表头）。")


def _intro_sheet(ws: Worksheet, synthetic: bool, province: str) -> list[ResultTable]:
    """说明: steps, sheets, functions, the examples and GS_INFO; returns the array formulas placed."""
    ws.cell(1, 1, "工伤保险基金省级统收统支预算编制与缺口分担工作簿").font = TITLE_FONT
    row = 2
    if synthetic:
        ws.cell(row, 1, SYNTHETIC_NOTE).font = RED_FONT
    row += 2
    ws.cell(row, 1, "使用步骤").font = HEAD_FONT
    for k, step in enumerate(STEPS, 1):
        row += 1
        ws.cell(row, 1, k).alignment = Alignment(horizontal="center", vertical="top")
        ws.cell(row, 2, step).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        _fit_height(ws, row, [step], sum(INTRO_WIDTHS[c] for c in (2, 3, 4)))
    row += 2
    ws.cell(row, 1, "工作表").font = HEAD_FONT
    for name, note in SHEET_NOTES:
        row += 1
        ws.cell(row, 1, name)
        ws.cell(row, 2, note)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    row += 2
    ws.cell(row, 1, "函数（在 Excel 函数向导“工伤保险基金预算”类别中可见说明）").font = HEAD_FONT
    for signature, purpose in FUNCTIONS:
        row += 1
        ws.cell(row, 1, signature.split("(")[0])
        ws.cell(row, 2, signature)
        ws.cell(row, 4, purpose)
    row += 1
    ws.cell(row, 2, INPUTS_NOTE).font = NOTE_FONT
    row += 2
    row, examples = _examples(ws, row)
    row += 2
    ws.cell(row, 1, "运行环境（GS_INFO）").font = HEAD_FONT
    rows = _call(udfs.GS_INFO, province)
    info = ResultTable(INTRO_SHEET, (row + 1, 1), "=GS_INFO(prm_province_code)", rows)
    _place(ws, info, [None, None])
    _widths(ws, INTRO_WIDTHS)
    _print_setup(ws, 4, info.last_row)
    return [*examples, info]


EXAMPLE_INPUTS: tuple[tuple[str, Any], ...] = (
    ("上年末参保人数（人）", 100_000), ("扩面计划（人）", 4_000), ("平均缴费工资（元/年）", 60_000),
    ("工资增长率", 0.05), ("实际费率", 0.006),
)


def _examples(ws: Worksheet, row: int) -> tuple[int, list[ResultTable]]:
    """Worked examples of the single-value functions, with inputs a person can check by hand."""
    ws.cell(row, 1, "单项函数示例（黄色单元格可修改）").font = HEAD_FONT
    row += 1
    for j, head in enumerate(("项目", "公式", "结果", "手算核对"), 1):
        cell = ws.cell(row, j, head)
        cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
    row += 1
    first_input = row
    for label, value in EXAMPLE_INPUTS:
        ws.cell(row, 1, label).border = BORDER
        cell = ws.cell(row, 3, value)
        cell.fill, cell.border = INPUT_FILL, BORDER
        cell.number_format = RATIO if isinstance(value, float) and value < 1 else "#,##0"
        row += 1
    c = [f"$C${first_input + i}" for i in range(len(EXAMPLE_INPUTS))]
    series_first = row
    for year, value in enumerate((100, 110, 121), 1):
        ws.cell(row, 1, f"历年数值 第{year}年").border = BORDER
        cell = ws.cell(row, 3, value)
        cell.fill, cell.border = INPUT_FILL, BORDER
        row += 1
    series = f"$C${series_first}:$C${row - 1}"
    examples = (
        ("工伤保险费收入（元）", f"=GS_PREMIUM({c[0]},{c[1]},{c[2]},{c[3]},{c[4]})", "#,##0.00",
         "(100000 + 0.5×4000) × 60000 × 1.05 × 0.6% = 38,556,000"),
        ("趋势值：平均增长率", f'=GS_TREND({series},"平均增长率",3)', "#,##0.00",
         "两年均增长 10%：121 × 1.1 = 133.1"),
        ("生活护理费（1 级，元/月）", "=GS_BENEFIT(\"生活护理费\",1,prm_avg_monthly_wage,1,prm_budget_year)",
         "#,##0.00", "上年月平均工资 × 50%"),
        ("一次性工亡补助金（元）",
         "=GS_BENEFIT(\"一次性工亡补助金\",\"\",\"\",1,prm_budget_year,\"\",prm_province_code)", "#,##0.00",
         "20 × 上年全国城镇居民人均可支配收入（参数文件）"),
        ("可支付月数（本年预算）", f"=GS_MONTHS_PAYABLE('{BALANCE_SHEET}'!D{{closing}},'{BALANCE_SHEET}'!D{{spend}})",
         TWO_DP, "年末滚存结余 ÷（支出合计 ÷ 12），与收支结余表一致"),
    )
    tables: list[ResultTable] = []
    for label, formula, fmt, check in examples:
        ws.cell(row, 1, label).border = BORDER
        ws.cell(row, 2).border = BORDER
        result = ws.cell(row, 3)
        result.number_format, result.border = fmt, BORDER
        ws.cell(row, 4, check).border = BORDER
        tables.append(ResultTable(INTRO_SHEET, (row, 3), formula, [[None]]))
        row += 1
    return row, tables


def _fill_examples(ws: Worksheet, examples: list[ResultTable], balance: ResultTable) -> None:
    """Write the example formulas (the months-payable one points at the 收支结余 table's cells)."""
    labels = [r[0] for r in balance.rows]
    closing = balance.anchor[0] + labels.index("年末滚存结余")
    spend = balance.anchor[0] + labels.index("支出合计")
    for table in examples:
        formula = table.formula.replace("{closing}", str(closing)).replace("{spend}", str(spend))
        r, col = table.anchor
        ws.cell(r, col).value = formula
        text = ws.cell(r, col - 1)
        text.value = formula                                          # shown as text beside the result
        text.data_type = "s"
        text.alignment = Alignment(wrap_text=True, vertical="top")
        _fit_height(ws, r, [formula], INTRO_WIDTHS[2])


def _conf_sheet(ws: Worksheet) -> None:
    """Activate xlwings.conf: keys in A1… without gaps, values in B; our notes in column D."""
    values = {"Interpreter_Win": INTERPRETER_PLACEHOLDER, "UDF Modules": UDF_MODULE}
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        key = row[0].value
        if isinstance(key, str) and key in values:
            ws.cell(row[0].row, 2, values[key])
    for r in range(10, ws.max_row + 1):                      # the template's English activation notes
        ws.cell(r, 1).value = None
    notes = (
        "A 列为设置名（自 A1 起连续，不要插入空行），B 列为取值。",
        "Interpreter_Win：Python 解释器 pythonw.exe 的完整路径，可用 %USERPROFILE% 等环境变量；"
        "按 README 安装到默认位置时无需修改。",
        f"UDF Modules：{UDF_MODULE}（本软件的函数模块，请勿修改）。",
        "PYTHONPATH：留空即可（本工作簿所在文件夹会自动加入）；未用 pip 安装本软件时填源代码文件夹。",
        "其余设置保持默认。修改后关闭并重新打开工作簿。",
    )
    for i, note in enumerate(notes, 1):
        ws.cell(i, 4, note).alignment = Alignment(wrap_text=True, vertical="top")
        _fit_height(ws, i, [note], 90)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 52
    _split_column_range(ws)
    ws.column_dimensions["D"].width = 90
    _print_setup(ws, 4, 9)


def _split_column_range(ws: Worksheet) -> None:
    """The template gives C:XFD one <col> entry; column D is ours: C alone, D, then E:XFD (no overlaps)."""
    rest = ws.column_dimensions["C"]
    if rest.max is None or rest.max <= 4:
        return
    last = rest.max
    rest.min, rest.max = 3, 3
    tail = ws.column_dimensions["E"]
    tail.min, tail.max, tail.width = 5, last, rest.width
    tail._style = copy(rest._style)


