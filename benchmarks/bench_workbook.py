"""Workbook benchmark: UDF calls per full recalculation of budget.xlsm and their Python time.

Builds the workbook of the example province, reads every UDF formula's arguments from it (as Excel hands
them over: the values of the defined-name ranges and of the yellow input cells), then times one full
recalculation — every UDF called once, after an input change, so the caches (the one-year budget and the
projection, sensitivity, risk and check runs built on it) start empty — median of 5 runs, with the time
per function. Not a test.

Run: python benchmarks/bench_workbook.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.recalc import Recalculation

REPEATS = 5


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = build_workbook(Path(tmp) / "budget.xlsm")
        wb = openpyxl.load_workbook(path, keep_vba=True)
    recalc = Recalculation(wb, udfs)
    recalc.run()                    # warm-up; computes the cells other formulas read (dependency order)
    calls = [(c, [recalc.value(a, c.cell.sheet) for a in c.args]) for c in recalc.results]

    by_sheet = Counter(c.cell.sheet for c, _ in calls)
    by_function = Counter(c.function for c, _ in calls)
    cells = sum((c.cell.bounds[2] - c.cell.bounds[0] + 1) * (c.cell.bounds[3] - c.cell.bounds[1] + 1)
                for c, _ in calls)
    print(f"budget.xlsm (example province): {len(calls)} UDF calls per full recalculation, "
          f"filling {cells} cells")
    print("  by sheet:    " + ", ".join(f"{s} {n}" for s, n in by_sheet.items()))
    print("  by function: " + ", ".join(f"{f} {n}" for f, n in sorted(by_function.items())))

    cold, warm = [], []
    per_function: dict[str, list[float]] = defaultdict(list)
    for _ in range(REPEATS):
        udf_inputs.clear_caches()                            # inputs changed: every engine run starts again
        spent: dict[str, float] = defaultdict(float)
        t0 = time.perf_counter()
        for call, args in calls:
            t = time.perf_counter()
            getattr(udfs, call.function)(*args)
            spent[call.function] += time.perf_counter() - t
        cold.append(time.perf_counter() - t0)
        for name, seconds in spent.items():
            per_function[name].append(seconds)
        runs, hits = udf_inputs.CACHE.stats.misses, udf_inputs.CACHE.stats.hits
        derived = udf_inputs.DERIVED.stats.misses, udf_inputs.DERIVED.stats.hits
        t0 = time.perf_counter()                             # nothing changed (e.g. Ctrl+Alt+F9 again)
        for call, args in calls:
            getattr(udfs, call.function)(*args)
        warm.append(time.perf_counter() - t0)
    print(f"  one-year budget runs per recalculation: {runs} (the other {hits} uses reuse its result)")
    print(f"  projection / sensitivity / risk / check runs: {derived[0]} (reused {derived[1]} times)")
    print(f"  Python time, full recalculation after an input change: median {statistics.median(cold) * 1e3:.1f} ms "
          f"(best {min(cold) * 1e3:.1f} ms, {REPEATS} runs)")
    ranked = sorted(per_function.items(), key=lambda kv: -statistics.median(kv[1]))
    print("    per function (median ms): " + ", ".join(f"{name} {statistics.median(t) * 1e3:.1f}"
                                                       for name, t in ranked))
    print(f"  Python time, recalculation with unchanged inputs:      median {statistics.median(warm) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
