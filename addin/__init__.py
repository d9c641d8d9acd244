"""wibudget 用户界面 — everything that faces a user: xlwings UDFs, workbook I/O, the CLI, the draft."""

__version__ = "0.1.0"
