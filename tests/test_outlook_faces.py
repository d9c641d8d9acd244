"""中期展望的三个出口 — `wibudget project / risk / sensitivity` and the draft's 多年预测与风险 sheet show the
engine's figures (models.projection, models.sensitivity, models.risk) for the example province.

Money is 万元 with 2 decimals; "equal" means equal to the cent of 万元 (checked in integer hundredths).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from addin.cli import common as cli
from addin.cli import main
from addin.cli.common import ProgressBar
from addin.draft.note import explanatory_note, note_text
from addin.report.compute import draft_outlook
from addin.report.outlook import DRAFT_DRAWS
from addin.report.tables import draft_tables
from examples import load_example
from models import items, projection, risk
from models.budget import run_budget
from models.money import round_wan
from models.projection import ROW_LABELS, project
from models.risk import simulate
from models.sensitivity import sensitivity
from models.sharing import load_presets

SHEET = "多年预测与风险"
CITIES = ["南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶"]
YEARS = [2027, 2028, 2029]


def cents(x) -> int:
    return int(round(float(x) * 100))


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def result():
    return run_budget(load_example())


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """The example's draft as a user makes it: `wibudget draft -o OUT`."""
    out = tmp_path_factory.mktemp("outlook") / "草案.xlsx"
    assert main(["draft", "-o", str(out), "-q"]) == 0
    return load_workbook(out)


@pytest.fixture(scope="module")
def outlook(result):
    """What the draft computed: the same seeded run, so the same figures."""
    return draft_outlook(result, "anhui")


