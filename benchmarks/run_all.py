"""The scale benchmarks in one run: python -m benchmarks.run_all   (prints one table; not a test, never in tests)

Every row is measured in its own fresh process (benchmarks.child), so the peak memory of one row
(getrusage ru_maxrss) never mixes with another's; commands run through the installed `wibudget`
console script, as a user runs them. Rows: start-up and the example draft; reading (read_inputs), draft, check
and compare of synthetic workbooks with 12, 300 and 3,000 units; the engine (forecast + province budget + sharing and
comparison) at 12 … 30,000 units with 10 and 100 options; controlled rounding of the 分市预算表; the
risk run at 1k/10k/100k draws with 1 and 10 options, and at 3,000 units. Goals (issue 15) stand beside
the figures: draft/check/compare at 3,000 units ≤ 5 s, risk 100k ≤ 10.5 × the 10k time, peak ≤ 1 GiB on
every row, the example draft no slower than before (0.68 s).

The other bench_* modules (UDF recalculation of budget.xlsm, LibreOffice reference, draft --pdf) run on
their own: python -m benchmarks.bench_workbook, …
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_GOAL_MIB = 1024.0
COMMAND_GOAL_S = 5.0            # draft, check, compare at 3,000 units
EXAMPLE_DRAFT_BEFORE_S = 0.68   # the example draft before issue 15 (median, this machine, the day it was filed)
BEFORE_REV = "36a1b35"          # the code before issue 15: its example draft is measured too, on the same day
RISK_GROWTH_GOAL = 10.5         # 100k draws ≤ 10.5 × the 10k time


def wibudget() -> list[str]:
    """The `wibudget` console script of this interpreter's environment (else on PATH, else the module)."""
    here = Path(sys.executable).parent / "wibudget"
    if here.exists():
        return [str(here)]
    found = shutil.which("wibudget")
    return [found] if found else [sys.executable, "-m", "addin.cli"]


