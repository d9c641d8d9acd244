"""Hostile and broken input (issue 16): one safe path, every message at its cell, nothing left behind.

Every workbook here is built from the example province (see tests/test_broken_workbooks.py for its
cells: 历年执行 header row 4, 南昌 2022 row 5, 新余 row 9, 2024 全年 rows 53–64, 2026 1–9月 rows 89–100,
省级收支 O–S rows 5–12; 参数 C7 预算年度, C18 利息收益率; 分担方案 C anhui … F weighted_mix, row 7 分担基数,
row 8 固定分担金额, rows 14–20 权重).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.cli import main
from addin.excel import udfs
from addin.workbook import atomic, coerce, reader, safe_open, writer
from addin.workbook.cells import locate_error, template_cell
from addin.workbook.check import check_workbook, error_text, findings_table, has_errors
from examples import load_example
from models.budget import run_budget
from models.errors import BudgetInputError
from models.money import allocate_wan
from models.parameter_set import load_parameters
from models.sharing import load_presets

HIST, PLANS, BEN, OPTS, PARAMS = "历年执行", "扩面计划", "待遇人员", "分担方案", "参数"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    wb = Workbook()
    writer.write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    path = tmp_path_factory.mktemp("hostile") / "budget.xlsx"
    wb.save(path)
    return path


def _edited(clean: Path, tmp_path: Path, edit, name: str = "edited.xlsx") -> Path:
    wb = load_workbook(clean)
    edit(wb)
    out = tmp_path / name
    wb.save(out)
    return out


def _rewrite(clean: Path, out: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out


def _with_declaration(clean: Path, out: Path, doctype: bytes) -> Path:
    """The example with a DOCTYPE put before the root of the shared strings (or the first sheet)."""
    with zipfile.ZipFile(clean) as z:
        part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in z.NameToInfo else "xl/worksheets/sheet1.xml"
        data = z.read(part)
    head, body = data.split(b"?>", 1) if data.startswith(b"<?xml") else (b"", data)
    return _rewrite(clean, out, {part: (head + b"?>" if head else b"") + doctype + body})


BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10)) + b"]>")
XXE = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _run(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _at(findings, rule: str) -> list[str]:
    return [f.location for f in findings if f.rule == rule]


# ---------------------------------------------------------------- hostile files on every command


@pytest.mark.parametrize("doctype", [BILLION_LAUGHS, XXE], ids=["billion_laughs", "xxe"])
@pytest.mark.parametrize("command", ["draft", "compare", "forecast", "check"])
def test_entity_workbooks_are_refused_by_every_command_before_parsing(clean, tmp_path, capsys, doctype, command):
    hostile = _with_declaration(clean, tmp_path / "hostile.xlsx", doctype)
    argv = [command, str(hostile), "-q"] + (["-o", str(tmp_path / "out.xlsx")] if command == "draft" else [])
    code, text = _run(capsys, argv)
    assert code in (1, 2) if command == "check" else code == 2, text
    assert "内部错误" not in text and "ValueError" not in text
    assert "实体声明" in text or "V001" in text
    assert not (tmp_path / "out.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hostile.xlsx"]       # nothing written, nothing left


def test_entity_workbook_is_v001_in_check_and_refused_by_the_reader(clean, tmp_path):
    hostile = _with_declaration(clean, tmp_path / "laughs.xlsx", BILLION_LAUGHS)
    assert [f.rule for f in check_workbook(hostile)] == ["V001"]
    with pytest.raises(safe_open.WorkbookFileError, match="实体声明"):
        reader.read_inputs(hostile)


def test_the_reader_inspects_before_any_parser_runs(clean, monkeypatch):
    order: list[str] = []
    real_inspect, real_parse = safe_open.inspect_workbook, reader._parse_sheets
    monkeypatch.setattr(safe_open, "inspect_workbook", lambda p, *a: order.append("inspect") or real_inspect(p, *a))
    monkeypatch.setattr(reader, "_parse_sheets", lambda p: order.append("parse") or real_parse(p))
    reader.read_inputs(clean)
    assert order == ["inspect", "parse"]


# ---------------------------------------------------------------- read-time bounds


@pytest.mark.parametrize("value", [1e308, 1e20, "1e20", -1e16])
def test_absurd_magnitudes_are_refused_at_read_time_naming_the_cell(clean, tmp_path, value):
    # 南昌 2022 保险费 (F5): no provincial amount comes near 1e15 元
    path = _edited(clean, tmp_path, lambda wb: wb[HIST].__setitem__("F5", value))
    findings = check_workbook(path)
    assert _at(findings, "V106") == [f"{HIST}!F5"], findings_table(findings)
    with pytest.raises(BudgetInputError) as caught:
        reader.read_inputs(path)
    assert caught.value.cell == f"{HIST}!F5" and caught.value.rule == "V106"


def test_fixed_sharing_amount_of_1e300_is_refused_at_its_cell(clean, tmp_path, capsys):
    # anhui (column C) switched to a fixed amount of 1e300 元: refused at C8 before any share is computed
    def edit(wb):
        wb[OPTS]["C7"] = "fixed"
        wb[OPTS]["C8"] = 1e300
    path = _edited(clean, tmp_path, edit)
    findings = check_workbook(path)
    assert _at(findings, "V106") == [f"{OPTS}!C8"], findings_table(findings)
    code, text = _run(capsys, ["compare", str(path), "-q"])
    assert code in (1, 2) and f"{OPTS}!C8" in text and "e+16" not in text      # stopped by the data check


def test_money_rounding_refuses_amounts_an_int64_cast_would_wrap():
    # 1e300 元 = 1e298 hundredths of 万元: far beyond 2**53, so refused rather than wrapped to a negative
    with pytest.raises(BudgetInputError, match="超出可计算的范围"):
        allocate_wan([1e300, 1.0])
    # ordinary amounts still add up: 1.004 + 2.004 万元, total 3.008 → 3.01; both remainders are 0.4 of a step,
    # the tie goes to the first part: 1.01 + 2.00 = 3.01
    assert allocate_wan([10_040.0, 20_040.0]).tolist() == [1.01, 2.0]


@pytest.mark.parametrize("dash", ["\u2212", "\u2013", "\u2014", "\u2010", "\uff0d", "\ufe63"])
def test_unicode_minus_signs_read_as_minus(dash):
    # "−0.05" typed with any dash is −5 %
    assert coerce.parse_number_text(f"{dash}0.05") == -0.05
    assert coerce.parse_number_text(f"{dash}5%") == -0.05


def test_unicode_minus_in_a_workbook_cell_is_no_finding(clean, tmp_path):
    # 南昌 费率调整 (扩面计划 J5) typed as "－0.05" (full-width minus): read as −5 %, a legal rate change
    path = _edited(clean, tmp_path, lambda wb: wb[PLANS].__setitem__("J5", "\uff0d0.05"))
    assert not has_errors(check_workbook(path))
    inputs, _ = reader.read_inputs(path)
    assert inputs.plans["rate_change"].iloc[0] == -0.05


# ---------------------------------------------------------------- every message at its cell


def _merge_header(wb):
    wb[HIST].merge_cells("G4:H4")      # 其他收入 and 工伤医疗待遇支出 headers merged: H4 becomes empty


def _drop_city_year(wb):
    wb[HIST].delete_rows(56)           # 九江 2024 全年


def _drop_city_everywhere_in_history(wb):
    for row in (93, 81, 69, 57, 45, 33, 21, 9):   # every 新余 row, bottom up
        wb[HIST].delete_rows(row)


def _drop_province_year(wb):
    ws = wb[HIST]                      # 省级收支 2024 全年 (row 9) removed, the rows below moved up
    for r in range(9, 12):
        for c in "OPQRS":
            ws[f"{c}{r}"] = ws[f"{c}{r + 1}"].value
    for c in "OPQRS":
        ws[f"{c}12"] = None


HOSTILE_EDITS = {
    "renamed_header": (lambda wb: wb[HIST].__setitem__("H4", "医疗费"), "V101", f"{HIST}!H4"),
    "merged_header": (_merge_header, "V101", f"{HIST}!H4"),
    "city_missing_one_year": (_drop_city_year, "V202", None),
    "city_missing_in_history": (_drop_city_everywhere_in_history, "V202", None),
    "internal_space_in_name": (lambda wb: wb[HIST].__setitem__("A5", "南 昌"), "V203", f"{HIST}!A5"),
    "province_year_missing": (_drop_province_year, "V301", None),
    "budget_year_2101": (lambda wb: wb[PARAMS].__setitem__("C7", 2101), "V106", f"{PARAMS}!C7"),
    "negative_weight": (lambda wb: wb[OPTS].__setitem__("F14", -0.1), "V104", f"{OPTS}!F14"),
    "negative_interest": (lambda wb: wb[PARAMS].__setitem__("C18", -0.01), "V104", f"{PARAMS}!C18"),
    "zero_insured": (lambda wb: wb[HIST].__setitem__("D89", 0), None, None),
    "text_in_year": (lambda wb: wb[HIST].__setitem__("B5", "二〇二二"), "V103", f"{HIST}!B5"),
    "huge_rank": (lambda wb: wb[PLANS].__setitem__("E5", 1e20), "V106", f"{PLANS}!E5"),
}

#: Words a message may contain: function names, Excel and file types, TRUE/FALSE, and what the user's own cells
#: hold — province codes (参数代码), the preset option codes (方案代码) and codes the corpus types ("mars" …).
# codes a user types: province codes, option codes, the statutory parameter codes of the 法定参数调整 table
# (V601 names the ones the province must confirm), and the two the corpus types itself
_PARAMETER_CODES = {name for code in ("", "jiangxi", "shandong", "gansu")
                    for name in load_parameters(code).table(dt.date(2027, 1, 1))["name"]}
_USER_CODES = sorted({p.stem for p in (ROOT / "models" / "parameters" / "provinces").glob("*.toml")}
                     | {o.name for o in load_presets()} | _PARAMETER_CODES | {"mars", "weight.luck"},
                     key=len, reverse=True)
ALLOWED_WORDS = re.compile(r"GS_[A-Z_]+|Excel|xlsx|xlsm|TRUE|FALSE|LibreOffice|TOML|toml|"
                           + "|".join(re.escape(c) for c in _USER_CODES))
ENGLISH = re.compile(r"[A-Za-z_]{4,}")
CELL = re.compile(r"^[^!]+![A-Z]{1,3}\d+$")


def _english(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED_WORDS.sub("", text))


@pytest.mark.parametrize("name", list(HOSTILE_EDITS))
def test_hostile_edit_is_found_at_a_cell_in_one_run(clean, tmp_path, name):
    edit, rule, location = HOSTILE_EDITS[name]
    findings = check_workbook(_edited(clean, tmp_path, edit))
    errors = [f for f in findings if f.severity == "error"]
    if rule is not None:
        assert rule in {f.rule for f in errors}, findings_table(findings)
    if location is not None:
        assert location in [f.location for f in findings if f.rule == rule], findings_table(findings)
    for f in findings:
        assert CELL.match(f.location), f.as_row()
        assert not _english(f.message), f.as_row()


def test_zero_width_characters_in_names_are_dropped(clean, tmp_path):
    # "南昌" + zero-width space reads as 南昌: no unknown unit
    path = _edited(clean, tmp_path, lambda wb: wb[HIST].__setitem__("A5", "南昌\u200b"))
    assert not has_errors(check_workbook(path))


def test_check_reports_every_layer_in_one_run(clean, tmp_path):
    # four independent faults: text in 历年执行 F8 (V103), a duplicated city in 扩面计划 A8 (V201),
    # weights of weighted_mix summing to 90 % (V502, F14) and a wrong 2024 balance of 省级收支 S9 (V304 lives in
    # 历年执行, whose table already failed — so it waits, as a later layer should)
    def edit(wb):
        wb[HIST]["F8"] = "八亿"
        wb[PLANS]["A8"] = "南昌"
        wb[OPTS]["F16"] = 0.1
    findings = check_workbook(_edited(clean, tmp_path, edit))
    got = {(f.rule, f.location) for f in findings}
    assert {("V103", f"{HIST}!F8"), ("V201", f"{PLANS}!A8"), ("V502", f"{OPTS}!F14")} <= got, findings_table(findings)


def test_later_layers_run_on_the_tables_that_passed(clean, tmp_path):
    # a bad option weight (V502) does not hide the broken 2024 balance identity of 省级收支 (V304 at S9)
    def edit(wb):
        wb[OPTS]["F16"] = 0.1
        wb[HIST]["S9"] = wb[HIST]["S9"].value + 1_000.0
    findings = check_workbook(_edited(clean, tmp_path, edit))
    got = {(f.rule, f.location) for f in findings}
    assert {("V502", f"{OPTS}!F14"), ("V304", f"{HIST}!S9")} <= got, findings_table(findings)


@pytest.mark.parametrize("name", list(HOSTILE_EDITS))
def test_commands_name_the_cell_and_never_fail_internally(clean, tmp_path, capsys, name):
    edit = HOSTILE_EDITS[name][0]
    path = _edited(clean, tmp_path, edit)
    out = tmp_path / "草案.xlsx"
    code, text = _run(capsys, ["draft", str(path), "-q", "--no-risk", "-o", str(out)])
    assert "内部错误" not in text, text
    if code != 0:                                   # the data check gate (exit 1) or the reader (exit 2)
        assert code in (1, 2), text
        lines = [x.strip() for x in text.splitlines() if x.startswith("错误：") or x.strip().startswith("错误 V")]
        assert any(re.search(r"[^\s：!]+![A-Z]{1,3}\d+", line) for line in lines), text
        assert not any(_english(line.replace("--allow-errors", "")) for line in lines), lines   # an option name is no leak
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".wibudget-")]


# ---------------------------------------------------------------- the message walk


def _bad_inputs():
    """Inputs built in Python, each with one fault the engine refuses."""
    def edited(change):
        inputs = load_example()
        change(inputs)
        return inputs

    def zero_insured(i):
        h = i.history
        h.loc[h.index[-12], "insured_end"] = 0.0
        h.loc[h.index[-12], "avg_wage"] = 0.0

    def drop_year(i):
        h = i.history
        i.history = h.drop(h.index[(h["unit"] == h["unit"].iloc[0]) & (h["year"] == h["year"].iloc[0] + 1)])

    def drop_province_year(i):
        ph = i.province_history
        i.province_history = ph.drop(ph.index[(ph["year"] == ph["year"].iloc[0] + 1) & (ph["months"] == 12)])

    def unknown_kind(i):
        i.units.loc[0, "kind"] = "村"

    def blank_unit(i):
        i.units.loc[1, "unit"] = ""

    def duplicated_unit(i):
        i.units.loc[1, "unit"] = i.units.loc[0, "unit"]

    def unknown_unit_in_history(i):
        i.history.loc[i.history.index[0], "unit"] = "火星"

    def months_13(i):
        i.history.loc[i.history.index[0], "months"] = 13

    def negative_insured(i):
        i.history.loc[i.history.index[3], "insured_end"] = -1.0

    def no_average_wage(i):
        i.assumptions.avg_monthly_wage = 0.0

    return {
        "zero_insured": edited(zero_insured), "missing_unit_year": edited(drop_year),
        "missing_province_year": edited(drop_province_year), "unknown_kind": edited(unknown_kind),
        "blank_unit": edited(blank_unit), "duplicated_unit": edited(duplicated_unit),
        "unknown_unit": edited(unknown_unit_in_history), "months_13": edited(months_13),
        "negative_insured": edited(negative_insured), "no_average_wage": edited(no_average_wage),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_every_engine_refusal_names_a_cell_and_no_english_identifier(name):
    with pytest.raises(BudgetInputError) as caught:
        run_budget(BAD_INPUTS[name])
    exc = caught.value
    where = locate_error(exc)                  # the one mapping: placed on the template's cells
    assert where.sheet and where.cell, (name, exc.describe())
    assert not _english(exc.describe()), exc.describe()
    assert not _english(error_text(exc)), error_text(exc)


def test_statutory_parameter_errors_sit_on_the_budget_year():
    from models.errors import ParameterError

    assert str(locate_error(ParameterError("没有生效的取值", field="max_wage"))) == str(template_cell(
        "assumptions", None, "budget_year"))


def test_every_message_of_the_broken_corpus_names_a_cell(clean, tmp_path):
    """The corpus of tests/test_broken_workbooks.py plus the hostile edits: every finding that is not about
    the file itself (V001–V003) names sheet!cell and uses no English identifier."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_broken_workbooks as corpus

    checked = 0
    for name, case in corpus.CASES.items():
        out = tmp_path / f"{name}.xlsx"
        if case.on_file:
            case.break_it(clean, out)
        else:
            wb = load_workbook(clean)
            case.break_it(wb)
            wb.save(out)
        for f in check_workbook(out):
            checked += 1
            if f.rule not in ("V001", "V002", "V003"):
                assert CELL.match(f.location), (name, f.as_row())
            assert not _english(f.message), (name, f.as_row())
    assert checked >= len(corpus.CASES)


