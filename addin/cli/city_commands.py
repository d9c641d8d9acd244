"""分市填报命令 (city-round commands) — `wibudget new` and `wibudget cities split | collect | notices`.

    wibudget new --province 山东省 --cities 济南市,青岛市 [--year 2027] [--province-level] -o 山东.xlsm
    wibudget cities split WORKBOOK -o DIR          one 分市填报表 per unit
    wibudget cities collect DIR --into WORKBOOK -o MERGED.xlsm
    wibudget cities notices WORKBOOK -o DIR [--option NAME] [--baseline NAME]

Input workbooks and returned forms are only read; every output is written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from addin.cli.common import EXIT_BAD_INPUT, EXIT_OK, CliError, Progress, _lazy, workbook_path
from models.errors import BudgetInputError


def add_city_parsers(sub: Any) -> None:
    """The parser entries of `new` and `cities` (called from addin.cli.build_parser)."""
    p = sub.add_parser("new", help="为本省新建空白输入工作簿（按设区市名单，不含示例数据）",
                       description="新建空白输入工作簿：本省的设区市（及省本级）各一行，下拉列表和数据校验齐全，"
                                   "数字全部留空；用 wibudget check 列出须填写的单元格。")
    p.add_argument("--province", required=True, metavar="名称", help="省份名称，如 山东省")
    p.add_argument("--cities", required=True, metavar="甲市,乙市", help="设区市名单，用逗号分隔")
    p.add_argument("--year", type=int, metavar="Y", help="预算年度（默认：明年）")
    p.add_argument("--province-level", action="store_true", help="加入“省本级”单位")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsm", help="输出工作簿（.xlsm）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_new)

    cities = sub.add_parser("cities", help="分市填报：拆分填报表、汇总回收、分市通知",
                            description="分市填报轮次：split 拆分各市填报表 → 各市填报 → collect 汇总 → 审定后 notices。")
    steps = cities.add_subparsers(dest="step", metavar="步骤", required=True)
    p = steps.add_parser("split", help="为每个单位生成一份分市填报表（.xlsx）")
    p.add_argument("workbook", metavar="WORKBOOK", help="全省输入工作簿（.xlsx/.xlsm）")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--force", action="store_true", help="覆盖已存在的填报表")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_split)
    p = steps.add_parser("collect", help="回收各市填报表，检查后并入全省工作簿（另存为新文件）")
    p.add_argument("folder", metavar="DIR", help="存放各市填报表的文件夹")
    p.add_argument("--into", required=True, metavar="WORKBOOK", help="全省输入工作簿（只读）")
    p.add_argument("-o", "--output", required=True, metavar="MERGED.xlsm", help="汇总后的新工作簿（.xlsm）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_collect)
    p = steps.add_parser("notices", help="为每个设区市生成分市通知（.xlsx，一页 A4）")
    p.add_argument("workbook", metavar="WORKBOOK", help="全省输入工作簿（.xlsx/.xlsm）")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--option", metavar="NAME", help="采用的分担方案代码（默认：第一个方案）")
    p.add_argument("--baseline", metavar="NAME", help="比较的基准方案（默认：采用的方案）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的通知")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_notices)


def _xlsm_target(output: str, force: bool) -> Path:
    from addin.workbook.atomic import check_target

    target = Path(output)
    if target.suffix.lower() != ".xlsm":
        raise CliError(f"工作簿须保存为 .xlsm（含宏）文件：{target.name}")
    return check_target(target, force)


def build_input_workbook(inputs: Any, options: list[dict] | None, target: Path, force: bool) -> None:
    """预算工作簿 from inputs through the budget.xlsm builder, written atomically with its VBA module beside it.

    Result formulas are sized by stand-in figures of the same shape when the inputs are still blank.
    """
    from addin.cities.blank import sizing_inputs
    from addin.workbook.atomic import atomic_write
    from addin.workbook.writer import write_inputs

    builder = "addin.excel.builder"
    make_workbook = _lazy(builder, "make_workbook", "生成预算工作簿")
    chosen = list(options) if options else _lazy(builder, "default_options", "生成预算工作簿")(inputs)
    try:
        wb = make_workbook(inputs, chosen)
    except BudgetInputError:            # blank or partly filled inputs: size the results on stand-in figures
        wb = make_workbook(sizing_inputs(inputs), chosen)
        write_inputs(wb, inputs, chosen)
    atomic_write(target, wb.save, force=force)
    bas = _lazy(builder, "bas_path", "生成预算工作簿")(target)
    atomic_write(bas, _lazy(builder, "write_udf_bas", "生成预算工作簿"), force=True)


def cmd_new(args: argparse.Namespace) -> int:
    from addin.cities.blank import blank_inputs, to_fill

    target = _xlsm_target(args.output, args.force)
    inputs = blank_inputs(args.province, args.cities, args.year, province_level=args.province_level)
    progress = Progress(total=1, quiet=args.quiet)
    progress(f"新建空白工作簿：{inputs.province} {inputs.budget_year} 年，{len(inputs.units)} 个单位")
    build_input_workbook(inputs, None, target, args.force)
    progress.done("完成")
    print(f"工作簿：{target}")
    for sheet, count, what in to_fill(inputs):
        print(f"须填写 {sheet}：{count} 项（{what}）")
    print(f"下一步：填写参数、历年执行、扩面计划、待遇人员各表（或用 wibudget cities split 分发给各市填报）；"
          f"wibudget check {target} 逐表列出尚未填写的单元格")
    return EXIT_OK


def cmd_split(args: argparse.Namespace) -> int:
    from addin.cities.split import split_workbook

    source = workbook_path(args.workbook)
    progress = Progress(total=1, quiet=args.quiet)
    progress(f"拆分分市填报表：{source}")
    written = split_workbook(source, Path(args.output), force=args.force)
    progress.done(f"{len(written)} 份")
    for unit, path in written:
        print(f"{unit}：{path}")
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from addin.cities.collect import collect_forms

    provincial = workbook_path(args.into)
    folder = Path(args.folder)
    if not folder.is_dir():
        raise CliError(f"找不到填报表文件夹：{folder}")
    target = _xlsm_target(args.output, args.force)
    if target.resolve() == provincial.resolve():
        raise CliError("输出文件不能与全省工作簿相同：输入工作簿只读，不会被改写")
    progress = Progress(total=2, quiet=args.quiet)
    progress(f"读取并检查填报表：{folder}")
    outcome = collect_forms(folder, provincial)
    progress.done(f"并入 {len(outcome.merged)} 份，拒收 {len(outcome.refused)} 份")
    print(outcome.report())
    if not outcome.merged:
        print("没有可并入的填报表，未生成汇总工作簿")
        return EXIT_BAD_INPUT
    progress(f"写出汇总工作簿：{target}")
    build_input_workbook(outcome.inputs, outcome.options, target, args.force)
    progress.done("完成")
    print(f"汇总工作簿：{target}")
    return EXIT_OK if not outcome.refused else 1


def cmd_notices(args: argparse.Namespace) -> int:
    from addin.cli.common import available_options, load_inputs, run_engine, select_options
    from addin.draft.build import save_workbook
    from addin.draft.notice_sheet import notice_workbook
    from addin.report.notice import city_units
    from addin.report.tables import draft_tables
    from addin.workbook.atomic import atomic_write, check_target

    progress = Progress(total=3, quiet=args.quiet)
    progress(f"读取输入：{args.workbook}")
    inputs, options, _ = load_inputs(str(workbook_path(args.workbook)))
    progress.done(f"{inputs.province} {inputs.budget_year} 年，{len(inputs.units)} 个单位")
    all_options = available_options(inputs, options)
    chosen = [args.option] if args.option else []
    select_options(all_options, chosen + ([args.baseline] if args.baseline else []))
    result = run_engine(inputs, all_options, args.baseline or (chosen[0] if chosen else None), progress)
    tables = draft_tables(result, chosen)
    folder = Path(args.output)
    targets = [(u, folder / f"{inputs.budget_year}年分市通知_{u}.xlsx") for u in city_units(tables)]
    for _, target in targets:
        check_target(target, args.force)
    progress(f"写出分市通知：{folder}")
    for unit, target in targets:
        wb = notice_workbook(tables, unit, tables.chosen[0])
        atomic_write(target, lambda tmp, wb=wb: save_workbook(wb, tmp), force=args.force)
    progress.done(f"{len(targets)} 份")
    for unit, path in targets:
        print(f"{unit}：{path}")
    return EXIT_OK
