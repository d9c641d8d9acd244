"""法定参数 — dated, sourced statutory parameters read from the packaged TOML files.

The data live in ``models/parameters/national.toml`` and ``models/parameters/provinces/<code>.toml``
(OpenFisca style): every parameter has a description, a unit and a list of values, each with the
date it takes effect (生效日期), the value (a number, or an array ordered by grade/class) and its
source (出处). The value in force on a day is the last one whose date is not after that day.

A province file overrides or adds parameters: for a name it defines, the province timeline is used
from its first date on; before that date, and for names it does not define, lookups fall back to
the national file. Standards the Regulations leave to the province (``province_defaults.toml``, e.g.
the medical-grant months) fall back, when a province has no file or its file lacks them, to reference
values that the province must confirm: `ParameterSet.unconfirmed` names them and the input check
warns (V601) — a province without a file still runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import pandas as pd

from models.errors import BudgetInputError, ParameterError

NATIONAL_FILE = "national.toml"
DEFAULTS_FILE = "province_defaults.toml"   # reference values of province-set standards (待核实)
PROVINCE_FOLDER = "provinces"
_DATA_PACKAGE = "models"
_DATA_FOLDER = "parameters"

_PARAMETER_KEYS = {"description", "unit", "values"}
_ENTRY_KEYS = {"date", "value", "reference"}
_OPTIONAL_ENTRY_KEYS = {"note"}
_YEARS = range(1900, 2201)  # plausible budget years when a date is given as a year

Value = float | tuple[float, ...]
TABLE_COLUMNS = ("name", "description", "value", "unit", "effective", "reference", "note", "source")


@dataclass(frozen=True)
class ParameterEntry:
    """一个参数取值 (one dated value of a parameter) with its source."""

    name: str
    value: Value
    effective: dt.date    # 生效日期
    reference: str        # 出处：文件、文号、条款
    source: str           # parameter file, e.g. national.toml or provinces/jiangxi.toml
    description: str = ""
    unit: str = ""
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    """一个参数 (one parameter): its dated values in ascending date order."""

    name: str
    description: str
    unit: str
    source: str
    entries: tuple[ParameterEntry, ...]

    @property
    def first_date(self) -> dt.date:
        """最早生效日期 (earliest effective date)."""
        return self.entries[0].effective

    def in_force(self, day: dt.date) -> ParameterEntry | None:
        """The entry in force on `day`, or None when `day` precedes the first entry."""
        found = None
        for entry in self.entries:
            if entry.effective > day:
                break
            found = entry
        return found


def to_date(on: dt.date | int | str) -> dt.date:
    """查询日期 (lookup date): a date as is, a datetime's date, a year as 1 January, or 'YYYY-MM-DD'."""
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    year: int | None = None
    if isinstance(on, numbers.Integral) and not isinstance(on, bool):
        year = int(on)
    elif isinstance(on, float) and on.is_integer():
        year = int(on)
    elif isinstance(on, str):
        text = on.strip()
        if text.isdigit():
            year = int(text)
        else:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
    if year is not None and year in _YEARS:
        return dt.date(year, 1, 1)
    raise BudgetInputError("日期无法识别：请给出日期（如 2024-01-01）或年份（如 2024，表示该年1月1日）",
                           field="on", value=on)


# ---------------------------------------------------------------- reading files

