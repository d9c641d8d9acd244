"""A province with many units: the draft stays a document a reviewer can read (templates/draft_style.toml [scale]).

Above 50 cities the one-page-a-city notices are not attached (the note says they are issued city by city);
above 50 units 预测与校验 lists the flagged rows only and says how many rows were within tolerance; the note
names at most 20 cities' shares and sums the rest, so its figures still add up to the 合计 of 缺口分担表.
"""

from __future__ import annotations

import re

import pytest

from addin.draft.build import build_draft
from addin.draft.note import explanatory_note, note_text
from addin.report.tables import draft_tables
from examples.synthetic import scaled_province
from models.budget import run_budget
from models.sharing import load_presets


@pytest.fixture(scope="module")
def tables():
    inputs = scaled_province(61, seed=1)        # 省本级 + 60 cities
    return draft_tables(run_budget(inputs, [o.to_dict() for o in load_presets()]))


def test_sixty_cities_get_no_notice_pages_and_the_note_says_why(tables):
    wb = build_draft(tables)
    assert "分市通知" not in wb.sheetnames
    assert "设区市共60个，分市通知不附于本草案，另行逐市印发。" in note_text(explanatory_note(tables))


def test_the_check_sheet_lists_the_flagged_rows_and_counts_the_others(tables):
    c = tables.checks
    flagged = int(c["flag"].sum())
    ws = build_draft(tables)["预测与校验"]
    units = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    listed = [u for u in units if u and u in set(c["unit"])]
    assert len(listed) == flagged           # one sheet row per flagged unit × line, nothing else
    text = " ".join(str(ws.cell(row=r, column=1).value or "") for r in range(1, ws.max_row + 1))
    assert f"共{len(c):,}行" in text and f"其余{len(c) - flagged:,}行" in text


def test_the_note_names_the_twenty_largest_shares_and_sums_the_rest(tables):
    text = note_text(explanatory_note(tables))
    m = re.search(r"各市分担额（列出分担额最大的(\d+)个市）：(.*?)；其余(\d+)个市合计([\d,]+\.\d\d)万元。", text)
    assert m, text
    code = tables.chosen[0]
    table = tables.sharing[code].set_index("单位")["分担额"]
    cities = [u for u in table.index if u not in ("合计", "省级承担")]
    payers = table[cities][table[cities] > 0].sort_values(ascending=False)
    assert int(m.group(1)) == 20 and int(m.group(3)) == len(payers) - 20
    # hand check: the named 20 plus the rest = the cities' 合计 of 缺口分担表, to the cent
    named = 0.0
    for item in m.group(2).split("；"):            # 单位0002313.15万元（占其…）: the city's name, then its share
        name = max((u for u in cities if item.startswith(u)), key=len)
        named += float(item[len(name):item.index("万元")].replace(",", ""))
    assert round(named + float(m.group(4).replace(",", "")), 2) == round(float(table["合计"]), 2)
    assert round(named, 2) == round(float(payers.head(20).sum()), 2)
