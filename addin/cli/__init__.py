"""wibudget 命令行 — the budget draft, option comparison, forecast and input check without Excel.

    wibudget draft [WORKBOOK] [-o OUT] [--option NAME ...] [--baseline NAME] [--date D] [--pdf] [--no-risk] [--force]
    wibudget compare [WORKBOOK] [--options A,B,C] [--baseline A] [--csv FILE] [--xlsx FILE] [--force]
    wibudget forecast [WORKBOOK]
    wibudget project [WORKBOOK] [--years N] [--csv FILE] [--xlsx FILE] [--force]
    wibudget risk [WORKBOOK] [--draws N] [--years N] [--seed S] [--options A,B] [--csv FILE] [--xlsx FILE] [--force]
    wibudget sensitivity [WORKBOOK]
    wibudget check WORKBOOK
    wibudget build-workbook [-o budget.xlsm] [--force]

Without WORKBOOK the embedded example province (synthetic data) is used. The input workbook is only
read, never written. Progress goes to stderr, results and output paths to stdout.
Exit codes: 0 done; 1 the check found errors, or the PDF could not be made; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.report.text import fmt_number
from models.errors import BudgetInputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
EXAMPLE_SOURCE = "内置示例省份（虚构数据）"
# The engine's defaults (models.projection, models.risk), repeated here so that `--help` and `--version`
# need not import numpy and pandas; tests/test_outlook_faces.py checks that they agree.
DEFAULT_YEARS, MAX_YEARS = 3, 10
DEFAULT_DRAWS, DEFAULT_SEED = 10_000, 20_240_101


class CliError(Exception):
    """命令行错误 — a problem the user can fix (missing file, missing module …); exit code 2."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- progress


@dataclass
class Progress:
    """进度 — numbered step lines on stderr, with the seconds each step took."""

    total: int
    quiet: bool = False
    step: int = 0
    started: float = 0.0

    def __call__(self, text: str) -> None:
        now = time.perf_counter()
        self.step += 1
        self.started = now
        if not self.quiet:
            print(f"[{self.step}/{self.total}] {text}", file=sys.stderr, flush=True)

    def done(self, text: str) -> None:
        if not self.quiet:
            print(f"      {text}（{time.perf_counter() - self.started:.2f} 秒）", file=sys.stderr, flush=True)


