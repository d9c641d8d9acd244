"""Risk benchmark: 10,000-draw Monte Carlo for 12 units × 5 years × 5 options (target ≤ 1 s).

Run from the repository root: python -m benchmarks.bench_risk   (median and best of several runs; not a test)
The timed call is the whole `models.risk.simulate` — one-year budget, projection of every draw,
sharing of every option in every year and the percentile bands.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

from examples.synthetic import scaled_province
from models.risk import simulate
from models.sharing import load_presets

REPEATS = 7
DRAWS = 10_000
YEARS = 5
UNITS = 12


def five_options():
    """The four presets plus a variant of the weighted mix with the province bearing 70 %."""
    presets = load_presets()
    mix = presets[3]
    return [*presets, replace(mix, name="mix_70", label=f"{mix.label}·省70%", alpha_if_true=0.7, alpha_if_false=0.7)][:5]


def main() -> int:
    inputs = scaled_province(UNITS, seed=1)
    options = five_options()
    simulate(inputs, DRAWS, YEARS, options)  # warm-up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = simulate(inputs, DRAWS, YEARS, options)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"risk run: {DRAWS:,} draws × {UNITS} units × {YEARS} years × {len(options)} options "
          f"(median / best of {REPEATS} runs)")
    print(f"  median {median * 1e3:7.1f} ms, best {min(times) * 1e3:7.1f} ms  "
          f"(target ≤ 1000 ms: {'met' if median <= 1.0 else 'NOT met'})")
    print(f"  P(below floor) by year: {', '.join(f'{y} {p:.1%}' for y, p in zip(result.years, result.prob_below_floor, strict=True))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
