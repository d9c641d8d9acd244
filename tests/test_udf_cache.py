"""What one edit re-runs: the UDF caches are keyed by the content of the input tables each result reads.

A user edits one cell and Excel recalculates every GS_* function. The engine's steps before the sharing
(forecast, province budget), the multi-year projection, the tornado and the yearly risk table read every
table except 分担方案; the sharing, the comparison and the data check read all seven. These tests make the
edits a user makes — an option's weights, the reserve months, an expansion plan, a premium in 历年执行 —
and check (1) which runs are made again, (2) figures a person can check by hand, and (3) that every
table after the edit equals the one a fresh process computes from the same cells (no stale cache).
"""

from __future__ import annotations

import pytest

from addin.excel import check as udf_check
from addin.excel import inputs as udf_inputs
from addin.excel import tables as udf_tables
from addin.excel import udfs
from addin.report.tables import displayed_result
from addin.workbook import check, reader
from models.budget import run_budget
from models.risk import simulate

DRAWS = 300.0           # a small risk run keeps the tests quick; the caching does not depend on it

#: The views a recalculation of the example workbook shows, plus option views of the outlook functions.
VIEWS = {
    "数据检查": lambda r: udfs.GS_CHECK(*r),
    "分市预算": lambda r: udfs.GS_FORECAST(*r),
    "预测与校验": lambda r: udfs.GS_FORECAST(*r, "预测与校验"),
    "收支结余": lambda r: udfs.GS_BALANCE(*r),
    "收入预算": lambda r: udfs.GS_BALANCE(*r, "收入预算"),
    "支出预算": lambda r: udfs.GS_BALANCE(*r, "支出预算"),
    **{f"缺口分担{k}": (lambda r, k=k: udfs.GS_SHARE(float(k), *r)) for k in range(1, 5)},
    "方案比较": lambda r: udfs.GS_COMPARE(r[6], *r[:6]),
    "方案说明": lambda r: udfs.GS_COMPARE(r[6], *r[:6], None, "方案说明"),
    "多年预测": lambda r: udfs.GS_PROJECT(*r),
    "预测假设": lambda r: udfs.GS_PROJECT(*r, None, "假设"),
    "龙卷风": lambda r: udfs.GS_SENSITIVITY(*r),
    "敏感性·方案4": lambda r: udfs.GS_SENSITIVITY(*r, 4.0),
    "逐年风险": lambda r: udfs.GS_RISK(*r, DRAWS),
    "风险·方案4": lambda r: udfs.GS_RISK(*r, DRAWS, None, None, 4.0),
    "风险·方案1": lambda r: udfs.GS_RISK(*r, DRAWS, None, None, 1.0),
}
#: Views that do not read 分担方案 (kept when only the options change).
PROVINCE_VIEWS = ("分市预算", "预测与校验", "收支结余", "收入预算", "支出预算", "多年预测", "预测假设", "龙卷风", "逐年风险")
CACHES = {"engine": udf_inputs.CACHE, "base": udf_inputs.BASES, "tables read": udf_inputs.PARTS,
          "runs": udf_inputs.DERIVED}


def recalculate(ranges) -> dict[str, list]:
    """Every view once (a full recalculation), after resetting the cache counters."""
    for cache in CACHES.values():
        cache.stats.hits = cache.stats.misses = 0
    return {name: view(ranges) for name, view in VIEWS.items()}


def runs() -> dict[str, int]:
    return {name: cache.stats.misses for name, cache in CACHES.items()}


def fresh(ranges) -> dict[str, list]:
    """The same cells in a process that has seen nothing before (no cache)."""
    udf_inputs.clear_caches()
    return recalculate(ranges)


def row(table: list, label: str) -> list:
    return next(r for r in table if r[0] == label)


def code_row(table: list, code: str) -> list:
    return next(r for r in table if len(r) > 1 and r[1] == code)


def option_cell(ranges, code: str, option: str = "weighted_mix") -> tuple[list, int]:
    options = ranges[6]
    return code_row(options, code), options[1].index(option)


