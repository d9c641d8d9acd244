"""Workbook benchmark: one full UDF recalculation of budget.xlsm after one input edit, warm and cold.

Builds the workbook of the example province and reads every UDF formula's arguments from it as Excel hands
them over (the values of the defined-name ranges, the yellow input cells, the calling range as `caller`).
Then a user's session is replayed: EDITS one-cell edits, one after another (each on top of the last, so
every recalculation sees inputs never seen before — the caches, keyed by content, cannot serve an
edited table from an earlier run), rotating over four input tables (分担方案, 参数, 扩面计划, 历年执行).
After each edit every UDF is called once in dependency order, as a full recalculation does.

- warm (the UDF server already running: modules imported, caches holding the previous state): CPU and
  wall time per recalculation — the median over all edits, and the median per edited table, with what
  ran again (engine, steps before the sharing, reader, projection / sensitivity / risk / check runs);
- cold: a new Python process that imports `addin.excel.udfs` and recalculates once (import included), as
  after Excel starts the UDF server — median of COLD_REPEATS processes.

Every recalculation is checked to give no error cell (an edit the reader refused would be cheap and
flatter the figures). Not a test. Run: python -m benchmarks.bench_workbook
"""

from __future__ import annotations

import copy
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import openpyxl

from addin.excel import inputs as udf_inputs
from addin.excel import udfs
from addin.excel.builder import build_workbook
from addin.excel.recalc import Recalculation, UdfCall

EDITS = 12              # ≥ 10 recalculations, three per edited table
COLD_REPEATS = 3
GOAL_MS = 100.0

_CHILD = """
import pickle, sys, time
t0 = time.perf_counter()
import xlwings
t1 = time.perf_counter()
from addin.excel import udfs
t2 = time.perf_counter()
from addin.excel.recalc import CallerRange, _Count
calls = pickle.load(open(sys.argv[1], "rb"))
t3, c3 = time.perf_counter(), time.process_time()
for name, args, shape in calls:
    kw = {"caller": CallerRange(_Count(shape[0]), _Count(shape[1]))} if shape else {}
    getattr(udfs, name)(*args, **kw)
t4, c4 = time.perf_counter(), time.process_time()
print(f"{(t1 - t0) * 1e3:.1f} {(t2 - t1) * 1e3:.1f} {(t4 - t3) * 1e3:.1f} {(c4 - c3) * 1e3:.1f}")
"""

Ranges = dict[str, list]
Calls = list[tuple[UdfCall, list, dict]]


# ---------------------------------------------------------------------------------------------
# one-cell edits a user makes (each keeps the inputs valid)

def _row(table: list, code: str) -> list:
    """The row of a code-keyed table (参数, 分担方案: code in column B)."""
    return next(r for r in table if len(r) > 1 and r[1] == code)


def _edit_options(ranges: Ranges, step: int) -> str:
    """分担方案: 多因素加权 option's 省级分担比例 down one point (0.50 → 0.49 …)."""
    table = ranges["inp_options"]
    column = table[1].index("weighted_mix")
    row = _row(table, "province_share")
    row[column] = round(float(row[column]) - 0.01, 4)
    return "分担方案"


def _edit_params(ranges: Ranges, step: int) -> str:
    """参数: 工资增长率 up a tenth of a point (5.0 % → 5.1 % …)."""
    row = _row(ranges["inp_params"], "wage_growth")
    row[2] = round(float(row[2]) + 0.001, 6)
    return "参数"


def _edit_plans(ranges: Ranges, step: int) -> str:
    """扩面计划: 南昌's 扩面计划 100 persons more."""
    table = ranges["inp_plans"]
    column = table[0].index("扩面计划（人）")
    row = next(r for r in table[1:] if r[0] == "南昌")
    row[column] = float(row[column]) + 100
    return "扩面计划"


def _edit_history(ranges: Ranges, step: int) -> str:
    """历年执行: 南昌's 2024 工伤保险费收入 1,000 元 more."""
    table = ranges["inp_history"]
    column = table[0].index("工伤保险费收入（元）")
    row = next(r for r in table[1:] if r[0] == "南昌" and r[1] == 2024)
    row[column] = float(row[column]) + 1_000
    return "历年执行"


EDIT_KINDS: tuple[Callable[[Ranges, int], str], ...] = (_edit_options, _edit_params, _edit_plans, _edit_history)


# ---------------------------------------------------------------------------------------------
# the recalculation

def _calls(recalc: Recalculation) -> tuple[Calls, Ranges]:
    """Every UDF call with its argument values; the input ranges are shared lists (edited in place).
    Cells that show another UDF's result (GS_MONTHS_PAYABLE on the 收支结余 table) hold that result."""
    out = []
    ranges: Ranges = {}
    order = recalc.order()
    recalc.run()
    for call in order:
        args = []
        for a in call.args:
            key = a.strip()
            if key not in ranges:
                value = recalc.value(a, call.cell.sheet)
                if not key.startswith("inp_"):
                    args.append(value)
                    continue
                ranges[key] = copy.deepcopy(value)
            args.append(ranges[key])
        out.append((call, args, recalc.keywords(call)))
    return out, ranges


def _errors(value: object) -> int:
    if isinstance(value, str):
        return int(value.startswith(("#输入错误", "#内部错误", "区域不足")))
    if isinstance(value, list):
        return sum(_errors(v) for v in value)
    return 0


