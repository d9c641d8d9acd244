"""Draft benchmark: wall time of `wibudget draft` on the example province, with and without `--pdf`.

Each run is a fresh process (interpreter start, imports, engine, writing the .xlsx, and for --pdf the
LibreOffice conversion with its own new profile), as a user runs it.

Run: python benchmarks/bench_draft.py   (prints the median of 5 runs of each; not a test)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
ROOT = Path(__file__).resolve().parent.parent


def command() -> list[str]:
    """The installed `wibudget` script, else the same entry point through the interpreter."""
    script = shutil.which("wibudget")
    return [script] if script else [sys.executable, "-m", "addin.cli"]


def timed_runs(extra: list[str], folder: Path) -> list[float]:
    times = []
    for k in range(RUNS):
        out = folder / f"draft_{k}.xlsx"
        t0 = time.perf_counter()
        subprocess.run([*command(), "draft", "-o", str(out), "-q", "--force", *extra], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    print(f"wibudget draft on the example province (median of {RUNS} runs, each a new process)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = timed_runs([], folder)
        print(f"  draft        median {statistics.median(plain):6.2f} s  (runs: "
              + ", ".join(f"{t:.2f}" for t in plain) + ")")
        sys.path.insert(0, str(ROOT))
        from addin.draft.pdf import find_soffice

        if find_soffice() is None:
            print("  draft --pdf  skipped: LibreOffice (soffice) not found")
            return 0
        pdf = timed_runs(["--pdf"], folder)
        print(f"  draft --pdf  median {statistics.median(pdf):6.2f} s  (runs: "
              + ", ".join(f"{t:.2f}" for t in pdf) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