# ---------------------------------------------------------------------------------------------
# 分担方案: the sharing again, the forecast and the province outlook kept


def test_an_option_weight_edit_reruns_the_sharing_and_the_check_and_keeps_the_forecast(ranges):
    before = recalculate(ranges)
    assert row(before["收支结余"], "本年收支结余")[3] == -7762.83           # the gap 多因素加权 shares
    # 1. one weight typed: 自身缺口 40 % → 50 %, the weights now add up to 110 %
    own_gap, col = option_cell(ranges, "weight.own_gap")
    own_gap[col] = 0.5
    broken = recalculate(ranges)
    findings = [r for r in broken["数据检查"][1:] if any(v is not None for v in r)]
    assert [r[:3] for r in findings] == [["V502", "错误", "分担方案!F14"]]
    assert "权重合计为 110.00%" in findings[0][4]
    assert broken["缺口分担4"][0][0].startswith("#输入错误") and "权重合计为 110.00%" in broken["缺口分担4"][0][0]
    # kept runs never hide bad input: the projection and the yearly risk say so too
    assert broken["多年预测"][0][0] == broken["逐年风险"][0][0] == broken["缺口分担4"][0][0]
    assert runs()["base"] == 0                                              # nothing before the sharing re-ran
    # 2. the next cell: 征缴收入 30 % → 20 %; 100 % again
    collections, _ = option_cell(ranges, "weight.collections")
    collections[col] = 0.2
    after = recalculate(ranges)
    assert after["数据检查"] == before["数据检查"]                           # 未发现问题 again
    assert row(after["数据检查"], None)[4] == "未发现问题"
    share_before, share_after = before["缺口分担4"], after["缺口分担4"]
    assert share_after != share_before                                    # the cities' shares moved …
    # … the amount shared did not: 应分担缺口 = the province's 本年收支缺口 7,762.83 万元 = Σ cities + 省级承担
    assert row(share_after, "应分担缺口")[-1] == row(share_before, "应分担缺口")[-1] == 7762.83
    assert round(row(share_after, "合计")[-1] + row(share_after, "省级承担")[-1], 2) == 7762.83
    for k in (1, 2, 3):                                                   # the other options are untouched
        assert after[f"缺口分担{k}"] == before[f"缺口分担{k}"]
    for name in PROVINCE_VIEWS:
        assert after[name] == before[name], name
    # re-run: the sharing (one engine run), the 分担方案 sheet read again, the check, and the runs that show
    # shares under the options (sensitivity per option, risk bands of an option); kept: forecast, projection,
    # tornado, yearly risk
    assert runs() == {"engine": 1, "base": 0, "tables read": 1, "runs": 3}
    assert after == fresh(ranges)


def test_a_province_share_edit_moves_the_province_part_by_hand(ranges):
    before = recalculate(ranges)
    share, col = option_cell(ranges, "province_share")
    share[col] = 0.4                                                     # 省:市 5:5 → 4:6
    after = recalculate(ranges)
    # 省级承担 before caps is 40 % of 7,762.83 = 3,105.13 万元 (was 50 % = 3,881.42); the caps can only return
    # money to the province, never take it: 省级承担 ≥ 40 % share and fell by at most the 10 points moved
    province_before = row(before["缺口分担4"], "省级承担")[-1]
    province_after = row(after["缺口分担4"], "省级承担")[-1]
    assert province_after >= 3105.13 and 0 < province_before - province_after <= 776.29
    assert runs()["base"] == 0 and after == fresh(ranges)


# ---------------------------------------------------------------------------------------------
# 参数, 扩面计划, 历年执行: everything that reads them again


