"""The whole benchmark suite in one run: python -m benchmarks.run_all

Draft end to end; engine forecast + 10-option comparison at 12/300/3,000 units; 10,000-draw risk run
(12 units × 5 years × 5 options); one full UDF recalculation of budget.xlsm in Python; LibreOffice's
headless recalculation of the same workbook as a reference point. Run on demand, never in tests.
"""

from __future__ import annotations

import sys

from benchmarks import bench_draft, bench_engine, bench_libreoffice, bench_risk, bench_workbook


def main() -> int:
    for name, bench in (("draft", bench_draft), ("engine", bench_engine), ("risk", bench_risk),
                        ("workbook", bench_workbook), ("libreoffice", bench_libreoffice)):
        print(f"== {name}", flush=True)
        bench.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