def parse_parameters(text: str, source: str) -> dict[str, Parameter]:
    """解析参数文件 (parse one parameter file's TOML text); `source` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"参数文件 {source} 不是有效的 TOML（{exc}），请按 TOML 语法改正", value=source) from None
    return {name: _parse_parameter(name, body, source) for name, body in data.items()}


def _parse_parameter(name: str, body: Any, source: str) -> Parameter:
    def fail(problem: str) -> ParameterError:
        return ParameterError(f"参数文件 {source} 中参数 {name} {problem}", field=name)

    if not isinstance(body, dict):
        raise fail("应为一张表（[名称] 下写 description、unit、values），请改正")
    missing = sorted(_PARAMETER_KEYS - body.keys())
    if missing:
        raise fail(f"缺少 {'、'.join(missing)}，请补上")
    unknown = sorted(body.keys() - _PARAMETER_KEYS)
    if unknown:
        raise fail(f"有无法识别的键 {'、'.join(unknown)}，可用键为 description、unit、values")
    description, unit, values = body["description"], body["unit"], body["values"]
    if not isinstance(description, str) or not description.strip():
        raise fail("的 description（中英文说明）为空，请填写")
    if not isinstance(unit, str) or not unit.strip():
        raise fail("的 unit（单位）为空，请填写")
    if not isinstance(values, list) or not values:
        raise fail("没有任何取值（values），请至少填写一项 date、value、reference")

    entries = [_parse_entry(name, i, raw, source, description, unit, fail) for i, raw in enumerate(values, 1)]
    entries.sort(key=lambda e: e.effective)
    dates = [e.effective for e in entries]
    repeated = sorted({d for d in dates if dates.count(d) > 1})
    if repeated:
        raise fail(f"的生效日期 {repeated[0].isoformat()} 重复出现，每个日期只能有一个取值")
    shapes = {_shape(e.value) for e in entries}
    if len(shapes) > 1:
        raise fail("各取值的元素个数不一致（如有的为单个数、有的为数组），请统一")
    return Parameter(name, description, unit, source, tuple(entries))


def _parse_entry(name: str, position: int, raw: Any, source: str, description: str, unit: str,
                 fail: Callable[[str], ParameterError]) -> ParameterEntry:
    where = f"的第{position}个取值"
    if not isinstance(raw, dict):
        raise fail(f"{where}应为一张表（date、value、reference）")
    missing = [k for k in ("date", "value", "reference") if k not in raw]
    if missing:
        labels = {"date": "date（生效日期）", "value": "value（数值）", "reference": "reference（出处）"}
        raise fail(f"{where}缺少 {'、'.join(labels[k] for k in missing)}，请补上")
    unknown = sorted(raw.keys() - _ENTRY_KEYS - _OPTIONAL_ENTRY_KEYS)
    if unknown:
        raise fail(f"{where}有无法识别的键 {'、'.join(unknown)}，可用键为 date、value、reference、note")
    day = raw["date"]
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise fail(f"{where}的 date 应写成不带引号的日期，如 2024-01-01")
    reference = raw["reference"]
    if not isinstance(reference, str) or not reference.strip():
        raise fail(f"{where}的 reference（出处）为空，请写明文件、文号和条款")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise fail(f"{where}的 note 应为文字")
    value = _parse_value(raw["value"])
    if value is None:
        raise fail(f"{where}的 value 应为数值或数值数组，现为 {raw['value']!r}")
    return ParameterEntry(name, value, day, reference.strip(), source, description, unit, note)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _parse_value(raw: Any) -> Value | None:
    if _is_number(raw):
        return float(raw)
    if isinstance(raw, list) and raw and all(_is_number(x) for x in raw):
        return tuple(float(x) for x in raw)
    return None


def _shape(value: Value) -> int | None:
    """None for a number, the length for an array."""
    return len(value) if isinstance(value, tuple) else None


# ---------------------------------------------------------------- the parameter set

class ParameterSet:
    """参数集 (a parameter set): national parameters, optionally overridden by one province's."""

    def __init__(self, national: Mapping[str, Parameter], province_parameters: Mapping[str, Parameter] | None = None,
                 province: str | None = None, defaults: Mapping[str, Parameter] | None = None,
                 has_file: bool = True) -> None:
        self.province = province
        self.has_file = has_file                  # False: the province has no parameter file of its own
        own = dict(province_parameters or {})
        # province-set standards the province does not give: reference values, to be confirmed
        self._unconfirmed = tuple(n for n in (defaults or {}) if n not in own)
        own |= {n: (defaults or {})[n] for n in self._unconfirmed}
        self._national = MappingProxyType(dict(national))
        self._province = MappingProxyType(own)
        for name, own in self._province.items():
            base = self._national.get(name)
            if base is not None and _shape(base.entries[0].value) != _shape(own.entries[0].value):
                raise ParameterError(f"参数文件 {own.source} 中参数 {name} 的元素个数与 {base.source} 不一致，请改正",
                                     field=name)

    @property
    def unconfirmed(self) -> tuple[str, ...]:
        """待核实的省级标准 (province-set standards running on reference values, to be confirmed)."""
        return self._unconfirmed

    def unconfirmed_text(self) -> str:
        """The standards to confirm, named in Chinese: 一次性工伤医疗补助金（…）、…; '' when none."""
        return "、".join(self._province[n].description.split(" — ")[0].split("：")[0] for n in self._unconfirmed)

    def names(self) -> tuple[str, ...]:
        """参数名 (parameter names): national file order, then names only the province defines."""
        return tuple(self._national) + tuple(n for n in self._province if n not in self._national)

    def __contains__(self, name: object) -> bool:
        return name in self._national or name in self._province

    def entry(self, name: str, on: dt.date | int | str) -> ParameterEntry:
        """某日生效的取值及出处 (the entry in force on a date; a year means 1 January of that year)."""
        day = to_date(on)
        timelines = [p for p in (self._province.get(name), self._national.get(name)) if p is not None]
        if not timelines:
            raise self._unknown(name)
        for timeline in timelines:
            found = timeline.in_force(day)
            if found is not None:
                return found
        first = min(timelines, key=lambda p: p.first_date)
        raise ParameterError(
            f"参数 {name}（{first.description}）在 {day.isoformat()} 没有生效的取值：最早的取值自 "
            f"{first.first_date.isoformat()} 起生效。请在参数文件 {timelines[0].source} 的 {name} 下补充 "
            f"{day.isoformat()} 当日或以前生效的取值（date、value、reference），或改用 {first.first_date.isoformat()} 及以后的日期",
            field=name, value=day.isoformat())

    def value(self, name: str, on: dt.date | int | str) -> Value:
        """某日生效的数值 (the value in force on a date): a float, or a tuple ordered by grade/class."""
        return self.entry(name, on).value

    def table(self, on: dt.date | int | str) -> pd.DataFrame:
        """参数表 (every parameter in force on a date, for display): value as text, arrays joined by '、'.

        Columns: name, description, value, unit, effective (date), reference, note, source. Parameters
        with no value in force on that date are left out.
        """
        day = to_date(on)
        rows = []
        for name in self.names():
            try:
                e = self.entry(name, day)
            except ParameterError:
                continue
            rows.append((name, e.description, format_value(e.value), e.unit, e.effective, e.reference, e.note,
                         e.source))
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))

    def _unknown(self, name: str) -> ParameterError:
        scope = f"全国参数及省份 {self.province} 参数" if self.province else "全国参数"
        hint = "" if self.province else "；省级规定的参数（如 medical_grant_months）须用 load_parameters(省份代码) 载入"
        return ParameterError(f"{scope}中没有名为 {name} 的参数。可用参数：{'、'.join(self.names())}{hint}",
                              field="name", value=name)

    def with_overrides(self, overrides: Mapping[str, tuple[Any, str]], year: int) -> ParameterSet:
        """参数调整 (the parameter sheet's overrides): each name → (value, 依据), in force from 1 January of `year`.

        An overridden province-set standard counts as confirmed. Raises ParameterError for an unknown
        name or a value with the wrong number of elements.
        """
        if not overrides:
            return self
        day = dt.date(int(year), 1, 1)
        own = dict(self._province)
        for name, (raw, basis) in overrides.items():
            if name not in self:
                raise self._unknown(name)
            base = (self._province.get(name) or self._national[name])
            numbers_ = list(raw) if isinstance(raw, tuple | list) else [raw]
            scalar = _shape(base.entries[0].value) is None and len(numbers_) == 1
            value = _parse_value(numbers_[0] if scalar else numbers_)
            if value is None or _shape(value) != _shape(base.entries[0].value):
                count = _shape(base.entries[0].value)
                want = f"{count} 个数（按等级排列，用逗号分隔）" if count else "一个数"
                raise ParameterError(f"参数调整中 {name}（{base.description.split(' — ')[0]}）应为{want}",
                                     field=name, value=format_value(value) if value is not None else raw)
            earlier = tuple(e for e in (own[name].entries if name in own else ()) if e.effective < day)
            entry = ParameterEntry(name, value, day, f"参数表调整：{basis or '未注明依据'}", "参数表",
                                   base.description, base.unit, "预算年度起适用")
            own[name] = Parameter(name, base.description, base.unit, "参数表", earlier + (entry,))
        out = ParameterSet(self._national, own, self.province, has_file=self.has_file)
        out._unconfirmed = tuple(n for n in self._unconfirmed if n not in overrides)
        return out

    def overridden(self) -> tuple[ParameterEntry, ...]:
        """参数表调整 (entries that come from the parameter sheet), for the draft's key-parameter paragraph."""
        return tuple(e for p in self._province.values() for e in p.entries if e.source == "参数表")

    def __repr__(self) -> str:
        return f"ParameterSet(province={self.province!r}, parameters={len(self.names())})"


