"""What the reviewer reads: rule text from the settings, no internal words, injection-safe cells and CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.cli import main
from addin.draft.build import build_draft, default_date
from addin.draft.note import explanatory_note, note_text
from addin.report.rule_text import option_names, rule_text
from addin.report.tables import draft_tables
from addin.report.text import safe_csv_cell, wrap_text
from examples import load_example
from models.budget import run_budget
from models.sharing import load_presets, parse_option
from tests.test_draft_gate import _write_book

ALLOWED_WORDS = frozenset({"PDF"})          # words of 4+ Latin letters a draft may contain
LATIN_WORD = re.compile(r"[A-Za-z_]{4,}")


def _weighted(own_gap: float, collections: float) -> dict:
    """A four-factor option: own gap and collections as given, insured 20%, fiscal capacity 10%."""
    return {"name": "mix", "label": "多因素加权", "amount": "deficit", "province_share": 0.5,
            "weights": {"own_gap": own_gap, "collections": collections, "insured": 0.2, "fiscal_capacity": 0.1},
            "use_coefficients": True, "cap": {"basis": "collections", "ratio": 0.1}}


def test_rule_text_follows_the_weights():
    before = rule_text(parse_option(_weighted(0.4, 0.3)))
    after = rule_text(parse_option(_weighted(0.2, 0.5)))
    assert "自身缺口40%、征缴收入30%、参保人数20%、财力（一般公共预算收入）10%" in before
    assert "自身缺口20%、征缴收入50%" in after and "40%" not in after
    assert "省级承担50%，各设区市承担50%" in after           # province_share 0.5
    assert "本市征缴收入的10%" in after                      # the cap


def test_rule_text_of_conditions_management_charge_and_rewards():
    opt = parse_option({"name": "x", "label": "条件比例", "management_charge_ratio": 0.5,
                        "province_share": {"basis": "balance_covers", "if_true": 0.8, "if_false": 0.6},
                        "weights": {"own_gap": 1.0}, "rewards": [5_000_000, 4_000_000, 3_000_000]})
    text = rule_text(opt)
    assert "征缴短收额）的50%计为管理性缺口" in text
    assert "年初滚存结余足以弥补应分担缺口时，其余部分由省级承担80%、各设区市承担20%" in text
    assert "省级承担60%、各设区市承担40%" in text
    assert "分别减免500万元、400万元、300万元" in text      # 5,000,000 元 = 500 万元


def test_changing_weights_changes_the_note_and_the_sharing_sheet():
    inputs = load_example()
    texts = []
    for own, coll in ((0.4, 0.3), (0.2, 0.5)):
        result = run_budget(inputs, [_weighted(own, coll)])
        tables = draft_tables(result)
        note = note_text(explanatory_note(tables))
        wb = build_draft(tables, on=default_date(inputs))
        sheet = " ".join(str(v) for r in wb["缺口分担表"].iter_rows(values_only=True) for v in r if v)
        texts.append((note, sheet))
    for (note, sheet), share in zip(texts, ("自身缺口40%、征缴收入30%", "自身缺口20%、征缴收入50%"), strict=True):
        assert share in note and share in sheet


def test_options_are_named_in_chinese_never_by_code():
    presets = load_presets()
    unnamed = dataclasses.replace(presets[0], label=presets[0].name)     # a label left as the code
    names = option_names([unnamed, *presets[1:]])
    assert names[0] == "方案一" and names[1:] == [o.label for o in presets[1:]]


@pytest.fixture(scope="module")
def example_draft(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("draft") / "草案.xlsx"
    assert main(["draft", "-o", str(out), "-q"]) == 0
    return out


def _all_text(path: Path) -> list[tuple[str, str]]:
    wb = load_workbook(path)
    out = [("sheet name", ws.title) for ws in wb.worksheets]
    for ws in wb.worksheets:
        out += [(f"{ws.title}!{c.coordinate}", c.value) for row in ws.iter_rows() for c in row
                if isinstance(c.value, str)]
    return out


def test_no_internal_word_in_any_cell_of_the_draft(example_draft):
    bad = [(where, word) for where, text in _all_text(example_draft)
           for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]
    assert bad == []
    joined = " ".join(t for _, t in _all_text(example_draft))
    for internal in (".toml", "参数集", "编制工具", "本团队", "--no-risk", "inf", "nan"):
        assert internal not in joined


def test_no_line_of_the_draft_starts_with_closing_punctuation(example_draft):
    starts = [(where, line) for where, text in _all_text(example_draft) for line in text.split("\n")[1:]
              if line[:1] in "，。、；：）》”%"]
    assert starts == []


def test_wrap_text_keeps_closing_punctuation_on_the_line_before():
    # 10 columns = 5 CJK characters; "，" would begin the second line, so it stays on the first
    assert wrap_text("一二三四五，六七", 10) == "一二三四五，\n六七"
    assert wrap_text("金额12,345.67万元", 8) == "金额\n12,345.67\n万元"      # the figure is not split


def test_the_cover_names_the_agencies_and_a_date_in_the_drafting_year(example_draft):
    inputs = load_example()
    cover = {r[0]: r[1] for r in load_workbook(example_draft)["封面"].iter_rows(values_only=True) if r[0]}
    assert cover["编制单位"] == f"{inputs.province}人力资源和社会保障厅　{inputs.province}财政厅"
    assert cover["编制日期"].startswith(f"{inputs.budget_year - 1}年")


# ---------------------------------------------------------------- injection

EVIL_UNIT = "=cmd|' /C calc'!A0"
EVIL_LABEL = '=HYPERLINK("http://example.invalid","点击")'


@pytest.fixture(scope="module")
def evil_book(tmp_path_factory) -> Path:
    inputs = load_example()
    old = inputs.units["unit"].iloc[0]
    for table in (inputs.units, inputs.history, inputs.plans, inputs.beneficiaries):
        table["unit"] = table["unit"].replace({old: EVIL_UNIT})
    options = [o.to_dict() for o in load_presets()]
    options[1]["label"] = EVIL_LABEL
    return _write_book(tmp_path_factory.mktemp("evil") / "evil.xlsx", inputs=inputs, options=options)


def _no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8"), name


def test_names_starting_with_equals_stay_text_in_the_draft_and_compare(evil_book, tmp_path, capsys):
    draft, comp, comp_csv = tmp_path / "d.xlsx", tmp_path / "c.xlsx", tmp_path / "c.csv"
    assert main(["draft", str(evil_book), "-o", str(draft), "-q", "--no-risk"]) == 0
    err = capsys.readouterr().err
    assert "V410" in err                                       # check warns about such names
    assert main(["compare", str(evil_book), "-q", "--xlsx", str(comp), "--csv", str(comp_csv)]) == 0
    for path in (draft, comp):
        _no_formulas(path)
        texts = [t for _, t in _all_text(path)]
        assert any(EVIL_UNIT in t for t in texts)
    assert any(EVIL_LABEL in t for _, t in _all_text(draft))
    rows = list(csv.reader(io.StringIO(comp_csv.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows if EVIL_UNIT in r[0]] == ["'" + EVIL_UNIT]
    assert not any(cell and cell[0] in "=+@" for r in rows for cell in r)


@pytest.mark.parametrize(("cell", "safe"), [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+SUM(A1)", "'+SUM(A1)"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("南昌", "南昌"), ("-12.50", "-12.50"),
    ("1,234.00", "1,234.00"), (12.5, 12.5)])
def test_csv_cells_are_neutralised(cell, safe):
    assert safe_csv_cell(cell) == safe


def test_percentage_points_come_from_the_displayed_rates():
    from addin.report.wording import change_words, growth_pct, pct, points

    now, need = 0.0034949, 0.0037651             # shown as 0.349% and 0.377%: 0.377 − 0.349 = 0.028
    assert (pct(now, 3), pct(need, 3)) == ("0.349%", "0.377%")
    assert points(need, now, 3) == "0.028"        # not 0.027, the difference of the unrounded rates
    assert growth_pct(120.0, 0.0) == "上年为零"    # a zero base never prints inf
    assert change_words(120.0, float("inf")) == "增加120.00万元（上年为零）"


def test_a_signed_figure_is_not_split_from_its_sign():
    assert wrap_text("相差 -1,000,000.00 元", 8) == "相差\n-1,000,000.00\n元"


def test_comparison_marks_gains_and_losses_and_charts_each_option():
    result = run_budget(load_example())
    wb = build_draft(draft_tables(result), on=default_date(result.inputs))
    ws = wb["方案比较"]
    n = len(result.options)
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert sorted(r.operator for r in rules) == ["greaterThan"] * n + ["lessThan"] * n   # red up, green down
    shares = result.sharing.rounded["share"]                   # (options, cities) in 万元
    with_shares = int((abs(shares).sum(axis=1) > 0).sum())
    assert len(ws._charts) == 1 + with_shares                  # the grouped chart and one per option
