"""Where the report reads from and in what steps it charts, at the boundaries the docs give:
the rollups from 48 hours on (without bots, and with only their own dimensions as filters),
at most 200 points a chart, hourly steps at least from the rollups. Expectations worked out
by hand; times as aware UTC whatever the machine's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from collector.report import build, findings, queries
from collector.report.scope import Scope

END = datetime(2026, 12, 2, 12, tzinfo=UTC)


def scope(length: timedelta, *filters: str) -> Scope:
    return Scope(start=END - length, end=END, filters=tuple((f, "x") for f in filters))


def test_the_rollups_serve_from_exactly_48_hours() -> None:
    assert queries.source(scope(timedelta(hours=48))) is queries.PAGES
    assert queries.source(scope(timedelta(hours=47))) is queries.RAW


def test_pages_serve_page_group_and_device_filters_segments_the_other_rollup_dimensions() -> None:
    day2 = timedelta(days=2)
    assert queries.source(scope(day2, "device_class", "page_group")) is queries.PAGES
    assert queries.source(scope(day2, "page_group")) is queries.PAGES
    every = ("browser", "connection", "country", "device_class")
    assert queries.source(scope(day2, *every), by="page_group") is queries.SEGMENTS
    assert queries.source(scope(day2, "release")) is queries.RAW


def test_a_chart_has_at_most_200_points_and_hourly_steps_from_the_rollups() -> None:
    assert queries.step(scope(timedelta(seconds=200 * 300))) == 300  # exactly 200 points
    assert queries.step(scope(timedelta(seconds=201 * 300))) == 900
    assert queries.step(scope(timedelta(hours=48))) == 3600  # 48 points, from the rollups


@pytest.mark.usefixtures("tokyo_machine")
def test_times_come_out_as_aware_utc_whatever_the_client_returned() -> None:
    naive = datetime(2026, 12, 2, 10, 30)  # the engine's UTC, without its zone
    assert build.utc(naive) == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    tokyo = datetime(2026, 12, 2, 19, 30, tzinfo=timezone(timedelta(hours=9)))
    assert build.utc(tokyo).tzinfo is UTC
    assert build.utc(tokyo) == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    assert build.utc(tokyo).hour == 10
    assert build.utc(42) == 42


def test_figures_under_1_have_three_decimals_from_1_they_are_whole() -> None:
    assert findings.figure(0.999) == "0.999"
    assert findings.figure(1.0) == "1"
    assert findings.figure(1.5) == "2"
    assert findings.figure(1.5, "CLS") == "1.500"
