"""定期待遇调整 — periodic benefits uprated by the province's rule (伤残津贴、供养亲属抚恤金、生活护理费)."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pytest

from models.errors import ParameterError
from models.forecast import forecast
from models.parameter_set import ParameterSet, load_parameters, parse_parameters
from models.uprating import (
    FIXED_PER_GRADE,
    NO_ADJUSTMENT,
    PERCENTAGE,
    uprate,
    uprating_methods,
    uprating_note,
)
from tests.conftest import make_tiny

ON = dt.date(2027, 1, 1)
A = 0  # 甲市
JIANGXI_TEXT = resources.files("models").joinpath("parameters/provinces/jiangxi.toml").read_text(encoding="utf-8")
NATIONAL_TEXT = resources.files("models").joinpath("parameters/national.toml").read_text(encoding="utf-8")


def province(text: str) -> ParameterSet:
    """Another province: Jiangxi's file with `text` edits (a user's own parameter file)."""
    return ParameterSet(parse_parameters(NATIONAL_TEXT, "national.toml"),
                        parse_parameters(text, "provinces/test.toml"), "test")


CARE_FIXED = JIANGXI_TEXT.replace("value = [2, 1, 0]", "value = [1, 2, 2]") + """
[dependant_increase_monthly]
description = "供养亲属抚恤金调整额（每人每月增加额） — monthly increase per dependant"
unit = "元/人·月 yuan per person per month"
[[dependant_increase_monthly.values]]
date = 2025-01-01
value = 50
reference = "某省文件（测试用）"

[care_increase_monthly]
description = "生活护理费调整额（一至三级每人每月增加额） — monthly increase of the care allowance, levels 1–3"
unit = "元/人·月 yuan per person per month"
[[care_increase_monthly.values]]
date = 2025-01-01
value = [90, 70, 50]
reference = "某省文件（测试用）"
"""


def test_the_methods_come_from_the_dated_province_file():
    assert uprating_methods(load_parameters("jiangxi"), ON) == {
        "disability_allowance": FIXED_PER_GRADE, "dependant_pension": PERCENTAGE, "care_allowance": NO_ADJUSTMENT}
    # national default: allowance and dependants by the percentage, care follows the average wage
    assert uprating_methods(load_parameters(), ON) == {
        "disability_allowance": PERCENTAGE, "dependant_pension": PERCENTAGE, "care_allowance": NO_ADJUSTMENT}
    # before Jiangxi's rule took effect (2024-01-01) the national default applies
    assert uprating_methods(load_parameters("jiangxi"), dt.date(2023, 6, 1))["disability_allowance"] == PERCENTAGE


def test_jiangxi_fixed_increase_per_grade():
    # grade 1–4 allowances of a worker on 5,000 元: 4,500 / 4,250 / 4,000 / 3,750 → +124 / 117 / 110 / 103
    got = uprate("disability_allowance", [4_500.0, 4_250.0, 4_000.0, 3_750.0], load_parameters("jiangxi"), ON, 0.03)
    assert got.tolist() == [4_624.0, 4_367.0, 4_110.0, 3_853.0]


def test_percentage_and_no_adjustment():
    params = load_parameters()
    # 4,500 × 1.03 = 4,635; scenario axis of adjustments 0 %, 3 %, 5 % → 4,500, 4,635, 4,725
    assert float(uprate("disability_allowance", 4_500.0, params, ON, 0.03)) == pytest.approx(4_635.0)
    many = uprate("disability_allowance", np.array([4_500.0]), params, ON, np.array([[0.0], [0.03], [0.05]]))
    assert many[:, 0].tolist() == pytest.approx([4_500.0, 4_635.0, 4_725.0])
    # care: 50 % of 8,950 = 4,475 stands — it is recomputed from the previous year's average wage
    assert float(uprate("care_allowance", 4_475.0, params, ON, 0.03)) == 4_475.0


def test_another_province_with_fixed_care_and_dependant_increases():
    params = province(CARE_FIXED)
    assert uprating_methods(params, ON) == {
        "disability_allowance": PERCENTAGE, "dependant_pension": FIXED_PER_GRADE, "care_allowance": FIXED_PER_GRADE}
    # care levels 1–3 on 8,000: 4,000 / 3,200 / 2,400 + 90 / 70 / 50
    assert uprate("care_allowance", [4_000.0, 3_200.0, 2_400.0], params, ON, 0.03).tolist() == [4_090.0, 3_270.0, 2_450.0]
    # a unit's dependants: 17.5 shares × 6,000 = 105,000 a month for 50 people → + 50 × 50 = 107,500
    assert float(uprate("dependant_pension", 105_000.0, params, ON, 0.03, persons=50)) == 107_500.0


def test_forecast_follows_the_province_rule():
    tiny = make_tiny()
    # Jiangxi: allowance (10×4,624 + 20×4,367 + 30×4,110 + 40×3,853) × 12 = 4,932,000;
    # care (5×0.5 + 10×0.4 + 15×0.3) × 8,000 × 12 = 1,056,000 (no further adjustment);
    # dependants 17.5 × 6,000 × 12 × 1.03 = 1,297,800
    fc = forecast(tiny, load_parameters("jiangxi"))
    assert fc.details["disability_allowance"][A] == pytest.approx(4_932_000)
    assert fc.details["care_allowance"][A] == pytest.approx(1_056_000)
    assert fc.details["dependant_pension"][A] == pytest.approx(1_297_800)
    assert any(n.startswith("定期待遇调整：伤残津贴按等级定额调整（每人每月增加124/117/110/103元") for n in fc.notes)
    # the other province: allowance 80 × 5,000 × 12 × 1.03 = 4,944,000; care + (5×90 + 10×70 + 15×50) × 12
    # = 1,056,000 + 22,800 = 1,078,800; dependants (105,000 + 50 × 50 people) × 12 = 1,290,000
    fc = forecast(tiny, province(CARE_FIXED))
    assert fc.details["disability_allowance"][A] == pytest.approx(4_944_000)
    assert fc.details["care_allowance"][A] == pytest.approx(1_078_800)
    assert fc.details["dependant_pension"][A] == pytest.approx(1_290_000)


def test_a_wrong_method_or_a_missing_amount_is_named():
    with pytest.raises(ParameterError, match="periodic_uprating_method") as err:
        uprating_methods(province(JIANGXI_TEXT.replace("value = [2, 1, 0]", "value = [3, 1, 0]")), ON)
    assert "按等级定额调整" in err.value.message
    with pytest.raises(ParameterError, match="care_increase_monthly"):
        uprate("care_allowance", [1.0, 1.0, 1.0], province(JIANGXI_TEXT.replace("value = [2, 1, 0]", "value = [2, 1, 2]")),
               ON, 0.03)


def test_note_says_what_each_item_does():
    note = uprating_note(load_parameters("jiangxi"), ON, 0.03)
    assert note == ("定期待遇调整：伤残津贴按等级定额调整（每人每月增加124/117/110/103元，按2024年起执行的最近一次调整额预计）；"
                    "供养亲属抚恤金按比例调整（3.0%）；生活护理费不另行调整（按上年度职工月平均工资计发）")
