"""Workbook benchmark: one full UDF recalculation of budget.xlsm after one input edit, warm and cold.

Builds the workbook of the example province and reads every UDF formula's arguments from it as Excel hands
them over (the values of the defined-name ranges, the yellow input cells, the calling range as `caller`).
Then, for each run, one input cell is edited (南昌's 2022 premium revenue gains 1 元, so every cache key
changes) and every UDF is called once in dependency order:

- warm: in this process (modules imported, caches holding the previous inputs) — median of REPEATS runs,
  wall and CPU time, with the time per function;
- cold: a new Python process that imports `addin.excel.udfs` and recalculates once (import included), as
  after Excel starts the UDF server — median of COLD_REPEATS processes.

Not a test. Run: python benchmarks/bench_workbook.py
"""

from __future__ import annotations

import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.recalc import Recalculation, UdfCall

REPEATS = 7
COLD_REPEATS = 3

_CHILD = """
import pickle, sys, time
t0 = time.perf_counter()
from addin.excel import udfs
from addin.excel.recalc import CallerRange, _Count
t1 = time.perf_counter()
calls = pickle.load(open(sys.argv[1], "rb"))
t2 = time.perf_counter()
for name, args, shape in calls:
    kw = {"caller": CallerRange(_Count(shape[0]), _Count(shape[1]))} if shape else {}
    getattr(udfs, name)(*args, **kw)
t3 = time.perf_counter()
print(f"{(t1 - t0) * 1e3:.1f} {(t3 - t2) * 1e3:.1f}")
"""


def _edit_one_cell(values: list, step: int) -> None:
    """南昌's 2022 工伤保险费收入 (inp_history) + `step` 元: a user edits one input cell."""
    history = values[1]
    row = next(r for r in history[1:] if r[0] == "南昌" and r[1] == 2022)
    row[5] = float(row[5]) + step


def _calls(recalc: Recalculation, edit: int) -> list[tuple[UdfCall, list, dict]]:
    """Every UDF call with its argument values after the edit (the input ranges are shared objects)."""
    out = []
    ranges: dict[str, list] = {}
    for call in recalc.order():
        args = []
        for a in call.args:
            key = a.strip()
            if key in ranges:
                args.append(ranges[key])
                continue
            value = recalc.value(a, call.cell.sheet)
            if key == "inp_history":
                _edit_one_cell([None, value], edit)
            if key.startswith("inp_"):
                ranges[key] = value
            args.append(value)
        out.append((call, args, recalc.keywords(call)))
    return out


def _recalculate(calls: list[tuple[UdfCall, list, dict]], spent: dict[str, float] | None = None) -> None:
    for call, args, kw in calls:
        t = time.perf_counter()
        getattr(udfs, call.function)(*args, **kw)
        if spent is not None:
            spent[call.function] += time.perf_counter() - t


def _cold(calls: list[tuple[UdfCall, list, dict]]) -> tuple[list[float], list[float], list[float]]:
    plain = [(c.function, args, (kw["caller"].rows.count, kw["caller"].columns.count) if kw else None)
             for c, args, kw in calls]
    imports, recalcs, totals = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "calls.pkl"
        data.write_bytes(pickle.dumps(plain))
        for _ in range(COLD_REPEATS):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", _CHILD, str(data)], capture_output=True, text=True,
                                 check=True, cwd=Path(__file__).resolve().parents[1])
            totals.append(time.perf_counter() - t0)
            imp, rec = (float(x) / 1e3 for x in out.stdout.split())
            imports.append(imp)
            recalcs.append(rec)
    return imports, recalcs, totals


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = build_workbook(Path(tmp) / "budget.xlsm")
        wb = openpyxl.load_workbook(path, keep_vba=True)
    recalc = Recalculation(wb, udfs)
    recalc.run()                    # computes the cells other formulas read (dependency order)
    first = _calls(recalc, 0)

    by_sheet = Counter(c.cell.sheet for c, _, _ in first)
    by_function = Counter(c.function for c, _, _ in first)
    cells = sum((c.cell.bounds[2] - c.cell.bounds[0] + 1) * (c.cell.bounds[3] - c.cell.bounds[1] + 1)
                for c, _, _ in first)
    print(f"budget.xlsm (example province): {len(first)} UDF calls per full recalculation, filling {cells} cells")
    print("  by sheet:    " + ", ".join(f"{s} {n}" for s, n in by_sheet.items()))
    print("  by function: " + ", ".join(f"{f} {n}" for f, n in sorted(by_function.items())))

    _recalculate(first)             # warm-up: imports settled, caches hold the unedited inputs
    wall, cpu = [], []
    per_function: dict[str, list[float]] = defaultdict(list)
    for step in range(1, REPEATS + 1):
        calls = _calls(recalc, step)                         # one input cell edited: every key changes
        for cache in (udf_inputs.CACHE, udf_inputs.DERIVED, udf_inputs.STEPS):
            cache.stats.hits = cache.stats.misses = 0
        spent: dict[str, float] = defaultdict(float)
        t0, c0 = time.perf_counter(), time.process_time()
        _recalculate(calls, spent)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        for name, seconds in spent.items():
            per_function[name].append(seconds)
    runs, hits = udf_inputs.CACHE.stats.misses, udf_inputs.CACHE.stats.hits
    parses = udf_inputs.STEPS.stats.misses // 2                  # the ranges placed on sheets, then read
    print(f"  after one input edit: engine runs {runs} (reused {hits} times), reader runs {parses}, "
          f"projection / sensitivity / risk / check runs {udf_inputs.DERIVED.stats.misses}")
    print(f"  warm (UDF server running): median {statistics.median(wall) * 1e3:.1f} ms wall, "
          f"{statistics.median(cpu) * 1e3:.1f} ms CPU (best {min(wall) * 1e3:.1f} ms, {REPEATS} edits)")
    ranked = sorted(per_function.items(), key=lambda kv: -statistics.median(kv[1]))
    print("    per function (median ms): " + ", ".join(f"{name} {statistics.median(t) * 1e3:.1f}"
                                                       for name, t in ranked))
    imports, recalcs, totals = _cold(_calls(recalc, REPEATS + 1))
    print(f"  cold (new process): import {statistics.median(imports) * 1e3:.0f} ms + recalculation "
          f"{statistics.median(recalcs) * 1e3:.0f} ms = "
          f"{statistics.median([i + r for i, r in zip(imports, recalcs, strict=True)]) * 1e3:.0f} ms "
          f"median of {COLD_REPEATS}; whole process incl. interpreter start {statistics.median(totals) * 1e3:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
