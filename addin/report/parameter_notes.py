"""参数说明文字 (parameter sentences for the explanatory note) — overrides and standards still to confirm.

`override_paragraph` lists the statutory parameters the parameter sheet changed for the budget year with
their basis (依据); `unconfirmed_paragraph` names the province-set standards that run on reference values
because the province has no parameter file of its own (or its file lacks them). Both give None when
there is nothing to say.
"""

from __future__ import annotations

from models.parameter_set import ParameterEntry, ParameterSet


def _name(entry: ParameterEntry) -> str:
    return entry.description.split(" — ")[0]


def _value(entry: ParameterEntry) -> str:
    values = entry.value if isinstance(entry.value, tuple) else (entry.value,)
    unit = entry.unit.split(" ")[0]
    if unit == "比例":
        return "、".join(f"{v * 100:g}%" for v in values)
    return "、".join(f"{v:g}" for v in values) + {"月": "个月"}.get(unit, unit)


def override_paragraph(params: ParameterSet) -> str | None:
    """本年度调整的法定参数 with value and 依据, e.g. 一次性工伤医疗补助金（…）20、16…个月（依据：…）."""
    entries = params.overridden()
    if not entries:
        return None
    parts = [f"{_name(e)}自{e.effective.year}年起按{_value(e)}（依据：{e.reference.removeprefix('参数表调整：')}）"
             for e in entries]
    return "按参数表调整的法定参数：" + "；".join(parts) + "。"


def unconfirmed_paragraph(params: ParameterSet) -> str | None:
    """省级标准待核实: which province-set standards run on reference values."""
    if not params.unconfirmed:
        return None
    where = "本省尚无省级参数文件，按全国参数测算" if not params.has_file else "省级参数文件缺少部分省级标准"
    return f"{where}；{params.unconfirmed_text()}暂用参考值，须按本省规定核实后定稿。"