@dataclass
class ProgressBar:
    """进度条 — a `progress(done, total)` callback (models.risk.simulate) drawn on stderr.

    On a terminal one bar is redrawn in place (carriage return); otherwise (a log file, a pipe) each
    call prints one plain line, so logs stay readable.
    """

    label: str
    quiet: bool = False
    width: int = 30
    stream: Any = None
    started: float = 0.0

    def __post_init__(self) -> None:
        self.stream = self.stream or sys.stderr
        self.started = time.perf_counter()

    @property
    def tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def start(self) -> None:
        """An empty bar before the first step (terminal only)."""
        self.started = time.perf_counter()
        if self.tty and not self.quiet:
            self(0, 1)

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        share = min(1.0, done / total) if total else 1.0
        seconds = time.perf_counter() - self.started
        if self.tty:
            filled = int(round(share * self.width))
            bar = "#" * filled + "-" * (self.width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r      {self.label} [{bar}] {share * 100:3.0f}%  {seconds:.1f} 秒{end}")
        else:
            self.stream.write(f"      {self.label} {done}/{total}（{share * 100:.0f}%，{seconds:.2f} 秒）\n")
        self.stream.flush()


# ---------------------------------------------------------------- inputs and engine


def workbook_path(path: str) -> Path:
    """An existing .xlsx/.xlsm file, or a clear CliError."""
    p = Path(path)
    if not p.exists():
        raise CliError(f"找不到输入工作簿：{p}。请检查路径和文件名")
    if p.is_dir():
        raise CliError(f"输入路径是文件夹：{p}。请给出 .xlsx 或 .xlsm 工作簿")
    if p.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise CliError(f"只能读取 .xlsx 或 .xlsm 工作簿：{p.name}")
    return p


def _lazy(module: str, name: str, purpose: str) -> Callable[..., Any]:
    """Import `module.name` when needed; a missing module gives a clear CliError (exit 2)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise CliError(f"{purpose}所需的模块 {module} 未安装（本版本尚不包含该功能）") from None
        raise
    try:
        return getattr(mod, name)
    except AttributeError:
        raise CliError(f"{purpose}所需的函数 {module}.{name} 不存在，请更新 wibudget") from None


def load_inputs(workbook: str | None) -> tuple[Any, list[dict] | None, str]:
    """(BudgetInputs, options or None, source text): the workbook's inputs, or the embedded example."""
    if workbook is None:
        from examples import load_example

        return load_example(), None, EXAMPLE_SOURCE
    path = workbook_path(workbook)
    read_inputs = _lazy("addin.workbook.reader", "read_inputs", "读取工作簿")
    inputs, options = read_inputs(path)
    return inputs, (list(options) if options else None), str(path)


def available_options(inputs: Any, options: list[dict] | None) -> list[Any]:
    """The sharing options of a run: the workbook's, else the packaged presets."""
    from models.budget import resolve_options

    return resolve_options(options if options is not None else inputs.options)


def select_options(all_options: list[Any], names: Sequence[str]) -> list[Any]:
    """Options named in `names` (in that order); an unknown name is a BudgetInputError."""
    by_name = {o.name: o for o in all_options}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise BudgetInputError(f"没有这个方案，可选：{'、'.join(by_name)}", table="分担方案", field="方案",
                               value=unknown[0])
    return [by_name[n] for n in dict.fromkeys(names)]


def run_engine(inputs: Any, options: list[Any], baseline: str | None, progress: Progress) -> Any:
    """预测 → 分担: the steps of `models.budget.run_budget`, reported one by one."""
    from models.balance import province_budget
    from models.budget import BudgetResult, sharing_context
    from models.compare import compare
    from models.forecast import forecast
    from models.parameter_set import load_parameters
    from models.sharing import share_options

    progress(f"预测：{len(inputs.units)} 个单位，{inputs.budget_year} 年收支")
    params = load_parameters(inputs.province_code)
    fc = forecast(inputs, params)
    pb = province_budget(inputs, fc)
    progress.done(f"收入合计 {pb.revenue / 1e4:,.2f} 万元，支出合计 {pb.expenditure / 1e4:,.2f} 万元")
    progress(f"分担：{len(options)} 个方案")
    ctx = sharing_context(inputs, fc, pb)
    sharing = share_options(options, ctx)
    comparison = compare(options, ctx, baseline=baseline)
    progress.done(f"基准方案 {comparison.baseline}")
    return BudgetResult(inputs=inputs, parameters=params, forecast=fc, province=pb, context=ctx,
                        options=list(options), sharing=sharing, comparison=comparison)


def _names(values: Sequence[str] | None) -> list[str]:
    """--option a --option b,c → [a, b, c]."""
    out: list[str] = []
    for v in values or []:
        out += [s.strip() for s in v.split(",") if s.strip()]
    return out


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    if text == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"日期应写成 YYYY-MM-DD（例如 2026-10-15）或 today：{text}") from None


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


# ---------------------------------------------------------------- draft


