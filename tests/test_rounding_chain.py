"""一个舍入链 — every figure the draft shows twice is the same to the cent, and the identities a reader can
check on the page hold on the shown figures (issue 10).

Each case writes an input workbook, edits it the way a user would (the 财政补贴收入计划 cell), runs
`wibudget draft` and reads the real draft file back: the figures that name the same quantity on different
sheets — 收入/支出合计 and each line, 本年收支结余, 年初/年末滚存结余, 储备下限, 可支付月数, 应分担缺口,
each city's share, 城市合计, 省级承担 — are collected from every sheet and from the 编制说明's text and
compared in whole cents.

Cases (figures in 万元):
- the example as shipped (a deficit year): 收入 312,218.35 − 支出 319,981.18 = −7,762.83; 年末 314,882.26 −
  7,762.83 = 307,119.43. Before the one chain the condition text said −7,762.84 (the engine's −7,762.835…
  rounded on its own), the tornado base and the risk table 307,119.42, and the 按自身缺口分担 option shared
  7,762.84;
- the example + 3 亿元 财政补贴 (a surplus year, the 9:1 branch);
- a subsidy of 37,500,050 元 = 3,750.005 万元, an exact half cent: the subsidy line is a rounding tie (shown
  3,750.00 so that the lines add up to 收入合计), shared on the deficit (全省本年收支缺口) basis so that the risk
  table's shares close on −本年收支结余 in every projection year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.cli import main
from addin.report.tables import displayed_result, shown_closing
from examples import load_example
from models import items
from models.budget import run_budget
from models.sharing import load_presets

CITIES = ["南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶"]
YEARS = (2027, 2028, 2029)
WAN = r"(-?[\d,]+\.\d\d)"
SUBSIDY_LABEL = "财政补贴收入计划"


def cents(x) -> int:
    """A shown figure (number or '1,234.56' text) in whole cents of 万元."""
    if isinstance(x, str):
        x = float(x.replace(",", ""))
    return int(round(float(x) * 100))


# ---------------------------------------------------------------- the cases: real draft files


def write_book(path: Path, subsidy_yuan: float | None) -> Path:
    """The example's input workbook; `subsidy_yuan` typed into the 财政补贴收入计划 cell as a user would."""
    writer = pytest.importorskip("addin.workbook.writer")
    wb = Workbook()
    writer.write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    wb.save(path)
    if subsidy_yuan is not None:
        wb = load_workbook(path)
        ws = wb["参数"]
        row = next(r for r in ws.iter_rows() if r[0].value == SUBSIDY_LABEL)
        row[2].value = subsidy_yuan
        wb.save(path)
    return path


def write_draft(tmp: Path, subsidy_yuan: float | None, option: str | None = None) -> Path:
    book = write_book(tmp / "budget.xlsx", subsidy_yuan)
    out = tmp / "draft.xlsx"
    args = ["draft", str(book), "-o", str(out), "-q"] + (["--option", option] if option else [])
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return Draft(write_draft(tmp_path_factory.mktemp("shipped"), None))


@pytest.fixture(scope="module")
def surplus_year(tmp_path_factory):
    # 3,750 万元 by trend + 3 亿元 = 33,750 万元 typed as 337,500,000 元
    return Draft(write_draft(tmp_path_factory.mktemp("surplus"), 337_500_000.0))


@pytest.fixture(scope="module")
def tie(tmp_path_factory):
    return Draft(write_draft(tmp_path_factory.mktemp("tie"), 37_500_050.0, option="weighted_mix"))


# ---------------------------------------------------------------- reading the draft back