# ---------------------------------------------------------------- silent acceptance → warnings


def test_data_in_hidden_rows_and_columns_is_a_warning(clean, tmp_path):
    def edit(wb):
        wb[HIST].row_dimensions[10].hidden = True          # 鹰潭 2022
        wb[PLANS].column_dimensions["C"].hidden = True      # 分担系数
    findings = check_workbook(_edited(clean, tmp_path, edit))
    assert f"{HIST}!A10" in _at(findings, "V407"), findings_table(findings)
    assert f"{PLANS}!C5" in _at(findings, "V407"), findings_table(findings)
    assert not has_errors(findings)


def test_hidden_input_sheet_is_a_warning(clean, tmp_path):
    findings = check_workbook(_edited(clean, tmp_path, lambda wb: setattr(wb[BEN], "sheet_state", "hidden")))
    assert _at(findings, "V408") == [f"{BEN}!A4"], findings_table(findings)


def test_formula_linking_another_workbook_is_a_warning(clean, tmp_path):
    # 九江 2022 保险费 (F8) taken from another workbook: its cached value is used, so the check warns
    path = _edited(clean, tmp_path, lambda wb: None)
    with zipfile.ZipFile(path) as z:
        part = safe_open.inspect_workbook(path).sizes[HIST].part
        xml = z.read(part)
    xml = re.sub(rb'(<c r="F8"[^>]*>)', rb"\1<f>[1]Sheet1!A1</f>", xml, count=1)
    linked = _rewrite(path, tmp_path / "linked.xlsx", {part: xml})
    findings = check_workbook(linked)
    assert f"{HIST}!F8" in _at(findings, "V409"), findings_table(findings)


