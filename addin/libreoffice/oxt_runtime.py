"""扩展运行时 — the part of the Calc add-in that runs inside LibreOffice (copied as `wibudget_oxt_runtime`).

LibreOffice loads the generated component with its own Python (python3-uno). This module finds the
wibudget engine there (folders from the environment variable WIBUDGET_PYTHONPATH, then the folders
written into the extension when it was built), calls the GS_* function, and converts arguments and
results with `wibudget_oxt_values`. It never raises: a failure is a readable cell text.

`BindNamesJob` runs when a document is added (Jobs.xcu, event onDocumentAdded): LibreOffice 7.4 does
not bind plain GS_* names of .xlsx/.xlsm formulas to the add-in on import, but it does when a formula
is entered through the API, so every GS_* formula is entered once more; the document's modified flag
is restored afterwards (the charts' flags included: new data marks an embedded chart modified, and
a document with a modified chart counts as modified).
"""

from __future__ import annotations

import os
import re
import site
import sys
from typing import Any

import unohelper
import wibudget_oxt_config as config
import wibudget_oxt_values as values
from com.sun.star.lang import XServiceInfo
from com.sun.star.task import XJob

PATH_VARIABLE = "WIBUDGET_PYTHONPATH"
_CELL_FLAGS_FORMULA = 16                      # com.sun.star.sheet.CellFlags.FORMULA
_PLAIN_NAME = re.compile(r"(?<![\w.])GS_[A-Z0-9_]+\s*\(", re.IGNORECASE)
_state: dict[str, Any] = {}


def _search_folders() -> list[str]:
    folders = [p for p in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if p]
    return folders + list(config.SOURCE_DIRS) + list(config.SITE_DIRS)


def _put_first(folder: str) -> None:
    """Add a site-packages folder (its .pth files included) in front of LibreOffice's own path."""
    before = list(sys.path)
    site.addsitedir(folder)
    added = [p for p in sys.path if p not in before]
    if folder not in added:
        added.insert(0, folder)
    sys.path[:] = added + [p for p in before if p not in added]


def engine() -> Any:
    """The UDF module, imported once; None when it cannot be imported (the reason is kept)."""
    if "module" in _state or "failure" in _state:
        return _state.get("module")
    for folder in reversed(_search_folders()):
        if os.path.isdir(folder):
            _put_first(folder)
    reason = ""
    for name in config.UDF_MODULES:
        try:
            module = __import__(name, fromlist=["_"])
        except Exception as exc:             # ImportError, or a broken dependency
            reason = reason or f"{type(exc).__name__}: {exc}"
            continue
        _state["module"] = module
        return module
    _state["failure"] = reason
    return None


def call(name: str, raw: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """Compute one GS_* formula: Calc's raw arguments in, rows of cell values out."""
    module = engine()
    if module is None:
        return values.message_cells(values.not_installed_message(_state.get("failure", "")))
    function = getattr(module, name, None)
    if function is None:
        return values.message_cells(values.not_installed_message(
            f"已安装的 wibudget 没有函数 {name}，请用同一版本重新生成并安装扩展"))
    try:
        return values.to_cells(function(*values.arguments(raw)))
    except Exception as exc:                 # the UDFs catch their own errors; this is the last guard
        return values.message_cells(f"#内部错误: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# binding plain names on load


def _is_excel_file(model: Any) -> bool:
    url = (model.getURL() or "").lower()
    return url.endswith((".xlsx", ".xlsm"))


def _array_range(sheet: Any, cell: Any) -> Any:
    """The whole array-formula range `cell` belongs to, or None for a single-cell formula."""
    if not cell.getArrayTokens():
        return None
    cursor = sheet.createCursorByRange(cell)
    cursor.collapseToCurrentArray()
    return cursor


def bind_formula_names(model: Any) -> int:
    """Enter every GS_* formula of an .xlsx/.xlsm again; returns how many formulas were re-entered."""
    if not model.supportsService("com.sun.star.sheet.SpreadsheetDocument") or not _is_excel_file(model):
        return 0
    modified = model.isModified()
    automatic = model.isAutomaticCalculationEnabled()
    model.enableAutomaticCalculation(False)
    count = 0
    try:
        sheets = model.getSheets()
        for index in range(sheets.getCount()):
            count += _bind_sheet(sheets.getByIndex(index))
    finally:
        model.enableAutomaticCalculation(automatic)
        if count and automatic:
            model.calculate()                 # now, so that the charts take their data before the reset
        if not modified:
            _set_unmodified(model)
    return count


def _set_unmodified(model: Any) -> None:
    """Clear the modified flag of the document and of its charts (a chart's new data marks it modified)."""
    sheets = model.getSheets()
    for index in range(sheets.getCount()):
        charts = sheets.getByIndex(index).getCharts()
        for name in charts.getElementNames():
            embedded = charts.getByName(name).getEmbeddedObject()
            if embedded is not None:
                embedded.setModified(False)
    model.setModified(False)


def _bind_sheet(sheet: Any) -> int:
    done: set[tuple[int, int]] = set()
    count = 0
    for address in sheet.queryContentCells(_CELL_FLAGS_FORMULA).getRangeAddresses():
        block = sheet.getCellRangeByPosition(address.StartColumn, address.StartRow, address.EndColumn,
                                             address.EndRow)
        for i, row in enumerate(block.getFormulaArray()):
            for j, text in enumerate(row):
                position = (address.StartRow + i, address.StartColumn + j)
                if position in done or not _PLAIN_NAME.search(text or ""):
                    continue
                cell = sheet.getCellByPosition(position[1], position[0])
                array = _array_range(sheet, cell)
                if array is None:
                    cell.setFormula(cell.getFormula())
                    done.add(position)
                else:
                    a = array.getRangeAddress()
                    top_left = sheet.getCellByPosition(a.StartColumn, a.StartRow)
                    formula = top_left.getFormula()
                    if formula.startswith("{") and formula.endswith("}"):
                        formula = formula[1:-1]
                    array.setArrayFormula(formula)
                    done.update((r, c) for r in range(a.StartRow, a.EndRow + 1)
                                for c in range(a.StartColumn, a.EndColumn + 1))
                count += 1
    return count


def _argument(arguments: Any, name: str) -> Any:
    for item in arguments or ():
        if getattr(item, "Name", None) == name:
            return item.Value
    return None


class BindNamesJob(unohelper.Base, XJob, XServiceInfo):
    """Job on onDocumentAdded: bind the plain GS_* names of a loaded .xlsx/.xlsm."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def execute(self, arguments: Any) -> Any:
        environment = _argument(arguments, "Environment")
        model = _argument(environment, "Model")
        if model is not None:
            try:
                bind_formula_names(model)
            except Exception as exc:        # never disturb loading: leave the formulas as they are
                print(f"wibudget: 公式名称绑定失败：{type(exc).__name__}: {exc}", file=sys.stderr)
        return None

    def getImplementationName(self) -> str:
        return config.JOB_SERVICE

    def supportsService(self, name: str) -> bool:
        return name == config.JOB_SERVICE

    def getSupportedServiceNames(self) -> tuple[str, ...]:
        return (config.JOB_SERVICE,)
