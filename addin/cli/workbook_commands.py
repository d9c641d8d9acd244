"""工作簿命令 (workbook commands) — `wibudget check` (every finding with sheet!cell) and `wibudget build-workbook`
(the example, or `--from WORKBOOK`: rebuilt around a user's inputs, that workbook only read).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from addin.cli.common import EXIT_FAILED, EXIT_OK, CliError, Progress, _lazy, workbook_path

# ---------------------------------------------------------------- check and build-workbook


SEVERITY = {"error": "错误", "warning": "警告"}


def cmd_check(args: argparse.Namespace) -> int:
    from addin.report.text import text_table

    path = workbook_path(args.workbook)
    check_workbook = _lazy("addin.workbook.check", "check_workbook", "检查工作簿")
    findings = list(check_workbook(path))
    if not findings:
        print(f"未发现问题：{path}")
        return EXIT_OK
    rows = [[SEVERITY.get(f.severity, f.severity), f.sheet or "", f.cell or "", f.rule,
             getattr(f, "unit", None) or "", f.message] for f in findings]
    print(text_table(["级别", "工作表", "单元格", "规则", "单位", "说明"], rows, title=f"检查结果：{path}"))
    errors = sum(f.severity == "error" for f in findings)
    print(f"\n共 {len(findings)} 项：错误 {errors} 项，警告 {len(findings) - errors} 项")
    return EXIT_FAILED if errors else EXIT_OK


def cmd_build_workbook(args: argparse.Namespace) -> int:
    """生成 budget.xlsm: from the example, or with --from around the inputs of the user's workbook (only read)."""
    from addin.workbook.atomic import atomic_write, check_target

    source = workbook_path(args.source) if getattr(args, "source", None) else None
    target = Path(args.output)
    if source is not None and target.exists() and target.resolve() == source.resolve():
        raise CliError(f"输出文件不能是 --from 的工作簿本身（{source}）：原工作簿只读不写，请用 -o 指定新文件名")
    target = check_target(target, args.force)
    if target.suffix.lower() != ".xlsm":
        raise CliError(f"工作簿须保存为 .xlsm（含宏）文件：{target.name}")
    progress = Progress(total=1, quiet=args.quiet)
    if source is None:
        progress(f"生成工作簿：{target}")
        atomic_write(target, _lazy("addin.excel.builder", "build_workbook", "生成预算工作簿"), force=args.force)
    else:
        rebuild = _lazy("addin.excel.builder", "rebuild_workbook", "重建预算工作簿")
        progress(f"按 {source} 的输入重建工作簿：{target}")
        atomic_write(target, lambda tmp: rebuild(source, tmp), force=args.force)
    bas = _lazy("addin.excel.builder", "bas_path", "生成预算工作簿")(target)
    atomic_write(bas, _lazy("addin.excel.builder", "write_udf_bas", "生成预算工作簿"), force=True)
    progress.done("完成")
    print(f"工作簿：{target}")
    print(f"VBA 包装模块（手工导入备用）：{bas}")
    return EXIT_OK