def format_value(value: Value) -> str:
    """参数值文字 (a value as display text): 0.6 → '0.6', 54188.0 → '54188', arrays joined by '、'."""
    if isinstance(value, tuple):
        return "、".join(format_value(v) for v in value)
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


# ---------------------------------------------------------------- packaged files

def _data_folder() -> Any:
    return resources.files(_DATA_PACKAGE).joinpath(_DATA_FOLDER)


#: 省级行政区名称 → 参数文件代码 (province names → file codes); a name is also accepted without 省/市/自治区.
PROVINCE_CODES: dict[str, str] = {
    "北京": "beijing", "天津": "tianjin", "河北": "hebei", "山西": "shanxi", "内蒙古": "neimenggu",
    "辽宁": "liaoning", "吉林": "jilin", "黑龙江": "heilongjiang", "上海": "shanghai", "江苏": "jiangsu",
    "浙江": "zhejiang", "安徽": "anhui", "福建": "fujian", "江西": "jiangxi", "山东": "shandong",
    "河南": "henan", "湖北": "hubei", "湖南": "hunan", "广东": "guangdong", "广西": "guangxi",
    "海南": "hainan", "重庆": "chongqing", "四川": "sichuan", "贵州": "guizhou", "云南": "yunnan",
    "西藏": "xizang", "陕西": "shaanxi", "甘肃": "gansu", "青海": "qinghai", "宁夏": "ningxia",
    "新疆": "xinjiang",
}
_NAME_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")


