"""LibreOffice 命令 — build and install the Calc add-in, recalculate a workbook in LibreOffice.

Each function prints Chinese messages and returns an exit code (0 done, 1 could not run, 2 bad input
or cells with input errors), ready to be wired into `wibudget libreoffice build|install` and
`wibudget recalc`. Nothing here raises for an expected failure.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from addin.libreoffice import extension, office

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MARKER = "wibudget-extension.sha256"      # in a profile: the hash of the extension installed there
CONFIG_IN_OXT = "pythonpath/wibudget_oxt_config.py"
SHOWN_PROBLEMS = 10


def _say(text: str) -> None:
    print(text, flush=True)


def _fail(text: str, code: int = EXIT_FAILED) -> int:
    print(f"错误：{text}", file=sys.stderr, flush=True)
    return code


def default_profile() -> Path:
    """The user's own LibreOffice profile (what LibreOffice uses when started from the menu)."""
    return Path.home() / ".config" / "libreoffice" / "4"


# ---------------------------------------------------------------------------------------------
# build


def build_extension(out_path: str | Path) -> int:
    """生成扩展 — write the .oxt for the installed UDF module to `out_path` (atomic)."""
    from addin.workbook.atomic import atomic_write

    target = Path(out_path)
    if target.suffix.lower() != ".oxt":
        return _fail(f"扩展文件名应以 .oxt 结尾：{target}", EXIT_BAD_INPUT)
    try:
        data = extension.oxt_bytes()
    except (extension.BuildError, ValueError, ModuleNotFoundError) as exc:
        return _fail(str(exc))
    atomic_write(target, lambda tmp: tmp.write_bytes(data), force=True)
    folders = engine_folders(data)
    _say(f"已生成 LibreOffice 扩展：{target}（{len(data) // 1024} KB，{len(extension.spec.functions())} 个函数）")
    _say("LibreOffice 的 Python 将在以下位置查找 wibudget：" + "；".join(folders))
    return EXIT_OK


def engine_folders(oxt: bytes) -> list[str]:
    """The folders written into an .oxt where LibreOffice's Python looks for wibudget."""
    with zipfile.ZipFile(io.BytesIO(oxt)) as archive:
        source = archive.read(CONFIG_IN_OXT).decode("utf-8")
    found: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("SOURCE_DIRS", "SITE_DIRS"):
            found += list(ast.literal_eval(node.value))
    return found


# ---------------------------------------------------------------------------------------------
# install


def _engine_check(python: str, folders: list[str]) -> str:
    """'' when LibreOffice's Python imports the UDF module from `folders`, else the reason."""
    from addin.libreoffice.spec import UDF_MODULE_NAMES

    code = ("import importlib, site, sys\n"
            f"for f in reversed({folders!r}):\n"
            "    before = list(sys.path); site.addsitedir(f)\n"
            "    new = [p for p in sys.path if p not in before] or [f]\n"
            "    sys.path[:] = new + [p for p in before if p not in new]\n"
            "err = ''\n"
            f"for name in {UDF_MODULE_NAMES!r}:\n"
            "    try:\n"
            "        importlib.import_module(name); err = ''; break\n"
            "    except Exception as exc:\n"
            "        err = err or f'{type(exc).__name__}: {exc}'\n"
            "print(err)\n")
    try:
        run = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return run.stdout.strip() or (run.stderr.strip().splitlines() or [""])[-1]


def _install(oxt_path: Path, profile: Path) -> None:
    """Add the extension to `profile` (created if new) and remember its hash there."""
    profile.mkdir(parents=True, exist_ok=True)
    office.run_session("install", profile, oxt_path)
    (profile / MARKER).write_text(hashlib.sha256(oxt_path.read_bytes()).hexdigest(), encoding="ascii")


def install_extension(oxt: str | Path | None = None, profile_dir: str | Path | None = None) -> int:
    """安装扩展 — add the .oxt (None: build it now) to a LibreOffice profile (default: the user's own).

    Works as root too: the extension is added through LibreOffice's ExtensionManager, not `unopkg`.
    """
    profile = Path(profile_dir) if profile_dir else default_profile()
    if (profile / ".lock").exists():
        _say("提示：LibreOffice 似乎正在使用这个配置目录；安装后请重新启动 LibreOffice")
    with tempfile.TemporaryDirectory(prefix="wibudget-oxt-") as tmp:
        if oxt is None:
            oxt_path = Path(tmp) / "wibudget.oxt"
            try:
                oxt_path.write_bytes(extension.oxt_bytes())
            except (extension.BuildError, ValueError, ModuleNotFoundError) as exc:
                return _fail(str(exc))
        else:
            oxt_path = Path(oxt)
            if not oxt_path.is_file():
                return _fail(f"找不到扩展文件 {oxt_path}；请先运行 wibudget libreoffice build", EXIT_BAD_INPUT)
        try:
            python = office.uno_python()
            folders = engine_folders(oxt_path.read_bytes())
            _install(oxt_path, profile)
        except (zipfile.BadZipFile, KeyError):
            return _fail(f"{oxt_path} 不是 wibudget 生成的扩展文件", EXIT_BAD_INPUT)
        except (office.OfficeUnavailable, office.OfficeFailed) as exc:
            return _fail(str(exc))
    _say(f"已安装到 LibreOffice 配置目录：{profile}")
    _say("LibreOffice 的 Python（" + python + "）将在以下位置查找 wibudget：" + "；".join(folders))
    _say("如 wibudget 装在别处，可在启动 LibreOffice 前设置环境变量 WIBUDGET_PYTHONPATH（多个目录用冒号分隔）")
    extra = [f for f in os.environ.get("WIBUDGET_PYTHONPATH", "").split(os.pathsep) if f]
    problem = _engine_check(python, extra + folders)
    if problem:
        version, own = office.python_version(python), office.own_python_version()
        mismatch = f"（wibudget 装在 Python {own} 中，版本不同）" if version and version != own else ""
        _say(f"警告：LibreOffice 的 Python（{version}）导入 wibudget 失败：{problem}{mismatch}。"
             f"单元格将显示“#未安装 wibudget”。请为 Python {version} 安装 wibudget 及其依赖后重新生成扩展")
        return EXIT_FAILED
    _say("检查通过：LibreOffice 的 Python 能导入 wibudget。打开 budget.xlsm 即可计算 GS_ 函数")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# recalculate