def cmd_draft(args: argparse.Namespace) -> int:
    from addin.draft.build import build_draft, default_output, save_workbook
    from addin.report.outlook import DRAFT_DRAWS, draft_outlook
    from addin.report.tables import draft_tables
    from addin.workbook.atomic import atomic_write, check_target

    progress = Progress(total=6 if args.pdf else 5, quiet=args.quiet)
    progress(f"读取输入：{args.workbook or EXAMPLE_SOURCE}")
    inputs, options, _ = load_inputs(args.workbook)
    progress.done(f"{inputs.province} {inputs.budget_year} 年，{len(inputs.units)} 个单位"
                  + ("（示例数据，虚构）" if inputs.synthetic else ""))
    out = Path(args.output) if args.output else default_output(inputs)
    if out.is_dir() or (args.output and args.output.endswith(("/", "\\"))):
        out = out / default_output(inputs).name
    if out.suffix.lower() != ".xlsx":
        raise CliError(f"草案输出应为 .xlsx 文件：{out}")
    if args.workbook and _same_file(out, Path(args.workbook)):
        raise CliError("输出文件不能与输入工作簿相同：输入工作簿只读，不会被改写")
    pdf_out = out.with_suffix(".pdf")
    check_target(out, args.force)
    if args.pdf:
        check_target(pdf_out, args.force)
    on = parse_date(args.date)

    all_options = available_options(inputs, options)
    chosen = _names(args.option)
    select_options(all_options, chosen)          # unknown names fail before any work
    baseline = args.baseline or (chosen[0] if chosen else None)
    result = run_engine(inputs, all_options, baseline, progress)

    tables = draft_tables(result, chosen)
    progress("多年预测与风险：多年预测、敏感性分析" + ("" if args.no_risk else f"、风险模拟 {DRAFT_DRAWS:,} 次"))
    outlook = draft_outlook(result, tables.chosen[0], risk=not args.no_risk)
    tables = dataclasses.replace(tables, outlook=outlook)
    progress.done(_breach_words(outlook))
    progress(f"写出：{out}")
    wb = build_draft(tables, on=on)
    atomic_write(out, lambda tmp: save_workbook(wb, tmp), force=args.force)
    progress.done(f"{len(wb.sheetnames)} 张工作表")
    written = [("草案", out)]
    status = EXIT_OK
    if args.pdf:
        from addin.draft.pdf import PdfError, convert_to_pdf

        progress("转换 PDF（LibreOffice）")
        try:
            convert_to_pdf(out, pdf_out, force=args.force, timeout=args.timeout)
            written.append(("PDF", pdf_out))
            progress.done("完成")
        except PdfError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            status = EXIT_FAILED
    for what, path in written:
        print(f"{what}：{path}")
    return status


# ---------------------------------------------------------------- compare


def comparison_rows(comp: Any, measure: str) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of one measure of a Comparison: units down, option codes across."""
    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    names = list(comp.result.names)
    rows = []
    for unit, row in wide.iterrows():
        values = [row[(h, measure)] for h in heads]
        if all(isinstance(v, float) and math.isnan(v) for v in values):
            continue
        rows.append([unit, *values])
    return ["单位", *names], rows


def comparison_text(result: Any) -> str:
    """方案比较 for the terminal: a legend of the options, then one aligned table per measure."""
    from addin.report.text import text_table
    from models.compare import MEASURES

    comp = result.comparison
    inp = result.inputs
    lines = [f"{inp.province}{inp.budget_year}年缺口分担方案比较" + ("（示例数据，虚构）" if inp.synthetic else ""),
             f"基准方案：{comp.baseline}"]
    for o in comp.result.options:
        lines.append(f"  {o.name}：{o.label}")
    for m in MEASURES:
        headers, rows = comparison_rows(comp, m)
        decimals = [0] + [2] * (len(headers) - 1)
        if m.startswith("较基准"):
            rows = [[r[0], *[int(v) if r[0] in ("增加城市数", "减少城市数") else v for v in r[1:]]] for r in rows]
        lines += ["", text_table(headers, rows, decimals=decimals, title=m)]
    return "\n".join(lines)


def comparison_csv(comp: Any) -> str:
    """方案比较 as CSV: one row per unit (and summary row), one column per option × measure."""
    from models.compare import MEASURES

    wide = comp.wide
    heads = list(dict.fromkeys(wide.columns.get_level_values(0)))
    names = list(comp.result.names)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["单位", *[f"{code}:{m}" for code in names for m in MEASURES]])
    for unit, row in wide.iterrows():
        cells = []
        for h in heads:
            for m in MEASURES:
                v = float(row[(h, m)])
                cells.append("" if math.isnan(v) else f"{v:.2f}")
        w.writerow([unit, *cells])
    return buf.getvalue()


def write_comparison_xlsx(result: Any, path: Path, force: bool) -> Path:
    """方案比较 workbook: the draft's comparison sheet (with chart) and a long-form 明细 sheet."""
    from addin.draft.build import build_comparison_workbook, save_workbook
    from addin.workbook.atomic import atomic_write

    wb = build_comparison_workbook(result)
    return atomic_write(path, lambda tmp: save_workbook(wb, tmp), force=force)


