"""A corpus of deliberately broken workbooks, generated here from the example province.

The clean workbook is the synthetic example written by `writer.write_inputs` with the four
preset sharing options. Its layout (workbook_layout) puts every table's header in row 4, so the
first data row is row 5:

- 历年执行 A–M: 单位 年度 月数 期末参保人数 平均缴费工资 保险费 其他收入 医疗 伤残 工亡 鉴定 预防 其他支出;
  96 rows in the order of examples/jiangxi/history.csv — 12 units (南昌 景德镇 萍乡 九江 新余 鹰潭 赣州
  吉安 宜春 抚州 上饶 省本级) per block, blocks 2022 全年 (rows 5–16), 2023 1–9月 (17–28), 2023 全年
  (29–40), 2024 1–9月 (41–52), 2024 全年 (53–64), 2025 1–9月 (65–76), 2025 全年 (77–88),
  2026 1–9月 (89–100). So 九江 2022 is row 8, 鹰潭 2024 全年 row 58, 吉安 2026 row 96.
- 历年执行 O–S: 省级收支 年度 月数 财政补贴 利息 期末滚存结余, rows 5–12 = 2022 全年, 2023 1–9月,
  2023 全年, 2024 1–9月, 2024 全年, 2025 1–9月, 2025 全年, 2026 1–9月.
- 历年执行 U–W: 上年预算数 科目 代码 金额, rows 5–14 (工伤保险费收入 first).
- 扩面计划 A–J: 单位 类型 分担系数 一般公共预算收入 考核排名 扩面计划 上年征缴计划 预防费计划 工资增长率 费率调整,
  rows 5–16 in unit order (南昌 5, 萍乡 7, 九江 8).
- 待遇人员 A–AE, rows 5–16 in unit order; F = 伤残津贴人员本人工资, X = 新增伤残人员本人工资.
- 参数 A–E (中文名 代码 数值 …): C7 预算年度, C6 参数代码, C10 工资增长率, C11 新增参保缴费时间占比,
  C15 月平均工资, C23 工伤保险费收入趋势方法.
- 分担方案: one column per option — C anhui, D liaoning, E own_gap, F weighted_mix; rows 5 方案代码,
  10 省级分担比例, 14–20 权重 (own_gap, collections, insured, expenditure, payroll, fiscal_capacity,
  equal), 22 上限基数, 23 上限比例.

Each case breaks one thing and states the rule and the cell `check_workbook` must report; any
other finding must belong to the few rules the case lists as its honest side effects.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.workbook import safe_open, writer
from addin.workbook.cells import SheetLocator, template_cell
from addin.workbook.check import check_inputs, check_workbook, findings_table, has_errors
from examples import load_example
from models.sharing import load_presets
from models.validation import ERROR, RULES


@dataclass(frozen=True)
class Case:
    """One broken workbook: how to break it, the rule and location expected, tolerated side effects."""

    rule: str
    location: str
    break_it: Callable
    also: frozenset[str] = field(default_factory=frozenset)
    on_file: bool = False   # break_it(clean_path, out_path) instead of break_it(workbook)


def _set(sheet: str, cell: str, value) -> Callable:
    def apply(wb) -> None:
        wb[sheet][cell] = value
    return apply


def _scale(sheet: str, cell: str, factor: float) -> Callable:
    def apply(wb) -> None:
        wb[sheet][cell] = wb[sheet][cell].value * factor
    return apply


def _add(sheet: str, cell: str, amount: float) -> Callable:
    def apply(wb) -> None:
        wb[sheet][cell] = wb[sheet][cell].value + amount
    return apply


def _delete_rows(sheet: str, first: int, count: int = 1) -> Callable:
    def apply(wb) -> None:
        wb[sheet].delete_rows(first, count)
    return apply


def _clear_row(sheet: str, row: int, last_column: int) -> Callable:
    def apply(wb) -> None:
        for col in range(1, last_column + 1):
            wb[sheet].cell(row=row, column=col).value = None
    return apply


def _rename_sheet(old: str, new: str) -> Callable:
    def apply(wb) -> None:
        wb[old].title = new
    return apply


def _scale_column(sheet: str, column: str, rows: range, factor: float) -> Callable:
    def apply(wb) -> None:
        for r in rows:
            wb[sheet][f"{column}{r}"] = wb[sheet][f"{column}{r}"].value * factor
    return apply


def _copy_row_as_year(sheet: str, source: int, target: int, year_cell: str, year: int) -> Callable:
    def apply(wb) -> None:
        ws = wb[sheet]
        for col in range(1, 14):
            ws.cell(row=target, column=col).value = ws.cell(row=source, column=col).value
        ws[year_cell] = year
    return apply


# ---------------------------------------------------------------- broken files (not openpyxl edits)

def _write_bytes(data: bytes) -> Callable:
    def apply(clean: Path, out: Path) -> None:
        out.write_bytes(data)
    return apply


def _truncate(clean: Path, out: Path) -> None:
    data = clean.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def _rewrite_zip(clean: Path, out: Path, replace: dict[str, bytes] | None = None,
                 extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> None:
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)


def _sheet_part(path: Path, sheet: str) -> str:
    return safe_open.inspect_workbook(path).sizes[sheet].part


def _zip_bomb(clean: Path, out: Path) -> None:
    # 20 MB of zeros deflate to ~20 KB: a ratio near 1,000:1, far above the 200:1 limit
    _rewrite_zip(clean, out, extra={"xl/media/padding.bin": bytes(20 * 1024 * 1024)})


def _huge_dimension(clean: Path, out: Path) -> None:
    part = _sheet_part(clean, "历年执行")
    with zipfile.ZipFile(clean) as z:
        xml = z.read(part).decode("utf-8")
    start = xml.index('<dimension ref="') + len('<dimension ref="')
    end = xml.index('"', start)
    xml = xml[:start] + "A1:W1048576" + xml[end:]
    _rewrite_zip(clean, out, replace={part: xml.encode("utf-8")})


def _million_rows(clean: Path, out: Path) -> None:
    """待遇人员 replaced by a sheet of 1,000,000 one-cell rows and no declared dimension."""
    part = _sheet_part(clean, "待遇人员")
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(part, "w") as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                     b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            block = 10_000
            for start in range(1, 1_000_001, block):
                fh.write(b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
                                  for r in range(start, start + block)))
            fh.write(b"</sheetData></worksheet>")


def _understated_size(clean: Path, out: Path) -> None:
    """The zip directory claims 历年执行's part is 1,000 bytes: reading stops there and its CRC fails."""
    data = bytearray(clean.read_bytes())
    name = _sheet_part(clean, "历年执行").encode()
    pos = data.find(b"PK\x01\x02")                  # central directory entries
    while pos >= 0:
        length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + length] == name:
            struct.pack_into("<I", data, pos + 24, 1_000)   # uncompressed size field
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    out.write_bytes(bytes(data))


