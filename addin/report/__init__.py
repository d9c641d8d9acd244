"""汇报表 (report tables) — engine results turned into the reconciled 万元 tables, rounding and text figures
that every face (the Excel functions, the draft, the command line) shows.

May import: `models` only — no openpyxl, no xlwings, no other `addin` package.
"""