@dataclass
class Row:
    group: str
    size: str
    argv: list[str]
    repeats: int = 1
    goal_s: float | None = None
    goal_text: str = ""
    seconds: list[float] = field(default_factory=list)
    peak_mib: float = 0.0
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def measure(row: Row) -> None:
    for _ in range(row.repeats):
        done = subprocess.run([sys.executable, "-m", "benchmarks.child", *row.argv], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        try:
            got = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            got = {"error": (done.stderr or done.stdout).strip()[-200:]}
        if "error" in got:
            row.error = " ".join(str(got["error"]).split())[-120:]
            return
        row.seconds.append(got["seconds"])
        row.peak_mib = max(row.peak_mib, got["peak_mib"])


def rows(folder: Path) -> list[Row]:
    cli = wibudget()
    out = [Row("start-up", "wibudget --help", ["command", *cli, "--help"], repeats=5),
           Row("draft", "example (12 units)", ["command", *cli, "draft", "-q", "--force", "-o",
                                               str(folder / "example.xlsx")], repeats=5,
               goal_s=EXAMPLE_DRAFT_BEFORE_S, goal_text=f"≤ {EXAMPLE_DRAFT_BEFORE_S} s (before)")]
    before = before_tree(folder)
    if before is not None:      # the same row on the code before issue 15, same machine and day
        out.append(Row("draft", f"example, code before ({BEFORE_REV})",
                       ["command", "env", f"PYTHONPATH={before}", sys.executable, "-P", "-m", "addin.cli", "draft", "-q",
                        "--force", "-o", str(folder / "example_before.xlsx")], repeats=5))
    sizes = (12, 300, 3000)
    subprocess.run([sys.executable, "-m", "benchmarks.workbooks", str(folder), *map(str, sizes)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    for n in sizes:
        book = str(folder / f"province_{n}.xlsx")
        goal = COMMAND_GOAL_S if n == 3000 else None
        text = f"≤ {COMMAND_GOAL_S:g} s" if goal else ""
        reps = 3 if n < 3000 else 1
        out += [Row("read", f"{n} units", ["read", book], reps),
                Row("draft", f"{n} units", ["command", *cli, "draft", book, "-q", "--force", "-o",
                                            str(folder / f"draft_{n}.xlsx")], reps, goal, text),
                Row("check", f"{n} units", ["command01", *cli, "check", book, "-q"], reps, goal, text),
                Row("compare", f"{n} units", ["command", *cli, "compare", book, "-q"], reps, goal, text)]
        if n == 3000:
            out.append(Row("draft --no-risk", f"{n} units", ["command", *cli, "draft", book, "-q", "--force",
                                                             "--no-risk", "-o", str(folder / "draft_nr.xlsx")]))
    for n in (12, 300, 3000, 30000):
        for k in (10, 100):
            out.append(Row("engine", f"{n} units × {k} options", ["engine", str(n), str(k)], 3 if n < 30000 else 1))
    for n in (12, 300, 1000, 3000):
        out.append(Row("rounding", f"{n} units × 6 items", ["rounding", str(n)], 3))
    for k in (1, 10):
        for d in (1_000, 10_000, 100_000):
            out.append(Row("risk", f"12 units × 5 y × {k} opt × {d:,} draws", ["risk", "12", str(k), str(d), "5"],
                           3 if d < 100_000 else 1))
    out.append(Row("risk", "3000 units × 5 y × 4 opt × 400 draws", ["risk", "3000", "4", "400", "5"]))
    return out


def before_tree(folder: Path) -> Path | None:
    """The source of BEFORE_REV, exported from the repository's history (None without git or that commit)."""
    target = folder / "before"
    archive = subprocess.run(["git", "archive", "--format=tar", BEFORE_REV], cwd=ROOT, capture_output=True,
                             check=False)
    if archive.returncode != 0:
        return None
    target.mkdir()
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "."], cwd=target, check=False,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    return target


def set_before_goal(table: list[Row]) -> None:
    """The example draft: no slower than the code before issue 15 measured in the same run (else the filed 0.68 s)."""
    now = next(r for r in table if r.size == "example (12 units)")
    then = next((r for r in table if r.size.startswith("example, code before")), None)
    if then is not None and then.median is not None:
        now.goal_s = then.median
        now.goal_text = f"≤ {then.median:.2f} s (code before)"


def set_risk_goals(table: list[Row]) -> None:
    """100k draws: ≤ 10.5 × the measured 10k time of the same option count."""
    by_size = {r.size: r for r in table if r.group == "risk"}
    for k in (1, 10):
        ten, hundred = by_size.get(f"12 units × 5 y × {k} opt × 10,000 draws"), \
            by_size.get(f"12 units × 5 y × {k} opt × 100,000 draws")
        if ten and hundred and ten.median is not None:
            hundred.goal_s = RISK_GROWTH_GOAL * ten.median
            hundred.goal_text = f"≤ {RISK_GROWTH_GOAL:g} × 10k = {hundred.goal_s:.2f} s"


def print_table(table: list[Row]) -> None:
    head = f"{'benchmark':<16} {'size':<38} {'time s':>8}  {'time goal':<24} {'peak MiB':>9}  {'≤ 1 GiB':<7} {'met':<4}"
    print(head)
    print("-" * len(head))
    for r in table:
        if r.error:
            print(f"{r.group:<16} {r.size:<38} {'failed':>8}  {r.error}")
            continue
        t = r.median
        time_ok = r.goal_s is None or (t is not None and t <= r.goal_s)
        peak_ok = r.peak_mib <= PEAK_GOAL_MIB
        runs = f" ({len(r.seconds)})" if len(r.seconds) > 1 else ""
        print(f"{r.group:<16} {r.size:<38} {t:>8.3f}  {(r.goal_text + runs) or runs.strip():<24} "
              f"{r.peak_mib:>9.0f}  {'yes' if peak_ok else 'NO':<7} {'yes' if time_ok and peak_ok else 'NO':<4}")
    print("time: median of the runs in brackets (else one run), each a fresh process; peak: the largest "
          "ru_maxrss of those runs")


def compile_sources() -> None:
    """Byte-compile the project once, as an installed package is: every row then measures a user's second and
    later runs (the first run of a fresh install also compiles, once)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "addin", "models", "examples", "templates"],
                   cwd=ROOT, check=False, stdout=subprocess.DEVNULL, env={**os.environ,
                                                                        "PYTHONDONTWRITEBYTECODE": ""})


def main() -> int:
    compile_sources()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("building the synthetic input workbooks (12, 300, 3,000 units) …", flush=True)
        table = rows(folder)
        for r in table:
            print(f"  {r.group} {r.size} …", flush=True)
            measure(r)
    set_risk_goals(table)
    set_before_goal(table)
    print()
    print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