def _plain_zip(clean: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "这不是工作簿")


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

# ---------------------------------------------------------------- the corpus

HIST, PLANS, BEN, OPTS, PARAMS = "历年执行", "扩面计划", "待遇人员", "分担方案", "参数"

CASES: dict[str, Case] = {
    # -- files --------------------------------------------------------------------------------
    "not_a_zip": Case("V001", "", _write_bytes("单位,年度\n南昌,2024\n".encode()), on_file=True),
    "empty_file": Case("V001", "", _write_bytes(b""), on_file=True),
    "truncated_zip": Case("V001", "", _truncate, on_file=True),
    "old_xls_or_password": Case("V001", "", _write_bytes(OLE2), on_file=True),
    "zip_without_workbook": Case("V001", "", _plain_zip, on_file=True),
    "zip_bomb_entry": Case("V002", "", _zip_bomb, on_file=True),
    "directory_understates_a_size": Case("V001", "", _understated_size, on_file=True),
    "oversized_dimension": Case("V002", HIST, _huge_dimension, on_file=True),
    "million_rows": Case("V002", BEN, _million_rows, on_file=True),
    "sheet_renamed": Case("V003", BEN, _rename_sheet(BEN, "待遇人员表")),
    # -- tables and cells ------------------------------------------------------------------------
    # H4 工伤医疗待遇支出 header cleared: the table now stops at G, H–M are missing, H4 is named
    "header_cleared": Case("V101", f"{HIST}!H4", _set(HIST, "H4", None)),
    # header renamed: the column is missing and the unrecognised header is named
    "header_unknown": Case("V101", f"{HIST}!H4", _set(HIST, "H4", "医疗支出")),
    "header_in_wan_yuan": Case("V101", f"{HIST}!F4", _set(HIST, "F4", "工伤保险费收入（万元）")),
    "table_moved_away": Case("V101", f"{BEN}!A4", _clear_row(BEN, 4, 31)),
    "text_in_number_cell": Case("V103", f"{HIST}!F8", _set(HIST, "F8", "八亿六千万")),
    "blank_required_cell": Case("V102", f"{HIST}!G9", _set(HIST, "G9", None)),
    "negative_insured_count": Case("V104", f"{HIST}!D10", _set(HIST, "D10", -5)),
    # a negative amount passes the reader (money has no minimum) and is caught by validation;
    # 赣州 2022 (row 11) is the first year, so no balance identity involves it
    "negative_medical_amount": Case("V104", f"{HIST}!H11", _set(HIST, "H11", -100.0)),
    "excel_error_value": Case("V105", f"{HIST}!J12", _set(HIST, "J12", "#N/A")),
    "months_13": Case("V106", f"{HIST}!C17", _set(HIST, "C17", 13)),
    "year_not_whole": Case("V106", f"{HIST}!B8", _set(HIST, "B8", 2022.5)),
    "unit_kind_unknown": Case("V107", f"{PLANS}!B6", _set(PLANS, "B6", "地级市")),
    # a blank row inside a table is skipped (issue 12); clearing 九江's row leaves 九江 without beneficiaries
    "blank_row_inside_table": Case("V202", f"{BEN}!A4", _clear_row(BEN, 8, 31)),
    # -- units ---------------------------------------------------------------------------------
    "duplicated_city": Case("V201", f"{PLANS}!A8", _set(PLANS, "A8", "南昌")),
    "duplicated_history_row": Case("V201", f"{HIST}!A6", _set(HIST, "A6", "南昌")),
    # 新余 (row 9) deleted: the 单位 header of 待遇人员 is named
    "missing_city_in_beneficiaries": Case("V202", f"{BEN}!A4", _delete_rows(BEN, 9)),
    "unknown_city_in_beneficiaries": Case("V203", f"{BEN}!A9", _set(BEN, "A9", "新余市"), frozenset({"V202"})),
    "unknown_city_in_history": Case("V203", f"{HIST}!A5", _set(HIST, "A5", "南昌市"), frozenset({"V202"})),
    # -- years and balances --------------------------------------------------------------------
    # rows 17–40 are 2023 (1–9月 and 全年): 2022 then 2024 leaves a gap; the 年度 header is named
    "year_gap": Case("V301", f"{HIST}!B4", _delete_rows(HIST, 17, 24), frozenset({"V401", "V402"})),
    "missing_progress_row": Case("V302", f"{HIST}!B4", _delete_rows(HIST, 96)),
    "progress_months_differ": Case("V303", f"{HIST}!C96", _set(HIST, "C96", 8)),
    # 2024 全年 balance (S9) 1,000 yuan too high; 2025 then starts from it and is not blamed
    "balance_identity_broken": Case("V304", f"{HIST}!S9", _add(HIST, "S9", 1_000.0)),
    "progress_balance_off": Case("V305", f"{HIST}!S12", _add(HIST, "S12", 5_000.0)),
    "row_after_budget_year": Case("V306", f"{HIST}!B101", _copy_row_as_year(HIST, 5, 101, "B101", 2027)),
    # -- plausibility and policy ---------------------------------------------------------------
    # 鹰潭 2024 (row 58) insured ×1.5: +53 % on 2023 and −32 % in 2025 (row 82); the premium
    # rate falls with it but stays in band
    "insured_jump": Case("V401", f"{HIST}!D58", _scale(HIST, "D58", 1.5)),
    "wage_growth_assumption_50pc": Case("V402", f"{PARAMS}!C10", _set(PARAMS, "C10", 0.5)),
    # 鹰潭 2024 wage ÷10 makes its rate 10× (≈ 0.39 % → 3.9 %, above 1.9 % × 150 % = 2.85 %; ÷6 before the
    # issue-10 recalibration lowered the example's rates); the wage itself jumps −90 % and then +900 % (V402)
    "rate_out_of_band": Case("V403", f"{HIST}!F58", _scale(HIST, "E58", 1 / 10), frozenset({"V402"})),
    # 30,000 yuan a month is 335 % of the 8,950 average: above the 300 % ceiling
    "wage_above_300pc": Case("V404", f"{BEN}!F6", _set(BEN, "F6", 30_000)),
    # 南昌 2023 1–9月 premium in 万元: 10,000× below its other years; the progress balance then
    # no longer adds up (V305)
    "premium_in_wan_yuan": Case("V405", f"{HIST}!F17", _scale(HIST, "F17", 1e-4), frozenset({"V305"})),
    "prior_budget_in_wan_yuan": Case("V405", f"{HIST}!W5", _scale(HIST, "W5", 1e-4)),
    "own_wage_in_wan_yuan": Case("V405", f"{BEN}!X5", _scale(BEN, "X5", 1e-4)),
    # every prevention plan ×3: ~22,900 万元 against a cap of 3 % of ~280,800 万元 (the header is named)
    "prevention_over_cap": Case("V406", f"{PLANS}!H4", _scale_column(PLANS, "H", range(5, 17), 3)),
    # -- parameters ----------------------------------------------------------------------------
    "timing_above_one": Case("V106", f"{PARAMS}!C11", _set(PARAMS, "C11", 1.5)),
    "average_wage_blank": Case("V102", f"{PARAMS}!C15", _set(PARAMS, "C15", None)),
    "trend_method_unknown": Case("V107", f"{PARAMS}!C23", _set(PARAMS, "C23", "三次样条")),
    "province_code_unknown": Case("V601", f"{PARAMS}!C6", _set(PARAMS, "C6", "mars")),
    # 江西省 with 山东's code: Shandong's statutory parameters would be used without a word — refused at the code
    "province_code_of_another_province": Case("V004", f"{PARAMS}!C6", _set(PARAMS, "C6", "shandong")),
    # -- sharing options -----------------------------------------------------------------------
    # weighted_mix: 0.4 + 0.3 + 0.1 (was 0.2) + 0.1 = 0.9; its first weight (row 14) is named
    "weights_sum_0_9": Case("V502", f"{OPTS}!F14", _set(OPTS, "F16", 0.1)),
    "unknown_factor": Case("V503", f"{OPTS}!B20", _set(OPTS, "B20", "weight.luck")),
    "option_code_duplicated": Case("V504", f"{OPTS}!D5", _set(OPTS, "D5", "anhui")),
    # a share above 100 % is refused when read, at its cell (the read-time limits of models.validation.rules)
    "province_share_above_one": Case("V106", f"{OPTS}!E10", _set(OPTS, "E10", 1.5)),
    "cap_ratio_missing": Case("V501", f"{OPTS}!F23", _set(OPTS, "F23", None)),
    # weighted_mix weighs 财力; 萍乡 (row 7) has none
    "fiscal_revenue_blank": Case("V505", f"{PLANS}!D7", _set(PLANS, "D7", None)),
}


