"""中期展望命令 (outlook commands) — `wibudget project`, `sensitivity` and `risk`: the multi-year projection,
the tornado and the reserve risk run, printed and optionally written as CSV/xlsx.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from addin.cli.common import (
    EXIT_OK,
    Progress,
    ProgressBar,
    _names,
    available_options,
    checked_inputs,
    run_engine,
    select_options,
)

# ---------------------------------------------------------------- project, sensitivity, risk


def _breach_words(outlook: Any) -> str:
    first = outlook.first_breach
    return f"首次低于储备下限：{first}年" if first else f"{outlook.years[0]}–{outlook.years[-1]}年均不低于储备下限"


def _prepare(args: argparse.Namespace, steps: int, options: str | None = None) -> tuple[Any, Progress]:
    """Read the inputs and run the one-year budget (with the chosen options); checks the targets first."""
    progress = Progress(total=steps, quiet=args.quiet)
    inputs, wb_options, _ = checked_inputs(args, progress)
    from addin.workbook.atomic import check_target

    for target in (getattr(args, "csv", None), getattr(args, "xlsx", None)):
        if target:
            check_target(target, args.force)
    all_options = available_options(inputs, wb_options)
    names = _names([options] if options else None)
    chosen = select_options(all_options, names) if names else all_options
    return run_engine(inputs, chosen, None, progress), progress


def _write_outputs(args: argparse.Namespace, progress: Progress, csv_text: Callable[[], str],
                   workbook: Callable[[], Any]) -> None:
    """--csv / --xlsx, each written atomically; paths printed last."""
    from addin.draft.build import save_workbook
    from addin.workbook.atomic import atomic_write

    written = []
    if args.csv or args.xlsx:
        progress("写出")
        if args.csv:
            text = csv_text()
            written.append(atomic_write(args.csv, lambda tmp: tmp.write_text(text, encoding="utf-8-sig"),
                                        force=args.force))
        if args.xlsx:
            wb = workbook()
            written.append(atomic_write(args.xlsx, lambda tmp: save_workbook(wb, tmp), force=args.force))
        progress.done(f"{len(written)} 个文件")
    for path in written:
        print(f"已写出：{path}")


def outlook_workbook(outlook: Any, sheet: str, parts: Sequence[str], what: str, **kw: Any) -> Any:
    """A one-sheet workbook of some parts of the 多年预测与风险 sheet (for --xlsx)."""
    from openpyxl import Workbook

    from addin.draft.build import chart_fonts, default_date, set_properties
    from addin.draft.outlook_sheet import outlook_title, write_outlook
    from addin.draft.style import load_style

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    title = outlook_title(outlook, what)
    style = load_style()
    write_outlook(ws, outlook, style, parts=parts, title=title, **kw)
    inputs = outlook.result.inputs
    set_properties(wb, inputs, default_date(inputs), title)
    chart_fonts(wb, style)
    return wb


def cmd_project(args: argparse.Namespace) -> int:
    from addin.report.compute import outlook_tables
    from addin.report.outlook_text import project_text, projection_csv

    result, progress = _prepare(args, 4 + bool(args.csv or args.xlsx))
    progress(f"多年预测：{args.years} 年")
    outlook = outlook_tables(result, args.years, with_sensitivity=False, risk_draws=None)
    progress.done(_breach_words(outlook))
    print(project_text(outlook))
    _write_outputs(args, progress, lambda: projection_csv(outlook),
                   lambda: outlook_workbook(outlook, "多年预测", ("projection", "assumptions"), "多年收支预测"))
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from addin.report.compute import outlook_tables
    from addin.report.outlook_text import sensitivity_text

    result, progress = _prepare(args, 4)
    progress("敏感性分析：单因素冲击")
    outlook = outlook_tables(result, 1, risk_draws=None)
    progress.done(f"{len(outlook.tornado)} 个因素")
    print(sensitivity_text(outlook))
    return EXIT_OK


def cmd_risk(args: argparse.Namespace) -> int:
    from addin.report.compute import outlook_tables
    from addin.report.outlook_text import risk_csv, risk_text

    result, progress = _prepare(args, 4 + bool(args.csv or args.xlsx), args.options)
    progress(f"风险模拟：{args.draws:,} 次 × {args.years} 年 × {len(result.options)} 个方案")
    bar = ProgressBar("模拟", quiet=args.quiet)
    bar.start()
    outlook = outlook_tables(result, args.years, with_sensitivity=False, risk_draws=args.draws, seed=args.seed,
                             progress=bar)
    progress.done(_breach_words(outlook))
    print(risk_text(outlook))
    _write_outputs(args, progress, lambda: risk_csv(outlook),
                   lambda: outlook_workbook(outlook, "风险模拟", ("risk",), "储备风险模拟", share_layout="long"))
    return EXIT_OK


def _years(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"预测年数应为整数：{text}") from None


def _count(text: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text}") from None


