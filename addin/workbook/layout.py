"""工作簿输入版式 — where every input lives in budget.xlsm, as data.

One place that says, for each input sheet (工作表), which Excel table (ListObject) it holds, where the
table starts, and for each column its English code, Chinese header, number format, unit and the
choices offered by data validation. The writer (`writer.write_inputs`), the reader
(`reader.read_inputs`) and the UDF converters (`coerce.to_table`) all take their layout from here.

Money in the input sheets is in 元 (yuan) and the headers say so; results are shown in 万元.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from addin.workbook.a1 import column_index, column_letter, split_cell
from models import inputs, items

# ---------------------------------------------------------------------------------------------
# Column kinds (列类型)
TEXT = "text"        # 文字
CHOICE = "choice"    # 下拉选项: display label ↔ code
INT = "int"          # 整数 (年度、月数、名次)
NUMBER = "number"    # 一般数值 (系数、月数下限)
MONEY = "money"      # 金额, 元
PERSONS = "persons"  # 人数
RATE = "rate"        # 比率, stored as a fraction, shown as %
BOOL = "bool"        # 是/否
LIST = "list"        # 逗号分隔的数值列表

YUAN = "元"
YUAN_PER_MONTH = "元/月"
YUAN_PER_YEAR = "元/年"
PERSON = "人"

FORMATS: dict[str, str] = {
    TEXT: "@",
    CHOICE: "General",
    INT: "0",
    NUMBER: "0.00",
    MONEY: "#,##0.00",
    PERSONS: "#,##0",
    RATE: "0.00%",
    BOOL: "General",
    LIST: "@",
}
WIDTHS: dict[str, float] = {
    TEXT: 14, CHOICE: 12, INT: 8, NUMBER: 10, MONEY: 17, PERSONS: 12, RATE: 10, BOOL: 8, LIST: 28,
}

YES, NO = "是", "否"
KIND_CHOICES: tuple[tuple[str, str], ...] = (("设区市", inputs.CITY), ("省本级", inputs.PROVINCE))
BOOL_CHOICES: tuple[tuple[str, str], ...] = ((YES, "true"), (NO, "false"))
TREND_CHOICES: tuple[tuple[str, str], ...] = (
    ("平均增长率", "average"), ("年均复合增长率", "cagr"), ("线性趋势", "linear"))
# The sharing vocabulary below uses the codes models/sharing.py reads (kept here as data so the
# add-in does not import the engine; tests/test_workbook_io.py checks they still agree).
#: 分担基数 D (domain.md §5 step 2). Open list: a code typed by hand passes through unchanged.
AMOUNT_CHOICES: tuple[tuple[str, str], ...] = (
    ("全省本年收支缺口", "deficit"), ("低于储备下限的差额", "floor_shortfall"),
    ("各市正缺口之和", "city_gaps"), ("固定金额", "fixed"))
#: 省级比例条件 (step 4). Open list.
SHARE_BASIS_CHOICES: tuple[tuple[str, str], ...] = (
    ("本年收支结余为正", "surplus_positive"), ("年初滚存结余足以弥补缺口", "balance_covers"))
#: 封顶依据 (step 6). Open list.
CAP_BASIS_CHOICES: tuple[tuple[str, str], ...] = (
    ("征缴收入", "collections"), ("基金支出", "expenditure"), ("缴费工资", "payroll"),
    ("一般公共预算收入", "fiscal_capacity"))
#: 分担因素 k and their names (step 5).
WEIGHT_FACTORS: dict[str, str] = {
    "own_gap": "自身缺口",
    "collections": "征缴收入",
    "insured": "参保人数",
    "expenditure": "基金支出",
    "payroll": "缴费工资",
    "fiscal_capacity": "财力（一般公共预算收入）",
    "equal": "平均分摊",
}


@dataclass(frozen=True)
class Column:
    """一列 (one column of an input table): code, Chinese header, kind, unit, validation choices."""

    code: str
    header: str
    kind: str = NUMBER
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()   # (显示值 display, 代码 code)
    optional: bool = False                       # blank cells allowed (→ NaN / None)
    minimum: float | None = None
    maximum: float | None = None
    note: str = ""

    @property
    def title(self) -> str:
        """Header as written in the sheet: money and persons carry their unit, e.g. 工伤保险费收入（元）."""
        return f"{self.header}（{self.unit}）" if self.unit and self.kind in (MONEY, PERSONS) else self.header

    @property
    def number_format(self) -> str:
        return FORMATS[self.kind]

    @property
    def width(self) -> float:
        return WIDTHS[self.kind]

    @property
    def numeric(self) -> bool:
        return self.kind in (INT, NUMBER, MONEY, PERSONS, RATE)


@dataclass(frozen=True)
class TableLayout:
    """一张输入表 (one Excel table): sheet, ListObject name, defined name, top-left header cell, columns."""

    key: str                      # table code, e.g. "history" (BudgetInputs attribute / COLUMNS key)
    sheet: str                    # 工作表名
    name: str                     # Excel table (ListObject) name, ASCII
    defined_name: str             # workbook defined name over the whole table (header included)
    anchor: str                   # top-left header cell, e.g. "A3"
    caption: str                  # 表名 written above the table
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...] = ()   # codes that must be unique together (主键)

    @property
    def row(self) -> int:
        """1-based row of the header."""
        return split_cell(self.anchor)[1]

    @property
    def col(self) -> int:
        """1-based column of the first table column."""
        return column_index(split_cell(self.anchor)[0])

    def column(self, code: str) -> Column:
        for c in self.columns:
            if c.code == code:
                return c
        raise KeyError(code)


# ---------------------------------------------------------------------------------------------
# Column specs for the tables of models/inputs.COLUMNS

_PERSON_COUNT = dict(kind=PERSONS, unit=PERSON, minimum=0)

_SPECIAL: dict[str, dict] = {
    "unit": dict(kind=TEXT),
    "kind": dict(kind=CHOICE, choices=KIND_CHOICES),
    "coefficient": dict(kind=NUMBER, minimum=0),
    "fiscal_revenue": dict(kind=MONEY, unit=YUAN),
    "assessment_rank": dict(kind=INT, minimum=1),
    "year": dict(kind=INT, minimum=1990, maximum=2100),
    "months": dict(kind=INT, minimum=1, maximum=12, note="12 = 全年决算；不足 12 = 当年 1–N 月执行数"),
    "insured_end": _PERSON_COUNT,
    "avg_wage": dict(kind=MONEY, unit=YUAN_PER_YEAR),
    "balance_end": dict(kind=MONEY, unit=YUAN),
    "expansion": _PERSON_COUNT,
    "collection_plan_prev": dict(kind=MONEY, unit=YUAN),
    "prevention_plan": dict(kind=MONEY, unit=YUAN),
    "wage_growth": dict(kind=RATE),
    "rate_change": dict(kind=RATE),
}


def _spec(table: str, code: str, header: str) -> Column:
    if code in _SPECIAL:
        opts = dict(_SPECIAL[code])
    elif code in items.LABELS:
        opts = dict(kind=MONEY, unit=YUAN)
    elif code.endswith("_wage"):
        opts = dict(kind=MONEY, unit=YUAN_PER_MONTH)   # 本人工资, monthly
    elif table == "beneficiaries":
        opts = dict(_PERSON_COUNT)
    else:
        opts = dict(kind=NUMBER)
    optional = code in inputs.OPTIONAL_COLUMNS.get(table, set())
    return Column(code=code, header=header, optional=optional, **opts)


def table_columns(table: str) -> tuple[Column, ...]:
    """Column specs of an input table, by COLUMNS key ("history", "units", …) or layout table name.

    Layout names ("tblPlans", "扩面计划" …) give the sheet table, e.g. units and plans merged.
    """
    if table in inputs.COLUMNS:
        return tuple(_spec(table, code, header) for code, header in inputs.COLUMNS[table].items())
    for layout in TABLES.values():
        if table in (layout.key, layout.name, layout.defined_name, layout.caption):
            return layout.columns
    known = "、".join(list(inputs.COLUMNS) + [t.name for t in TABLES.values()])
    raise KeyError(f"未知表名 {table}（可用：{known}）")


# ---------------------------------------------------------------------------------------------
# Sheets (工作表)

PARAMS_SHEET = "参数"
HISTORY_SHEET = "历年执行"
PLANS_SHEET = "扩面计划"
BENEFICIARIES_SHEET = "待遇人员"
OPTIONS_SHEET = "分担方案"
INPUT_SHEETS: tuple[str, ...] = (PARAMS_SHEET, HISTORY_SHEET, PLANS_SHEET, BENEFICIARIES_SHEET, OPTIONS_SHEET)

HEADER_ROW = 4      # row 1: sheet title, row 2: note, row 3: table captions, row 4: table headers
TABLE_GAP = 1       # blank columns between tables placed side by side


def _beside(left_anchor: str, n_columns: int) -> str:
    col = column_index(split_cell(left_anchor)[0]) + n_columns + TABLE_GAP
    return f"{column_letter(col)}{HEADER_ROW}"


_history_cols = table_columns("history")
_province_cols = table_columns("province_history")
_units_cols = table_columns("units")
_plans_cols = table_columns("plans")

PARAM_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("label", "中文名", TEXT),
    Column("code", "代码", TEXT),
    Column("value", "数值", NUMBER, optional=True),   # per-row kind: see PARAM_ROWS
    Column("unit", "单位", TEXT, optional=True),
    Column("note", "说明", TEXT, optional=True),
)
PRIOR_BUDGET_COLUMNS: tuple[Column, ...] = (
    Column("label", "科目", TEXT, optional=True),
    Column("item", "代码", TEXT, optional=True),
    Column("amount", "上年预算数", MONEY, unit=YUAN, optional=True),
)
OPTION_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("label", "设置项", TEXT),
    Column("code", "代码", TEXT),
)

_A = f"A{HEADER_ROW}"
TABLES: dict[str, TableLayout] = {
    "params": TableLayout("params", PARAMS_SHEET, "tblParams", "inp_params", _A, "预算参数与预测假设",
                          PARAM_TABLE_COLUMNS, ("code",)),
    "history": TableLayout("history", HISTORY_SHEET, "tblHistory", "inp_history", _A,
                           "各单位历年收支（元）", _history_cols, ("unit", "year", "months")),
    "province_history": TableLayout("province_history", HISTORY_SHEET, "tblProvinceHistory",
                                    "inp_province_history", _beside(_A, len(_history_cols)),
                                    "省级收支与滚存结余（元）", _province_cols, ("year", "months")),
    "prior_budget": TableLayout("prior_budget", HISTORY_SHEET, "tblPriorBudget", "inp_prior_budget",
                                _beside(_beside(_A, len(_history_cols)), len(_province_cols)),
                                "上年预算数（元）", PRIOR_BUDGET_COLUMNS),
    "plans": TableLayout("plans", PLANS_SHEET, "tblPlans", "inp_plans", _A,
                         "各单位基本情况与扩面计划", _units_cols + _plans_cols[1:], ("unit",)),
    "beneficiaries": TableLayout("beneficiaries", BENEFICIARIES_SHEET, "tblBeneficiaries",
                                 "inp_beneficiaries", _A, "待遇享受人员与预计新增人员",
                                 table_columns("beneficiaries"), ("unit",)),
    "options": TableLayout("options", OPTIONS_SHEET, "tblOptions", "inp_options", _A,
                           "缺口分担方案（每列一个方案）", OPTION_TABLE_COLUMNS, ("code",)),
}

#: 参数调整 (statutory parameters overridden for the budget year, with their basis), beside tblParams.
#: Not in TABLES: a workbook without it reads as before (no overrides); the UDFs do not see it.
OVERRIDE_TABLE = TableLayout(
    "overrides", PARAMS_SHEET, "tblParamOverrides", "inp_param_overrides",
    _beside(_A, len(PARAM_TABLE_COLUMNS)), "法定参数调整（预算年度起适用）",
    (Column("name", "参数代码", TEXT, note="法定参数的代码，如 medical_grant_months（见草案“编制说明”参数表）"),
     Column("value", "调整后数值", LIST, note="按等级排列的用逗号分隔，如 22, 18, 13, 10, 7, 4"),
     Column("basis", "依据", TEXT, note="文件名称、文号和条款")),
    ("name",))

SHEET_TITLES: dict[str, str] = {
    PARAMS_SHEET: "预算参数与预测假设",
    HISTORY_SHEET: "历年基金收支执行情况（金额单位：元；人数单位：人）",
    PLANS_SHEET: "各单位基本情况与扩面计划（金额单位：元；人数单位：人）",
    BENEFICIARIES_SHEET: "待遇享受人员（本人工资单位：元/月）",
    OPTIONS_SHEET: "缺口分担方案（金额单位：元；比例以百分数填写）",
}
SHEET_NOTES: dict[str, str] = {
    PARAMS_SHEET: "只改“数值”列；留空的可选参数使用默认或参数文件中的值。",
    HISTORY_SHEET: "每个单位每年一行；月数 = 12 为全年决算，不足 12 为当年 1–N 月执行数。",
    PLANS_SHEET: "每个单位一行（各设区市及省本级）；工资增长率、费率调整留空则使用参数表中的假设。",
    BENEFICIARIES_SHEET: "每个单位一行；人数为预算年度的预计人数。",
    OPTIONS_SHEET: "每列一个方案；省级分担比例与条件比例二选一；权重合计应为 100%。",
}

#: Sheet-level freeze cell: headers and the first (key) column stay visible.
FREEZE: dict[str, str] = {
    PARAMS_SHEET: f"C{HEADER_ROW + 1}",
    HISTORY_SHEET: f"B{HEADER_ROW + 1}",
    PLANS_SHEET: f"B{HEADER_ROW + 1}",
    BENEFICIARIES_SHEET: f"B{HEADER_ROW + 1}",
    OPTIONS_SHEET: f"C{HEADER_ROW + 1}",
}


# ---------------------------------------------------------------------------------------------
# 参数 sheet rows: one row per scalar of BudgetInputs and per Assumptions field

@dataclass(frozen=True)
class Setting:
    """一行设置 (one key/value row of 参数 or 分担方案): code, Chinese name, kind, unit, choices, note."""

    code: str
    label: str
    kind: str
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    optional: bool = False          # blank allowed
    open_choices: bool = False      # values outside `choices` pass through (validation only warns)
    note: str = ""

    def as_column(self) -> Column:
        """The same spec as a Column (for cell coercion)."""
        return Column(code=self.code, header=self.label, kind=self.kind, unit=self.unit,
                      choices=self.choices, optional=self.optional)

    @property
    def number_format(self) -> str:
        return FORMATS[self.kind]


TREND_PREFIX = "trend_method."
TREND_ITEMS: tuple[str, ...] = items.REVENUE_ITEMS + items.EXPENDITURE_ITEMS

_GENERAL_SETTINGS: tuple[Setting, ...] = (
    Setting("province", "省份名称", TEXT, note="如 江西省"),
    Setting("province_code", "参数代码", TEXT, optional=True,
            note="省级参数文件代码，如 jiangxi；留空则按省份名称确定（山东省 → shandong）"),
    Setting("budget_year", "预算年度", INT, unit="年"),
    Setting("synthetic", "示例数据", BOOL, choices=BOOL_CHOICES, optional=True,
            note="是 = 虚构的示例数据，所有结果都会标明"),
    Setting("notes", "备注", TEXT, optional=True),
)
#: Settings of the draft document, after all others (so that adding them moved no existing row).
_DOCUMENT_SETTINGS: tuple[Setting, ...] = (
    Setting("issuing_agency", "编制单位", TEXT, optional=True,
            note="草案封面的编制单位；空白时为“<省份>人力资源和社会保障厅 <省份>财政厅”"),
)

_ASSUMPTION_SETTINGS: dict[str, Setting] = {s.code: s for s in (
    Setting("wage_growth", "工资增长率", RATE, note="预算年度平均缴费工资增长 g"),
    Setting("timing", "新增参保缴费时间占比", RATE, note="τ，新增参保人员当年缴费的时间比例"),
    Setting("rate_change", "费率政策调整", RATE, note="Δrate，费率调整幅度，如 -10%"),
    Setting("medical_growth", "医疗费用增长率", RATE),
    Setting("benefit_adjustment", "定期待遇调整幅度", RATE, note="伤残津贴、供养亲属抚恤金等"),
    Setting("avg_monthly_wage", "上年全省在岗职工月平均工资", MONEY, unit=YUAN_PER_MONTH,
            note="城镇非私营单位在岗职工"),
    Setting("national_income", "上年全国城镇居民人均可支配收入", MONEY, unit=YUAN_PER_YEAR, optional=True,
            note="留空则取参数文件中的值"),
    Setting("income_growth", "居民收入增长率", RATE, note="收入数据早于上年时的推算增长率"),
    Setting("interest_rate", "基金存款综合利率", RATE),
    Setting("subsidy_plan", "财政补贴收入计划", MONEY, unit=YUAN, optional=True, note="留空则按趋势测算"),
    Setting("reserve_months", "储备月数下限", NUMBER, unit="月"),
    Setting("trend_years", "趋势测算年数", INT, unit="年"),
    Setting("trend_tolerance", "趋势校验容差", RATE, note="驱动测算与趋势测算之差超过此比例时提示"),
)}


def _assumption_setting(f: dataclasses.Field) -> Setting:
    if f.name in _ASSUMPTION_SETTINGS:
        return _ASSUMPTION_SETTINGS[f.name]
    kind = INT if isinstance(f.default, int) and not isinstance(f.default, bool) else NUMBER
    return Setting(f.name, f.name, kind, optional=f.default is None)   # a field added later


def _param_settings() -> tuple[Setting, ...]:
    rows = list(_GENERAL_SETTINGS)
    rows += [_assumption_setting(f) for f in dataclasses.fields(inputs.Assumptions) if f.name != "trend_methods"]
    rows += [Setting(TREND_PREFIX + code, f"{items.label(code)}趋势方法", CHOICE, choices=TREND_CHOICES,
                     optional=True, note="留空 = 默认方法") for code in TREND_ITEMS]
    rows += list(_DOCUMENT_SETTINGS)
    return tuple(rows)


PARAM_ROWS: tuple[Setting, ...] = _param_settings()

# ---------------------------------------------------------------------------------------------
# 分担方案 sheet rows: one row per setting, one column per option

OPTION_ROWS: tuple[Setting, ...] = (
    Setting("name", "方案代码", TEXT, note="唯一的短代码，如 base"),
    Setting("label", "方案名称", TEXT, optional=True),
    Setting("amount", "分担基数", CHOICE, choices=AMOUNT_CHOICES, open_choices=True),
    Setting("fixed_amount", "固定分担金额", MONEY, unit=YUAN, optional=True, note="仅在分担基数为固定金额时填写"),
    Setting("management_charge_ratio", "管理性缺口计收比例", RATE, optional=True,
            note="征缴未完成计划部分 × 比例，先由该市承担；留空 = 0"),
    Setting("province_share", "省级分担比例", RATE, optional=True, note="与下面三行条件比例二选一"),
    Setting("province_share.basis", "省级比例条件", CHOICE, choices=SHARE_BASIS_CHOICES, optional=True,
            open_choices=True),
    Setting("province_share.if_true", "条件成立时省级比例", RATE, optional=True),
    Setting("province_share.if_false", "条件不成立时省级比例", RATE, optional=True),
    *(Setting(f"weight.{k}", f"权重：{v}", RATE, optional=True) for k, v in WEIGHT_FACTORS.items()),
    Setting("use_coefficients", "使用分担系数", BOOL, choices=BOOL_CHOICES, optional=True,
            note="是 = 得分乘以扩面计划表中的分担系数"),
    Setting("cap.basis", "封顶依据", CHOICE, choices=CAP_BASIS_CHOICES, optional=True, open_choices=True),
    Setting("cap.ratio", "封顶比例", RATE, optional=True, note="每市分担额不超过封顶依据 × 比例"),
    Setting("rewards", "考核奖励（元，按名次）", LIST, optional=True,
            note="按考核排名依次填写金额，用逗号分隔，不用千位分隔符，如 5000000, 4000000"),
    Setting("description", "方案说明", TEXT, optional=True),
    Setting("name_zh", "方案简称", TEXT, optional=True, note="草案中使用的中文简称；留空 = 方案名称"),
    Setting("origin", "规则来源", TEXT, optional=True, note="如：参照某省某年办法；留空则草案不写来源"),
    Setting("our_reading", "对规则的理解", TEXT, optional=True, note="原规则未明确、由本方案补充理解的部分"),
)
MIN_OPTION_COLUMNS = 3          # blank option columns are offered for the user to fill
VALIDATION_EXTRA_ROWS = 200     # data validation also covers rows below a table (for rows added later)


def option_header(i: int) -> str:
    """Header of the i-th option column (0-based): 方案1, 方案2, …"""
    return f"方案{i + 1}"


def param_defined_name(code: str) -> str:
    """Defined name of one parameter value cell, e.g. prm_wage_growth, prm_trend_method_premium."""
    return "prm_" + code.replace(".", "_")
