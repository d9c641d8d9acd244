"""Reference point: LibreOffice headless recalculation of budget.xlsm (forced on load), median of 3.

UDF cells become #NAME? in LibreOffice; what it recalculates is the workbook's native formulas. This
is a yardstick for the Python recalculation in bench_workbook, not a like-for-like comparison.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from addin.draft.pdf import find_soffice

ROOT = Path(__file__).resolve().parents[1]
FORCE_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def main() -> int:
    soffice = find_soffice()
    if not soffice:
        print("LibreOffice recalculation: skipped (soffice not installed)")
        return 0
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(FORCE_RECALC, encoding="utf-8")
        for k in range(4):
            out = Path(tmp) / f"out{k}"
            t0 = time.perf_counter()
            subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                            "--convert-to", "xlsx", "--outdir", str(out), str(ROOT / "budget.xlsm")],
                           check=True, capture_output=True, timeout=180)
            if k:  # the first run also creates the profile
                times.append(time.perf_counter() - t0)
    print(f"LibreOffice headless load + forced recalculation + save of budget.xlsm: "
          f"median {statistics.median(times):.2f} s (3 runs, process start included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
