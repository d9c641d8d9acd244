"""原子写出 — write an output file completely or not at all.

The writer gets a path inside a fresh hidden folder next to the target (same file name, same file
system); when it returns, the file is flushed to disk (fsync) and moved into place with
`os.replace`, then the folder entry is synced. If the writer raises, the temporary folder is removed
and the target is untouched: a failed run leaves no partial file. An existing target is refused
unless `force` is given.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputExistsError(FileExistsError):
    """输出文件已存在 (the output exists and --force was not given)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"输出文件已存在：{self.path}。如需覆盖，请加 --force；或用 -o 指定其他文件名")


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


def atomic_write(path: Path | str, writer: Callable[[Path], None], *, force: bool = False) -> Path:
    """写出文件 — call `writer(tmp_path)` and move the finished file to `path` atomically.

    Creates the target folder when missing. Raises `OutputExistsError` if `path` exists and
    `force` is false (checked before writing and again just before the move).
    """
    target = check_target(path, force)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=".wibudget-", dir=folder))
    try:
        tmp = tmp_dir / target.name
        writer(tmp)
        if not tmp.is_file():
            raise RuntimeError(f"写出失败：没有生成文件 {target.name}")
        _fsync_file(tmp)
        if not force and target.exists():
            raise OutputExistsError(target)
        os.replace(tmp, target)
        _fsync_dir(folder)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return target
