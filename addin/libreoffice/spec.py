"""函数说明 — read the GS_* functions of the UDF module as LibreOffice needs them (one source of truth).

The UDF module is found by name (`addin.excel.udfs`). Its `@xw.func`/`@xw.arg`
decorators record nothing on Linux, so the module source is executed once more with small recording
stand-ins for `xlwings.func`, `xlwings.arg` and `xlwings.ret`: they keep each argument's help text
(`doc=`), the very text Excel's function wizard shows. The function description is its docstring.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import xlwings

from addin.excel.vba import (
    CALLER,  # xlwings' reserved argument: the calling range, never a worksheet argument
)

UDF_MODULE_NAMES = ("addin.excel.udfs",)
FUNCTION_PREFIX = "GS_"


@dataclass(frozen=True)
class Argument:
    """一个参数 (one argument): Python name, IDL name (camelCase), help text."""

    name: str
    idl_name: str
    doc: str


@dataclass(frozen=True)
class Function:
    """一个函数 (one GS_* function): name, description and arguments in call order."""

    name: str
    description: str
    arguments: tuple[Argument, ...]


def udf_module_name() -> str:
    """Name of the UDF module Excel imports (`addin.excel.udfs`, as xlwings.conf names it)."""
    for name in UDF_MODULE_NAMES:
        try:
            if importlib.util.find_spec(name) is not None:
                return name
        except ModuleNotFoundError:       # parent package `addin.excel` absent
            continue
    raise ModuleNotFoundError("找不到 wibudget 的 Excel 函数模块（addin.excel.udfs）")


def udf_module() -> ModuleType:
    """The imported UDF module."""
    return importlib.import_module(udf_module_name())


def camel_case(name: str) -> str:
    """province_history → provinceHistory (the IDL compiler refuses '_' before a lower-case letter)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _recording_decorators(docs: dict[str, dict[str, str]], udfs: set[str]) -> dict[str, Callable]:
    """Stand-ins for xlwings.func/arg/ret that remember `doc=` per function and argument."""

    def func(f: Callable | None = None, **_options: Any) -> Callable:
        def mark(g: Callable) -> Callable:
            udfs.add(g.__name__)
            return g
        return mark if f is None else mark(f)

    def arg(name: str, *_convert: Any, doc: str | None = None, **_options: Any) -> Callable:
        def mark(g: Callable) -> Callable:
            if doc:
                docs.setdefault(g.__name__, {})[name] = doc
            return g
        return mark

    def ret(*_convert: Any, **_options: Any) -> Callable:
        return lambda g: g

    return {"func": func, "arg": arg, "ret": ret}


def _recorded_module(module: ModuleType) -> tuple[ModuleType, dict[str, dict[str, str]], set[str]]:
    """A fresh copy of `module` executed with recording decorators; the module in sys.modules is kept."""
    docs: dict[str, dict[str, str]] = {}
    udfs: set[str] = set()
    spec = importlib.util.spec_from_file_location(module.__name__, module.__file__)
    if spec is None or spec.loader is None:
        raise ValueError(f"模块 {module.__name__} 没有源文件，无法读出函数说明")
    fresh = importlib.util.module_from_spec(spec)
    saved = {name: getattr(xlwings, name) for name in ("func", "arg", "ret")}
    previous = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = fresh
    try:
        for name, stand_in in _recording_decorators(docs, udfs).items():
            setattr(xlwings, name, stand_in)
        spec.loader.exec_module(fresh)
    finally:
        for name, value in saved.items():
            setattr(xlwings, name, value)
        if previous is None:
            sys.modules.pop(module.__name__, None)
        else:
            sys.modules[module.__name__] = previous
    return fresh, docs, udfs


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def functions(module: ModuleType | None = None) -> list[Function]:
    """Every GS_* function of the UDF module in source order, with its help texts."""
    module = module or udf_module()
    recorded, docs, udfs = _recorded_module(module)
    found: list[tuple[int, Function]] = []
    for name in sorted(udfs):
        if not name.startswith(FUNCTION_PREFIX):
            continue
        fn = inspect.unwrap(getattr(recorded, name))
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != CALLER]
        arguments = tuple(Argument(p.name, camel_case(p.name), _one_line(docs.get(name, {}).get(p.name, p.name)))
                          for p in params)
        line = inspect.getsourcelines(fn)[1]
        found.append((line, Function(name, _one_line(fn.__doc__ or name), arguments)))
    if not found:
        raise ValueError(f"模块 {module.__name__} 中没有 GS_ 开头的 xw.func 函数")
    return [f for _, f in sorted(found, key=lambda item: item[0])]
