"""budget.xlsm 生成 — build the Excel workbook whose result sheets call the Python UDFs of `addin.excel.udfs`.

The macro part comes from xlwings' own standalone template (`quickstart_standalone.xlsm` in the installed
xlwings package, pinned in pyproject.toml), loaded at build time with ``keep_vba=True`` so its
``vbaProject.bin`` — the xlwings VBA module with ``ImportPythonUDFs`` — is copied byte for byte and the
workbook needs no add-in. Nothing of xlwings is copied into this repository; the template is read from
the installed package each time.

Sheets: 说明, 数据检查 (GS_CHECK), the input sheets written by `workbook_io.write_inputs` (参数, 历年执行,
扩面计划, 待遇人员, 分担方案), the result sheets 收入预算, 支出预算, 收支结余, 分市预算, 缺口分担, 方案比较,
多年预测与风险 (GS_PROJECT, GS_SENSITIVITY, GS_RISK with native line and bar charts), and an active
``xlwings.conf`` sheet. 数据检查 comes right after 说明: it is the first place to look after editing the
inputs (and when a result shows "#输入错误"), and it stays visible when the workbook opens. Every result table is one legacy array formula (Excel 2016 has no dynamic arrays)
over a range sized here from the input data — the builder calls the same UDFs with the values of the
input ranges it has just written, so each range is exactly the size of the table Excel will get. The
formulas pass defined names (inp_*, prm_*), never structured references, so formula engines can read them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xlwings
from openpyxl import Workbook, load_workbook

from addin.excel import inputs as udf_inputs
from addin.excel import outlook as udf_outlook
from addin.excel import udfs, vba
from addin.excel.builder.budget_sheets import (
    _balance_sheet,
    _compare_sheet,
    _line_sheet,
    _sharing_sheet,
    _units_sheet,
)
from addin.excel.builder.common import (
    CONF_SHEET,
    EXPENDITURE_SHEET,
    INTRO_SHEET,
    REVENUE_SHEET,
    SHEET_ORDER,
    TEMPLATE_NAME,
    UDF_MODULE,
    XLWINGS_VERSION,
    input_values,
)
from addin.excel.builder.intro_sheets import _check_sheet, _conf_sheet, _fill_examples, _intro_sheet
from addin.excel.builder.outlook_sheet import SEED_MAX, _outlook_sheet
from addin.excel.recalc import udf_calls
from addin.excel.tables import option_position
from addin.workbook import coerce, reader, safe_open
from addin.workbook.writer import write_inputs
from models.errors import BudgetInputError
from models.inputs import BudgetInputs
from models.projection import DEFAULT_YEARS, MAX_YEARS
from models.risk import DEFAULT_SEED
from models.sharing import load_presets

# ---------------------------------------------------------------------------------------------
# the build

def template_path() -> Path:
    """xlwings' standalone macro workbook in the installed package (checked against the pinned version)."""
    if xlwings.__version__ != XLWINGS_VERSION:
        raise RuntimeError(f"需要 xlwings {XLWINGS_VERSION}（工作簿中的 VBA 与 Python 包须为同一版本），"
                           f"当前为 {xlwings.__version__}；请 pip install xlwings=={XLWINGS_VERSION}")
    return Path(xlwings.__file__).parent / TEMPLATE_NAME


def default_options(inputs: BudgetInputs) -> list[dict]:
    """The options the workbook starts with: the inputs' own, else the shipped presets as plain data."""
    return list(inputs.options) if inputs.options else [o.to_dict() for o in load_presets()]


def _order_sheets(wb: Workbook) -> None:
    for target, name in enumerate(SHEET_ORDER):
        wb.move_sheet(name, offset=target - wb.sheetnames.index(name))
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == INTRO_SHEET


@dataclass(frozen=True)
class Choices:
    """结果表上的选择 (what a user sets on the result sheets, kept by a rebuild): the 多年预测与风险 horizon,
    方案比较's 基准方案, the risk run's 模拟次数 and 随机种子."""

    years: int = DEFAULT_YEARS
    baseline: Any = 1
    draws: int = udf_outlook.DEFAULT_DRAWS
    seed: int = DEFAULT_SEED


def make_workbook(inputs: BudgetInputs | None = None, options: list[dict] | None = None, *,
                  years: int = DEFAULT_YEARS, choices: Choices | None = None) -> Workbook:
    """The budget workbook in memory (macro template, inputs, formulas, charts), not yet saved.

    `inputs` default to the synthetic example province, `options` to its options or the presets,
    `years` (1–10) is the horizon of the 多年预测与风险 sheet; `choices` (a rebuild's) override it and set
    the 基准方案, 模拟次数 and 随机种子 cells.
    """
    choices = choices or Choices(years=years)
    years = choices.years
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise BudgetInputError(f"预测年数应为 1–{MAX_YEARS} 的整数", field="预测年数", value=years)
    if inputs is None:
        from examples import load_example

        inputs = load_example()
    options = default_options(inputs) if options is None else list(options)

    wb = load_workbook(template_path(), keep_vba=True)
    intro, conf = wb.worksheets[0], wb["_xlwings.conf"]
    intro.title, conf.title = INTRO_SHEET, CONF_SHEET
    write_inputs(wb, inputs, options)
    values = input_values(wb)

    _check_sheet(wb, values)
    _line_sheet(wb, REVENUE_SHEET, "收入预算", "工伤保险基金收入预算表", values)
    _line_sheet(wb, EXPENDITURE_SHEET, "支出预算", "工伤保险基金支出预算表", values)
    balance = _balance_sheet(wb, values)
    _units_sheet(wb, values)
    _sharing_sheet(wb, values, len(udf_inputs.budget_result(*values).options))
    _compare_sheet(wb, values, _baseline(choices.baseline, values))
    _outlook_sheet(wb, values, years, draws=choices.draws, seed=choices.seed)
    examples = _intro_sheet(intro, inputs.synthetic, inputs.province_code)
    _fill_examples(intro, examples[:-1], balance)
    _conf_sheet(conf)
    _order_sheets(wb)
    _properties(wb, inputs)
    return wb


