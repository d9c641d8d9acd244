"""LibreOffice recalculation of budget.xlsm against `wibudget draft` — the fair peer ratio.

Both compute the same budget: `draft` in Python from the example province, the recalculation in
headless LibreOffice calling the same GS_* functions through the Calc add-in, then saving every table
as values. Each run is a new process, as a user runs it:
  recalc (fresh profile)  — build the extension, add it to a throw-away profile, open, compute, save
  recalc (ready profile)  — the same with a profile that already has the extension
  draft                   — `wibudget draft` (no PDF)

Run: python -m benchmarks.bench_libreoffice   (median of 3 runs each; not a test)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 3
ROOT = Path(__file__).resolve().parents[1]


def _draft_command() -> list[str]:
    script = shutil.which("wibudget")
    return [script] if script else [sys.executable, "-m", "addin.cli"]


def _median(commands: list[list[str]]) -> tuple[float, list[float]]:
    times = []
    for command in commands:
        t0 = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def _line(label: str, median: float, times: list[float]) -> str:
    return f"  {label:<24} median {median:6.2f} s  (runs: " + ", ".join(f"{t:.2f}" for t in times) + ")"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from addin.libreoffice import office

    try:
        office.soffice()
        office.uno_python()
    except office.OfficeUnavailable as exc:
        print(f"LibreOffice recalculation: skipped ({exc})")
        return 0
    recalc = [sys.executable, "-m", "addin.libreoffice", "recalc", str(ROOT / "budget.xlsm")]
    print(f"budget.xlsm recalculated in LibreOffice vs wibudget draft (median of {RUNS}, each a new process)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fresh = _median([[*recalc, str(folder / f"fresh_{k}.xlsx")] for k in range(RUNS)])
        profile = folder / "profile"
        subprocess.run([*recalc, str(folder / "warm.xlsx"), str(profile)], check=True, stdout=subprocess.DEVNULL)
        ready = _median([[*recalc, str(folder / f"ready_{k}.xlsx"), str(profile)] for k in range(RUNS)])
        draft = _median([[*_draft_command(), "draft", "-o", str(folder / f"draft_{k}.xlsx"), "-q", "--force"]
                         for k in range(RUNS)])
    print(_line("recalc (fresh profile)", *fresh))
    print(_line("recalc (ready profile)", *ready))
    print(_line("draft", *draft))
    print(f"  ratio recalc / draft: {fresh[0] / draft[0]:.2f} (fresh profile), {ready[0] / draft[0]:.2f} (ready profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
