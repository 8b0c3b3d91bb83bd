"""How the report page draws what it shows: the change against the previous period, the
p75 chart's geometry (its thresholds where the published values fall), sparklines, the
links of breakdown rows, the releases' flag; hand-written expectations for small inputs."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from collector.report import charts, findings, web
from collector.report.scope import parse

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_a_change_is_an_arrow_and_a_percentage_coloured_by_what_is_better() -> None:
    assert web.delta(3000.0, 2500.0) == (
        '<span class="delta worse" title="previous period: 2,500">▲ 20%</span>'
    )
    assert web.delta(2000.0, 2500.0) == (
        '<span class="delta better" title="previous period: 2,500">▼ 20%</span>'
    )
    assert web.delta(0.05, 0.1).startswith(
        '<span class="delta better" title="previous period: 0.100">▼ 50%'
    )
    assert web.delta(120, 100, None) == (
        '<span class="delta " title="previous period: 100">▲ 20%</span>'
    ), "a count has no colour"
    assert "=" in web.delta(1001.0, 1000.0), "under half a percent: unchanged"
    for before in (None, 0):
        assert ">new</span>" in web.delta(100.0, before)
    assert ">new</span>" in web.delta(None, 100.0)


def test_the_chart_draws_the_thresholds_where_their_values_fall() -> None:
    start = NOW - timedelta(hours=4)
    points = [(start + timedelta(hours=h), v) for h, v in ((0, 1000.0), (2, 3000.0), (4, 5000.0))]
    svg = charts.p75_chart("LCP", points, start, NOW, (2500, 4000))
    top = 5000 * 1.05  # the highest point, 5% of room above it
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM

    def y(value: float) -> float:
        return charts.TOP + plot * (1 - value / top)

    good = re.search(r'<line class="good" [^>]*y1="([0-9.]+)"', svg)
    poor = re.search(r'<line class="poor" [^>]*y1="([0-9.]+)"', svg)
    assert good
    assert poor
    assert float(good[1]) == round(y(2500), 1)
    assert float(poor[1]) == round(y(4000), 1)
    line = re.search(r'<polyline points="([^"]+)"', svg)
    assert line
    xs = [float(p.split(",")[0]) for p in line[1].split()]
    assert xs == [charts.LEFT, (charts.LEFT + charts.WIDTH - 4) / 2, charts.WIDTH - 4]
    assert "2026-12-02 10:00 UTC: 3,000" in svg, "a point's tooltip"
    assert 'aria-label="p75 LCP over time"' in svg


def test_a_chart_of_small_values_has_room_for_its_poor_threshold() -> None:
    svg = charts.p75_chart("CLS", [(NOW, 0.01)], NOW - timedelta(hours=1), NOW, (0.1, 0.25))
    poor = re.search(r'<line class="poor" [^>]*y1="([0-9.]+)"', svg)
    assert poor
    assert float(poor[1]) > charts.TOP, "the poor line is inside the chart, under its top"
    assert ">0.25</text>" in svg
    assert ">0.10</text>" in svg


def test_buckets_follow_the_engine_s_alignment() -> None:
    start = datetime(2026, 12, 2, 10, 7, tzinfo=UTC)
    steps = charts.buckets(start, start + timedelta(minutes=30), 900)
    assert steps == [datetime(2026, 12, 2, 10, m, tzinfo=UTC) for m in (0, 15, 30)]


def test_sparklines() -> None:
    svg = charts.sparkline([0, 2, 4], width=30, height=20)
    assert svg.count("<rect") == 2, "no bar where there was nothing"
    assert '<rect x="10.0" y="10.0" width="9.0" height="10.0"/>' in svg
    assert '<rect x="20.0" y="0.0" width="9.0" height="20.0"/>' in svg
    assert charts.blocks([1.0, None, 3.0, 2.0]) == "▁ █▅"
    assert charts.blocks([5.0, 5.0]) == "▁▁"
    assert charts.blocks(list(map(float, range(64))), width=32) == charts.blocks(
        [i * 2 + 0.5 for i in range(32)]
    ), "neighbours averaged down to the width"


def row(**values: Any) -> dict[str, Any]:
    base = {"segment": "/cart", "views": 10, "previous_views": 5, "LCP": 3000.0,
            "LCP_previous": 2000.0, "INP": 100.0, "INP_previous": 100.0, "CLS": 0.1,
            "CLS_previous": float("nan")}  # fmt: skip
    return base | values


def test_a_breakdown_row_links_to_the_page_with_its_filter_added() -> None:
    scope = parse({"range": "24h", "browser": "Chrome"}, NOW)
    section = web.breakdown(scope, "page_group", [row(), row(segment="a&b")])
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', section)]
    queries = [dict(parse_qsl(urlsplit(link).query)) for link in links]
    assert [urlsplit(link).path for link in links] == ["/report", "/report"]
    assert queries == [
        {"range": "24h", "browser": "Chrome", "page_group": "/cart"},
        {"range": "24h", "browser": "Chrome", "page_group": "a&b"},
    ]
    assert ">a&amp;b</a>" in section
    assert "▲ 50%" in section, "LCP 3,000 against 2,000"
    assert ">new</span>" in section, "CLS had no figure before"
    chosen = web.breakdown(parse({"page_group": "/cart"}, NOW), "page_group", [row()])
    assert '<tr class="chosen">' in chosen


def release(name: str, lcp: float, error_rate: float) -> dict[str, Any]:
    return {"release": name, "first_seen": NOW, "views": 100, "LCP": lcp, "INP": 100.0,
            "CLS": 0.1, "FCP": 1000.0, "TTFB": 500.0, "error_rate": error_rate}  # fmt: skip


def test_the_newest_release_is_flagged_when_it_did_worse() -> None:
    before = release("1", 2000.0, 0.02)
    assert findings.worse(release("2", 2200.0, 0.02), before) == [], "10% is within the margin"
    assert findings.worse(release("2", 2201.0, 0.02), before) == ["LCP"]
    assert findings.worse(release("2", 2000.0, 0.03), before) == ["errors"], "1.5 times, +1 point"
    assert findings.worse(release("2", 2000.0, 0.0299), before) == []
    assert findings.worse(release("2", 2000.0, 0.004), release("1", 2000.0, 0.002)) == [], "+0.2 pt"
    page = findings.releases([release("2", 3000.0, 0.02), before])
    assert '<tr class="flag"><td>2 (worse: LCP)</td>' in page
    assert "No release in this period" in findings.releases([])


def test_bars_are_as_tall_as_their_share_of_the_tallest() -> None:
    svg = charts.bars([("good", 4.0, "good"), ("poor", 1.0, "poor")])
    heights = [float(h) for h in re.findall(r'<rect class="[a-z]+" [^>]*height="([0-9.]+)"', svg)]
    assert heights == [110.0, 27.5], "the tallest fills 110 of 130 px; a quarter of it"
    assert ">4.0%</text>" in svg
    assert ">poor</text>" in svg
    assert '<rect class="poor"' in svg
    assert "<title>good: 4.0%</title>" in svg


@pytest.mark.parametrize(
    ("metric", "value", "colour"),
    [
        # The published thresholds: LCP good up to 2.5 s, poor above 4 s; CLS 0.1 and 0.25.
        ("LCP", 2500.0, "good-text"), ("LCP", 2500.5, "ni-text"), ("LCP", 4000.0, "ni-text"),
        ("LCP", 4000.5, "poor-text"), ("CLS", 0.1, "good-text"), ("CLS", 0.25, "ni-text"),
        ("CLS", 0.26, "poor-text"), ("INP", 200.0, "good-text"), ("INP", 501.0, "poor-text"),
    ],
)  # fmt: skip
def test_a_p75_is_coloured_by_its_rating_at_the_thresholds(
    metric: str, value: float, colour: str
) -> None:
    assert web._rating(metric, value) == colour


@pytest.mark.parametrize(
    ("bucket", "label"),
    [(0, "0-0.5s"), (2500, "2.5-3s"), (9500, "9.5-10s"), (10000, "10s+"), (12000, "10s+")],
)
def test_landing_lcp_buckets_are_labelled_by_their_half_second(bucket: int, label: str) -> None:
    assert findings._bucket(bucket) == label


@pytest.mark.parametrize(
    ("bucket", "colour"),
    [(0, "good"), (2000, "good"), (2500, "needs_improvement"), (3500, "needs_improvement"),
     (4000, "poor"), (10000, "poor")],
)  # fmt: skip
def test_landing_lcp_buckets_are_coloured_by_the_rating_of_their_values(
    bucket: int, colour: str
) -> None:
    # A bucket holds [bucket, bucket + 500) ms: LCP is good up to 2,500 ms, poor above 4,000.
    assert findings._bucket_rating(bucket) == colour
