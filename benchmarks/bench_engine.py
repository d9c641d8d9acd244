"""Engine benchmark: forecast + province budget + 10-option sharing comparison at 12 / 300 / 3,000 units.

Run: python -m benchmarks.bench_engine   (prints median and best of several runs; not a test)
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

from examples.synthetic import scaled_province
from models.budget import run_budget
from models.sharing import load_presets

REPEATS = 15


def ten_options():
    """The four presets plus six variants (different province shares and caps)."""
    presets = load_presets()
    opts = list(presets)
    for k, alpha in enumerate((0.3, 0.4, 0.6, 0.7, 0.8, 0.9)):
        base = presets[3]
        opts.append(replace(base, name=f"mix_{k}", label=f"{base.label}·省{alpha:.0%}",
                            alpha_basis="fixed", alpha_if_true=alpha, alpha_if_false=alpha))
    return opts[:10]


def main() -> int:
    options = ten_options()
    print(f"forecast + province budget + {len(options)}-option sharing and comparison "
          f"(median / best of {REPEATS} runs)")
    for n in (12, 300, 3000):
        inputs = scaled_province(n, seed=1)
        run_budget(inputs, options)  # warm-up
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            run_budget(inputs, options)
            times.append(time.perf_counter() - t0)
        print(f"  {n:>5} units: median {statistics.median(times) * 1e3:7.1f} ms, best {min(times) * 1e3:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