def test_a_reserve_months_edit_reruns_the_budget_and_moves_the_floor_by_hand(ranges):
    before = recalculate(ranges)
    months = code_row(ranges[0], "reserve_months")
    assert months[2] == 12.0
    months[2] = 6.0                                                      # 储备月数下限 12 → 6
    after = recalculate(ranges)
    # 储备下限 = 支出合计 ÷ 12 × 6 = 319,981.18 ÷ 2 = 159,990.59 万元; the spending itself did not change
    assert row(after["收支结余"], "支出合计")[3] == row(before["收支结余"], "支出合计")[3] == 319981.18
    assert row(after["收支结余"], "储备下限（6个月支出）")[3] == 159990.59
    # 高于储备下限 = 年末滚存结余 307,119.43 − 159,990.59 = 147,128.84; no rate trigger any more
    assert row(after["收支结余"], "高于（低于）储备下限")[3] == 147128.84
    assert row(after["收支结余"], "是否触发费率调整")[3] == "否"
    assert row(after["逐年风险"], "低于储备下限的概率")[2] < row(before["逐年风险"], "低于储备下限的概率")[2]
    # 参数 is read by every step: one engine run, the 参数 sheet read again, check / projection / sensitivity /
    # yearly risk / the bands of an option not shared by the yearly run
    assert runs() == {"engine": 1, "base": 1, "tables read": 1, "runs": 5}
    assert after == fresh(ranges)


def test_an_expansion_plan_edit_reads_only_its_sheet_again(ranges):
    recalculate(ranges)
    plans = ranges[4]
    column = plans[0].index("扩面计划（人）")
    next(r for r in plans[1:] if r[0] == "南昌")[column] += 1_000.0
    after = recalculate(ranges)
    assert runs() == {"engine": 1, "base": 1, "tables read": 1, "runs": 5}
    assert after == fresh(ranges)


def test_a_history_edit_reruns_everything(ranges):
    before = recalculate(ranges)
    history = ranges[1]
    column = history[0].index("工伤保险费收入（元）")
    next(r for r in history[1:] if r[0] == "南昌" and r[1] == 2024)[column] += 10_000_000.0    # + 1,000 万元
    after = recalculate(ranges)
    premium = before["分市预算"][0].index("工伤保险费收入")
    assert row(after["分市预算"], "南昌")[premium] != row(before["分市预算"], "南昌")[premium]
    changed = [name for name in VIEWS if after[name] != before[name]]
    assert {"分市预算", "收入预算", "多年预测", "逐年风险", "缺口分担4"} <= set(changed)
    # 历年执行 holds three tables (各单位, 省级, 上年预算数): all three are read again; every run is made again
    assert runs() == {"engine": 1, "base": 1, "tables read": 3, "runs": 5}
    assert after == fresh(ranges)


def test_an_edit_undone_is_served_from_the_cache(ranges):
    before = recalculate(ranges)
    months = code_row(ranges[0], "reserve_months")
    months[2] = 6.0
    recalculate(ranges)
    months[2] = 12.0                                                     # Ctrl+Z
    assert recalculate(ranges) == before
    assert runs() == {"engine": 0, "base": 0, "tables read": 0, "runs": 0}


# ---------------------------------------------------------------------------------------------
# the yearly risk table shares one option only: the same figures as the run that shares them all


def test_yearly_risk_table_equals_the_run_sharing_every_option(ranges, monkeypatch):
    shared: list[int] = []

    def counting(*args, **kwargs):
        shared.append(len(kwargs.get("options") or []))
        return simulate(*args, **kwargs)
    monkeypatch.setattr("addin.excel.outlook.simulate", counting)
    yearly = udfs.GS_RISK(*ranges, DRAWS)
    assert shared == [0]                                                 # no option shared, not four
    result = udf_inputs.budget_result(*ranges)
    full = simulate(result.inputs, int(DRAWS), 3, seed=udfs.udf_outlook.risk_seed(None), result=result)
    assert len(full.options) == 4
    assert row(yearly, "低于储备下限的概率")[2:] == full.prob_below_floor.tolist()
    assert row(yearly, "年末滚存结余 P50")[2:] == row(udfs.udf_outlook.risk_table(full), "年末滚存结余 P50")[2:]
    assert yearly == udfs.udf_outlook.risk_table(full)
    # a view of an option runs every option once, for all such views
    udfs.GS_RISK(*ranges, DRAWS, None, None, 1.0)
    udfs.GS_RISK(*ranges, DRAWS, None, None, 4.0)
    udfs.GS_RISK(*ranges, DRAWS, None, None, 3.0)
    assert shared == [0, 4]


