"""python -m addin.libreoffice — the LibreOffice commands before they are wired into `wibudget`.

    python -m addin.libreoffice build [OUT.oxt]
    python -m addin.libreoffice install [OXT [PROFILE_DIR]]   (no OXT: build it first)
    python -m addin.libreoffice recalc WORKBOOK OUT.xlsx [PROFILE_DIR]
    python -m addin.libreoffice types        (rewrite types.idl/types.rdb; needs libreoffice-dev)
"""

from __future__ import annotations

import sys

from addin.libreoffice import build_extension, install_extension, recalc_workbook

USAGE = __doc__.split("\n\n", 1)[1].rstrip()


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command == "build" and len(rest) <= 1:
        return build_extension(rest[0] if rest else "wibudget.oxt")
    if command == "install" and len(rest) <= 2:
        return install_extension(*rest)
    if command == "recalc" and 2 <= len(rest) <= 3:
        return recalc_workbook(*rest)
    if command == "types" and not rest:
        from addin.libreoffice.extension import BuildError, write_type_library

        try:
            for path in write_type_library():
                print(f"已写出 {path}")
        except BuildError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1
        return 0
    print("用法：\n" + USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