class Draft:
    """The figures of one draft file, by sheet."""

    def __init__(self, path: Path) -> None:
        wb = load_workbook(path)
        self.wb = wb
        self.revenue = self._by_label("收入预算表", 4)
        self.expenditure = {k.removeprefix("其中："): v for k, v in self._by_label("支出预算表", 4).items()}
        self.balance = self._by_label("收支结余表", 4)
        self.units = self._by_label("分市预算表", 5)
        self.sharing = self._by_label("缺口分担表", 4)
        self.compare = self._by_label("方案比较", 5)
        # the note as read: the draft breaks long lines itself (line breaks inside a cell), so they are joined
        self.note = "\n".join(str(r[0]).replace("\n", "") for r in wb["编制说明"].iter_rows(values_only=True) if r[0])
        outlook = [r for r in wb["多年预测与风险"].iter_rows(values_only=True)]
        first = next(i for i, r in enumerate(outlook) if r[0] == "二、多年预测假设")
        self.projection = {r[0]: r for r in outlook[:first] if r[0]}
        self.risk_years = {r[0]: r for r in outlook if r[0] in {f"{y}年" for y in YEARS} and r[1] is not None}
        start = next(i for i, r in enumerate(outlook) if str(r[0]).startswith("方案") and "各市分担额的分布" in str(r[0]))
        self.risk_shares = {r[0]: r for r in outlook[start + 1:] if r[0] in [*CITIES, "省级承担"]}
        self.outlook_text = "\n".join(str(r[0]) for r in outlook if isinstance(r[0], str))

    def _by_label(self, sheet: str, first_row: int) -> dict[str, tuple]:
        return {r[0]: r for r in self.wb[sheet].iter_rows(min_row=first_row, values_only=True) if r[0]}

    def year(self, label: str, year: int):
        """多年预测表 figure of `year`."""
        return self.projection[label][2 + YEARS.index(year)]

    def note_figure(self, pattern: str) -> str:
        """The one figure `pattern` (with a WAN group) finds in the 编制说明, as written."""
        found = re.findall(pattern, self.note)
        assert len(found) == 1, (pattern, found)
        return found[0]


def same(*figures) -> None:
    """All the figures are one number to the cent."""
    shown = [cents(f) for f in figures]
    assert len(set(shown)) == 1, shown


# ---------------------------------------------------------------- every figure shown twice


CASES = ["shipped", "surplus_year", "tie"]


@pytest.mark.parametrize("case", CASES)
def test_revenue_and_expenditure_lines_are_one_figure_everywhere(case, request):
    d: Draft = request.getfixturevalue(case)
    totals = d.units["合计"]
    for k, code in enumerate(items.REVENUE_ITEMS):            # 收入预算表 = 分市预算表 合计 = 多年预测 2027
        label = items.label(code)
        same(d.revenue[label][3], totals[1 + k], d.year(label, 2027))
    for k, code in enumerate(items.EXPENDITURE_ITEMS):
        label = items.label(code)
        same(d.expenditure[label][3], totals[6 + k], d.year(label, 2027))
    same(d.revenue["收入合计"][3], d.balance["收入合计"][3], totals[5], d.year("收入合计", 2027),
         d.note_figure(rf"全省基金收入预算{WAN}万元"), d.note_figure(rf"全省基金收入{WAN}万元，支出"))
    same(d.expenditure["支出合计"][3], d.balance["支出合计"][3], totals[12], d.year("支出合计", 2027),
         d.note_figure(rf"全省基金支出预算{WAN}万元"), d.note_figure(rf"，支出{WAN}万元，"))
    same(d.revenue["财政补贴收入"][3], d.note_figure(rf"（二）财政补贴收入{WAN}万元"))
    same(d.revenue["利息收入"][3], d.note_figure(rf"（三）利息收入{WAN}万元"))


@pytest.mark.parametrize("case", CASES)
def test_balance_figures_are_one_figure_everywhere(case, request):
    d: Draft = request.getfixturevalue(case)
    b = {k: v[3] for k, v in d.balance.items()}
    # 本年收支结余: 收支结余表 = 多年预测 2027 = −(分市预算表 合计 收支缺口) = the 编制说明
    surplus = b["本年收支结余"]
    same(surplus, d.year("本年收支结余", 2027), -d.units["合计"][13])
    said = re.findall(rf"(当年收不抵支|本年收支结余){WAN}万元。", d.note)
    assert len(said) == 1
    assert cents(surplus) == cents(said[0][1]) * (-1 if said[0][0] == "当年收不抵支" else 1)
    # 年初滚存结余 and 年末滚存结余
    same(b["年初滚存结余"], d.year("年初滚存结余", 2027), d.note_figure(rf"按年初滚存结余{WAN}万元"),
         d.note_figure(rf"年初滚存结余{WAN}万元，年末"))
    closing = b["年末滚存结余"]
    base = re.search(rf"基准为2027年年末滚存结余{WAN}万元", d.outlook_text).group(1)
    outlook_list = re.search(r"年末滚存结余分别为([\d,.、]+)万元", d.note).group(1).split("、")
    same(closing, d.year("年末滚存结余", 2027), d.risk_years["2027年"][1], base, outlook_list[0],
         d.note_figure(rf"年末滚存结余{WAN}万元，可支付"), d.note_figure(rf"与年末滚存结余{WAN}万元的平均数"),
         d.year("年初滚存结余", 2028))
    for k, year in enumerate(YEARS):                       # later years: 多年预测表 = 风险表 = 编制说明
        same(d.year("年末滚存结余", year), d.risk_years[f"{year}年"][1], outlook_list[k])
        same(d.year("储备下限（年末滚存结余）", year), d.risk_years[f"{year}年"][2])
    # 储备下限 and 可支付月数
    same(b["储备下限（12个月支出）"], d.year("储备下限（年末滚存结余）", 2027), d.risk_years["2027年"][2],
         d.note_figure(rf"平均支出的储备下限{WAN}万元"))
    months = re.search(r"可支付月数分别为([\d.、]+)个月", d.note).group(1).split("、")
    same(b["可支付月数"], d.year("可支付月数", 2027), months[0], re.search(r"可支付([\d.]+)个月", d.note).group(1))
    # 缴费工资总额, the premium and the rate that restore the floor: 收支结余表 = 多年预测 2027
    same(b["缴费工资总额"], d.year("缴费工资总额", 2027))
    same(b["恢复储备下限所需保险费收入"], d.year("保持储备下限所需保险费收入", 2027))
    assert round(b["恢复储备下限所需平均费率"], 5) == round(d.year("保持储备下限所需平均费率", 2027), 5)
    # the reserve margin: 收支结余表 (signed) = −多年预测 低于储备下限的差额 when below the floor
    margin = b["高于（低于）储备下限"]
    same(max(0.0, -margin), d.year("低于储备下限的差额", 2027))


