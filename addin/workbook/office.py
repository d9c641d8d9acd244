"""LibreOffice 程序位置 (where LibreOffice is) — found once for every face that converts or recalculates with it
(the draft's PDF, the Calc add-in's recalculation).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SOFFICE_ENV = "WIBUDGET_SOFFICE"        # full path of soffice, when it is not on PATH
PROGRAM_NAMES = ("soffice", "libreoffice")


def _install_locations() -> list[Path]:
    """Where LibreOffice installs itself on Windows and macOS."""
    found = []
    for var in ("ProgramFiles", "ProgramFiles(x86)"):
        base = os.environ.get(var)
        if base:
            found.append(Path(base) / "LibreOffice" / "program" / "soffice.exe")
    found.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    return found


def find_soffice() -> str | None:
    """soffice 的位置: $WIBUDGET_SOFFICE, then PATH, then the usual install folders; None if absent."""
    env = os.environ.get(SOFFICE_ENV)
    if env:
        return env if Path(env).is_file() else None
    for name in PROGRAM_NAMES:
        hit = shutil.which(name)
        if hit:
            return hit
    for path in _install_locations():
        if path.is_file():
            return str(path)
    return None