# ---------------------------------------------------------------- nothing left behind


def test_stale_folder_of_a_killed_run_is_removed_on_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / ".wibudget-killed"
    stale.mkdir()
    (stale / atomic.PID_FILE).write_text(dead.stdout.strip())
    (stale / "draft.xlsx").write_bytes(b"partial")
    atomic.atomic_write(tmp_path / "out.csv", lambda tmp: tmp.write_text("a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_folder_of_a_live_run_is_kept(tmp_path):
    live = tmp_path / ".wibudget-live"
    live.mkdir()
    (live / atomic.PID_FILE).write_text(str(os.getpid()))
    assert atomic.remove_stale_folders(tmp_path) == []
    assert live.is_dir()


_SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from addin.workbook.atomic import atomic_write
    def slow(tmp):
        tmp.write_bytes(b"half")
        print("writing", flush=True)
        time.sleep(30)
    atomic_write(Path(sys.argv[1]), slow)
""")


def _start_writer(target: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "writing"
    return proc


def test_kill_9_mid_write_leaves_a_folder_the_next_run_removes(tmp_path):
    proc = _start_writer(tmp_path / "草案.xlsx")
    proc.kill()
    proc.wait()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".wibudget-")]   # kill -9 cannot clean up
    atomic.atomic_write(tmp_path / "next.csv", lambda tmp: tmp.write_text("b"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next.csv"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_mid_write_leave_nothing(tmp_path, sig):
    proc = _start_writer(tmp_path / "草案.xlsx")
    proc.send_signal(sig)
    proc.wait(timeout=20)
    deadline = time.time() + 5
    while list(tmp_path.iterdir()) and time.time() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder_is_named_in_chinese(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".wibudget-x"))
    monkeypatch.setattr(atomic.tempfile, "mkdtemp", refuse)
    target = tmp_path / "out" / "草案.xlsx"
    code, text = _run(capsys, ["draft", "-q", "--no-risk", "-o", str(target)])
    assert code == 1
    assert str(target) in text and "只读" in text
    assert ".wibudget-" not in text and "Errno" not in text and "Read-only" not in text


# ---------------------------------------------------------------- CLI and UDF rough edges


def test_negative_seed_is_a_clear_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["risk", "--seed", "-1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "随机种子" in err and "内部错误" not in err and "ValueError" not in err


def test_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "位置参数" in out and "选项" in out
    assert "positional arguments" not in out and "options:" not in out and "usage:" not in out


def test_existing_output_hint_does_not_suggest_an_option_the_command_lacks(tmp_path, capsys):
    target = tmp_path / "比较.csv"
    target.write_text("x")
    code, text = _run(capsys, ["compare", "-q", "--csv", str(target)])
    assert code == 2 and "--force" in text and not re.search(r"(?<![\w-])-o\b", text)


def test_share_udf_option_zero_names_the_valid_numbers():
    from tests.test_udfs import input_values  # noqa: PLC0415 - the UDF tests' own range builder

    inputs = load_example()
    wb = Workbook()
    writer.write_inputs(wb, inputs, [o.to_dict() for o in load_presets()])
    ranges = input_values(wb)
    text = udfs.GS_SHARE(0, *ranges)[0][0]
    assert "1–4" in text and "收到 0" in text, text


def test_premium_udf_bounds_wage_growth_and_huge_inputs():
    # 1,000 insured, 10 new, 60,000 元 wage, −500 % growth: refused with the bound, not computed
    assert "−100%" in udfs.GS_PREMIUM(1000, 10, 60_000, -5, 0.01)
    text = udfs.GS_PREMIUM(1e308, 10, 60_000, 0.05, 0.01)
    assert text.startswith("#输入错误") and "1e+15" in text and "#NUM!" not in text


def test_fixed_amount_of_1e300_given_in_python_is_refused_by_validation_at_its_cell():
    # the same option built in Python (no workbook, so no read-time bound): validation refuses it at 分担方案!C8
    from addin.workbook.check import check_inputs

    option = load_presets()[0].to_dict() | {"amount": "fixed", "fixed_amount": 1e300}
    findings = check_inputs(load_example(), [option])
    assert [(f.rule, f.location) for f in findings if f.severity == "error"] == [("V106", f"{OPTS}!C8")]
