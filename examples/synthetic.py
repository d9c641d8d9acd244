"""合成大样本 — an N-unit synthetic province for benchmarks and scale tests (示例数据，虚构).

Units are copies of the example's cities, each scaled by a random size factor (lognormal,
seeded), so N can be 12 or 3,000 with realistic proportions. Not for any real use.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from examples import load_example
from models import items
from models.inputs import BudgetInputs

_SIZE_COLUMNS_HISTORY = ["insured_end", "premium", "other_revenue", "medical", "disability", "death",
                         "appraisal", "prevention", "other_expenditure"]
_SIZE_COLUMNS_PLANS = ["expansion", "collection_plan_prev", "prevention_plan"]
_RATE_LIKE = ("_wage", "wage_growth", "rate_change")


def scaled_province(n_units: int, seed: int = 0) -> BudgetInputs:
    """合成省份: `n_units` synthetic units (one 省本级 + cities) built from the example."""
    base = load_example()
    rng = np.random.default_rng(seed)
    cities = base.units[base.units["kind"] == "city"]["unit"].tolist()
    province_unit = base.units[base.units["kind"] == "province"]["unit"].iloc[0]
    n_cities = max(1, n_units - 1)
    src = [cities[i % len(cities)] for i in range(n_cities)]
    names = [f"单位{i + 1:04d}" for i in range(n_cities)]
    # keep the province's total size roughly constant: each copy is 1/copies of its source
    copies = np.ceil(n_cities / len(cities))
    scale = rng.lognormal(0.0, 0.3, n_cities) / copies
    mapping = pd.DataFrame({"new": names, "unit": src, "scale": scale})

    def expand(df: pd.DataFrame, size_cols: list[str]) -> pd.DataFrame:
        out = mapping.merge(df, on="unit", how="left").drop(columns="unit").rename(columns={"new": "unit"})
        for c in size_cols:
            if c in out.columns:
                out[c] = out[c] * out["scale"]
        prov = df[df["unit"] == province_unit]
        return pd.concat([out.drop(columns="scale"), prov], ignore_index=True)[df.columns]

    ben_size = [c for c in base.beneficiaries.columns if c != "unit" and not c.endswith(_RATE_LIKE)]
    units = expand(base.units, ["fiscal_revenue"])
    units["assessment_rank"] = np.where(units["kind"] == "city", np.arange(1, len(units) + 1), np.nan)
    history = expand(base.history, _SIZE_COLUMNS_HISTORY)
    return replace(
        base, units=units, history=history,
        province_history=_rolled_balances(base.province_history, history),
        plans=expand(base.plans, _SIZE_COLUMNS_PLANS),
        beneficiaries=expand(base.beneficiaries, ben_size),
        prior_budget=base.prior_budget * (scale.sum() * copies / len(cities)),
    )


def _rolled_balances(province_history: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """期末滚存结余 rolled forward from the first year-end balance over the scaled units' flows, so that
    balance = last year-end balance + revenue − expenditure holds in every year (as in a real account)."""
    out = province_history.sort_values(["year", "months"]).reset_index(drop=True).copy()
    flows = history.groupby(["year", "months"])[[*items.UNIT_REVENUE_ITEMS, *items.EXPENDITURE_ITEMS]].sum()
    closing: dict[int, float] = {}
    for i, r in out.iterrows():
        year, months = int(r["year"]), int(r["months"])
        opening = closing.get(year - 1)
        if opening is not None and (year, months) in flows.index:
            f = flows.loc[(year, months)]
            net = (f[list(items.UNIT_REVENUE_ITEMS)].sum() + r[items.SUBSIDY] + r[items.INTEREST]
                   - f[list(items.EXPENDITURE_ITEMS)].sum())
            out.loc[i, "balance_end"] = round(opening + float(net), 2)
        if months == 12:
            closing[year] = float(out.loc[i, "balance_end"])
    return out