def cmd_compare(args: argparse.Namespace) -> int:
    from addin.workbook.atomic import atomic_write, check_target

    progress = Progress(total=3 + bool(args.csv or args.xlsx), quiet=args.quiet)
    progress(f"读取输入：{args.workbook or EXAMPLE_SOURCE}")
    inputs, options, _ = load_inputs(args.workbook)
    progress.done(f"{inputs.province} {inputs.budget_year} 年")
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
            written.append(write_comparison_xlsx(result, Path(args.xlsx), args.force))
        progress.done(f"{len(written)} 个文件")
    for path in written:
        print(f"已写出：{path}")
    return EXIT_OK


# ---------------------------------------------------------------- forecast


def cmd_forecast(args: argparse.Namespace) -> int:
    from addin.report.tables import TOTAL_ROW, draft_tables
    from addin.report.text import text_table

    progress = Progress(total=3, quiet=args.quiet)
    progress(f"读取输入：{args.workbook or EXAMPLE_SOURCE}")
    inputs, options, _ = load_inputs(args.workbook)
    progress.done(f"{inputs.province} {inputs.budget_year} 年")
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


# ---------------------------------------------------------------- project, sensitivity, risk


def _breach_words(outlook: Any) -> str:
    first = outlook.first_breach
    return f"首次低于储备下限：{first}年" if first else f"{outlook.years[0]}–{outlook.years[-1]}年均不低于储备下限"


def _prepare(args: argparse.Namespace, steps: int, options: str | None = None) -> tuple[Any, Progress]:
    """Read the inputs and run the one-year budget (with the chosen options); checks the targets first."""
    progress = Progress(total=steps, quiet=args.quiet)
    progress(f"读取输入：{args.workbook or EXAMPLE_SOURCE}")
    inputs, wb_options, _ = load_inputs(args.workbook)
    progress.done(f"{inputs.province} {inputs.budget_year} 年")
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

    from addin.draft.build import default_date, set_properties
    from addin.draft.outlook_sheet import outlook_title, write_outlook
    from addin.draft.style import load_style

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    title = outlook_title(outlook, what)
    write_outlook(ws, outlook, load_style(), parts=parts, title=title, **kw)
    inputs = outlook.result.inputs
    set_properties(wb, inputs, default_date(inputs), title)
    return wb


def cmd_project(args: argparse.Namespace) -> int:
    from addin.report.outlook import outlook_tables
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
    from addin.report.outlook import outlook_tables
    from addin.report.outlook_text import sensitivity_text

    result, progress = _prepare(args, 4)
    progress("敏感性分析：单因素冲击")
    outlook = outlook_tables(result, 1, risk_draws=None)
    progress.done(f"{len(outlook.tornado)} 个因素")
    print(sensitivity_text(outlook))
    return EXIT_OK


def cmd_risk(args: argparse.Namespace) -> int:
    from addin.report.outlook import outlook_tables
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


# ---------------------------------------------------------------- parser and main


