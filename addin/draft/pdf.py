"""PDF 转换 — turn the draft .xlsx into a PDF with LibreOffice in headless mode.

Each run uses its own throw-away LibreOffice profile (`-env:UserInstallation=…`), so conversions
can run side by side and never touch the user's own LibreOffice settings; a time limit stops a hung
conversion. When LibreOffice is not installed, `PdfUnavailableError` says so and how to fix it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from addin.workbook.atomic import atomic_write
from addin.workbook.office import SOFFICE_ENV, find_soffice

DEFAULT_TIMEOUT = 120.0                 # seconds


class PdfError(RuntimeError):
    """PDF 转换失败 (conversion failed)."""


class PdfUnavailableError(PdfError):
    """未安装 LibreOffice (no soffice found)."""


UNAVAILABLE_MESSAGE = (
    "未找到 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice（Linux：软件包 libreoffice-calc；"
    f"Windows/macOS：官方安装包），或设置环境变量 {SOFFICE_ENV} 为 soffice 的完整路径后重试。"
    "Excel 草案已照常生成，也可用 Excel/WPS 打开后另存为 PDF。"
)


def _run(cmd: list[str], timeout: float) -> tuple[int, bytes]:
    """Run soffice in its own process group; on timeout stop the whole group (soffice starts children)."""
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=posix)
    except OSError as exc:
        raise PdfUnavailableError(f"无法启动 LibreOffice（{cmd[0]}）：{exc}") from None
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.communicate()
        raise PdfError(f"LibreOffice 转换超过 {timeout:g} 秒仍未完成，已停止") from None
    return proc.returncode, output or b""


def convert_to_pdf(source: Path | str, target: Path | str | None = None, *, force: bool = False,
                   timeout: float = DEFAULT_TIMEOUT, soffice: str | None = None) -> Path:
    """转换为 PDF — convert `source` (.xlsx) to `target` (default: same name, .pdf) atomically.

    Raises `PdfUnavailableError` when LibreOffice is missing, `PdfError` when the conversion fails
    or exceeds `timeout` seconds, `OutputExistsError` when `target` exists and `force` is false.
    """
    src = Path(source).resolve()
    if not src.is_file():
        raise PdfError(f"找不到要转换的文件：{src}")
    out = Path(target) if target is not None else src.with_suffix(".pdf")
    program = soffice or find_soffice()
    if program is None:
        raise PdfUnavailableError(UNAVAILABLE_MESSAGE)

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="wibudget-lo-") as work:
            work_dir = Path(work)
            profile = (work_dir / "profile").as_uri()
            outdir = work_dir / "pdf"
            cmd = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                   "--nodefault", "--nologo", "--convert-to", "pdf", "--outdir", str(outdir), str(src)]
            returncode, output = _run(cmd, timeout)
            produced = outdir / (src.stem + ".pdf")
            if returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
                detail = output.decode("utf-8", "replace").strip()[-400:]
                raise PdfError(f"LibreOffice 未能生成 PDF（返回码 {returncode}）{('：' + detail) if detail else ''}")
            shutil.move(str(produced), tmp)

    return atomic_write(out, write, force=force)
