"""One benchmark measurement in a fresh process: time of the timed call and the peak memory of the process.

Run by benchmarks.measure (never by hand, never in tests): `python -m benchmarks.child KIND ARG...` prints one
JSON line {"seconds": …, "peak_mib": …}. Setup (building the synthetic province, imports) is not timed but
counts in the peak, as it would in a real run. Kinds:

- engine UNITS OPTIONS — forecast + province budget + sharing and comparison of OPTIONS options;
- risk UNITS OPTIONS DRAWS YEARS — `models.risk.simulate` (the seeded default run);
- rounding UNITS — controlled rounding of a UNITS × 6 table (the draft's 分市预算表);
- read WORKBOOK — `addin.workbook.reader.read_inputs` of an input workbook (safe inspection, cell values, tables);
- command ARG... — a whole command in a child process (time and the child's peak); only exit 0 counts as done,
  so a draft refused by the data check is reported as failed, never timed as a draft;
- command01 ARG... — the same for `check`, whose exit 1 (problems found) is a finished run too.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace


def options(n: int) -> list:
    """The presets, then variants of the weighted mix with other fixed province shares, up to `n` options."""
    from models.sharing import load_presets

    presets = list(load_presets())
    mix = presets[-1]
    k = 0
    while len(presets) < n:
        alpha = 0.05 + (k % 19) * 0.05
        presets.append(replace(mix, name=f"mix_{k}", label=f"{mix.label}·变体{k + 1}", alpha_basis="fixed",
                               alpha_if_true=alpha, alpha_if_false=alpha))
        k += 1
    return presets[:n]


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0      # Linux: KiB


def main(argv: list[str]) -> int:
    kind, args = argv[0], argv[1:]
    who = resource.RUSAGE_SELF
    if kind in ("command", "command01"):
        t0 = time.perf_counter()
        done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - t0
        who = resource.RUSAGE_CHILDREN
        if done.returncode not in ((0, 1) if kind == "command01" else (0,)):
            print(json.dumps({"error": done.stderr.decode(errors="replace")[-300:]}))
            return 1
    elif kind == "read":
        from addin.workbook.reader import read_inputs

        t0 = time.perf_counter()
        read_inputs(args[0])
        seconds = time.perf_counter() - t0
    else:
        from examples.synthetic import scaled_province

        units = int(args[0])
        inputs = scaled_province(units, seed=1)
        if kind == "engine":
            from models.budget import run_budget

            opts = options(int(args[1]))
            t0 = time.perf_counter()
            run_budget(inputs, opts)
        elif kind == "risk":
            from models.risk import simulate

            opts = options(int(args[1]))
            t0 = time.perf_counter()
            simulate(inputs, int(args[2]), int(args[3]), opts)
        elif kind == "rounding":
            import numpy as np

            from addin.report.rounding import controlled_round

            rng = np.random.default_rng(units)
            table = rng.lognormal(13.0, 1.5, (units, 6)) * (rng.random((units, 6)) > 0.1)
            totals = np.round(table.sum(axis=0) / 1e4, 2)
            t0 = time.perf_counter()
            controlled_round(table, totals)
        else:
            raise SystemExit(f"unknown kind {kind}")
        seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mib": _peak_mib(who)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
