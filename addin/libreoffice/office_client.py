"""LibreOffice 会话 — a script run by LibreOffice's own Python (python3-uno), never imported by wibudget.

    python3 office_client.py install SOFFICE PROFILE OXT
    python3 office_client.py recalc SOFFICE PROFILE WORKBOOK OUT.xlsx [OXT]

It starts a headless LibreOffice on the given profile, talks to it over a private pipe and closes it.
`install` adds the extension to that profile through the ExtensionManager (this also works as root,
where `unopkg` refuses per-user installs) and approves its questions. `recalc` opens the workbook
hidden (the extension's job binds the GS_* names), recalculates everything, replaces every GS_*
formula by its values (the file then opens anywhere: Excel, WPS, LibreOffice without the add-in) and
stores it as .xlsx; given an OXT, it is installed first in the same session (one start, not two;
the functions and the job are live at once). The last line on stdout is a JSON summary; a failure exits with status 1 and a
Chinese message on stderr.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid

import uno
import unohelper
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.task import XInteractionHandler
from com.sun.star.ucb import XCommandEnvironment, XProgressHandler

START_TIMEOUT = 90.0
CELL_FLAGS_FORMULA = 16
FORMULA_RESULT_ERROR = 4               # com.sun.star.sheet.FormulaResult.ERROR
GS_CALL = re.compile(r"(?<![\w])(?:[\w.]+\.)?GS_[A-Z0-9_]+\s*\(", re.IGNORECASE)
ERROR_NAMES = {501: "Err:501", 502: "Err:502", 503: "#NUM!", 504: "Err:504", 507: "Err:507", 508: "Err:508",
               511: "Err:511", 519: "#VALUE!", 522: "Err:522", 523: "Err:523", 524: "#REF!", 525: "#NAME?",
               532: "#DIV/0!", 32767: "#N/A"}


def _prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


class Office:
    """A headless LibreOffice on one profile, reached over a private pipe."""

    def __init__(self, soffice, profile):
        self.pipe = "wibudget" + uuid.uuid4().hex[:12]
        profile_url = uno.systemPathToFileUrl(os.path.abspath(profile))
        self.process = subprocess.Popen(
            [soffice, f"-env:UserInstallation={profile_url}", "--headless", "--invisible", "--nologo",
             "--norestore", "--nodefault", "--nolockcheck", f"--accept=pipe,name={self.pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ctx = self._connect()
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)

    def _connect(self):
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
            except NoConnectException:
                if time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError("LibreOffice 启动超时（90 秒内没有响应）") from None
                time.sleep(0.1)

    def close(self):
        try:
            self.desktop.terminate()
        except Exception:              # the bridge closes as the office exits
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Approve(unohelper.Base, XCommandEnvironment, XInteractionHandler, XProgressHandler):
    """Say yes to the ExtensionManager's questions (replace an older version, licence), no dialogs."""

    def getInteractionHandler(self):
        return self

    def getProgressHandler(self):
        return self

    def handle(self, request):
        for continuation in request.getContinuations():
            if continuation.queryInterface(uno.getTypeByName("com.sun.star.task.XInteractionApprove")):
                continuation.select()
                return

    def push(self, status):
        pass

    def update(self, status):
        pass

    def pop(self):
        pass


def install(office, oxt):
    manager = office.ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
    url = uno.systemPathToFileUrl(os.path.abspath(oxt))
    package = manager.addExtension(url, (), "user", manager.createAbortChannel(), _Approve())
    if package is None:
        raise RuntimeError("LibreOffice 没有接受扩展（addExtension 未返回扩展）")
    return {"installed": package.getIdentifier().Value}


def _gs_ranges(sheet):
    """Every GS_* formula of a sheet: (range object, address) once per array formula or cell."""
    done = set()
    found = []
    for address in sheet.queryContentCells(CELL_FLAGS_FORMULA).getRangeAddresses():
        block = sheet.getCellRangeByPosition(address.StartColumn, address.StartRow, address.EndColumn,
                                             address.EndRow)
        for i, row in enumerate(block.getFormulaArray()):
            for j, text in enumerate(row):
                r, c = address.StartRow + i, address.StartColumn + j
                if (r, c) in done or not GS_CALL.search(text or ""):
                    continue
                cell = sheet.getCellByPosition(c, r)
                target = cell
                if cell.getArrayTokens():
                    target = sheet.createCursorByRange(cell)
                    target.collapseToCurrentArray()
                a = target.getRangeAddress()
                done.update((y, x) for y in range(a.StartRow, a.EndRow + 1)
                            for x in range(a.StartColumn, a.EndColumn + 1))
                found.append((sheet.getCellRangeByPosition(a.StartColumn, a.StartRow, a.EndColumn, a.EndRow), a))
    return found


def _error_cells(sheet):
    """Positions (row, column) of the formula cells of a sheet whose result is an error value."""
    found = set()
    for a in sheet.queryFormulaCells(FORMULA_RESULT_ERROR).getRangeAddresses():
        found.update((r, c) for r in range(a.StartRow, a.EndRow + 1) for c in range(a.StartColumn, a.EndColumn + 1))
    return found


def _column_name(index):
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def recalc(office, workbook, out):
    url = uno.systemPathToFileUrl(os.path.abspath(workbook))
    doc = office.desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),
                                                                  _prop("MacroExecutionMode", 0)))
    if doc is None or not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        if doc is not None:
            doc.close(True)
        raise RuntimeError("LibreOffice 不能把它作为电子表格打开：文件已损坏或不是 Excel 工作簿")
    summary = {"formulas": 0, "cells": 0, "problems": [], "modified_after_load": bool(doc.isModified())}
    try:
        doc.calculateAll()
        sheets = doc.getSheets()
        for index in range(sheets.getCount()):
            sheet = sheets.getByIndex(index)
            name = sheet.getName()
            errors = _error_cells(sheet)
            for block, a in _gs_ranges(sheet):
                data = block.getDataArray()
                for i, row in enumerate(data):
                    for j, value in enumerate(row):
                        r, c = a.StartRow + i, a.StartColumn + j
                        where = f"{name}!{_column_name(c)}{r + 1}"
                        if (r, c) in errors:
                            code = sheet.getCellByPosition(c, r).getError()
                            summary["problems"].append([where, ERROR_NAMES.get(code, f"Err:{code}")])
                        elif isinstance(value, str) and value.startswith("#"):
                            summary["problems"].append([where, value[:120]])
                summary["formulas"] += 1
                summary["cells"] += len(data) * len(data[0])
                block.clearContents(CELL_FLAGS_FORMULA)
                block.setDataArray(data)
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                       (_prop("FilterName", "Calc MS Excel 2007 XML"),))
    finally:
        doc.close(True)
    return summary


def main(argv):
    command, soffice, profile, *rest = argv
    office = Office(soffice, profile)
    try:
        if command == "install":
            result = install(office, rest[0])
        else:
            if len(rest) > 2:                   # a fresh profile: install in the same session
                install(office, rest[2])
            result = recalc(office, rest[0], rest[1])
    finally:
        office.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