@pytest.mark.parametrize("case", CASES)
def test_amount_shared_and_every_share_are_one_figure_everywhere(case, request):
    d: Draft = request.getfixturevalue(case)
    s = d.sharing
    amount = s["应分担缺口"][1]
    prov, city_total = s["省级承担"][-1], s["合计"][-1]
    assert cents(city_total) + cents(prov) == cents(amount)                     # Σ 城市 + 省级承担 = D
    assert sum(cents(s[c][-1]) for c in CITIES) == cents(city_total)
    place = re.match(r"分担方案：方案([一二三四五六七八九十])", d.wb["缺口分担表"]["A2"].value).group(1)
    col = 1 + 4 * "一二三四五六七八九十".index(place)            # its 分担额 column in 方案比较
    same(amount, d.note_figure(rf"应分担缺口（[^）]+）{WAN}万元"))
    same(city_total, d.compare["城市合计"][col], d.note_figure(rf"各设区市合计承担{WAN}万元"))
    same(prov, d.compare["省级承担"][col], d.risk_shares["省级承担"][1], d.note_figure(rf"省级承担{WAN}万元"))
    for c in CITIES:                                      # 缺口分担表 = 方案比较 = 风险表 2027 基准 = 编制说明
        same(s[c][-1], d.compare[c][col], d.risk_shares[c][1])
        said = re.findall(rf"{c}{WAN}万元（占其征缴收入", d.note)
        assert [cents(x) for x in said] == ([cents(s[c][-1])] if cents(s[c][-1]) else [])
    # the condition text quotes the 收支结余表's figures
    condition = s["省级承担比例依据"][1]
    if "本年收支结余" in condition:
        same(re.search(rf"本年收支结余 {WAN} 万元", condition).group(1), d.balance["本年收支结余"][3])
    if "年初滚存结余" in condition:
        same(re.search(rf"年初滚存结余 {WAN} 万元", condition).group(1), d.balance["年初滚存结余"][3])
        same(re.search(rf"应分担缺口 {WAN} 万元", condition).group(1), amount)


@pytest.mark.parametrize("case", CASES)
def test_every_option_closes_on_the_amount_its_basis_shows(case, request):
    d: Draft = request.getfixturevalue(case)
    deficit = max(0, -cents(d.balance["本年收支结余"][3]))
    own_gaps = sum(max(0, cents(d.units[c][13])) for c in CITIES)   # Σ positive 收支缺口 of the 分市预算表
    shows = {"deficit": deficit, "city_gaps": own_gaps}
    for k, opt in enumerate(load_presets()):          # the comparison sheet lists the presets in this order
        col = 1 + 4 * k
        closes = cents(d.compare["城市合计"][col]) + cents(d.compare["省级承担"][col])
        assert closes == shows[opt.amount], opt.name


# ---------------------------------------------------------------- identities on the shown figures


@pytest.mark.parametrize("case", CASES)
def test_projection_chain_holds_on_the_shown_figures(case, request):
    d: Draft = request.getfixturevalue(case)
    for k, year in enumerate(YEARS):
        rev, exp = cents(d.year("收入合计", year)), cents(d.year("支出合计", year))
        assert sum(cents(d.year(items.label(c), year)) for c in items.REVENUE_ITEMS) == rev
        assert sum(cents(d.year(items.label(c), year)) for c in items.EXPENDITURE_ITEMS) == exp
        assert cents(d.year("本年收支结余", year)) == rev - exp                      # 结余 = 收入 − 支出
        assert cents(d.year("年末滚存结余", year)) == \
            cents(d.year("年初滚存结余", year)) + cents(d.year("本年收支结余", year))  # 年末 = 年初 + 结余
        if k:
            assert cents(d.year("年初滚存结余", year)) == cents(d.year("年末滚存结余", YEARS[k - 1]))
        # 12 months of 支出 is the floor: 储备下限 = 支出合计 ÷ 12 × 12
        assert cents(d.year("储备下限（年末滚存结余）", year)) == exp


