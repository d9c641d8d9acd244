"""示例省份 — the synthetic example province (示例数据，虚构，仅供演示).

Jiangxi's 11 设区市 plus 省本级, budget year 2027. Every figure is invented and only calibrated to
public magnitudes (see `examples.generate`, which regenerates the packaged files).
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable

import pandas as pd

from models.inputs import COLUMNS, Assumptions, BudgetInputs

EXAMPLE_DIR = "jiangxi"
CONFIG_FILE = "example.toml"
#: Columns read as text; "year" and "months" as integers; everything else as float64 (yuan, persons).
_TEXT_COLUMNS = {"unit", "kind"}
_INT_COLUMNS = {"year", "months"}


def example_files() -> dict[str, Traversable]:
    """示例文件 — the packaged files by stem: one CSV per input table plus ``example`` (example.toml)."""
    root = files(__package__).joinpath(EXAMPLE_DIR)
    found = {name: root.joinpath(f"{name}.csv") for name in COLUMNS}
    found["example"] = root.joinpath(CONFIG_FILE)
    return found


def _read_table(name: str, source: Traversable) -> pd.DataFrame:
    dtypes = {c: ("str" if c in _TEXT_COLUMNS else "int64" if c in _INT_COLUMNS else "float64")
              for c in COLUMNS[name]}
    with source.open("rb") as fh:
        frame = pd.read_csv(fh, encoding="utf-8-sig", dtype=dtypes)
    return frame[list(COLUMNS[name])]


def load_example() -> BudgetInputs:
    """加载示例省份 (load the synthetic example): fresh DataFrames on every call; `options` is empty."""
    sources = example_files()
    with sources["example"].open("rb") as fh:
        config = tomllib.load(fh)
    tables = {name: _read_table(name, sources[name]) for name in COLUMNS}
    prior = pd.Series(config.get("prior_budget", {}), dtype=float)
    return BudgetInputs(
        province=config["province"],
        province_code=config["province_code"],
        budget_year=int(config["budget_year"]),
        units=tables["units"],
        history=tables["history"],
        province_history=tables["province_history"],
        plans=tables["plans"],
        beneficiaries=tables["beneficiaries"],
        assumptions=Assumptions(**config.get("assumptions", {})),
        prior_budget=prior,
        options=[],
        synthetic=bool(config.get("synthetic", False)),
        notes=str(config.get("note", "")),
    )
