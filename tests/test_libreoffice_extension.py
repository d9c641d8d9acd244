"""The Calc extension is generated from the UDF module; arguments and results convert as xlwings does."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from addin.libreoffice import extension, oxt_values, spec
from addin.libreoffice.__main__ import main as module_main

OOR = "{http://openoffice.org/2001/registry}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# ---------------------------------------------------------------------------------------------
# argument and result conversion (runs inside LibreOffice's Python; plain standard library here)


def test_ranges_arrive_as_xlwings_passes_them() -> None:
    # Calc: a range is a tuple of row tuples, blank cells None; xlwings: scalar / 1-D list / rows
    assert oxt_values.to_python(((4000.0,),)) == 4000.0                   # one cell → the value
    assert oxt_values.to_python(((100.0, 110.0, 121.0),)) == [100.0, 110.0, 121.0]   # one row
    assert oxt_values.to_python(((100.0,), (None,), (121.0,))) == [100.0, None, 121.0]   # one column
    assert oxt_values.to_python((("单位", "年份"), ("甲市", 2025.0))) == [["单位", "年份"], ["甲市", 2025.0]]
    assert oxt_values.to_python("生活护理费") == "生活护理费"
    assert oxt_values.to_python(3) == 3.0 and isinstance(oxt_values.to_python(3), float)


def test_left_out_trailing_arguments_keep_the_python_defaults() -> None:
    # GS_BENEFIT("生活护理费";1;C5) with four arguments left out: only three are passed on,
    # a blank in the middle stays None (the UDF reads it as blank)
    assert oxt_values.arguments(("生活护理费", 1.0, ((4000.0,),), None, None, None, None)) == ["生活护理费", 1.0,
                                                                                          4000.0]
    assert oxt_values.arguments(("一次性工亡补助金", None, "", 1.0)) == ["一次性工亡补助金", None, "", 1.0]
    assert oxt_values.arguments((None,)) == []


def test_results_are_rectangles_without_none_or_nan() -> None:
    table = [["项目", "本年预算数"], ["收入合计", 502896.61], ["备注", None], ["可支付月数", float("nan"), "多"]]
    cells = oxt_values.to_cells(table)
    assert cells == (("项目", "本年预算数", ""), ("收入合计", 502896.61, ""), ("备注", "", ""),
                     ("可支付月数", "", "多"))
    assert oxt_values.to_cells(38_556_000) == ((38556000.0,),)
    assert oxt_values.to_cells([1, 2, 3]) == ((1.0, 2.0, 3.0),)             # a 1-D list is one row
    assert oxt_values.to_cells(None) == (("",),)
    long_text = "#输入错误: " + "参" * 300
    (cell,), = oxt_values.to_cells(long_text)
    assert len(cell) == 255 and cell.endswith("…")


def test_missing_engine_message_names_the_cause_and_the_fix() -> None:
    text = oxt_values.not_installed_message("ModuleNotFoundError: No module named 'numpy'")
    assert text.startswith("#未安装 wibudget：")
    assert "numpy" in text and "wibudget libreoffice install" in text and len(text) <= 255


# ---------------------------------------------------------------------------------------------
# one source of truth: the UDF module


def test_functions_and_help_come_from_the_udf_module() -> None:
    module = spec.udf_module()
    functions = {f.name: f for f in spec.functions()}
    assert set(functions) == {name for name in dir(module) if name.startswith("GS_")}
    balance = functions["GS_BALANCE"]
    assert [a.name for a in balance.arguments] == ["params", "history", "province_history", "prior_budget", "plans",
                                                   "beneficiaries", "options", "part"]
    assert [a.idl_name for a in balance.arguments][2:4] == ["provinceHistory", "priorBudget"]
    assert balance.arguments[7].doc.startswith("收支结余（默认）、收入预算 或 支出预算")
    assert balance.description.startswith("全省收支预算（万元）")
    assert spec.udf_module_name() in spec.UDF_MODULE_NAMES


def test_calc_addins_xcu_carries_names_descriptions_and_argument_help() -> None:
    functions = spec.functions()
    root = ET.fromstring(extension.calc_addins_xcu(functions))
    service = root.find(f"./node[@{OOR}name='AddInInfo']/node[@{OOR}name='{extension.SERVICE}']")
    nodes = service.findall(f"./node[@{OOR}name='AddInFunctions']/node")
    assert [n.get(f"{OOR}name") for n in nodes] == [f.name for f in functions]
    premium = next(n for n in nodes if n.get(f"{OOR}name") == "GS_PREMIUM")

    def value(node: ET.Element, prop: str, lang: str = "en-US") -> str:
        found = node.find(f"./prop[@{OOR}name='{prop}']/value[@{LANG}='{lang}']")
        return found.text

    assert value(premium, "CompatibilityName") == "GS_PREMIUM" == value(premium, "DisplayName", "zh-CN")
    assert value(premium, "Description").startswith("工伤保险费收入（元）")
    wage = premium.find(f"./node[@{OOR}name='Parameters']/node[@{OOR}name='avgWage']")
    assert value(wage, "DisplayName") == "avg_wage"
    assert value(wage, "Description") == "上年平均缴费工资（元/年）— average contribution wage, yuan per year"


def test_idl_and_component_have_one_method_per_function() -> None:
    functions = spec.functions()
    idl = extension.idl_text(functions)
    assert "sequence< sequence< any > > GS_MONTHS_PAYABLE([in] any balance, [in] any annualExpenditure);" in idl
    assert idl.count("sequence< sequence< any > > GS_") == len(functions)
    assert "_" not in "".join(a.idl_name for f in functions for a in f.arguments)   # unoidl-write refuses "_x"
    component = extension.component_py(functions)
    compile(component, "wibudget_calc.py", "exec")
    assert "    def GS_INFO(self, province):\n        return runtime.call('GS_INFO', (province,))" in component


def test_the_kept_type_library_matches_the_udf_module() -> None:
    # types.idl is what types.rdb was compiled from; a changed signature needs `python -m addin.libreoffice types`
    assert extension.IDL_FILE.read_text(encoding="utf-8") == extension.idl_text(spec.functions())


@pytest.mark.skipif(extension.find_sdk_tool() is None or extension.program_folder() is None,
                    reason="LibreOffice SDK（libreoffice-dev）未安装：跳过类型库编译比对")
def test_the_kept_types_rdb_is_the_compiled_idl(tmp_path: Path) -> None:
    fresh = tmp_path / "types.rdb"
    extension.compile_idl(extension.IDL_FILE.read_text(encoding="utf-8"), fresh)
    assert fresh.read_bytes() == extension.RDB_FILE.read_bytes()


def test_the_oxt_holds_every_part_and_is_reproducible(tmp_path: Path) -> None:
    data = extension.oxt_bytes()
    assert data == extension.oxt_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifest = archive.read("META-INF/manifest.xml").decode()
        config = archive.read("pythonpath/wibudget_oxt_config.py").decode()
        jobs = archive.read("Jobs.xcu").decode()
    assert {"description.xml", "wibudget.components", "CalcAddIns.xcu", "Jobs.xcu", "types.rdb",
            "wibudget_calc.py", "pythonpath/wibudget_oxt_runtime.py", "pythonpath/wibudget_oxt_values.py"} <= names
    for part in ("wibudget.components", "types.rdb", "CalcAddIns.xcu", "Jobs.xcu"):
        assert f'manifest:full-path="{part}"' in manifest
    assert 'oor:name="onDocumentAdded"' in jobs
    # LibreOffice's Python finds this checkout and this environment's site-packages
    assert str(Path(__file__).resolve().parents[1]) in config
    assert str(Path(sys.prefix).resolve()) in config


def test_build_entry_writes_the_extension_and_refuses_another_suffix(tmp_path: Path, capsys) -> None:
    target = tmp_path / "wibudget.oxt"
    assert module_main(["build", str(target)]) == 0
    assert zipfile.is_zipfile(target)
    assert "已生成 LibreOffice 扩展" in capsys.readouterr().out
    assert module_main(["build", str(tmp_path / "wibudget.zip")]) == 2
    assert "扩展文件名应以 .oxt 结尾" in capsys.readouterr().err
    assert module_main(["frobnicate"]) == 2


def test_runtime_and_values_files_need_only_the_standard_library() -> None:
    # LibreOffice's Python may lack numpy and wibudget: the copied files must import there regardless
    here = Path(extension.HERE)
    code = (f"import sys; sys.path.insert(0, {str(here)!r}); import oxt_values;"
            "print(oxt_values.to_cells([[1, None]]))")
    run = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "((1.0, ''),)"


def test_recalc_refuses_what_is_not_a_workbook_before_starting_libreoffice(tmp_path: Path, capsys) -> None:
    from addin.libreoffice import recalc_workbook

    renamed = tmp_path / "预算.xlsx"
    renamed.write_text("单位,年度\n南昌,2025\n", encoding="utf-8")           # a CSV renamed to .xlsx
    assert recalc_workbook(renamed, tmp_path / "out.xlsx") == 2
    assert "预算.xlsx 不是有效的 Excel 工作簿" in capsys.readouterr().err
    assert recalc_workbook(tmp_path / "没有这个文件.xlsm", tmp_path / "out.xlsx") == 2
    assert "找不到工作簿" in capsys.readouterr().err
    spreadsheet = tmp_path / "预算.ods"
    spreadsheet.write_bytes(b"PK")
    assert recalc_workbook(spreadsheet, tmp_path / "out.xlsx") == 2
    assert "只能重算 .xlsx 或 .xlsm 工作簿" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["预算.ods", "预算.xlsx"]        # nothing written
