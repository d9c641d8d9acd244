"""工作簿输入输出 (workbook in and out) — the input layout, safe opening, cell coercion, reading and writing
input workbooks, cell locations of findings, atomic file output and the shared chart style.

May import: `models`, openpyxl, defusedxml. Never: `addin.report` or any face (`excel`, `draft`, `cli`).
"""
