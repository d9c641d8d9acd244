"""LibreOffice 命令 (LibreOffice commands) — `wibudget libreoffice build|install` (the Calc add-in that serves the
GS_* functions) and `wibudget recalc WORKBOOK -o OUT.xlsx` (recalculate a workbook headless in LibreOffice).
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_libreoffice_build(args: argparse.Namespace) -> int:
    from addin.libreoffice.commands import build_extension

    return build_extension(args.output)


def cmd_libreoffice_install(args: argparse.Namespace) -> int:
    from addin.libreoffice.commands import install_extension

    return install_extension(args.oxt, args.profile)


def cmd_recalc(args: argparse.Namespace) -> int:
    from addin.libreoffice.commands import recalc_workbook

    return recalc_workbook(args.workbook, args.output, args.profile, force=args.force)


def add_parsers(sub: Any) -> None:
    """The parsers of `libreoffice build|install` and `recalc`."""
    p = sub.add_parser("libreoffice", help="LibreOffice Calc 加载项：生成或安装（信创桌面可用 GS_* 函数）",
                       description="生成或安装 LibreOffice Calc 加载项，使 budget.xlsm 的 GS_* 函数在 Calc 中计算。")
    office = p.add_subparsers(dest="office_command", metavar="操作", required=True)
    b = office.add_parser("build", help="生成扩展文件 wibudget.oxt")
    b.add_argument("-o", "--output", default="wibudget.oxt", metavar="FILE", help="输出文件（默认 wibudget.oxt）")
    b.set_defaults(func=cmd_libreoffice_build)
    i = office.add_parser("install", help="把扩展安装到当前用户的 LibreOffice（或指定的配置目录）")
    i.add_argument("--oxt", metavar="FILE", help="已生成的扩展文件（省略则现场生成）")
    i.add_argument("--profile", metavar="DIR", help="LibreOffice 用户配置目录（默认：当前用户的配置）")
    i.set_defaults(func=cmd_libreoffice_install)

    r = sub.add_parser("recalc", help="用 LibreOffice（无界面）重算工作簿，写出数值",
                       description="在无界面的 LibreOffice 中打开工作簿、用 GS_* 函数重算全部公式，把结果写成新的 .xlsx；"
                                   "输入工作簿只读。")
    r.add_argument("workbook", metavar="WORKBOOK", help="输入工作簿（.xlsx/.xlsm）")
    r.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="输出文件（.xlsx）")
    r.add_argument("--profile", metavar="DIR", help="已安装扩展的 LibreOffice 配置目录（默认：临时目录，自动安装扩展）")
    r.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    r.set_defaults(func=cmd_recalc)
