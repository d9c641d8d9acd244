"""The VBA wrapper module that Excel's "Import Functions" would write, generated without Excel."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from addin.excel.vba import generate_vba, udf_signatures, write_bas

SAMPLE = '''
import xlwings as xw

from addin.workbook.coerce import to_float

from addin.excel.results import udf_result


@xw.func
@udf_result
def WI_GROWTH(value, rate, years=1):
    """Grow a value by a rate for some years."""
    return to_float(value, "金额") * (1 + to_float(rate, "增长率")) ** years


@xw.func
@xw.arg("table", doc="a range with a header row")
def WI_ROWS(table):
    return len(table) - 1


def helper(x):
    return x
'''


@pytest.fixture
def sample_module(tmp_path: Path):
    path = tmp_path / "wi_sample_udfs.py"
    path.write_text(textwrap.dedent(SAMPLE), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("wi_sample_udfs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["wi_sample_udfs"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("wi_sample_udfs", None)


def test_one_vba_function_per_udf_with_its_argument_count(sample_module):
    vba = generate_vba(sample_module)
    # WI_GROWTH(value, rate, Optional years) → 3 arguments; WI_ROWS(table) → 1; helper is no UDF
    assert udf_signatures(vba) == {"WI_GROWTH": 3, "WI_ROWS": 1}
    assert "Function WI_GROWTH(value, rate, Optional years)" in vba
    assert 'XLPy.CallUDF("wi_sample_udfs", "WI_GROWTH", Array(value, rate, years)' in vba
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"')


def test_the_module_name_excel_imports_can_be_set(sample_module):
    vba = generate_vba(sample_module, module_name="addin.excel.udfs")
    assert 'XLPy.CallUDF("addin.excel.udfs", "WI_ROWS", Array(table)' in vba


def test_generating_leaves_the_module_and_windows_stubs_alone(sample_module):
    generate_vba(sample_module)
    assert sys.modules["wi_sample_udfs"] is sample_module
    assert not hasattr(sample_module.WI_ROWS, "__xlfunc__")     # Linux decorators stay plain
    assert sample_module.WI_GROWTH(100.0, "10%", 2) == pytest.approx(121.0)   # 100 × 1.1²
    assert "pythoncom" not in sys.modules or importlib.util.find_spec("pythoncom") is not None


def test_a_module_without_udfs_is_refused(tmp_path):
    path = tmp_path / "wi_no_udfs.py"
    path.write_text("def f(x):\n    return x\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("wi_no_udfs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(ValueError, match="xw.func"):
        generate_vba(module)


def test_bas_file_has_windows_line_ends(sample_module, tmp_path):
    path = write_bas(sample_module, tmp_path / "xlwings_udfs.bas")
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_signatures_are_read_across_line_continuations():
    vba = "Function WI_LONG(a, _\nb, Optional c)\nEnd Function\nSub WI_RUN()\nEnd Sub\n"
    assert udf_signatures(vba) == {"WI_LONG": 3, "WI_RUN": 0}