@pytest.fixture(scope="session")
def clean_workbook(tmp_path_factory) -> Path:
    """The example province and the preset options, written as an input workbook."""
    wb = Workbook()
    writer.write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    path = tmp_path_factory.mktemp("clean") / "budget.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="session")
def broken_workbooks(clean_workbook, tmp_path_factory) -> dict[str, Path]:
    """Every case of CASES generated as a file (never committed)."""
    folder = tmp_path_factory.mktemp("broken")
    paths: dict[str, Path] = {}
    for name, case in CASES.items():
        out = folder / f"{name}.xlsx"
        if case.on_file:
            case.break_it(clean_workbook, out)
        else:
            wb = load_workbook(clean_workbook)
            case.break_it(wb)
            wb.save(out)
        paths[name] = out
    return paths


def test_the_corpus_has_at_least_thirty_broken_workbooks_and_every_rule_is_known():
    assert len(CASES) >= 30
    assert {c.rule for c in CASES.values()} | {r for c in CASES.values() for r in c.also} <= set(RULES)


def test_the_clean_example_workbook_has_no_findings(clean_workbook):
    assert check_workbook(clean_workbook) == []


@pytest.mark.parametrize("name", list(CASES))
def test_broken_workbook_is_reported_with_its_rule_and_cell(name, broken_workbooks):
    case = CASES[name]
    findings = check_workbook(broken_workbooks[name])   # returns, never raises
    reported = {(f.rule, f.location) for f in findings}
    assert (case.rule, case.location) in reported, findings_table(findings)
    assert {f.rule for f in findings} <= {case.rule} | case.also, findings_table(findings)
    # an error case fails the check; a warning case only warns
    assert has_errors(findings) == (RULES[case.rule].severity == ERROR), findings_table(findings)
    assert all(f.message for f in findings)


