"""命令行公用 (command-line common parts) — errors, progress lines and bar, reading inputs, choosing options and
running the engine once.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    from models.parameter_set import parameters_for
    from models.sharing import share_options

    progress(f"预测：{len(inputs.units)} 个单位，{inputs.budget_year} 年收支")
    params = parameters_for(inputs)
    fc = forecast(inputs, params)
    pb = province_budget(inputs, fc)
    progress.done(f"收入合计 {pb.revenue / 1e4:,.2f} 万元，支出合计 {pb.expenditure / 1e4:,.2f} 万元")
    progress(f"分担：{len(options)} 个方案")
    ctx = sharing_context(inputs, fc, pb)
    sharing = share_options(options, ctx)
    comparison = compare(options, ctx, baseline=baseline, result=sharing)
    from addin.report.rule_text import option_names

    shown = option_names(sharing.options)
    progress.done(f"基准方案：{shown[sharing.option_index(comparison.baseline)]}")
    from addin.report.tables import displayed_result  # shares as every table shows them (one rounded chain)

    return displayed_result(BudgetResult(inputs=inputs, parameters=params, forecast=fc, province=pb, context=ctx,
                                         options=list(options), sharing=sharing, comparison=comparison))


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


# ---------------------------------------------------------------- the data check gate


STAMP_TEXT = "未通过数据检查"
FILE_RULES = frozenset({"V001", "V002", "V003"})    # the file itself: nothing can be read, not even --allow-errors


class GateFailed(CliError):
    """数据检查未通过 — the inputs have errors; nothing is computed or written (exit 1)."""

    def __init__(self, errors: int, *, unreadable: bool = False) -> None:
        # a file that cannot be opened at all (V001–V003) is bad input (exit 2), like any unreadable argument
        super().__init__(f"数据检查发现 {errors} 项错误，未生成任何结果。请按上列提示修改输入后重试"
                         "（草案可加 --allow-errors 强行生成，并标注“未通过数据检查”）",
                         code=EXIT_BAD_INPUT if unreadable else EXIT_FAILED)


def check_findings(workbook: str | None, inputs: Any = None) -> list[Any]:
    """数据检查 — the full rule set `wibudget check` runs: on the workbook file, or on the example's inputs."""
    if workbook is None:
        from addin.workbook.check import check_inputs

        return list(check_inputs(inputs))
    from addin.workbook.check import check_workbook

    return list(check_workbook(workbook_path(workbook)))


def finding_lines(findings: Sequence[Any]) -> list[str]:
    """One line per finding: 级别 规则 工作表!单元格 单位：说明（含改法）."""
    from models.validation import SEVERITY_LABELS

    lines = []
    for f in findings:
        where = f.location or "（整个工作簿）"
        unit = f"{f.unit}：" if f.unit and f.unit not in f.message else ""
        lines.append(f"  {SEVERITY_LABELS.get(f.severity, f.severity)} {f.rule} {where} {unit}{f.message}")
    return lines


def run_gate(workbook: str | None, inputs: Any = None, *, allow_errors: bool = False,
             findings: Sequence[Any] | None = None) -> list[Any]:
    """Run the data check before computing (or take its `findings`): print every finding (stderr); errors stop
    the command with exit 1 unless `allow_errors`. Returns the findings (for the draft's 数据检查 sheet)."""
    from addin.workbook.check import has_errors

    findings = list(findings) if findings is not None else check_findings(workbook, inputs)
    errors = sum(1 for f in findings if f.severity == "error")
    if findings:
        print(f"数据检查：错误 {errors} 项，警告 {len(findings) - errors} 项", file=sys.stderr)
        for line in finding_lines(findings):
            print(line, file=sys.stderr)
    unreadable = any(f.rule in FILE_RULES for f in findings)
    if has_errors(findings) and (unreadable or not allow_errors):
        raise GateFailed(errors, unreadable=unreadable)
    if errors:
        print(f"警告：输入未通过数据检查（{errors} 项错误），按 --allow-errors 继续；结果标注“{STAMP_TEXT}”",
              file=sys.stderr)
    return findings


def checked_inputs(args: Any, progress: Progress) -> tuple[Any, list[dict] | None, list[Any]]:
    """读取输入并检查 — the data check gate, then the inputs: (inputs, workbook options or None, findings).

    A workbook is checked before it is read (a workbook the check rejects may not be readable at all);
    the built-in example is checked after loading.
    """
    workbook = getattr(args, "workbook", None)
    allow = bool(getattr(args, "allow_errors", False))
    progress(f"读取输入并检查：{workbook or EXAMPLE_SOURCE}")
    if workbook is not None:        # checked and read in one pass (one safe inspection, one read of the cells)
        check_and_read = _lazy("addin.workbook.check", "check_and_read", "检查工作簿")
        checked = check_and_read(workbook_path(workbook))
        findings = run_gate(workbook, allow_errors=allow, findings=checked.findings)
        if checked.inputs is not None:
            inputs, options = checked.inputs, (list(checked.options) if checked.options else None)
        else:                       # a refused table: the reader raises the refusal with its cell
            inputs, options, _ = load_inputs(workbook)
    else:
        inputs, options, _ = load_inputs(None)
        findings = run_gate(None, inputs, allow_errors=allow)
    errors = sum(1 for f in findings if f.severity == "error")
    progress.done(f"{inputs.province} {inputs.budget_year} 年，{len(inputs.units)} 个单位"
                  + ("（示例数据，虚构）" if inputs.synthetic else "")
                  + ("；数据检查通过" if not findings else f"；检查发现错误 {errors} 项、警告 {len(findings) - errors} 项"))
    return inputs, options, findings


# ---------------------------------------------------------------- argparse in Chinese

#: argparse's own texts (looked up through gettext at run time) → Chinese.
ARGPARSE_TEXTS: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中须给出一个",
    "ignored explicit argument %r": "多余的值 %r",
}


def chinese_argparse() -> None:
    """Show argparse's headings, help and errors in Chinese ("usage:" → 用法：, "options" → 选项 …).

    argparse looks its texts up through gettext each time it formats help or an error, so the
    lookup is replaced by :data:`ARGPARSE_TEXTS` (other texts pass through unchanged).
    """
    import argparse

    if getattr(argparse._, "wibudget", False):
        return

    def translate(text: str) -> str:
        return ARGPARSE_TEXTS.get(text, text)

    translate.wibudget = True  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]


MAX_SEED = 2**32 - 1


def seed_value(text: str) -> int:
    """--seed: a whole number 0 … 4294967295 (what the random generator takes), or a clear message."""
    import argparse

    try:
        seed = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"随机种子应为整数：{text}") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"随机种子应为 0 至 {MAX_SEED} 之间的整数，收到 {text}")
    return seed

