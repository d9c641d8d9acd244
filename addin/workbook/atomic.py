"""原子写出 — write an output file completely or not at all, and leave nothing behind.

The writer gets a path inside a fresh hidden folder next to the target (same file name, same file
system); when it returns, the file is flushed to disk (fsync) and moved into place with
`os.replace`, then the folder entry is synced. If the writer raises — or the run is interrupted
(Ctrl+C / SIGINT, SIGTERM) — the temporary folder is removed and the target is untouched. A run
killed outright (kill -9, power loss) cannot clean up; its folder records the process id, and the
next write into the same folder removes temporary folders whose process is gone
(:func:`remove_stale_folders`). An existing target is refused unless `force` is given. Problems of
the file system (read-only folder, no permission, disk full) raise :class:`OutputWriteError` in
Chinese, naming the user's output path, never the hidden temporary one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

TEMP_PREFIX = ".wibudget-"
PID_FILE = ".owner-pid"
#: A temporary folder without an owner record is only removed when older than this (seconds).
STALE_WITHOUT_OWNER = 60.0

_REASONS = {
    errno.EROFS: "该位置是只读的（只读磁盘或只读共享文件夹）",
    errno.EACCES: "没有写入该文件夹的权限",
    errno.EPERM: "没有写入该文件夹的权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已用完",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.ENOENT: "文件夹不存在或已被删除",
    errno.ENOTDIR: "路径中的某一级不是文件夹",
}


class OutputExistsError(FileExistsError):
    """输出文件已存在 (the output exists and --force was not given)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"输出文件已存在：{self.path}。如需覆盖，请加 --force；或换一个输出文件名")


class OutputWriteError(OSError):
    """无法写出 (the file system refused the output): a Chinese reason and the user's target path."""

    def __init__(self, path: Path, exc: OSError) -> None:
        self.path = Path(path)
        self.reason = _REASONS.get(exc.errno or 0, "系统拒绝写入")
        super().__init__(exc.errno, f"无法写出文件 {self.path}：{self.reason}。请换一个可写的文件夹（用输出选项指定）后重试")

    def __str__(self) -> str:
        return str(self.strerror)


def check_target(path: Path | str, force: bool = False) -> Path:
    """Refuse an existing output (unless `force`) and a target that is a folder; returns the path."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"输出路径是文件夹：{target}，请给出文件名")
    if target.exists() and not force:
        raise OutputExistsError(target)
    return target


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":   # directories cannot be opened for fsync on Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True   # exists but belongs to someone else, or cannot tell: keep it
    return True


def remove_stale_folders(folder: Path | str) -> list[Path]:
    """清理残留: remove temporary folders of runs that were killed (owner process gone); returns them."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).glob(f"{TEMP_PREFIX}*"):
            if not entry.is_dir():
                continue
            try:
                pid = int((entry / PID_FILE).read_text(encoding="ascii").strip())
                stale = not _alive(pid)
            except (OSError, ValueError):
                stale = time.time() - entry.stat().st_mtime > STALE_WITHOUT_OWNER
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


class _Terminated(BaseException):
    """SIGTERM during a write: unwinds like Ctrl+C so that the temporary folder is removed."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While writing, SIGTERM unwinds the stack (cleanup runs) instead of killing at once."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        raise KeyboardInterrupt from None
    finally:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGTERM, previous)


def atomic_write(path: Path | str, writer: Callable[[Path], None], *, force: bool = False) -> Path:
    """写出文件 — call `writer(tmp_path)` and move the finished file to `path` atomically.

    Creates the target folder when missing. Raises `OutputExistsError` if `path` exists and
    `force` is false (checked before writing and again just before the move), `OutputWriteError`
    when the file system refuses.
    """
    target = check_target(path, force)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(target, exc) from None
    remove_stale_folders(folder)
    with _terminate_as_interrupt():
        try:
            tmp_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
        except OSError as exc:
            raise OutputWriteError(target, exc) from None
        try:
            (tmp_dir / PID_FILE).write_text(str(os.getpid()), encoding="ascii")
            tmp = tmp_dir / target.name
            writer(tmp)
            if not tmp.is_file():
                raise RuntimeError(f"写出失败：没有生成文件 {target.name}")
            _fsync_file(tmp)
            if not force and target.exists():
                raise OutputExistsError(target)
            os.replace(tmp, target)
            _fsync_dir(folder)
        except OutputExistsError:
            raise
        except OSError as exc:
            raise OutputWriteError(target, exc) from None
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return target
