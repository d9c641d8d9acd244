"""预算命令 (budget commands) — `wibudget draft`, `compare` and `forecast`.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import math
import sys
from pathlib import Path
from typing import Any

from addin.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    Progress,
    _names,
    _same_file,
    available_options,
    checked_inputs,
    parse_date,
    run_engine,
    select_options,
)
from addin.cli.outlook_commands import _breach_words
from addin.report.text import fmt_number

# ---------------------------------------------------------------- draft


def cmd_draft(args: argparse.Namespace) -> int:
    from addin.draft.build import build_draft, default_output, save_workbook
    from addin.report.compute import draft_draws, draft_outlook
    from addin.report.tables import draft_tables
    from addin.workbook.atomic import atomic_write, check_target

    progress = Progress(total=6 if args.pdf else 5, quiet=args.quiet)
    inputs, options, findings = checked_inputs(args, progress)
    out = Path(args.output) if args.output else default_output(inputs)
    if out.is_dir() or (args.output and args.output.endswith(("/", "\\"))):
        out = out / default_output(inputs).name
    if out.suffix.lower() != ".xlsx":
        raise CliError(f"草案输出应为 .xlsx 文件：{out}")
    if args.workbook and _same_file(out, Path(args.workbook)):
        raise CliError("输出文件不能与输入工作簿相同：输入工作簿只读，不会被改写")
    pdf_out = out.with_suffix(".pdf")
    docx_out = out.with_suffix(".docx")
    check_target(out, args.force)
    if args.pdf:
        check_target(pdf_out, args.force)
    if args.docx:
        check_target(docx_out, args.force)
    on = parse_date(args.date)

    all_options = available_options(inputs, options)
    chosen = _names(args.option)
    select_options(all_options, chosen)          # unknown names fail before any work
    baseline = args.baseline or (chosen[0] if chosen else None)
    result = run_engine(inputs, all_options, baseline, progress)

    tables = draft_tables(result, chosen)
    draws = args.draws or draft_draws(result)
    progress("多年预测与风险：多年预测、敏感性分析" + ("" if args.no_risk else f"、风险模拟 {draws:,} 次"))
    outlook = draft_outlook(result, tables.chosen[0], risk=not args.no_risk, draws=draws)
    tables = dataclasses.replace(tables, outlook=outlook)
    progress.done(_breach_words(outlook))
    progress(f"写出：{out}")
    wb = build_draft(tables, on=on, findings=findings)
    atomic_write(out, lambda tmp: save_workbook(wb, tmp), force=args.force)
    progress.done(f"{len(wb.sheetnames)} 张工作表")
    written = [("草案", out)]
    status = EXIT_OK
    if args.docx:
        from addin.draft.check_sheet import STAMP
        from addin.draft.docx_document import write_docx

        stamped = any(f.severity == "error" for f in findings or ())
        write_docx(tables, docx_out, on=on, force=args.force, stamp=STAMP if stamped else "")
        written.append(("编制说明", docx_out))
    if args.pdf:
        from addin.draft.pdf import PdfError, convert_to_pdf

        progress("转换 PDF（LibreOffice）")
        try:
            convert_to_pdf(docx_out if args.docx else out, pdf_out, force=args.force,
                           timeout=args.timeout)
            written.append(("PDF", pdf_out))
            progress.done("完成")
        except PdfError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            status = EXIT_FAILED
    for what, path in written:
        print(f"{what}：{path}")
    return status


# ---------------------------------------------------------------- compare


def _measure_values(comp: Any, measure: str) -> Any:
    """One measure of a Comparison as a (units, options) float array, options in the wide table's order."""
    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    return wide.to_numpy(dtype=float)[:, wide.columns.get_indexer([(h, measure) for h in heads])]


