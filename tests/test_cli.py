"""wibudget 命令行 — clear errors instead of tracebacks, progress and paths, the input workbook only
read, and `compare` / `forecast` / `check` / `build-workbook` wired to the engine and their modules.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from addin.cli import common as cli
from addin.cli import main
from addin.report.tables import displayed_result
from addin.report.text import display_width, pad, text_table
from examples import load_example
from models.budget import run_budget
from models.compare import MEASURES
from models.sharing import load_presets

CITIES = ["南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶"]


@pytest.fixture(scope="module")
def engine():
    return displayed_result(run_budget(load_example()))       # shares as every table shows them


@pytest.fixture(scope="module")
def example_workbook(tmp_path_factory) -> Path:
    """The example province written in the budget.xlsm input layout (as an .xlsx)."""
    writer = pytest.importorskip("addin.workbook.writer")
    wb = Workbook()
    writer.write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    path = tmp_path_factory.mktemp("inputs") / "budget.xlsx"
    wb.save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- errors without tracebacks


def test_missing_workbook_is_a_clear_error(tmp_path, capsys):
    code = main(["draft", str(tmp_path / "没有这个文件.xlsm"), "-o", str(tmp_path / "d.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "错误：找不到输入工作簿" in err and "没有这个文件.xlsm" in err
    assert "Traceback" not in err
    assert not (tmp_path / "d.xlsx").exists()


def test_wrong_file_type_is_refused(tmp_path, capsys):
    path = tmp_path / "inputs.csv"
    path.write_text("a,b\n")
    assert main(["forecast", str(path)]) == 2
    assert "只能读取 .xlsx 或 .xlsm" in capsys.readouterr().err


def test_bad_cell_in_the_workbook_names_sheet_and_cell(example_workbook, tmp_path, capsys):
    wb = load_workbook(example_workbook)
    wb["历年执行"]["F6"] = "abc"                      # a premium figure typed as text
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    assert main(["draft", str(bad), "-o", str(tmp_path / "d.xlsx"), "-q"]) == 1     # stopped by the data check
    err = capsys.readouterr().err
    assert "V103 历年执行!F6" in err and "错误：数据检查发现" in err and "Traceback" not in err
    assert not (tmp_path / "d.xlsx").exists()


def test_unknown_option_lists_the_valid_ones(tmp_path, capsys):
    assert main(["draft", "-o", str(tmp_path / "d.xlsx"), "--option", "nosuch", "-q"]) == 2
    err = capsys.readouterr().err
    assert "错误：" in err and "nosuch" in err and "anhui" in err and "weighted_mix" in err
    assert not (tmp_path / "d.xlsx").exists()


def test_existing_output_is_refused_without_force(tmp_path, capsys):
    out = tmp_path / "d.xlsx"
    out.write_bytes(b"earlier draft")
    assert main(["draft", "-o", str(out), "-q"]) == 2
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == b"earlier draft"
    assert main(["draft", "-o", str(out), "-q", "--force"]) == 0
    assert load_workbook(out).sheetnames[0] == "封面"


def test_bad_date_is_refused(tmp_path, capsys):
    assert main(["draft", "-o", str(tmp_path / "d.xlsx"), "--date", "2026/10/15"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("wibudget ")


# ---------------------------------------------------------------- draft: progress, paths, input untouched


def test_draft_reports_each_step_and_prints_the_path_last(tmp_path, capsys):
    out = tmp_path / "d.xlsx"
    assert main(["draft", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    steps = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert [s.split("]")[0] + "]" for s in steps] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert [s.split(" ")[1].split("：")[0] for s in steps] == ["读取输入并检查", "预测", "分担", "多年预测与风险", "写出"]
    assert captured.out.strip().splitlines()[-1] == f"草案：{out}"


def test_output_folder_gets_the_default_name(tmp_path, capsys):
    assert main(["draft", "-o", str(tmp_path), "-q"]) == 0
    assert (tmp_path / "收支预算草案_江西省_2027.xlsx").is_file()


def test_draft_from_a_workbook_matches_the_example_and_leaves_it_untouched(example_workbook, tmp_path):
    before = (sha256(example_workbook), example_workbook.stat().st_mtime_ns)
    from_book = tmp_path / "from_book.xlsx"
    from_example = tmp_path / "from_example.xlsx"
    assert main(["draft", str(example_workbook), "-o", str(from_book), "-q"]) == 0
    assert main(["draft", "-o", str(from_example), "-q"]) == 0
    assert (sha256(example_workbook), example_workbook.stat().st_mtime_ns) == before
    a, b = load_workbook(from_book), load_workbook(from_example)
    for sheet in ("收入预算表", "支出预算表", "收支结余表", "分市预算表", "缺口分担表", "方案比较"):
        assert [list(r) for r in a[sheet].iter_rows(values_only=True)] == \
               [list(r) for r in b[sheet].iter_rows(values_only=True)], sheet


def test_output_may_not_overwrite_the_input(example_workbook, capsys):
    copy = example_workbook.with_name("same.xlsx")
    copy.write_bytes(example_workbook.read_bytes())
    assert main(["draft", str(copy), "-o", str(copy), "--force", "-q"]) == 2
    assert "不能与输入工作簿相同" in capsys.readouterr().err
    assert copy.read_bytes() == example_workbook.read_bytes()


def test_chosen_options_get_their_own_sharing_sheets(tmp_path):
    out = tmp_path / "d.xlsx"
    assert main(["draft", "-o", str(out), "--option", "liaoning", "--option", "weighted_mix", "-q"]) == 0
    wb = load_workbook(out)
    assert "缺口分担表" in wb.sheetnames and "缺口分担表（方案四）" in wb.sheetnames   # weighted_mix is the 4th option
    assert "辽宁" in wb["缺口分担表"]["A2"].value
    # the first chosen option is the comparison's baseline: its change column is all zero
    assert "基准方案：方案二：" in wb["方案比较"]["A2"].value


def test_engine_steps_give_the_same_result_as_run_budget(engine):
    inputs = load_example()
    stepped = cli.run_engine(inputs, cli.available_options(inputs, None), None, cli.Progress(2, quiet=True))
    assert stepped.province.summary().equals(engine.province.summary())
    assert stepped.comparison.wide.equals(engine.comparison.wide)
    np.testing.assert_array_equal(stepped.sharing.share, engine.sharing.share)


# ---------------------------------------------------------------- compare


def test_compare_csv_matches_the_engine_comparison(engine, tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    assert main(["compare", "--csv", str(out), "-q"]) == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    wide = engine.comparison.wide
    names = list(engine.comparison.result.names)
    assert rows[0] == ["单位", *[f"{n}:{m}" for n in names for m in MEASURES]]
    assert [r[0] for r in rows[1:]] == list(wide.index)
    got = np.array([[float(v) if v else np.nan for v in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(got, wide.to_numpy(dtype=float), atol=0.005, equal_nan=True)
    assert "已写出" in capsys.readouterr().out


def test_compare_terminal_table_is_aligned_and_shows_the_shares(engine, capsys):
    assert main(["compare", "-q"]) == 0
    out = capsys.readouterr().out
    block = out.split("分担额(万元)\n")[1].split("\n\n")[0].splitlines()
    header, rule, *body = block
    assert header.split()[1:] == list(engine.comparison.result.names)
    widths = {display_width(line) for line in [rule, *body]}
    assert len(widths) == 1                                    # every row ends in the same column
    pingxiang = next(line for line in body if line.startswith("萍乡"))
    assert pingxiang.split()[1:] == ["2,541.38", "1,989.04", "2,530.69", "668.35"]  # issue 10: example and presets


def test_compare_subset_with_baseline(tmp_path):
    out = tmp_path / "cmp.csv"
    assert main(["compare", "--options", "own_gap,anhui", "--baseline", "own_gap", "--csv", str(out), "-q"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(rows[0])[1:5] == [f"own_gap:{m}" for m in MEASURES]
    city_rows = [r for r in rows if r["单位"] in CITIES]
    assert all(r["own_gap:较基准变化(万元)"] == "0.00" for r in city_rows)
    # anhui against own_gap for 萍乡: 2,541.38 − 2,530.69 = 10.69 (issue 10: anhui shares the cities' own gaps)
    pingxiang = next(r for r in rows if r["单位"] == "萍乡")
    assert pingxiang["anhui:较基准变化(万元)"] == "10.69"


def test_compare_xlsx_has_the_sheet_the_chart_and_the_long_table(tmp_path):
    out = tmp_path / "cmp.xlsx"
    assert main(["compare", "--xlsx", str(out), "-q"]) == 0
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/") for n in z.namelist())
    wb = load_workbook(out)
    assert wb.sheetnames == ["方案比较", "明细", "数据检查"]          # the data check run before comparing
    long_rows = list(wb["明细"].iter_rows(min_row=4, values_only=True))
    assert len(long_rows) == 4 * 12                            # 4 options × (11 cities + 省级承担)


# ---------------------------------------------------------------- forecast


def test_forecast_prints_the_province_summary(capsys):
    assert main(["forecast", "-q"]) == 0
    out = capsys.readouterr().out
    assert "江西省2027年工伤保险基金收支预测" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert lines["收入合计"][-1] == "312,218.35" and lines["支出合计"][-1] == "319,981.18"
    assert lines["本年收支结余"][-1] == "-7,762.83"           # 312,218.35 − 319,981.18 (recalibrated example, issue 10)
    assert lines["可支付月数"][-1] == "11.52"
    assert lines["是否触发费率调整"][-1] == "是"


# ---------------------------------------------------------------- check and build-workbook


def fake_module(monkeypatch, name: str, **attrs) -> None:
    module = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(module, k, v)
    monkeypatch.setitem(sys.modules, name, module)


class FakeFinding(types.SimpleNamespace):
    pass


def test_check_prints_findings_and_fails_on_errors(monkeypatch, tmp_path, capsys):
    book = tmp_path / "b.xlsx"
    book.write_bytes(b"x")
    findings = [FakeFinding(rule="V103", severity="error", sheet="历年执行", cell="F6", unit="景德镇",
                            message="不是数字，请只填数字"),
                FakeFinding(rule="W201", severity="warning", sheet="扩面计划", cell="C5", unit=None,
                            message="扩面计划偏大，请核实")]
    fake_module(monkeypatch, "addin.workbook.check", check_workbook=lambda path: findings)
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "F6" in line)
    assert row.split()[:4] == ["错误", "历年执行", "F6", "V103"]
    assert "错误 1 项，警告 1 项" in out
    fake_module(monkeypatch, "addin.workbook.check", check_workbook=lambda path: findings[1:])
    assert main(["check", str(book)]) == 0                  # warnings only


def test_check_a_real_example_workbook(example_workbook, capsys):
    pytest.importorskip("addin.workbook.check")
    assert main(["check", str(example_workbook)]) == 0
    assert "未发现问题" in capsys.readouterr().out


def test_missing_check_module_is_explained(monkeypatch, tmp_path, capsys):
    book = tmp_path / "b.xlsx"
    book.write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "addin.workbook.check", None)      # as if addin/check.py were absent
    assert main(["check", str(book)]) == 2
    err = capsys.readouterr().err
    assert "addin.workbook.check" in err and "未安装" in err and "Traceback" not in err


def test_build_workbook_delegates_and_writes_atomically(monkeypatch, tmp_path, capsys):
    made = []

    def build_workbook(path):
        made.append(Path(path).name)
        Path(path).write_bytes(b"xlsm bytes")

    def write_udf_bas(path):
        Path(path).write_bytes(b"Attribute VB_Name")

    fake_module(monkeypatch, "addin.excel.builder", build_workbook=build_workbook,
                bas_path=lambda p: Path(p).with_name(f"{Path(p).stem}_udfs.bas"), write_udf_bas=write_udf_bas)
    out = tmp_path / "budget.xlsm"
    assert main(["build-workbook", "-o", str(out), "-q"]) == 0
    assert made == ["budget.xlsm"] and out.read_bytes() == b"xlsm bytes"
    assert (tmp_path / "budget_udfs.bas").read_bytes() == b"Attribute VB_Name"  # the fallback module beside it
    assert main(["build-workbook", "-o", str(out), "-q"]) == 2     # exists, no --force
    assert f"工作簿：{out}" in capsys.readouterr().out


def test_missing_builder_module_is_explained(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "addin.excel.builder", None)
    assert main(["build-workbook", "-o", str(tmp_path / "b.xlsm")]) == 2
    assert "addin.excel.builder" in capsys.readouterr().err
    assert not (tmp_path / "b.xlsm").exists()


# ---------------------------------------------------------------- text alignment helpers


def test_wide_characters_count_double():
    assert display_width("南昌") == 4 and display_width("ab") == 2 and display_width("萍乡2027") == 8
    assert pad("南昌", 6) == "南昌  " and pad("12.5", 6, "right") == "  12.5"


def test_text_table_aligns_chinese_and_numbers():
    table = text_table(["单位", "分担额"], [["南昌", 0.0], ["景德镇", 1039.97]])
    lines = table.splitlines()
    assert lines[2] == "南昌        0.00"
    assert lines[3] == "景德镇  1,039.97"
    assert display_width(lines[2]) == display_width(lines[3])


def test_budget_xlsm_is_only_read_by_draft_check_and_compare(tmp_path):
    # a copy of the shipped macro workbook: its bytes and mtime must survive every command
    book = tmp_path / "budget.xlsm"
    book.write_bytes((Path(__file__).resolve().parents[1] / "budget.xlsm").read_bytes())
    before = (sha256(book), book.stat().st_mtime_ns)
    assert main(["draft", str(book), "-o", str(tmp_path / "d.xlsx"), "--no-risk", "-q"]) == 0
    assert main(["check", str(book), "-q"]) == 0
    assert main(["compare", str(book), "--csv", str(tmp_path / "c.csv"), "-q"]) == 0
    assert (sha256(book), book.stat().st_mtime_ns) == before
