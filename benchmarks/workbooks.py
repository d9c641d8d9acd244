"""Input workbooks of the synthetic N-unit province (examples.synthetic.scaled_province) for the command benchmarks.

Only the input sheets (参数, 历年执行, 扩面计划, 待遇人员, 分担方案, with the four preset options) are written — what
`wibudget draft/check/compare WORKBOOK` read. Built once per benchmark run into a temporary folder, in a
process of its own (`python -m benchmarks.workbooks FOLDER N…`), so that the benchmark driver stays small: a
child process starts with its parent's memory high-water mark on Linux.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook

from examples.synthetic import scaled_province
from models.sharing import load_presets


def input_workbook(n_units: int, folder: Path) -> Path:
    """收支预算输入工作簿 of an `n_units` synthetic province (示例数据), saved as folder/province_<n>.xlsx."""
    from addin.workbook.writer import write_inputs  # the one place that knows where the input writer lives

    path = Path(folder) / f"province_{n_units}.xlsx"
    if not path.exists():
        wb = Workbook()
        write_inputs(wb, scaled_province(n_units, seed=1), [o.to_dict() for o in load_presets()])
        wb.save(path)
    return path


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    for n in argv[1:]:
        print(input_workbook(int(n), folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
