"""Workbook benchmark: UDF calls per full recalculation of budget.xlsm and their Python time.

Builds the workbook of the example province, reads every UDF formula's arguments from it (as Excel hands
them over: the values of the defined-name ranges), then times one full recalculation — every UDF called
once, after an input change, so the engine result cache starts empty — median of 5 runs. Not a test.

Run: python benchmarks/bench_workbook.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import openpyxl

from addin import udf_inputs, udfs
from addin.udf_recalc import Recalculation
from addin.workbook_builder import build_workbook

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
    for _ in range(REPEATS):
        udf_inputs.CACHE.clear()                             # inputs changed: the engine must run again
        t0 = time.perf_counter()
        for call, args in calls:
            getattr(udfs, call.function)(*args)
        cold.append(time.perf_counter() - t0)
        runs, hits = udf_inputs.CACHE.stats.misses, udf_inputs.CACHE.stats.hits
        t0 = time.perf_counter()                             # nothing changed (e.g. Ctrl+Alt+F9 again)
        for call, args in calls:
            getattr(udfs, call.function)(*args)
        warm.append(time.perf_counter() - t0)
    print(f"  engine runs per recalculation: {runs} (the other {hits} table calls reuse its result)")
    print(f"  Python time, full recalculation after an input change: median {statistics.median(cold) * 1e3:.1f} ms "
          f"(best {min(cold) * 1e3:.1f} ms, {REPEATS} runs)")
    print(f"  Python time, recalculation with unchanged inputs:      median {statistics.median(warm) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