def version_text() -> str:
    from importlib import metadata

    try:
        return metadata.version("wibudget")
    except metadata.PackageNotFoundError:
        from addin import __version__
        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wibudget", description="工伤保险基金省级统收统支预算编制与缺口分担（命令行）",
        epilog="不给 WORKBOOK 时使用内置示例省份（虚构数据）。输入工作簿只读，不会被改写。"
               "退出码：0 完成；1 检查发现错误或 PDF 未生成；2 输入或用法有误。")
    parser.add_argument("--version", action="version", version=f"wibudget {version_text()}")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的技术信息（traceback）")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    def common(p: argparse.ArgumentParser, workbook: str = "?") -> None:
        if workbook == "?":
            p.add_argument("workbook", nargs="?", metavar="WORKBOOK", help="输入工作簿（.xlsx/.xlsm）；省略则用内置示例")
        else:
            p.add_argument("workbook", metavar="WORKBOOK", help="输入工作簿（.xlsx/.xlsm）")
        p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    p = sub.add_parser("draft", help="生成收支预算草案（.xlsx，可选 PDF）",
                       description="生成收支预算草案：新的 .xlsx 文件（不含宏），可选同名 PDF。")
    common(p)
    p.add_argument("-o", "--output", metavar="OUT", help="输出文件（默认 out/收支预算草案_<省份>_<年度>.xlsx）")
    p.add_argument("--option", action="append", metavar="NAME",
                   help="缺口分担表采用的方案代码，可重复或用逗号分隔（默认：第一个方案）")
    p.add_argument("--baseline", metavar="NAME", help="方案比较的基准方案（默认：第一个 --option）")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="封面和文档属性中的编制日期（默认：预算年度1月1日；today = 今天）")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 PDF")
    p.add_argument("--timeout", type=float, default=120.0, help="PDF 转换的时间上限（秒，默认 120）")
    p.add_argument("--no-risk", action="store_true",
                   help="“多年预测与风险”表不做风险模拟（只有多年预测和敏感性分析）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(func=cmd_draft)

    p = sub.add_parser("compare", help="各分担方案并列比较（终端表格，可写 CSV/xlsx）")
    common(p)
    p.add_argument("--options", metavar="A,B,C", help="参与比较的方案代码，逗号分隔（默认：全部）")
    p.add_argument("--baseline", metavar="A", help="基准方案（默认：第一个）")
    p.add_argument("--csv", metavar="FILE", help="另存为 CSV（UTF-8，带 BOM，Excel 可直接打开）")
    p.add_argument("--xlsx", metavar="FILE", help="另存为 xlsx（含图表）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("forecast", help="显示全省收支预测与基金储备")
    common(p)
    p.set_defaults(func=cmd_forecast)

    def outputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--csv", metavar="FILE", help="另存为 CSV（UTF-8，带 BOM，Excel 可直接打开）")
        p.add_argument("--xlsx", metavar="FILE", help="另存为 xlsx（含图表，可直接打印）")
        p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")

    p = sub.add_parser("project", help="多年收支预测：各项目、结余、可支付月数、储备下限和所需费率",
                       description="多年收支预测（万元）：预算年度及以后各年的各项收支、滚存结余、可支付月数、储备下限、"
                                   "保持储备下限所需平均费率，以及首次低于储备下限的年度。")
    common(p)
    p.add_argument("--years", type=_years, default=DEFAULT_YEARS, metavar="N",
                   help=f"预测年数（含预算年度，默认 {DEFAULT_YEARS}，最多 {MAX_YEARS}）")
    outputs(p)
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("risk", help="储备风险：蒙特卡罗模拟低于储备下限的概率、缺口和各市分担额的分布",
                       description="储备风险模拟：逐年低于储备下限的概率，当年收支缺口和各方案下各市分担额的百分位数。")
    common(p)
    p.add_argument("--draws", type=_count, default=DEFAULT_DRAWS, metavar="N",
                   help=f"模拟次数（默认 {DEFAULT_DRAWS:,}）")
    p.add_argument("--years", type=_years, default=DEFAULT_YEARS, metavar="N",
                   help=f"预测年数（含预算年度，默认 {DEFAULT_YEARS}，最多 {MAX_YEARS}）")
    p.add_argument("--seed", type=_count, default=DEFAULT_SEED, metavar="S",
                   help=f"随机种子（默认 {DEFAULT_SEED}；同一种子结果相同）")
    p.add_argument("--options", metavar="A,B", help="模拟的分担方案代码，逗号分隔（默认：全部）")
    outputs(p)
    p.set_defaults(func=cmd_risk)

    p = sub.add_parser("sensitivity", help="敏感性分析：各因素对预算年度年末滚存结余的影响（龙卷风表）")
    common(p)
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("check", help="检查输入工作簿，列出每个问题的工作表、单元格和改法")
    common(p, workbook="1")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build-workbook", help="生成预算工作簿 budget.xlsm")
    p.add_argument("-o", "--output", default="budget.xlsm", metavar="FILE", help="输出文件（默认 budget.xlsm）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_build_workbook)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """命令行入口 (entry point `wibudget`): returns the exit code."""
    from addin.draft.pdf import PdfError
    from addin.workbook.atomic import OutputExistsError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BudgetInputError as exc:
        print(f"错误：{exc.describe()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CliError, OutputExistsError, IsADirectoryError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return getattr(exc, "code", EXIT_BAD_INPUT)
    except PdfError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:   # output piped into head/less that closed early
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"错误：无法读写文件：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the user sees one line, --debug shows the traceback
        if getattr(args, "debug", False):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详细信息）", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
