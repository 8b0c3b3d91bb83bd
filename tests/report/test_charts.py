"""The terminal sparkline (``charts.blocks``): values squeezed to the width by averaging the
known neighbours, each block's height between the lowest and the highest. Expected strings
are worked out by hand in each test."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest

from collector.report import charts


def test_at_most_32_blocks_by_default_so_33_values_are_averaged_in_pairs() -> None:
    # 33 values > 32: pairs of neighbours, sixteen pairs of 0 and a last 8 alone.
    assert charts.blocks([0.0] * 32 + [8.0]) == "▁" * 16 + "█"


def test_neighbours_are_averaged_over_the_known_values_only() -> None:
    # Width 3, six values: pairs. (0, 0) -> 0, (4, none) -> 4, (7, 7) -> 7: 4/7 of the way up.
    assert charts.blocks([0.0, 0.0, 4.0, None, 7.0, 7.0], width=3) == "▁▅█"


@pytest.mark.parametrize("width", [0, 1, 32])
def test_no_values_draw_nothing_whatever_the_width(width: int) -> None:
    assert charts.blocks([], width=width) == ""


def test_a_step_without_any_value_is_a_space() -> None:
    assert charts.blocks([None, None]) == "  "


# The SVG charts of the report page. Every expected number below is worked out by hand from
# the chart's geometry: a p75 chart is 640 x 170, its plot from x 44 to 636 (592 wide) and
# from y 8 to 150 (142 high); bars are 60 wide each (at least 240 in all), their base at
# y 130 and the tallest 110 high.


def _svg(markup: str) -> ET.Element:
    """The parsed chart, checked to hold no stray text between its elements."""
    root = ET.fromstring(markup)
    stray = [root.text or ""] + [e.tail or "" for e in root.iter()]
    assert not "".join(stray).strip(), f"text outside the chart's elements: {stray}"
    return root


def _texts(root: ET.Element) -> list[tuple[str, str, str, str]]:
    return [
        (t.get("x", ""), t.get("y", ""), t.get("text-anchor", ""), t.text or "")
        for t in root.iter("text")
    ]


MAY_1 = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


def test_a_p75_chart_places_its_thresholds_points_and_time_axis() -> None:
    # 06:00 to 18:00 with LCP thresholds 2500 and 4000: the top is 4000 * 1.15 = 4600
    # (above the highest point's 3450 * 1.05). A value v is at y 8 + 142 * (1 - v / 4600):
    # 1150 -> 8 + 142 * 0.75 = 114.5; 3450 -> 43.5; 2500 -> 72.826; 4000 -> 26.522.
    # 09:00 is a quarter of the way: x 44 + 148 = 192; 15:00 three quarters: 488.
    points = [(MAY_1 + timedelta(hours=3), 1150.0), (MAY_1 + timedelta(hours=9), 3450.0)]
    root = _svg(charts.p75_chart("LCP", points, MAY_1, MAY_1 + timedelta(hours=12), (2500, 4000)))
    assert root.get("viewBox") == "0 0 640 170"
    assert root.get("aria-label") == "p75 LCP over time"
    assert [line.attrib for line in root.iter("line")] == [
        {"class": "good", "x1": "44", "x2": "636", "y1": "72.8", "y2": "72.8"},
        {"class": "poor", "x1": "44", "x2": "636", "y1": "26.5", "y2": "26.5"},
    ], "each threshold a line across the plot at its value's height"
    polyline = root.find("polyline")
    assert polyline is not None
    assert polyline.get("points") == "192.0,114.5 488.0,43.5"
    assert [(c.attrib, c.findtext("title")) for c in root.iter("circle")] == [
        ({"cx": "192.0", "cy": "114.5", "r": "2.5"}, "2026-05-01 09:00 UTC: 1,150"),
        ({"cx": "488.0", "cy": "43.5", "r": "2.5"}, "2026-05-01 15:00 UTC: 3,450"),
    ]
    assert _texts(root) == [
        ("40", "76.8", "end", "2,500"),  # left of the plot, 4 below its line's height
        ("40", "30.5", "end", "4,000"),
        ("44", "166", "start", "06:00"),  # the time axis: the start under the plot's left
        ("636", "166", "end", "18:00"),  # and the end under its right
    ]


@pytest.mark.parametrize(
    ("length", "labels"),
    [
        (timedelta(hours=12), ["06:00", "18:00"]),
        (timedelta(days=2), ["06:00", "06:00"]),  # two days still in hours
        (timedelta(days=2, hours=1), ["May 01", "May 03"]),  # longer: in days
        (timedelta(days=7), ["May 01", "May 08"]),
    ],
)
def test_the_time_axis_shows_hours_up_to_two_days_then_days(
    length: timedelta, labels: list[str]
) -> None:
    root = _svg(charts.p75_chart("INP", [], MAY_1, MAY_1 + length, (200, 500)))
    assert [text for x, y, anchor, text in _texts(root) if y == "166"] == labels


def test_a_point_after_the_range_is_drawn_at_its_right_edge() -> None:
    # 23:00 is past 18:00: clipped to x 636 (the plot's right), not 44 + 592 * 17 / 12.
    root = _svg(
        charts.p75_chart(
            "LCP",
            [(MAY_1 + timedelta(hours=17), 2300.0)],
            MAY_1,
            MAY_1 + timedelta(hours=12),
            (2500, 4000),
        )
    )
    assert [c.get("cx") for c in root.iter("circle")] == ["636.0"]


def test_in_a_one_second_range_a_point_at_its_end_is_at_the_right_edge() -> None:
    end = MAY_1 + timedelta(seconds=1)
    root = _svg(charts.p75_chart("LCP", [(end, 2300.0)], MAY_1, end, (2500, 4000)))
    assert [c.get("cx") for c in root.iter("circle")] == ["636.0"]


def test_point_times_without_a_zone_are_utc() -> None:
    # 09:00 without a zone is taken as 09:00 UTC: a quarter into the range, x 192.
    naive = datetime(2026, 5, 1, 9, 0)
    root = _svg(
        charts.p75_chart("LCP", [(naive, 1150.0)], MAY_1, MAY_1 + timedelta(hours=12), (2500, 4000))
    )
    assert [(c.get("cx"), c.findtext("title")) for c in root.iter("circle")] == [
        ("192.0", "2026-05-01 09:00 UTC: 1,150")
    ]


def test_a_point_with_another_offset_is_placed_at_its_instant() -> None:
    # 11:00 at +02:00 is 09:00 UTC: a quarter into 06:00..18:00 UTC, x 192 (not 11:00 UTC).
    at = datetime(2026, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    root = _svg(
        charts.p75_chart("LCP", [(at, 1150.0)], MAY_1, MAY_1 + timedelta(hours=12), (2500, 4000))
    )
    assert [c.get("cx") for c in root.iter("circle")] == ["192.0"]
    assert [c.findtext("title") for c in root.iter("circle")] == ["2026-05-01 09:00 UTC: 1,150"]


@pytest.mark.usefixtures("tokyo_machine")
def test_point_times_are_placed_and_labelled_in_utc_whatever_the_machines_zone() -> None:
    # On a UTC+9 machine, 09:00 without a zone is still 09:00 UTC (not 00:00 UTC, as local
    # time would be), and 11:00 at +02:00 is labelled 09:00 UTC (not 18:00, Tokyo's hour).
    naive = datetime(2026, 5, 1, 9, 0)
    other = datetime(2026, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    root = _svg(
        charts.p75_chart(
            "LCP",
            [(naive, 1150.0), (other, 1200.0)],
            MAY_1,
            MAY_1 + timedelta(hours=12),
            (2500, 4000),
        )
    )
    assert [(c.get("cx"), c.findtext("title")) for c in root.iter("circle")] == [
        ("192.0", "2026-05-01 09:00 UTC: 1,150"),
        ("192.0", "2026-05-01 09:00 UTC: 1,200"),
    ]


def test_values_under_one_have_two_decimals_and_the_others_none() -> None:
    points = [(MAY_1, 0.5), (MAY_1 + timedelta(hours=1), 1.0)]
    root = _svg(charts.p75_chart("CLS", points, MAY_1, MAY_1 + timedelta(hours=1), (0.1, 0.25)))
    assert [c.findtext("title") for c in root.iter("circle")] == [
        "2026-05-01 06:00 UTC: 0.50",
        "2026-05-01 07:00 UTC: 1",
    ]


def test_a_sparkline_of_the_default_size_scales_its_bars_to_the_highest_count() -> None:
    # 120 x 24, three steps of 40: count 1 of 3 is 8 high, count 3 fills the 24; none for 0.
    root = _svg(charts.sparkline([0, 1, 3]))
    assert (root.get("viewBox"), root.get("width"), root.get("height")) == (
        "0 0 120 24",
        "120",
        "24",
    )
    assert [r.attrib for r in root.iter("rect")] == [
        {"x": "40.0", "y": "16.0", "width": "39.0", "height": "8.0"},
        {"x": "80.0", "y": "0.0", "width": "39.0", "height": "24.0"},
    ]


def test_a_sparkline_of_one_count_of_one_is_one_full_bar() -> None:
    root = _svg(charts.sparkline([1]))
    assert [r.attrib for r in root.iter("rect")] == [
        {"x": "0.0", "y": "0.0", "width": "119.0", "height": "24.0"}
    ]


def test_sparkline_bars_are_at_least_one_wide() -> None:
    # Two steps in 2 pixels: 1 each, less the 1 of gap, still drawn 1 wide.
    root = _svg(charts.sparkline([1, 1], width=2))
    assert [(r.get("x"), r.get("width")) for r in root.iter("rect")] == [
        ("0.0", "1.0"),
        ("1.0", "1.0"),
    ]


def test_bars_of_percentages_in_the_smallest_width() -> None:
    # Three bars: 240 wide (the least), 80 a bar, each 56 wide from 12 past its step's start.
    # 50 is the tallest (110 high); 25 is 55 high; 12.5 is 27.5 high, all from the base 130.
    root = _svg(
        charts.bars([("Good", 50.0, "good"), ("Needs", 25.0, "ni"), ("Poor", 12.5, "poor")])
    )
    assert root.get("viewBox") == "0 0 240 160"
    assert [(r.attrib, r.findtext("title")) for r in root.iter("rect")] == [
        ({"class": "good", "x": "12.0", "y": "20.0", "width": "56.0", "height": "110.0"},
         "Good: 50.0%"),
        ({"class": "ni", "x": "92.0", "y": "75.0", "width": "56.0", "height": "55.0"},
         "Needs: 25.0%"),
        ({"class": "poor", "x": "172.0", "y": "102.5", "width": "56.0", "height": "27.5"},
         "Poor: 12.5%"),
    ]  # fmt: skip
    assert _texts(root) == [
        ("40.0", "16.0", "middle", "50.0%"),  # the value 4 above its bar, at its middle
        ("40.0", "144", "middle", "Good"),  # the label 14 under the base
        ("120.0", "71.0", "middle", "25.0%"),
        ("120.0", "144", "middle", "Needs"),
        ("200.0", "98.5", "middle", "12.5%"),
        ("200.0", "144", "middle", "Poor"),
    ]


def test_five_bars_widen_the_chart_to_60_each() -> None:
    root = _svg(charts.bars([(str(i), 10.0, "good") for i in range(5)]))
    assert root.get("viewBox") == "0 0 300 160"
    assert [(r.get("x"), r.get("width")) for r in root.iter("rect")] == [
        (x, "42.0") for x in ("9.0", "69.0", "129.0", "189.0", "249.0")
    ]


def test_one_bar_of_a_small_value_fills_the_whole_chart() -> None:
    # One bar: its step is the whole 240 (x 36, 168 wide); 0.5% is the tallest: 110 high.
    root = _svg(charts.bars([("Only", 0.5, "good")]))
    assert [r.attrib for r in root.iter("rect")] == [
        {"class": "good", "x": "36.0", "y": "20.0", "width": "168.0", "height": "110.0"}
    ]
    assert _texts(root)[0] == ("120.0", "16.0", "middle", "0.5%")


def test_bars_in_another_unit_show_whole_numbers_with_thousands_separated() -> None:
    root = _svg(charts.bars([("p75", 1234.0, "poor")], unit=" ms"))
    assert [r.findtext("title") for r in root.iter("rect")] == ["p75: 1,234 ms"]
    assert _texts(root)[0][3] == "1,234 ms"
