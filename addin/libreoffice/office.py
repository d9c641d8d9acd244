"""LibreOffice 环境 — find soffice and LibreOffice's Python (python3-uno), run the session script.

The session script (`office_client.py`) must run in the Python that LibreOffice itself uses, because
only that one has the `uno` module; wibudget's own interpreter only starts it and reads its JSON
summary. A missing LibreOffice or python3-uno gives `OfficeUnavailable` with the install command.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

CLIENT = Path(__file__).resolve().parent / "office_client.py"
UNO_PYTHON_ENV = "WIBUDGET_UNO_PYTHON"      # LibreOffice's Python, when it is not /usr/bin/python3
SESSION_TIMEOUT = 600.0
INSTALL_HINT = "Debian、统信 UOS、银河麒麟：sudo apt install libreoffice-calc python3-uno"


class OfficeUnavailable(RuntimeError):
    """LibreOffice 或 python3-uno 未安装 (nothing to compute with)."""


class OfficeFailed(RuntimeError):
    """LibreOffice 会话失败 (the session ended with an error)."""


def soffice() -> str:
    """soffice 的位置, or OfficeUnavailable."""
    from addin.workbook.office import find_soffice

    found = find_soffice()
    if not found:
        raise OfficeUnavailable(f"未找到 LibreOffice（soffice）。请先安装 LibreOffice（{INSTALL_HINT}），"
                                "或用环境变量 WIBUDGET_SOFFICE 指定 soffice 的位置")
    return found


def _imports_uno(python: str) -> bool:
    try:
        run = subprocess.run([python, "-c", "import uno, unohelper"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return run.returncode == 0


def uno_python() -> str:
    """The Python interpreter that has LibreOffice's `uno` module (python3-uno), or OfficeUnavailable."""
    candidates = [os.environ.get(UNO_PYTHON_ENV, "")]
    try:
        program = Path(soffice()).resolve().parent
        candidates += [str(program / "python"), str(program / "python.exe")]
    except OfficeUnavailable:
        pass
    candidates += ["/usr/bin/python3", shutil.which("python3") or ""]
    for python in dict.fromkeys(c for c in candidates if c):
        if Path(python).is_file() and _imports_uno(python):
            return python
    raise OfficeUnavailable(f"未找到 LibreOffice 的 Python 组件（python3-uno）。请安装：{INSTALL_HINT}；"
                            f"或用环境变量 {UNO_PYTHON_ENV} 指定能导入 uno 的 Python")


def python_version(python: str) -> str:
    """'3.11' for the given interpreter ('' when it cannot be asked)."""
    try:
        run = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return run.stdout.strip()


def own_python_version() -> str:
    """'3.11' for the Python running wibudget (the engine's compiled packages are built for it)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def run_session(command: str, profile: Path, *arguments: str | Path) -> dict[str, Any]:
    """Run office_client.py COMMAND in LibreOffice's Python on `profile`; its JSON summary."""
    python, office = uno_python(), soffice()
    process = subprocess.Popen([python, str(CLIENT), command, office, str(profile), *map(str, arguments)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_session_env(),
                               start_new_session=hasattr(os, "killpg"))
    try:
        stdout, stderr = process.communicate(timeout=SESSION_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        _stop(process)
        raise OfficeFailed(f"LibreOffice 在 {SESSION_TIMEOUT:.0f} 秒内没有完成，已停止") from exc
    except BaseException:                      # Ctrl+C: take LibreOffice down with the session
        _stop(process)
        raise
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        detail = (stderr.strip().splitlines() or ["没有输出"])[-1]
        raise OfficeFailed(f"LibreOffice 执行失败：{detail}")
    return json.loads(lines[-1])


def _stop(process: subprocess.Popen) -> None:
    """End the session script and the LibreOffice it started (one process group)."""
    if not hasattr(os, "killpg"):
        process.kill()
        process.communicate()
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):   # TERM first: LibreOffice tidies up
        with contextlib.suppress(OSError):
            os.killpg(process.pid, sig)
        try:
            process.communicate(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _session_env() -> dict[str, str]:
    """The environment for LibreOffice: ours, without this venv's Python settings leaking into it."""
    env = dict(os.environ)
    for name in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env
