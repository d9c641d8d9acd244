"""预算草案 (the draft document) — sheets, style, explanatory note, outlook sheet and PDF conversion.

May import: `addin.report`, `addin.workbook`, `models` (types and constants; it never runs the engine — it receives one
computed `BudgetResult` and outlook), openpyxl. Never: `addin.excel`, `addin.cli`.
"""