def _recalculate(calls: Calls, spent: dict[str, float] | None = None) -> int:
    """Call every UDF once; the number of error cells."""
    errors = 0
    for call, args, kw in calls:
        t = time.perf_counter()
        value = getattr(udfs, call.function)(*args, **kw)
        if spent is not None:
            spent[call.function] += time.perf_counter() - t
        errors += _errors(value)
    return errors


_CACHES = {"engine": udf_inputs.CACHE, "base": udf_inputs.BASES, "derived": udf_inputs.DERIVED,
           "steps": udf_inputs.STEPS, "parts": udf_inputs.PARTS}


def _reset_counts() -> None:
    for cache in _CACHES.values():
        cache.stats.hits = cache.stats.misses = 0


def _runs() -> str:
    misses = {name: cache.stats.misses for name, cache in _CACHES.items()}
    return (f"engine {misses['engine']}, steps before the sharing {misses['base']}, input tables read "
            f"{misses['parts']} of 7, projection/sensitivity/risk/check {misses['derived']}")


def _cold(calls: Calls) -> dict[str, list[float]]:
    """New processes: import xlwings (with numpy and pandas, as the UDF server does before it loads the UDF
    module), import the UDF module, recalculate once — seconds of each, and of the whole process."""
    plain = [(c.function, args, (kw["caller"].rows.count, kw["caller"].columns.count) if kw else None)
             for c, args, kw in calls]
    out: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "calls.pkl"
        data.write_bytes(pickle.dumps(plain))
        for _ in range(COLD_REPEATS):
            t0 = time.perf_counter()
            run = subprocess.run([sys.executable, "-c", _CHILD, str(data)], capture_output=True, text=True,
                                 check=True, cwd=Path(__file__).resolve().parents[1])
            out["process"].append(time.perf_counter() - t0)
            for name, ms in zip(("xlwings", "module", "recalculation", "recalculation CPU"), run.stdout.split(),
                                strict=True):
                out[name].append(float(ms) / 1e3)
            out["total"].append(out["xlwings"][-1] + out["module"][-1] + out["recalculation"][-1])
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = build_workbook(Path(tmp) / "budget.xlsm")
        wb = openpyxl.load_workbook(path, keep_vba=True)
    calls, ranges = _calls(Recalculation(wb, udfs))

    by_sheet = Counter(c.cell.sheet for c, _, _ in calls)
    by_function = Counter(c.function for c, _, _ in calls)
    cells = sum((c.cell.bounds[2] - c.cell.bounds[0] + 1) * (c.cell.bounds[3] - c.cell.bounds[1] + 1)
                for c, _, _ in calls)
    print(f"budget.xlsm (example province): {len(calls)} UDF calls per full recalculation, filling {cells} cells")
    print("  by sheet:    " + ", ".join(f"{s} {n}" for s, n in by_sheet.items()))
    print("  by function: " + ", ".join(f"{f} {n}" for f, n in sorted(by_function.items())))

    if _recalculate(calls):         # warm-up: imports settled, caches hold the unedited inputs
        raise SystemExit("the example's recalculation shows error cells")
    cpu_all, wall_all = [], []
    by_table: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    per_function: dict[str, list[float]] = defaultdict(list)
    for step in range(EDITS):
        table = EDIT_KINDS[step % len(EDIT_KINDS)](ranges, step)      # one more cell edited: new content
        _reset_counts()
        spent: dict[str, float] = defaultdict(float)
        t0, c0 = time.perf_counter(), time.process_time()
        errors = _recalculate(calls, spent)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if errors:
            raise SystemExit(f"edit {step + 1} ({table}) gave {errors} error cells: not a fair measurement")
        cpu_all.append(cpu)
        wall_all.append(wall)
        by_table[table].append((cpu, wall, _runs()))
        for name, seconds in spent.items():
            per_function[name].append(seconds)

    print(f"\nwarm (UDF server running), {EDITS} recalculations, each after one more one-cell edit "
          f"(goal ≤ {GOAL_MS:.0f} ms of Python):")
    print(f"  all edits:  median {_ms(statistics.median(cpu_all))} CPU, {_ms(statistics.median(wall_all))} wall "
          f"(CPU best {_ms(min(cpu_all))}, worst {_ms(max(cpu_all))})")
    for table, runs in by_table.items():
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        print(f"  edit in {table}: median {_ms(cpu)} CPU, {_ms(wall)} wall ({len(runs)} edits); ran again: {runs[-1][2]}")
    ranked = sorted(per_function.items(), key=lambda kv: -statistics.median(kv[1]))
    print("  per function, all edits (median ms): " + ", ".join(f"{name} {statistics.median(t) * 1e3:.1f}"
                                                               for name, t in ranked))

    _edit_history(ranges, EDITS)
    cold = {name: statistics.median(values) for name, values in _cold(calls).items()}
    print(f"\ncold (new process: import, then one full recalculation of new inputs), median of {COLD_REPEATS}:")
    print(f"  import xlwings (with numpy, pandas) {_ms(cold['xlwings'])} + import addin.excel.udfs "
          f"{_ms(cold['module'])} + recalculation {_ms(cold['recalculation'])} wall "
          f"({_ms(cold['recalculation CPU'])} CPU) = {_ms(cold['total'])}; "
          f"whole process incl. interpreter start {_ms(cold['process'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
