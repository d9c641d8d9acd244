"""Property tests: whatever lands in a cell, a table, an option or a file, the product answers with a
result or its own error type (BudgetInputError, or a finding), never anything else.

Strategies mix what finance staff actually paste — blanks, numbers as text with separators or
percent signs, full-width digits, Excel error values, dates, logicals — with huge and tiny numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from addin.workbook import coerce, coerce_tables, layout, safe_open, writer
from addin.workbook.check import check_workbook
from examples import load_example
from models.errors import BudgetInputError
from models.sharing import (
    FACTOR_NAMES,
    SharingOption,
    SharingResult,
    load_presets,
    make_context,
    parse_option,
    share_options,
)
from models.validation import RULES, Issue, validate

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers_ = st.one_of(
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324, 1.7976931348623157e308]),
)
number_text = st.one_of(
    st.from_regex(r"[-+(]?[0-9０-９]{1,4}([,，][0-9]{3}){0,3}(\.[0-9]{0,3})?%?\)?", fullmatch=True),
    st.sampled_from(["1,234", "12%", "（5）", "(5)", "1e5", "1e999", "−3", " 7 ", "1,23", "１２３", "5000000, 4000000",
                     "#N/A", "#DIV/0!", "#REF!", "是", "否", "TRUE", "设区市", "province", "", "  ", "nan", "inf"]),
)
cells = st.one_of(
    st.none(), st.booleans(), numbers_, number_text, st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1)), st.datetimes(min_value=dt.datetime(1900, 1, 1)),
    st.integers(min_value=-2146826288, max_value=-2146826246),   # COM error codes
)
specs = st.sampled_from([c for t in layout.TABLES.values() for c in t.columns]
                        + [s for s in layout.PARAM_ROWS + layout.OPTION_ROWS])


def _own_error_or(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except BudgetInputError:
        return None


# ---------------------------------------------------------------- cell coercion (addin.workbook.coerce)


@FUZZ
@given(cells)
def test_to_float_gives_a_finite_float_or_an_input_error(value):
    out = _own_error_or(coerce.to_float, value, "数值", where="历年执行!F8")
    assert out is None or (isinstance(out, float) and math.isfinite(out))


@FUZZ
@given(cells, specs)
def test_every_cell_under_every_column_spec_converts_or_is_refused(value, spec):
    _own_error_or(coerce.coerce_cell, value, spec, where="参数!C10", table="参数")
    _own_error_or(coerce.to_int, value, "年度")
    _own_error_or(coerce.to_str, value, "单位")
    _own_error_or(coerce.to_bool, value, "是否")
    _own_error_or(coerce.to_number_list, value, "奖励")


@FUZZ
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_numbers_typed_with_thousands_separators_read_back_exactly(x):
    # "1,234,567.89" is the number 1234567.89; "(5)" is −5 in accounting notation
    shown = f"{x:.2f}"
    assert coerce.parse_number_text(f"{x:,.2f}") == float(shown)
    assert coerce.parse_number_text(f"{shown}%") == pytest.approx(float(shown) / 100, rel=1e-15)
    if x < 0:
        assert coerce.parse_number_text(f"({-x:,.2f})") == float(shown)


@FUZZ
@given(st.lists(st.lists(cells, min_size=0, max_size=8), min_size=0, max_size=6),
       st.sampled_from(["history", "plans", "beneficiaries", "province_history", "units", "tblPlans", "nope"]),
       st.data())
def test_any_range_read_as_a_table_gives_a_frame_or_an_input_error(rows, table, data):
    if rows and table != "nope" and data.draw(st.booleans()):
        heads = [c.title for c in layout.table_columns(table)]
        rows = [data.draw(st.permutations(heads)), *rows]     # a real header over junk rows
    out = _own_error_or(coerce_tables.to_table, rows, table)
    assert out is None or isinstance(out, pd.DataFrame)
    _own_error_or(coerce_tables.to_mapping, rows)
    _own_error_or(coerce.to_vector, rows, drop_trailing_blanks=True)


# ---------------------------------------------------------------- validation of pure data

TABLE_NAMES = ("units", "history", "province_history", "plans", "beneficiaries")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TABLE_NAMES), st.integers(0, 200), st.integers(0, 40), cells),
                min_size=1, max_size=6))
def test_validate_reports_junk_anywhere_as_issues_and_never_raises(edits):
    ex = load_example()
    for table, i, j, value in edits:
        frame = getattr(ex, table)
        row, col = i % len(frame), frame.columns[j % len(frame.columns)]
        frame[col] = frame[col].astype(object)
        frame.loc[row, col] = value
    issues = validate(ex)
    assert all(isinstance(x, Issue) and x.rule in RULES and x.message for x in issues)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.none(), numbers_, number_text),
       st.sampled_from(["wage_growth", "timing", "avg_monthly_wage", "interest_rate", "trend_years", "subsidy_plan",
                        "national_income"]),
       st.one_of(st.integers(1900, 2200), numbers_, number_text, st.none()))
def test_validate_survives_any_assumption_and_budget_year(value, name, year):
    ex = load_example()
    setattr(ex.assumptions, name, value)
    ex.budget_year = year
    assert all(x.rule in RULES for x in validate(ex))


# ---------------------------------------------------------------- sharing

UNITS = ("甲市", "乙市", "丙市")
city_values = st.one_of(
    st.lists(st.one_of(numbers_, st.none()), min_size=3, max_size=3),
    st.lists(st.one_of(numbers_, number_text, st.none()), min_size=3, max_size=3),
    st.lists(numbers_, min_size=0, max_size=4),                                      # wrong length
    numbers_,
)
scalar_values = st.one_of(numbers_, st.none(), number_text)
option_values = st.one_of(st.none(), st.booleans(), numbers_, number_text,
                          st.dictionaries(st.sampled_from([*FACTOR_NAMES, "luck", "basis", "ratio", "if_true",
                                                           "if_false"]), st.one_of(numbers_, number_text),
                                          max_size=4),
                          st.lists(numbers_, max_size=3))
hashable_values = st.one_of(st.none(), st.booleans(), numbers_, number_text)
options = st.fixed_dictionaries({"name": st.one_of(st.just("x"), hashable_values)}, optional={
    # choice keys get hashable values: see test_parse_option_refuses_a_table_as_amount
    "amount": hashable_values, "label": option_values, "fixed_amount": option_values,
    "management_charge_ratio": option_values, "province_share": option_values, "weights": option_values,
    "use_coefficients": option_values, "cap": option_values, "rewards": option_values, "bonus": option_values})


@FUZZ
@given(options)
def test_parse_option_accepts_or_refuses_any_dict(d):
    out = _own_error_or(parse_option, d)
    assert out is None or isinstance(out, SharingOption)


@pytest.mark.parametrize("key, value", [("amount", {}), ("amount", []), ("cap", {"basis": []})])
def test_parse_option_refuses_a_table_as_amount(key, value):
    with pytest.raises(BudgetInputError):
        parse_option({"name": "x", key: value})


def test_validate_reports_an_unreadable_option_instead_of_raising():
    issues = validate(load_example(), [{"name": "x", "amount": {}}])
    assert [(i.rule, i.row) for i in issues] == [("V501", 0)]


@FUZZ
@given(city_values, city_values, city_values, city_values, city_values, scalar_values,
       st.one_of(city_values, st.none()), st.one_of(city_values, st.none()), st.one_of(scalar_values, st.none()),
       st.lists(st.one_of(st.sampled_from([o.to_dict() for o in load_presets()]), options), min_size=1, max_size=3))
def test_sharing_with_blanks_text_huge_and_tiny_numbers_computes_or_refuses(
        gap, collections, insured, expenditure, payroll, surplus, fiscal, coefficient, opening, opts):
    ctx = _own_error_or(make_context, UNITS, gap=gap, collections=collections, insured=insured,
                        expenditure=expenditure, payroll=payroll, current_surplus=surplus, fiscal_revenue=fiscal,
                        coefficient=coefficient, opening_balance=opening)
    if ctx is None:
        return
    with np.errstate(all="ignore"):
        result = _own_error_or(share_options, opts, ctx)
    if result is None:
        return
    assert isinstance(result, SharingResult)
    moderate = all(np.all(np.abs(np.nan_to_num(np.asarray(getattr(ctx, f), dtype=float))) < 1e12)
                   for f in ("gap", "collections", "insured", "expenditure", "payroll", "fiscal_revenue"))
    if moderate and np.isfinite(result.amount).all():
        # every yuan of the amount shared lands with a city or the province
        np.testing.assert_allclose(result.share.sum(axis=-1) + result.province, result.amount,
                                   rtol=1e-9, atol=1e-3)


# ---------------------------------------------------------------- files


@functools.cache
def clean_bytes() -> bytes:
    """The example written as an input workbook (built once)."""
    wb = Workbook()
    writer.write_inputs(wb, load_example(), [o.to_dict() for o in load_presets()])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check_bytes(data: bytes) -> list:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "budget.xlsx"
        path.write_bytes(data)
        return check_workbook(path)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_are_an_unreadable_file(data):
    findings = _check_bytes(data)
    assert [f.rule for f in findings] and {f.rule for f in findings} <= {"V001", "V002"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_damaged_workbook_gives_findings_never_an_internal_error(flips):
    data = bytearray(clean_bytes())
    for where, byte in flips:
        data[int(where * len(data))] = byte
    findings = _check_bytes(bytes(data))
    assert all(f.rule in RULES and f.rule != "V009" for f in findings)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml",
                        "xl/_rels/workbook.xml.rels", "_rels/.rels", "xl/styles.xml", "xl/tables/table2.xml"]),
       st.one_of(st.binary(max_size=200), st.sampled_from([
           b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]><x>&b;</x>",
           b"<?xml version='1.0'?><!DOCTYPE x SYSTEM 'file:///etc/passwd'><x/>", b"", b"<x>"])))
def test_a_part_replaced_by_junk_or_hostile_xml_gives_findings(part, junk):
    with tempfile.TemporaryDirectory() as folder:
        src, out = Path(folder) / "src.xlsx", Path(folder) / "out.xlsx"
        src.write_bytes(clean_bytes())
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, junk if info.filename == part else zin.read(info.filename))
        findings = check_workbook(out)
    # the sheet and workbook parts are essential; tables, styles and the package relationships
    # (the workbook has a conventional place) a reader may do without
    essential = part in ("xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml",
                         "xl/_rels/workbook.xml.rels")
    assert findings or not essential
    assert all(f.rule in RULES and f.rule != "V009" for f in findings)


def test_openpyxl_parses_through_defusedxml():
    safe_open.require_defusedxml()


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)   # what a cell can hold
workbook_cells = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                           st.floats(allow_nan=False, allow_infinity=False), number_text, printable,
                           st.dates(min_value=dt.date(1900, 1, 1)))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(layout.INPUT_SHEETS), st.integers(1, 110), st.integers(1, 32),
                          workbook_cells), min_size=1, max_size=5))
def test_junk_typed_into_any_cell_gives_findings_never_an_internal_error(edits):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(clean_bytes()))
    for sheet, row, col, value in edits:
        wb[sheet].cell(row=row, column=col).value = value
    out = io.BytesIO()
    wb.save(out)
    findings = _check_bytes(out.getvalue())
    assert all(f.rule in RULES and f.rule != "V009" and f.message for f in findings)
