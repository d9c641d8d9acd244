"""架构 — the folders say what they may import, and the import contracts in pyproject.toml hold.

`lint-imports` checks the contracts on the real tree; a copy of the tree with one deliberately wrong import
shows that a contract is not a formality; and no module grows past a size a reader can hold in mind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "addin", "examples", "templates")
MAX_LINES = 450          # "small modules (≤ ~400 lines)", with a little slack for docstrings


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter 未安装（pip install -e '.[test]'）")
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([str(exe), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold_on_the_tree():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    # the report tables may not write workbooks
    ("addin/report/probe.py", "import openpyxl\n", "Report tables use the engine only"),
    # the engine may not reach up into the add-in
    ("models/probe.py", "from addin.workbook import layout\n", "The engine is pure"),
    # one face may not use another face's internals
    ("addin/draft/probe.py", "from addin.excel import udfs\n", "Layers"),
    # the draft may not run the projection itself
    ("addin/draft/probe2.py", "from models.projection import project\n", "The draft never runs the engine"),
])
def test_a_wrong_import_is_refused(tmp_path, module, line, contract):
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(f'"""A deliberately wrong import."""\n\n{line}')
    run = lint_imports(tmp_path)
    assert run.returncode != 0
    broken = [ln for ln in run.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), run.stdout


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {str(p.relative_to(ROOT)): n for pkg in ("models", "addin") for p in (ROOT / pkg).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
