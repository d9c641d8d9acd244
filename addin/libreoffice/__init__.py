"""LibreOffice Calc 加载项 — the GS_* functions in LibreOffice (信创 desktops) and headless recalculation.

`build_extension` writes the .oxt generated from the UDF module, `install_extension` adds it to a
LibreOffice profile, `recalc_workbook` computes a workbook in headless LibreOffice and writes the
values. Run without the CLI: `python -m addin.libreoffice build|install|recalc …`.
"""

from addin.libreoffice.commands import build_extension, install_extension, recalc_workbook

__all__ = ["build_extension", "install_extension", "recalc_workbook"]