def test_numeric_text_is_read_as_its_number(clean_workbook, tmp_path):
    # 南昌 2022 premium 521,937,344 (example recalibrated in issue 10) typed as text with thousands
    # separators: read as the same number
    wb = load_workbook(clean_workbook)
    assert wb[HIST]["F5"].value == 521_937_344
    wb[HIST]["F5"] = "521,937,344"
    wb[PARAMS]["C10"] = "5%"          # 工资增长率 typed as a percentage text: 0.05, as before
    path = tmp_path / "text_numbers.xlsx"
    wb.save(path)
    assert check_workbook(path) == []


def test_every_bad_cell_is_listed_not_only_the_first(clean_workbook, tmp_path):
    wb = load_workbook(clean_workbook)
    wb[HIST]["F8"] = "abc"
    wb[HIST]["G9"] = None
    wb[BEN]["C5"] = -1
    path = tmp_path / "three.xlsx"
    wb.save(path)
    found = {(f.rule, f.location) for f in check_workbook(path)}
    assert found == {("V103", f"{HIST}!F8"), ("V102", f"{HIST}!G9"), ("V104", f"{BEN}!C5")}


def test_checking_never_changes_the_file(broken_workbooks, clean_workbook):
    for path in (clean_workbook, broken_workbooks["balance_identity_broken"], broken_workbooks["zip_bomb_entry"]):
        before = path.read_bytes()
        check_workbook(path)
        assert path.read_bytes() == before