AGENCY = "人力资源和社会保障厅"


def _properties(wb: Workbook, inputs: BudgetInputs) -> None:
    """File properties: the province's agency as author, the budget as title (not the template's author)."""
    props = wb.properties
    props.creator = props.lastModifiedBy = f"{inputs.province}{AGENCY}"
    props.title = f"{inputs.budget_year}年{inputs.province}工伤保险基金预算"
    props.subject = "工伤保险基金预算与缺口分担"


def _baseline(value: Any, values: list) -> Any:
    """The 基准方案 cell's value if it names an option of these inputs, else 1 (the first option)."""
    try:
        option_position(udf_inputs.budget_result(*values), value)
    except BudgetInputError:
        return 1
    return value


def build_workbook(path: str | Path = "budget.xlsm", *, inputs: BudgetInputs | None = None,
                   options: list[dict] | None = None, years: int = DEFAULT_YEARS,
                   choices: Choices | None = None) -> Path:
    """生成 budget.xlsm (and the VBA wrapper `<name>_udfs.bas` beside it); returns the workbook path.

    `inputs` default to the synthetic example province, `options` to its options or the presets,
    `years` to a 3-year horizon on the 多年预测与风险 sheet.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsm":
        raise BudgetInputError("工作簿须保存为 .xlsm（含宏）文件", field="文件", value=target.name)
    wb = make_workbook(inputs, options, years=years, choices=choices)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:          # write fully, then move: never a half-written file
        scratch = Path(tmp) / target.name
        wb.save(scratch)
        shutil.move(scratch, target)
    write_udf_bas(bas_path(target))
    return target


def rebuild_workbook(source: str | Path, path: str | Path, *, years: int | None = None) -> Path:
    """按用户工作簿重建 — budget.xlsm around the inputs of the workbook `source` (only read, never written):
    every result range sized for its units and options, charts on their rows, the user's choices on the result
    sheets kept (`source_choices`); `years` overrides the horizon."""
    inputs, options = reader.read_inputs(source)
    choices = source_choices(source)
    if years is not None:
        choices = replace(choices, years=years)
    return build_workbook(path, inputs=inputs, options=options, choices=choices)


def source_choices(source: str | Path) -> Choices:
    """The choices on a budget workbook's result sheets, read from its formulas: GS_PROJECT's years, the cells
    GS_COMPARE reads for 基准方案 and GS_RISK for 模拟次数 and 随机种子. Anything missing or out of range:
    the default."""
    try:
        wb = safe_open.open_workbook(Path(source), read_only=False, data_only=False)
    except BudgetInputError:
        return Choices()
    found: dict[str, Any] = {}
    try:
        for call in udf_calls(wb):
            args = call.args
            if call.function == "GS_PROJECT" and len(args) > 7:
                found["years"] = _checked(udf_outlook.projection_years, args[7].strip())
            elif call.function == "GS_COMPARE" and len(args) > 7:
                found["baseline"] = _cell(wb, call.cell.sheet, args[7])
            elif call.function == "GS_RISK" and len(args) > 9:
                found["draws"] = _checked(udf_outlook.risk_draws, _cell(wb, call.cell.sheet, args[7]))
                seed = _checked(udf_outlook.risk_seed, _cell(wb, call.cell.sheet, args[9]))
                found["seed"] = seed if seed is not None and seed <= SEED_MAX else None
    finally:
        wb.close()
    return Choices(**{k: v for k, v in found.items() if v is not None and not coerce.is_blank(v)})


def _cell(wb: Workbook, sheet: str, ref: str) -> Any:
    """The value of a one-cell reference argument ($C$2, '方案比较'!$C$2); None for anything else."""
    ref = ref.strip()
    if "!" in ref:
        sheet, ref = ref.rsplit("!", 1)
        sheet = sheet.strip("'").replace("''", "'")
    try:
        return wb[sheet][ref.replace("$", "")].value
    except (KeyError, ValueError, AttributeError):
        return None


def _checked(read: Callable[[Any], int], value: Any) -> int | None:
    """A setting read as its function reads it (`risk_draws`, `risk_seed`, `projection_years`); None when refused."""
    if coerce.is_blank(value):
        return None
    try:
        return read(value)
    except BudgetInputError:
        return None


def bas_path(workbook: str | Path) -> Path:
    """The VBA wrapper shipped beside a workbook: budget.xlsm → budget_udfs.bas."""
    p = Path(workbook)
    return p.with_name(f"{p.stem}_udfs.bas")


def write_udf_bas(path: str | Path = "budget_udfs.bas") -> Path:
    """写出 VBA 包装模块 — the module Import Functions would create, for manual import (CRLF, ASCII)."""
    return vba.write_bas(udfs, path, module_name=UDF_MODULE)
