"""wibudget 命令行 — the budget draft, option comparison, forecast and input check without Excel.

    wibudget draft [WORKBOOK] [-o OUT] [--option NAME ...] [--baseline NAME] [--date D] [--docx] [--pdf] [--no-risk] [--force]
    wibudget compare [WORKBOOK] [--options A,B,C] [--baseline A] [--csv FILE] [--xlsx FILE] [--force]
    wibudget forecast [WORKBOOK]
    wibudget project [WORKBOOK] [--years N] [--csv FILE] [--xlsx FILE] [--force]
    wibudget risk [WORKBOOK] [--draws N] [--years N] [--seed S] [--options A,B] [--csv FILE] [--xlsx FILE] [--force]
    wibudget sensitivity [WORKBOOK]
    wibudget check WORKBOOK
    wibudget build-workbook [--from WORKBOOK] [-o budget.xlsm] [--force]
    wibudget libreoffice build|install …   ·   wibudget recalc WORKBOOK -o OUT.xlsx
    wibudget new --province 名称 --cities 甲市,乙市 [--year Y] [--province-level] -o FILE.xlsm
    wibudget cities split|collect|notices …   (the city round, addin/cli/city_commands.py)

Without WORKBOOK the embedded example province (synthetic data) is used. The input workbook is only
read, never written. Progress goes to stderr, results and output paths to stdout.
Every computing command first runs the data check of `wibudget check`: an error stops it (exit 1, nothing
written) unless --allow-errors is given.
Exit codes: 0 done; 1 the check found errors, or the PDF could not be made; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from addin.cli import office_commands
from addin.cli.budget_commands import cmd_compare, cmd_draft, cmd_forecast
from addin.cli.city_commands import add_city_parsers
from addin.cli.common import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_YEARS,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    MAX_YEARS,
    CliError,
    chinese_argparse,
    seed_value,
)
from addin.cli.outlook_commands import _count, _years, cmd_project, cmd_risk, cmd_sensitivity
from addin.cli.workbook_commands import cmd_build_workbook, cmd_check
from models.errors import BudgetInputError

# ---------------------------------------------------------------- parser and main


def version_text() -> str:
    from importlib import metadata

    try:
        return metadata.version("wibudget")
    except metadata.PackageNotFoundError:
        from addin import __version__
        return __version__


class _VersionAction(argparse.Action):
    """--version, looked up only when asked (importlib.metadata costs start-up time on every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"wibudget {version_text()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    chinese_argparse()
    parser = argparse.ArgumentParser(
        prog="wibudget", description="工伤保险基金省级统收统支预算编制与缺口分担（命令行）",
        epilog="不给 WORKBOOK 时使用内置示例省份（虚构数据）。输入工作簿只读，不会被改写。"
               "退出码：0 完成；1 检查发现错误或 PDF 未生成；2 输入或用法有误。")
    parser.add_argument("--version", action=_VersionAction, help="显示版本号并退出")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的技术信息（traceback）")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    def common(p: argparse.ArgumentParser, workbook: str = "?") -> None:
        if workbook == "?":
            p.add_argument("workbook", nargs="?", metavar="WORKBOOK", help="输入工作簿（.xlsx/.xlsm）；省略则用内置示例")
            p.add_argument("--allow-errors", action="store_true",
                           help="数据检查发现错误时仍然测算（草案各页标注“未通过数据检查”）；默认发现错误即停止")
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
    p.add_argument("--date", metavar="YYYY-MM-DD", help="封面和文档属性中的编制日期（默认：今天，限定在编制年度即预算年度的上一年之内）")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 PDF")
    p.add_argument("--docx", action="store_true",
                   help="同时生成编制说明 Word 文档（同名 .docx，含主要表格）；与 --pdf 同用时 PDF 由该文档转换")
    p.add_argument("--timeout", type=float, default=120.0, help="PDF 转换的时间上限（秒，默认 120）")
    p.add_argument("--no-risk", action="store_true",
                   help="“多年预测与风险”表不做风险模拟（只有多年预测和敏感性分析）")
    p.add_argument("--draws", type=_count, default=None, metavar="N",
                   help="风险模拟次数（默认按省份规模：一般 2,000 次，单位很多时减少，至少 200 次）")
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
    p.add_argument("--seed", type=seed_value, default=DEFAULT_SEED, metavar="S",
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

    p = sub.add_parser("build-workbook", help="生成预算工作簿 budget.xlsm（--from：按已有工作簿的输入重建）")
    p.add_argument("--from", dest="source", metavar="WORKBOOK",
                   help="按该工作簿的输入表重建（只读，不修改它）：结果区域和图表按其单位、方案数重新排布")
    p.add_argument("-o", "--output", default="budget.xlsm", metavar="FILE", help="输出文件（默认 budget.xlsm）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_build_workbook)
    office_commands.add_parsers(sub)
    add_city_parsers(sub)
    return parser


def _placed_error(exc: BudgetInputError, args: argparse.Namespace) -> str:
    """The refusal with the sheet and cell it concerns (from the error's structured position)."""
    workbook = getattr(args, "workbook", None)
    if workbook is None and not exc.cell:
        return exc.describe()
    try:
        from addin.workbook.check import error_text

        return error_text(exc, workbook)
    except Exception:   # noqa: BLE001 - never let placing the message hide it
        return exc.describe()


def main(argv: Sequence[str] | None = None) -> int:
    """命令行入口 (entry point `wibudget`): returns the exit code."""
    from addin.draft.pdf import PdfError
    from addin.workbook.atomic import OutputExistsError, OutputWriteError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BudgetInputError as exc:
        print(f"错误：{_placed_error(exc, args)}", file=sys.stderr)
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
    except OutputWriteError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        if getattr(args, "debug", False):
            raise
        where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"错误：无法读写文件{where}（{exc.strerror or '系统错误'}）", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the user sees one line, --debug shows the traceback
        if getattr(args, "debug", False):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详细信息）", file=sys.stderr)
        return EXIT_FAILED


def run() -> None:
    """The `wibudget` console script: main(), then leave at once.

    Every output is complete and closed when main() returns (atomic writes, temporary folders removed), so
    the interpreter's teardown of numpy, pandas and openpyxl (~0.1 s) is skipped; the streams are flushed first.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