@contextmanager
def _session_profile(profile_dir: str | Path | None) -> Iterator[tuple[Path, Path | None]]:
    """(profile, extension to install first or None): a throw-away profile, or the given one."""
    with tempfile.TemporaryDirectory(prefix="wibudget-lo-") as tmp:
        oxt_path = Path(tmp) / "wibudget.oxt"
        oxt_path.write_bytes(extension.oxt_bytes())
        profile = Path(profile_dir) if profile_dir else Path(tmp) / "profile"
        profile.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(oxt_path.read_bytes()).hexdigest()
        marker = profile / MARKER
        current = marker.is_file() and marker.read_text(encoding="ascii").strip() == digest
        yield profile, None if current else oxt_path
        if profile_dir and not current:
            marker.write_text(digest, encoding="ascii")


def _check_paths(workbook: Path, out: Path) -> str:
    if not workbook.is_file():
        return f"找不到工作簿 {workbook}"
    if workbook.suffix.lower() not in (".xlsx", ".xlsm"):
        return f"只能重算 .xlsx 或 .xlsm 工作簿：{workbook.name}"
    if not zipfile.is_zipfile(workbook):
        return f"{workbook.name} 不是有效的 Excel 工作簿（文件已损坏，或只是改了扩展名）"
    if out.suffix.lower() != ".xlsx":
        return f"输出文件应以 .xlsx 结尾（LibreOffice 保存的 .xlsm 会改写宏）：{out}"
    if out.resolve() == workbook.resolve():
        return "输出文件不能与输入工作簿相同：输入工作簿只读不写"
    return ""


def _problems_text(problems: list[list[str]]) -> list[str]:
    lines = [f"  {where}：{text}" for where, text in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"  ……另有 {len(problems) - SHOWN_PROBLEMS} 个单元格")
    return lines


def recalc_workbook(workbook: str | Path, out_xlsx: str | Path, profile_dir: str | Path | None = None,
                    force: bool = False) -> int:
    """用 LibreOffice 重算 — open the workbook headless with the GS_* functions, write the values to .xlsx.

    The input is copied first and only the copy is opened; the output is written through a temporary
    file and moved into place. Every GS_* formula becomes its values, other formulas stay.
    """
    from addin.workbook.atomic import OutputExistsError, atomic_write, check_target

    source, target = Path(workbook), Path(out_xlsx)
    problem = _check_paths(source, target)
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    try:
        check_target(target, force)
        office.soffice()
        office.uno_python()
    except (OutputExistsError, IsADirectoryError) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except office.OfficeUnavailable as exc:
        return _fail(str(exc))
    summary: dict[str, Any] = {}
    blocking: list[list[str]] = []

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="wibudget-in-") as folder, \
                _session_profile(profile_dir) as (profile, to_install):
            copy = Path(folder) / source.name
            shutil.copyfile(source, copy)
            extra = [to_install] if to_install else []
            summary.update(office.run_session("recalc", profile, copy, tmp, *extra))
        blocking.extend(p for p in summary["problems"] if _blocks(p[1]))
        if blocking:
            raise office.OfficeFailed("GS_ 函数没有算出结果")

    try:
        atomic_write(target, write, force=force)
    except (office.OfficeUnavailable, office.OfficeFailed, extension.BuildError) as exc:
        lines = [str(exc)] + _problems_text(blocking)
        if any(p[1].startswith("#NAME") for p in blocking):
            lines.append("LibreOffice 没有识别 GS_ 函数：扩展未生效。使用 --profile 时，请删除该目录中的 "
                         f"{MARKER} 后重试（扩展将重新安装）；需要 LibreOffice 7.4 或更新版本")
        return _fail("\n".join(lines))
    _say(f"已用 LibreOffice 重算 {source.name}：{summary['formulas']} 个 GS_ 公式、{summary['cells']} 个单元格"
         f" → {target}")
    if summary["problems"]:
        _say(f"注意：{len(summary['problems'])} 个单元格显示错误信息（多为输入数据问题，请按提示修改工作簿）：")
        for line in _problems_text(summary["problems"]):
            _say(line)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _blocks(text: str) -> bool:
    """Cell texts that mean the functions did not run at all (nothing worth writing)."""
    return text.startswith(("#NAME", "#未安装", "Err:5")) or text == "#VALUE!"
