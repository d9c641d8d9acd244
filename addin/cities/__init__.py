"""分市填报 (the city round) — a blank workbook for a province, one form per city, collection and notices.

`blank` starts a province's input workbook, `split` writes each unit's 分市填报表, `collect` reads them
back into the provincial workbook, `notices` writes each city's 分市通知. A face beside addin.excel and
addin.draft: it uses addin.workbook (reading, writing, layout), addin.report and the engine.
"""