def test_shipped_example_figures_by_hand(shipped):
    d = shipped
    # 312,218.35 − 319,981.18 = −7,762.83; 314,882.26 − 7,762.83 = 307,119.43; 2028: 307,119.43 − 5,406.88
    # = 301,712.55; 2029: 301,712.55 − 2,666.22 = 299,046.33
    assert cents(d.balance["本年收支结余"][3]) == -776_283
    assert [cents(d.year("年末滚存结余", y)) for y in YEARS] == [30_711_943, 30_171_255, 29_904_633]
    assert "本年收支结余 -7,762.83 万元 ≤ 0" in d.sharing["省级承担比例依据"][1]
    assert "基准为2027年年末滚存结余307,119.43万元" in d.outlook_text
    # 按自身缺口分担 shares the deficit: its cities carry 7,762.83 (= −本年收支结余, not 7,762.84)
    assert "“按自身缺口分担（省级不承担）”时，各市合计分担7,762.83万元" in d.note


def test_surplus_year_figures_by_hand(surplus_year):
    d = surplus_year
    # +3 亿 subsidy (and the interest on it): 本年收支结余 positive, the 9:1 branch
    surplus = cents(d.balance["本年收支结余"][3])
    assert surplus > 0
    assert cents(d.balance["年末滚存结余"][3]) == cents(d.balance["年初滚存结余"][3]) + surplus
    assert "> 0，省:市 = 9:1" in d.sharing["省级承担比例依据"][1]
    # the deficit-based options (own_gap, weighted_mix: columns 9 and 13) share nothing in a surplus year
    assert [cents(d.compare[row][col]) for row in ("城市合计", "省级承担") for col in (9, 13)] == [0, 0, 0, 0]


def test_tie_case_figures_by_hand(tie):
    d = tie
    # 37,500,050 元 = 3,750.005 万元 typed; the lines add up to 收入合计, so the tie is shown 3,750.00
    # in the budget year, and the 收支结余表 follows the shown lines: 收入合计 − 支出合计 = 本年收支结余
    assert cents(d.revenue["财政补贴收入"][3]) in (375_000, 375_001)
    assert cents(d.balance["本年收支结余"][3]) == cents(d.balance["收入合计"][3]) - cents(d.balance["支出合计"][3])
    # 多因素加权 (省:市 5:5) shares the deficit: every year its shares close on −本年收支结余
    for k, year in enumerate(YEARS):
        col = 1 + 3 * k
        shares = sum(cents(d.risk_shares[c][col]) for c in [*CITIES, "省级承担"])
        assert shares == max(0, -cents(d.year("本年收支结余", year))), year


# ---------------------------------------------------------------- faces that run the engine themselves


def test_engine_result_displayed_shows_the_draft_figures(shipped):
    """`displayed_result(run_budget(...))` — what the workbook UDFs and the command line display — gives
    the draft's 缺口分担表 and 方案比较; the engine's own rounding would not (7,762.84 for 按自身缺口分担)."""
    result = run_budget(load_example())
    shown = displayed_result(result)
    own_gap = [o.name for o in result.options].index("own_gap")
    assert round(float(result.sharing.rounded["amount"][own_gap]), 2) == 7_762.84      # −7,762.835… rounded alone
    assert round(float(shown.sharing.rounded["amount"][own_gap]), 2) == 7_762.83       # −(312,218.35 − 319,981.18)
    table = shown.sharing.table("anhui").set_index("单位")
    for c in [*CITIES, "合计", "省级承担"]:
        same(table.loc[c, "分担额"], shipped.sharing[c][-1])
    wide = shown.comparison.wide
    for k, head in enumerate(dict.fromkeys(wide.columns.get_level_values(0))):
        for row in [*CITIES, "城市合计", "省级承担"]:
            same(wide.loc[row, (head, "分担额(万元)")], shipped.compare[row][1 + 4 * k])
    assert "本年收支结余 -7,762.83 万元" in shown.sharing.condition_text("anhui")
    assert shown_closing(result) == 307_119.43           # the tornado's base: 314,882.26 − 7,762.83