def section(ws, heading: str) -> list[tuple]:
    """Rows (values) between the section heading that contains `heading` and the next section heading."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(k for k, r in enumerate(rows) if isinstance(r[0], str) and heading in r[0] and "、" in r[0][:2])
    out = []
    for r in rows[start + 1:]:
        if isinstance(r[0], str) and r[0][:2] in ("一、", "二、", "三、", "四、"):
            break
        out.append(r)
    return out


def by_label(rows: list[tuple], col: int = 0) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for r in rows:
        if isinstance(r[col], str) and r[col] not in out:
            out[r[col]] = r
    return out


# ---------------------------------------------------------------- wibudget project


def test_project_cli_prints_and_saves_the_engines_projection(tmp_path, capsys):
    out = tmp_path / "proj.csv"
    assert main(["project", "--years", "4", "--csv", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    table = project(load_example(), 4).table(wan=True)
    rows = read_csv(out)
    assert rows[0] == ["项目", "单位", "2027", "2028", "2029", "2030"]
    assert [r[0] for r in rows[1:]] == list(table["label"])
    for code, r in zip(table.index, rows[1:], strict=True):
        for y, shown in zip(range(2027, 2031), r[2:], strict=True):
            v = table.loc[code, y]
            if code == "below_floor":
                assert shown == ("是" if v else "否")
            elif code in ("average_rate", "rate_needed"):
                assert float(shown) == pytest.approx(v * 100, abs=5e-5)
            else:
                assert cents(shown) == cents(v), (code, y)
    csv_rows = {r[0]: r for r in rows[1:]}
    # 2028 (recalibrated example, issue 10): 本年收支结余 = 334,686.16 − 340,093.04 = −5,406.88; 年末 = the yuan
    # figure 3,017,125,506.42 → 301,712.55 (307,119.42 − 5,406.88 = 301,712.54 on the rounded figures: one cent off)
    assert csv_rows["本年收支结余"][3] == "-5406.88" and csv_rows["年末滚存结余"][3] == "301712.55"
    assert "首次低于储备下限：2027年" in printed
    line = next(x for x in printed.splitlines() if x.startswith("保持储备下限所需平均费率"))
    assert line.split()[2:] == [f"{table.loc['rate_needed', y] * 100:.3f}%" for y in range(2027, 2031)]
    assert line.split()[2] == "0.364%"         # the budget year's rate needed, as in 收支结余表


def test_project_says_when_the_floor_holds():
    # with a 6-month floor the balance (about 11.6 months of spending in 2027) stays above it
    from dataclasses import replace

    from addin.report.compute import outlook_tables
    from addin.report.outlook_text import breach_text

    inputs = load_example()
    inputs = replace(inputs, assumptions=replace(inputs.assumptions, reserve_months=6))
    o = outlook_tables(run_budget(inputs), 3, with_sensitivity=False, risk_draws=None)
    assert o.first_breach is None
    assert breach_text(o).startswith("预测期内（2027–2029年）年末滚存结余均不低于储备下限（6个月支出）")


def test_project_years_out_of_range_is_a_clear_error(capsys):
    assert main(["project", "--years", "11", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "1–10" in err and "Traceback" not in err


def test_project_xlsx_has_the_table_and_a_line_chart_and_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "proj.xlsx"
    assert main(["project", "--xlsx", str(out), "-q"]) == 0
    wb = load_workbook(out)
    ws = wb["多年预测"]
    assert [type(c) for c in ws._charts] == [LineChart]
    rows = by_label(section(ws, "多年收支预测"))
    table = project(load_example(), 3).table(wan=True)
    assert [cents(v) for v in rows["年末滚存结余"][2:5]] == [cents(table.loc["closing_balance", y]) for y in YEARS]
    before = out.read_bytes()
    assert main(["project", "--xlsx", str(out), "-q"]) == 2          # exists, no --force
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == before


# ---------------------------------------------------------------- wibudget sensitivity


def test_sensitivity_cli_prints_the_tornado_widest_first(capsys):
    assert main(["sensitivity", "-q"]) == 0
    printed = capsys.readouterr().out
    tornado = sensitivity(load_example()).tornado()
    body = [x for x in printed.splitlines() if x.split() and x.split()[0] in set(tornado["label"])]
    assert [x.split()[0] for x in body] == list(tornado["label"])
    top = body[0].split()
    # 新发工伤率 ±10 %: 321,448.50 and 292,790.35; swing 321,448.50 − 292,790.35 = 28,658.15 (recalibrated, issue 10)
    assert top[0] == "新发工伤率（伤残与工亡）" and top[1:3] == ["-10%", "+10%"]
    assert top[3:5] == [f"{round_wan(tornado['closing_low'].iloc[0]):,.2f}",
                        f"{round_wan(tornado['closing_high'].iloc[0]):,.2f}"] == ["321,448.50", "292,790.35"]
    assert top[-1] == "28,658.15"


# ---------------------------------------------------------------- wibudget risk


def test_risk_cli_is_reproducible_and_matches_simulate(tmp_path, capsys):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    args = ["risk", "--draws", "300", "--years", "2", "--options", "anhui", "-q"]
    assert main([*args, "--seed", "5", "--csv", str(a)]) == 0
    assert main([*args, "--seed", "5", "--csv", str(b)]) == 0
    assert main([*args, "--seed", "6", "--csv", str(c)]) == 0
    assert a.read_bytes() == b.read_bytes()                    # same seed, same result
    assert a.read_bytes() != c.read_bytes()                    # another seed, other draws
    anhui = next(o for o in load_presets() if o.name == "anhui")
    r = simulate(load_example(), 300, 2, [anhui], seed=5)
    rows = read_csv(a)
    deficit = [x for x in rows if x[0] == "当年收支缺口(万元)"]
    for k, row in enumerate(deficit):
        assert int(row[2]) == r.years[k]
        assert [cents(v) for v in row[5:10]] == [cents(v) for v in round_wan(r.deficit_bands[:, k])]
        assert float(row[10]) == pytest.approx(r.prob_below_floor[k], abs=5e-5)
        assert float(row[10]) * 300 == pytest.approx(round(float(row[10]) * 300), abs=0.02)   # a count of 300 draws
    shares = [x for x in rows if x[0] == "分担额(万元)"]
    assert len(shares) == 2 * (len(CITIES) + 1)                # 2 years × (11 cities + 省级承担)
    for row in shares:
        k = r.years.index(int(row[2]))
        if row[3] in CITIES:
            c_ = list(r.cities).index(row[3])
            assert [cents(v) for v in row[5:10]] == [cents(v) for v in round_wan(r.share_bands[:, 0, k, c_])]
    out = capsys.readouterr().out
    assert "模拟次数 300，随机种子 5" in out and "方案 anhui" in out


def test_risk_cli_draws_zero_is_refused(capsys):
    assert main(["risk", "--draws", "0", "-q"]) == 2
    assert "模拟次数" in capsys.readouterr().err


def test_risk_cli_reports_progress_on_stderr(capsys):
    assert main(["risk", "--draws", "200", "--years", "2"]) == 0
    err = capsys.readouterr().err
    steps = [x.strip() for x in err.splitlines() if x.strip().startswith("模拟 ")]
    # one step for the projection of every draw, one per year for the sharing: 3 steps for 2 years
    assert [s.split("（")[0] for s in steps] == ["模拟 1/3", "模拟 2/3", "模拟 3/3"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_in_place_on_a_terminal_and_prints_lines_otherwise():
    tty = FakeTerminal()
    bar = ProgressBar("模拟", stream=tty, width=10)
    bar.start()
    bar(1, 4)
    bar(4, 4)
    text = tty.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "[----------]   0%" in text                            # start(): an empty bar
    assert "[##--------]  25%" in text                           # 25 % of 10 cells, rounded: 2
    assert "[##########] 100%" in text
    plain = io.StringIO()
    bar = ProgressBar("模拟", stream=plain)
    bar.start()
    bar(1, 4)
    assert plain.getvalue().splitlines()[0].startswith("      模拟 1/4（25%")
    quiet = io.StringIO()
    ProgressBar("模拟", stream=quiet, quiet=True)(1, 4)
    assert quiet.getvalue() == ""


def test_cli_defaults_are_the_engines():
    assert (cli.DEFAULT_YEARS, cli.MAX_YEARS) == (projection.DEFAULT_YEARS, projection.MAX_YEARS)
    assert (cli.DEFAULT_DRAWS, cli.DEFAULT_SEED) == (risk.DEFAULT_DRAWS, risk.DEFAULT_SEED)


# ---------------------------------------------------------------- the draft's 多年预测与风险 sheet


def test_draft_sheet_projection_equals_the_engine(draft, result):
    table = project(load_example(), 3, result=result).table(wan=True)
    rows = by_label(section(draft[SHEET], "多年收支预测"))
    for code in table.index:
        got = rows[ROW_LABELS[code]][2:5]
        for y, v in zip(YEARS, got, strict=True):
            want = table.loc[code, y]
            if code == "below_floor":
                assert v == ("是" if want else "否")
            elif code in ("months_payable", "average_rate", "rate_needed"):
                assert v == pytest.approx(float(want), rel=1e-12)
            else:
                assert cents(v) == cents(want), (code, y)


def test_draft_sheet_year_one_is_the_one_year_budget(draft):
    rows = by_label(section(draft[SHEET], "多年收支预测"))
    revenue = by_label(list(draft["收入预算表"].iter_rows(values_only=True)))
    expenditure = by_label(list(draft["支出预算表"].iter_rows(values_only=True)))
    balance = by_label(list(draft["收支结余表"].iter_rows(values_only=True)))
    for code in (*items.REVENUE_ITEMS, "revenue_total"):
        assert cents(rows[items.label(code)][2]) == cents(revenue[items.label(code)][3]), code
    for code in (*items.EXPENDITURE_ITEMS, "expenditure_total"):
        shown = items.label(code) if code != items.MEDICAL else "其中：工伤医疗待遇支出"
        assert cents(rows[items.label(code)][2]) == cents(expenditure[shown][3]), code
    for label in ("本年收支结余", "年初滚存结余", "年末滚存结余"):
        assert cents(rows[label][2]) == cents(balance[label][3]), label
    assert cents(rows["储备下限（年末滚存结余）"][2]) == cents(balance["储备下限（12个月支出）"][3])
    assert round(rows["可支付月数"][2], 2) == balance["可支付月数"][3] == 11.52
    assert rows["保持储备下限所需平均费率"][2] == pytest.approx(balance["恢复储备下限所需平均费率"][3])
    assert cents(rows["本年收支结余"][2]) == -776_283        # 312,218.35 − 319,981.18 (recalibrated, issue 10)


def test_draft_sheet_tornado_and_charts(draft, outlook):
    ws = draft[SHEET]
    assert sorted(type(c).__name__ for c in ws._charts) == sorted([LineChart.__name__, BarChart.__name__])
    rows = [r for r in section(ws, "敏感性分析") if r[0] in set(outlook.tornado["label"])]
    t = outlook.tornado
    assert [r[0] for r in rows] == list(t["label"])
    for r, (_, want) in zip(rows, t.iterrows(), strict=True):
        assert list(r[1:3]) == [want["low_shock"], want["high_shock"]]
        assert [cents(v) for v in r[3:8]] == [cents(want[c]) for c in
                                               ("closing_low", "closing_high", "effect_low", "effect_high", "swing")]
        assert cents(r[7]) == abs(cents(r[4]) - cents(r[3]))     # swing = |high − low|
    # the base is the 收支结余表's 年末滚存结余 314,882.26 − 7,762.83 = 307,119.43 (one rounded chain, not the
    # engine's 307,119.42 rounded on its own): 307,119.43 + 14,329.07 = 321,448.50 for 新发工伤率 −10 %
    assert cents(rows[0][3]) == cents(307_119.43) + cents(rows[0][5])


def test_draft_sheet_risk_is_the_seeded_run_stated_on_the_sheet(draft, outlook):
    rows = section(draft[SHEET], "储备风险")
    text = " ".join(str(v) for r in rows for v in r if isinstance(v, str))
    assert f"模拟{DRAFT_DRAWS:,}次，随机种子{risk.DEFAULT_SEED}" in text
    years = by_label(rows)
    ry = outlook.risk_years
    for y in YEARS:
        r = years[f"{y}年"]
        assert r[3] == pytest.approx(ry.loc[y, "prob_below_floor"]) and r[4] == pytest.approx(ry.loc[y, "prob_breached_by"])
        assert [cents(v) for v in r[5:10]] == [cents(ry.loc[y, f"deficit_p{p}"]) for p in (5, 25, 50, 75, 95)]
        assert cents(r[1]) == cents(ry.loc[y, "baseline_closing"])
    assert ry.loc[2027, "prob_below_floor"] * DRAFT_DRAWS == pytest.approx(round(ry.loc[2027, "prob_below_floor"]
                                                                                  * DRAFT_DRAWS))


def test_draft_sheet_share_bands_of_the_chosen_option(draft, outlook):
    shares = outlook.risk_shares["anhui"]
    rows = by_label(section(draft[SHEET], "储备风险"))
    sharing = by_label(list(draft["缺口分担表"].iter_rows(values_only=True)))
    for city in [*CITIES, "省级承担"]:
        row = rows[city]
        for k, y in enumerate(YEARS):
            want = shares[(shares["year"] == y) & (shares["unit"] == city)].iloc[0]
            assert [cents(v) for v in row[1 + 3 * k:4 + 3 * k]] == [cents(want[c]) for c in ("baseline", "p5", "p95")]
        # 2027 基准预测 = the 缺口分担表's 分担额 (萍乡 2,541.38; 省级承担 22,782.01; issue 10)
        assert cents(row[1]) == cents(sharing[city][-1])
    assert cents(rows["萍乡"][1]) == 254_138 and cents(rows["省级承担"][1]) == 2_278_201


def test_draft_sheet_prints_a4_landscape_one_page_wide_section_by_section(draft):
    ws = draft[SHEET]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows.replace("$", "") == "1:2"          # title and unit on every page
    assert len(ws.row_breaks.brk) == 3                            # 二、三、四 each start a page
    area = ws.print_area.replace("$", "").split("!")[-1]
    last_col = area.split(":")[1].rstrip("0123456789")
    from openpyxl.utils import column_index_from_string
    for chart in ws._charts:                                      # charts inside the printed area
        assert chart.anchor._from.col < column_index_from_string(last_col)
        assert chart.anchor.to.col <= column_index_from_string(last_col)


def test_no_risk_leaves_the_simulation_out(tmp_path, capsys):
    out = tmp_path / "d.xlsx"
    assert main(["draft", "-o", str(out), "--no-risk", "-q"]) == 0
    wb = load_workbook(out)
    rows = section(wb[SHEET], "储备风险")
    assert any("未进行储备风险模拟" in str(r[0]) for r in rows)
    assert not any(r[0] == "2027年" for r in rows)
    note = " ".join(str(r[0]) for r in wb["编制说明"].iter_rows(values_only=True) if r[0])
    assert "本草案未进行储备风险模拟" in note and "八、中期展望" in note


def test_note_outlook_section(result, outlook):
    t = draft_tables(result, outlook=outlook)
    text = note_text(explanatory_note(t))
    assert "八、中期展望" in text and "九、其他说明" in text
    assert "年末滚存结余自2027年起低于12个月平均支出的储备下限" in text
    # the rate that keeps the floor: 2027 as in 收支结余表, and the last year of the projection
    assert "2027年为0.364%，2029年为0.411%（现行0.349%）" in text
    # 321,448.50 − 307,119.43 (the 收支结余表's 年末滚存结余) = 14,329.07
    assert "影响最大的是新发工伤率（伤残与工亡）：冲击-10%时年末滚存结余增加14,329.07万元" in text
    p0, p2 = (outlook.risk_years.loc[y, "prob_below_floor"] * 100 for y in (2027, 2029))
    assert f"低于储备下限的概率2027年为{p0:.1f}%，2029年为{p2:.1f}%" in text
    assert f"按{DRAFT_DRAWS:,}次蒙特卡罗模拟（随机种子{risk.DEFAULT_SEED}）" in text


def test_the_draft_risk_run_is_deterministic(result):
    one, two = draft_outlook(result, "anhui"), draft_outlook(result, "anhui")
    np.testing.assert_array_equal(one.risk.closing, two.risk.closing)
    assert one.risk_years.equals(two.risk_years)