def province_code(name_or_code: object) -> str | None:
    """参数代码 (parameter file code) of a province name or code: 山东省 / 山东 / Shandong → 'shandong'.

    A name that is not a province is returned stripped and lower-cased (it then runs on the
    national parameters with a warning); blank gives None.
    """
    if not isinstance(name_or_code, str) or not name_or_code.strip():
        return None
    text = name_or_code.strip()
    short = text
    for suffix in _NAME_SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix):
            short = short[: -len(suffix)]
            break
    return PROVINCE_CODES.get(short, text.lower())


def available_provinces() -> tuple[str, ...]:
    """可用省份代码 (province codes that have a parameter file), e.g. ('jiangxi',)."""
    folder = _data_folder().joinpath(PROVINCE_FOLDER)
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml")))


def load_parameters(province: str | None = None) -> ParameterSet:
    """载入参数 (load the packaged parameters): national, plus the province file when a code is given.

    `province` is a file code such as 'jiangxi' or a province name such as 山东省 (case and surrounding
    spaces ignored); results are cached. A province without a file runs on the national parameters,
    with the province-set standards at reference values (`ParameterSet.unconfirmed`, `has_file` False).
    """
    return _load(province_code(province))


@functools.cache
def _load(province: str | None) -> ParameterSet:
    national = parse_parameters(_read(NATIONAL_FILE), NATIONAL_FILE)
    if province is None:
        return ParameterSet(national)
    defaults = parse_parameters(_read(DEFAULTS_FILE), DEFAULTS_FILE)
    if province not in available_provinces():
        return ParameterSet(national, None, province, defaults=defaults, has_file=False)
    relative = f"{PROVINCE_FOLDER}/{province}.toml"
    return ParameterSet(national, parse_parameters(_read(relative), relative), province, defaults=defaults)


def parameters_for(inputs: Any) -> ParameterSet:
    """本预算的参数集 (the parameters of one budget): the province's file (by 参数代码, else by 省份名称)
    with the parameter sheet's overrides (`inputs.parameter_overrides`) from the budget year on."""
    code = inputs.province_code if isinstance(inputs.province_code, str) and inputs.province_code.strip() \
        else inputs.province
    params = load_parameters(code)
    overrides = getattr(inputs, "parameter_overrides", None)
    return params.with_overrides(overrides, inputs.budget_year) if overrides else params


def _read(relative: str) -> str:
    path = _data_folder()
    for part in relative.split("/"):
        path = path.joinpath(part)
    return path.read_text(encoding="utf-8")

