"""工作簿命令 (workbook commands) — `wibudget check` (every finding with sheet!cell) and `wibudget build-workbook`.
"""

from __future__ import annotations

import argparse

from addin.cli.common import EXIT_FAILED, EXIT_OK, Progress, _lazy, workbook_path

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
    from addin.workbook.atomic import atomic_write, check_target

    target = check_target(args.output, args.force)
    build_workbook = _lazy("addin.excel.builder", "build_workbook", "生成预算工作簿")
    progress = Progress(total=1, quiet=args.quiet)
    progress(f"生成工作簿：{target}")
    atomic_write(target, build_workbook, force=args.force)
    bas = _lazy("addin.excel.builder", "bas_path", "生成预算工作簿")(target)
    atomic_write(bas, _lazy("addin.excel.builder", "write_udf_bas", "生成预算工作簿"), force=True)
    progress.done("完成")
    print(f"工作簿：{target}")
    print(f"VBA 包装模块（手工导入备用）：{bas}")
    return EXIT_OK


