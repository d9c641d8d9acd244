"""Excel 加载项 (the Excel face) — the xlwings UDF module (`addin.excel.udfs`), the recalculation cache, the VBA
wrapper and the `budget.xlsm` builder.

May import: `addin.report`, `addin.workbook`, `models`, openpyxl, xlwings. Never: `addin.draft`, `addin.cli`.
"""