def comparison_rows(comp: Any, measure: str) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of one measure of a Comparison: units down, option codes across (rows all blank left out)."""
    import numpy as np

    values = _measure_values(comp, measure)
    keep = ~np.isnan(values).all(axis=1)
    units = comp.wide.index.to_numpy(dtype=object)[keep].tolist()
    return ["单位", *comp.result.names], [[u, *row] for u, row in zip(units, values[keep].tolist(), strict=True)]


_COUNT_ROWS = ("增加城市数", "减少城市数")


def _figure_texts(column: list[float], decimals: int) -> list[str]:
    """fmt_number of a column of figures (thousands separators, blank for NaN, ∞ for infinity)."""
    return [("" if v != v else "∞" if v in (math.inf, -math.inf) else f"{v:,.{decimals}f}") for v in column]


def comparison_measure_table(comp: Any, measure: str) -> str:
    """One measure as an aligned text table — the text `text_table` gives for `comparison_rows`, built a
    column at a time (figures are ASCII, so their display width is their length)."""
    import numpy as np

    from addin.report.text import display_width, pad

    values = _measure_values(comp, measure)
    keep = ~np.isnan(values).all(axis=1)
    units = [str(u) for u in comp.wide.index.to_numpy(dtype=object)[keep].tolist()]
    headers = ["单位", *comp.result.names]
    columns = [_figure_texts(col, 2) for col in values[keep].T.tolist()]
    if measure.startswith("较基准"):                 # the city counts are whole numbers
        for i, u in enumerate(units):
            if u in _COUNT_ROWS:
                for col, v in zip(columns, values[keep][i].tolist(), strict=True):
                    col[i] = f"{int(v):,}"
    widths = [max([display_width(headers[0]), *map(display_width, units)])]
    widths += [max([display_width(h), *map(display_width, col)]) for h, col in zip(headers[1:], columns, strict=True)]
    lines = [measure,
             "  ".join(pad(h, widths[k], "left" if k == 0 else "right") for k, h in enumerate(headers)).rstrip(),
             "  ".join("-" * w for w in widths)]
    first = [pad(u, widths[0]) for u in units]
    padded = [[c.rjust(w) if c.isascii() else pad(c, w, "right") for c in col]
              for col, w in zip(columns, widths[1:], strict=True)]
    lines += ["  ".join(cells).rstrip() for cells in zip(first, *padded, strict=True)]
    return "\n".join(lines)


def comparison_text(result: Any) -> str:
    """方案比较 for the terminal: a legend of the options, then one aligned table per measure."""
    from models.compare import MEASURES

    comp = result.comparison
    inp = result.inputs
    lines = [f"{inp.province}{inp.budget_year}年缺口分担方案比较" + ("（示例数据，虚构）" if inp.synthetic else ""),
             f"基准方案：{comp.baseline}"]
    for o in comp.result.options:
        lines.append(f"  {o.name}：{o.label}")
    for m in MEASURES:
        lines += ["", comparison_measure_table(comp, m)]
    return "\n".join(lines)


def comparison_csv(comp: Any) -> str:
    """方案比较 as CSV: one row per unit (and summary row), one column per option × measure."""
    import csv

    from addin.report.text import safe_csv_cell, safe_csv_row
    from models.compare import MEASURES

    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    names = list(comp.result.names)
    order = wide.columns.get_indexer([(h, m) for h in heads for m in MEASURES])
    values = wide.to_numpy(dtype=float)[:, order]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(safe_csv_row(["单位", *[f"{code}:{m}" for code in names for m in MEASURES]]))
    units = [safe_csv_cell(u) for u in wide.index.to_numpy(dtype=object).tolist()]
    # finite figures are plain numbers ("-12.50"), which the CSV safety leaves as they are
    w.writerows([u, *[("" if v != v else f"{v:.2f}" if -math.inf < v < math.inf else safe_csv_cell(f"{v:.2f}"))
                      for v in row]] for u, row in zip(units, values.tolist(), strict=True))
    return buf.getvalue()


def write_comparison_xlsx(result: Any, path: Path, force: bool, findings: Any = None) -> Path:
    """方案比较 workbook: the draft's comparison sheet (with chart) and a long-form 明细 sheet."""
    from addin.draft.build import build_comparison_workbook, save_workbook
    from addin.workbook.atomic import atomic_write

    wb = build_comparison_workbook(result, findings=findings)
    return atomic_write(path, lambda tmp: save_workbook(wb, tmp), force=force)


def cmd_compare(args: argparse.Namespace) -> int:
    from addin.workbook.atomic import atomic_write, check_target

    progress = Progress(total=3 + bool(args.csv or args.xlsx), quiet=args.quiet)
    inputs, options, findings = checked_inputs(args, progress)
    for target in (args.csv, args.xlsx):
        if target:
            check_target(target, args.force)
    all_options = available_options(inputs, options)
    names = _names([args.options] if args.options else None)
    chosen = select_options(all_options, names) if names else all_options
    if args.baseline:
        select_options(chosen, [args.baseline])
    result = run_engine(inputs, chosen, args.baseline, progress)
    print(comparison_text(result))
    written = []
    if args.csv or args.xlsx:
        progress("写出")
        if args.csv:
            text = comparison_csv(result.comparison)
            written.append(atomic_write(args.csv, lambda tmp: tmp.write_text(text, encoding="utf-8-sig"),
                                        force=args.force))
        if args.xlsx:
            written.append(write_comparison_xlsx(result, Path(args.xlsx), args.force, findings))
        progress.done(f"{len(written)} 个文件")
    for path in written:
        print(f"已写出：{path}")
    return EXIT_OK


# ---------------------------------------------------------------- forecast


def cmd_forecast(args: argparse.Namespace) -> int:
    from addin.report.tables import TOTAL_ROW, draft_tables
    from addin.report.text import text_table

    progress = Progress(total=3, quiet=args.quiet)
    inputs, options, findings = checked_inputs(args, progress)
    result = run_engine(inputs, available_options(inputs, options), None, progress)
    t = draft_tables(result)
    y = inputs.budget_year
    rows = []
    for _, r in t.balance.iterrows():
        rows.append([r["label"], r["unit"].replace("费率", "%"), *[_balance_cell(r[c], r["unit"])
                                                                   for c in ("estimate", "budget")]])
    title = f"{inputs.province}{y}年工伤保险基金收支预测" + ("（示例数据，虚构）" if inputs.synthetic else "")
    print(text_table(["项目", "单位", f"{y - 1}年预计执行数", f"{y}年预算数"], rows, title=title,
                     aligns=["left", "left", "right", "right"]))
    unit_rows = [[name, r["revenue_total"], r["expenditure_total"], r["gap"]] for name, r in t.units.iterrows()]
    print()
    print(text_table(["单位", "收入合计", "支出合计", "收支缺口（支出−收入）"], unit_rows,
                     title=f"分单位（万元；{TOTAL_ROW}与全省一致）"))
    flagged = t.checks[t.checks["flag"]]
    if len(flagged):
        print()
        print(f"驱动测算与趋势测算偏离超过±{result.forecast.tolerance * 100:g}%：" + "；".join(
            f"{r.unit}{r.label}（{r.deviation * 100:+.1f}%）" for r in flagged.itertuples()))
    for note in result.notes:
        print(f"说明：{note}")
    return EXIT_OK


def _balance_cell(value: Any, unit: str) -> Any:
    if unit == "费率":
        return "" if isinstance(value, float) and math.isnan(value) else f"{value * 100:.3f}%"
    return fmt_number(value)