# ---------------------------------------------------------------------------------------------
# GS_CHECK on the inputs the engine read = the whole check on the same cells


def _edited(ranges, how: str):
    if how == "warnings":                                                # V304, V305, V401, V402 (see test_udfs)
        plans = ranges[4]
        plans[1][plans[0].index("工资增长率")] = 0.5
        plans[3][plans[0].index("扩面计划（人）")] = 420_800.0
        province = ranges[2]
        province[1][province[0].index("期末滚存结余（元）")] -= 100_000_000
    elif how == "weights":                                               # the reader refuses 分担方案
        own_gap, col = option_cell(ranges, "weight.own_gap")
        own_gap[col] = 0.5
    elif how == "text in a cell":                                        # the cell scan refuses 历年执行!F12
        ranges[1][8][5] = "四千万"
    elif how == "blank row":                                             # a blank row inside 历年执行: skipped
        ranges[1].insert(5, [None] * len(ranges[1][0]))
    elif how == "no prior budget":                                       # 上年预算数 left out (optional)
        ranges[3] = None
    return ranges


@pytest.mark.parametrize(("how", "shortcut"), [("clean", True), ("warnings", True), ("blank row", True),
                                               ("no prior budget", True), ("weights", False),
                                               ("text in a cell", False)])
def test_check_on_the_engines_inputs_equals_the_whole_check(ranges, monkeypatch, how, shortcut):
    ranges = _edited(ranges, how)
    whole = check.check_sheets(udf_inputs.sheets(ranges), result=lambda: udf_inputs.CACHE.result(ranges))
    udf_inputs.clear_caches()
    calls = []
    original = check.check_sheets
    monkeypatch.setattr(check, "check_sheets", lambda *a, **k: calls.append(1) or original(*a, **k))
    assert udf_check.findings(ranges) == whole
    assert (not calls) is shortcut                                       # the whole check only when a table fails
    if how in ("clean", "no prior budget", "blank row"):
        assert whole == []
    if how == "warnings":
        assert [f.rule for f in whole] == ["V304", "V305", "V401", "V402"]


# ---------------------------------------------------------------------------------------------
# the engine on a kept base = run_budget; the budget tables built once per engine run


def test_the_sharing_on_a_kept_forecast_equals_a_whole_engine_run(ranges):
    recalculate(ranges)
    own_gap, col = option_cell(ranges, "weight.own_gap")
    collections, _ = option_cell(ranges, "weight.collections")
    own_gap[col], collections[col] = 0.5, 0.2                            # weights moved, still 100 %
    bases = runs()["base"]
    kept = udf_inputs.budget_result(*ranges)
    assert runs()["base"] == bases                                       # on the forecast made before the edit
    inputs, options = reader.inputs_from_sheets(udf_inputs.sheets(ranges))
    whole = displayed_result(run_budget(inputs, options))
    assert [o.name for o in kept.options] == [o.name for o in whole.options]
    for part in ("share", "province", "amount"):
        assert (kept.sharing.rounded[part] == whole.sharing.rounded[part]).all(), part
    assert kept.comparison.wide.equals(whole.comparison.wide)
    assert kept.province.lines.equals(whole.province.lines)


def test_budget_tables_are_built_once_per_engine_run(ranges, monkeypatch):
    built: list[str] = []
    original = udf_tables.official_lines

    def counting(province, side):
        built.append(side)
        return original(province, side)
    monkeypatch.setattr(udf_tables, "official_lines", counting)
    recalculate(ranges)
    # 收入预算表 and 支出预算表 once each, though the shown shares, the three GS_BALANCE tables and both
    # GS_FORECAST views use them
    assert sorted(built) == ["expenditure", "revenue"]
    share, col = option_cell(ranges, "province_share")
    share[col] = 0.4
    recalculate(ranges)
    assert len(built) == 2                                               # an option edit: none built again
