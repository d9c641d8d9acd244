"""The data check gate before every computing command, --allow-errors, and the 数据检查 sheet.

A budget bureau edits the template: here the 2022 year-end balance of 历年执行 is raised by 10 亿 so that the
balance identity (V304) fails — `wibudget check` rejects it, and so must every command that computes from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.cli import main
from addin.workbook import writer
from addin.workbook.check import check_workbook
from addin.workbook.safe_cells import neutralise_formulas
from examples import load_example
from models.sharing import load_presets

HIST = "历年执行"


def _write_book(path: Path, edit=None, inputs=None, options=None) -> Path:
    wb = Workbook()
    writer.write_inputs(wb, inputs or load_example(), options or [o.to_dict() for o in load_presets()])
    if edit:
        edit(wb)
    neutralise_formulas(wb)          # names starting with "=" stay text in the test workbook too
    wb.save(path)
    return path


def _balance_cell(wb) -> str:
    """The first 期末滚存结余 cell of the province history table (row 5 = its first data row)."""
    ws = wb[HIST]
    for row in ws.iter_rows(min_row=4, max_row=4):
        for c in row:
            if c.value and str(c.value).startswith("期末滚存结余"):
                return f"{c.column_letter}5"
    raise AssertionError("no balance column")


@pytest.fixture(scope="module")
def broken_book(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("gate") / "broken.xlsx"
    where: list[str] = []

    def edit(wb) -> None:
        cell = _balance_cell(wb)
        wb[HIST][cell] = wb[HIST][cell].value + 1_000_000_000     # off by 10 亿 → V304
        where.append(cell)

    _write_book(path, edit)
    errors = [f for f in check_workbook(path) if f.severity == "error"]
    # the chain breaks where the edited balance meets the next year's flows: one V304 in that column
    assert [f.rule for f in errors] == ["V304"] and errors[0].location.startswith(f"{HIST}!{where[0][0]}")
    return path, errors[0].cell


COMMANDS = [
    ("draft", ["-o", "{d}/草案.xlsx"], ["草案.xlsx"]),
    ("compare", ["--csv", "{d}/c.csv", "--xlsx", "{d}/c.xlsx"], ["c.csv", "c.xlsx"]),
    ("forecast", [], []),
    ("project", ["--csv", "{d}/p.csv", "--xlsx", "{d}/p.xlsx"], ["p.csv", "p.xlsx"]),
    ("risk", ["--draws", "20", "--csv", "{d}/r.csv"], ["r.csv"]),
    ("sensitivity", [], []),
]


@pytest.mark.parametrize(("command", "extra", "outputs"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_computing_command_stops_at_a_check_error(broken_book, tmp_path, capsys, command, extra, outputs):
    path, cell = broken_book
    argv = [command, str(path), "-q", *[a.format(d=tmp_path) for a in extra]]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "V304" in err and f"{HIST}!{cell}" in err          # rule id and sheet!cell
    assert "请" in err                                         # the fix, in words
    assert not any((tmp_path / name).exists() for name in outputs)
    assert list(tmp_path.iterdir()) == []                      # nothing left behind either


def test_allow_errors_writes_a_stamped_draft(broken_book, tmp_path, capsys):
    path, cell = broken_book
    out = tmp_path / "草案.xlsx"
    assert main(["draft", str(path), "-o", str(out), "-q", "--no-risk", "--allow-errors"]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["封面", "数据检查"]                 # the findings right after the cover
    for ws in wb.worksheets:
        assert "未通过数据检查" in (ws.oddHeader.center.text or ""), ws.title
    rows = [[c for c in r] for r in wb["数据检查"].iter_rows(values_only=True)]
    v304 = [r for r in rows if r[2] == "V304"]
    assert len(v304) == 1 and v304[0][1] == "错误" and v304[0][4] == f"{HIST}!{cell}"
    cover = " ".join(str(v) for r in wb["封面"].iter_rows(values_only=True) for v in r if v)
    assert "未通过数据检查" in cover


def test_a_clean_draft_lists_the_check_and_is_not_stamped(tmp_path, capsys):
    out = tmp_path / "草案.xlsx"
    assert main(["draft", "-o", str(out), "-q", "--no-risk"]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "数据检查"
    assert all("未通过数据检查" not in (ws.oddHeader.center.text or "") for ws in wb.worksheets)
    text = " ".join(str(v) for r in wb["数据检查"].iter_rows(values_only=True) for v in r if v)
    assert "未发现问题" in text or "提示" in text
