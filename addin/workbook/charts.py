"""图表 — the native Excel charts the workbook and the draft share (openpyxl)."""

from __future__ import annotations

from openpyxl.chart import BarChart


def share_columns_chart(title: str, *, y_title: str = "万元", x_title: str = "设区市") -> BarChart:
    """分担额柱形图: clustered columns, one series per option, cities along the axis, axes shown."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = x_title
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart
