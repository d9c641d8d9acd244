"""The draft of a workbook edited the way a province edits it: a larger subsidy makes a surplus year, a fifth
option, every option chosen, and a unit named "=1+1". Converted to PDF and read back page by page."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.cli import main
from addin.draft.pdf import find_soffice
from examples import load_example
from models.sharing import load_presets
from tests.test_draft_gate import _write_book

FIFTH = {"name": "equal5", "label": "平均分摊加权（省级承担三成）", "amount": "city_gaps", "province_share": 0.3,
         "weights": {"equal": 0.5, "payroll": 0.5}, "rewards": [2_000_000, 1_000_000]}


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> tuple[Path, Path]:
    inputs = load_example()
    old = inputs.units["unit"].iloc[2]
    for table in (inputs.units, inputs.history, inputs.plans, inputs.beneficiaries):
        table["unit"] = table["unit"].replace({old: "=1+1"})
    inputs.assumptions = dataclasses.replace(inputs.assumptions, subsidy_plan=300_000_000.0)   # 3 亿: a surplus
    options = [o.to_dict() for o in load_presets()] + [FIFTH]
    folder = tmp_path_factory.mktemp("edited")
    book = _write_book(folder / "edited.xlsx", inputs=inputs, options=options)
    out = folder / "草案.xlsx"
    pdf = ["--pdf"] if find_soffice() and shutil.which("pdftotext") else []
    names = ",".join(o["name"] for o in options)
    assert main(["draft", str(book), "-o", str(out), "-q", "--no-risk", "--option", names, *pdf]) == 0
    return out, out.with_suffix(".pdf")


def test_every_option_gets_a_sharing_sheet_named_by_place(edited):
    wb = load_workbook(edited[0])
    assert [s for s in wb.sheetnames if s.startswith("缺口分担表")] == [
        "缺口分担表", *[f"缺口分担表（方案{n}）" for n in "二三四五"]]
    assert "=1+1" in [wb["分市预算表"].cell(row=r, column=1).value for r in range(1, 30)]


def test_the_surplus_year_reads_as_a_surplus(edited):
    note = " ".join(str(v) for r in load_workbook(edited[0])["编制说明"].iter_rows(values_only=True) for v in r if v)
    assert "本年收支结余" in note and "当年收不抵支" not in note


def test_the_pdf_has_a_one_page_cover_and_no_internal_words(edited):
    pdf = edited[1]
    if not pdf.exists():
        pytest.skip("LibreOffice 或 pdftotext 未安装")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = pages.split("\f")
    assert pages[0].lstrip().startswith("封面") and pages[1].lstrip().startswith("收入预算表")   # cover: one page
    words = {w for p in pages for w in re.findall(r"[A-Za-z_]{4,}", p)}
    assert words <= {"PDF"}
    assert not re.search(r"\binf\b|\bnan\b", " ".join(pages))