def test_limits_can_be_tightened(clean_workbook):
    # the clean workbook holds 100 rows on 历年执行 (header row 4 + 96 rows); a 50-row limit refuses it
    findings = check_workbook(clean_workbook, limits=safe_open.Limits(max_rows=50))
    assert [(f.rule, f.sheet) for f in findings] == [("V002", HIST)]


def test_findings_table_has_a_header_and_one_row_per_finding(broken_workbooks):
    findings = check_workbook(broken_workbooks["text_in_number_cell"])
    table = findings_table(findings)
    assert table[0] == ["规则", "级别", "位置", "单位", "说明"]
    assert table[1][:4] == ["V103", "错误", f"{HIST}!F8", "九江"]


def test_inputs_checked_without_a_workbook_are_placed_on_the_template_cells():
    # the same wage as in wage_above_300pc, found on the template's cell 待遇人员!F6
    ex = load_example()
    ex.beneficiaries.loc[1, "allowance_wage"] = 30_000
    ex.plans = ex.plans.iloc[::-1].reset_index(drop=True)    # plans in reverse order: still 扩面计划 row of 鹰潭
    ex.plans.loc[ex.plans["unit"] == "鹰潭", "wage_growth"] = 0.5
    found = {(f.rule, f.location) for f in check_inputs(ex)}
    assert found == {("V404", f"{BEN}!F6"), ("V402", f"{PLANS}!I10")}


def test_template_cells_match_the_cells_found_in_the_written_workbook(clean_workbook):
    wb = load_workbook(clean_workbook, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    wb.close()
    locator = SheetLocator(sheets)
    positions = [("history", 0, "premium"), ("history", 95, "other_expenditure"), ("province_history", 7, "balance_end"),
                 ("beneficiaries", 11, "deaths"), ("units", 3, "kind"), ("plans", 5, "prevention_plan"),
                 ("assumptions", None, "avg_monthly_wage"), ("assumptions", None, "trend_methods.death"),
                 ("prior_budget", None, "medical"), ("options", 3, "cap.ratio"), ("options", 1, "rewards[0]")]
    for table, row, column in positions:
        assert locator.locate(table, row, column) == template_cell(table, row, column), (table, row, column)
    assert str(template_cell("history", 0, "premium")) == f"{HIST}!F5"
    assert str(template_cell("assumptions", None, "avg_monthly_wage")) == f"{PARAMS}!C15"
    assert str(template_cell("options", 3, "cap.ratio")) == f"{OPTS}!F23"
