"""缺口分担 — deficit sharing between the province and its cities (domain.md §5).

An option (分担方案) is plain data — a dict or a TOML table — checked by :func:`parse_option`.
:func:`share_options` computes every option at once: arrays carry the option axis first, then
any scenario axes of the context, then the city axis — shape ``(O, ..., U)``. It normalises the
factors once and works the options in blocks of bounded size (the figures do not depend on the
blocking); each city's share components are rebuilt on demand (``SharingResult.components``).

Steps, per option: amount to share D; management charges M_i (charged to the city first);
province share α (fixed or conditional); pot P = (1 − α)(D − ΣM); city scores
s_i = c_i Σ_k β_k x_ik / Σ_j x_jk; share_i = P s_i / Σ s; caps with exact redistribution;
assessment rewards; whatever cannot be placed returns to the province and is reported.

Modules: ``vocabulary`` (names and labels), ``context`` (分担依据), ``options`` (分担方案 and its
checks), ``engine`` (the computation), ``result`` (分担结果 tables), ``presets`` (预置方案, 清算).
Everything public is importable from ``models.sharing`` itself.
"""

from __future__ import annotations

from models.sharing.context import SharingContext, make_context
from models.sharing.engine import share_options
from models.sharing.options import SharingOption, parse_option, ratio_text, rule_text
from models.sharing.presets import (
    Settlement,
    SettlementParams,
    anhui_settlement,
    load_presets,
    load_settlement_params,
)
from models.sharing.result import SharingResult
from models.sharing.vocabulary import (
    ALPHA_BASES,
    AMOUNT_NAMES,
    AMOUNTS,
    CAP_BASES,
    COMPONENT_LABELS,
    COMPONENTS,
    FACTOR_NAMES,
    FACTORS,
    OPTION_TABLE,
    PRESETS_FILE,
    PROVINCE_LABEL,
    RESERVED_NAMES,
    SHARE_LABEL,
    TOTAL_LABEL,
    WEIGHT_TOLERANCE,
)

__all__ = [
    "ALPHA_BASES", "AMOUNTS", "AMOUNT_NAMES", "CAP_BASES", "COMPONENTS", "COMPONENT_LABELS", "FACTORS",
    "FACTOR_NAMES", "OPTION_TABLE", "PRESETS_FILE", "PROVINCE_LABEL", "RESERVED_NAMES", "SHARE_LABEL",
    "TOTAL_LABEL", "WEIGHT_TOLERANCE", "Settlement", "SettlementParams", "SharingContext", "SharingOption",
    "SharingResult", "anhui_settlement", "load_presets", "load_settlement_params", "make_context",
    "parse_option", "ratio_text", "rule_text", "share_options",
]
