"""What a report covers, read from the page's URL or the command's options: ranges, custom
periods, filters; what cannot be honoured is refused with a message, never bent into
something else (``days=0`` used to become one day, ``days=100000`` 400)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest

from collector.report.scope import Scope, ScopeError, parse

NOW = datetime(2026, 12, 2, 12, 30, tzinfo=UTC)
BOTH = "give either range or since/until, not both"
UNKNOWN = (
    "unknown parameter 'pagegroup': use range, since, until, site, bots, or a filter"
    " (page_group, device_class, browser, country, connection, release, dims.NAME)"
)


@pytest.mark.parametrize(
    ("query", "length", "label"),
    [
        ({}, timedelta(days=7), "last 7 days"),
        ({"range": "1h"}, timedelta(hours=1), "last hour"),
        ({"range": "24h"}, timedelta(hours=24), "last 24 hours"),
        ({"range": "30d"}, timedelta(days=30), "last 30 days"),
        ({"range": "1d"}, timedelta(days=1), "last day"),
        ({"days": "3"}, timedelta(days=3), "last 3 days"),
        ({"days": "1"}, timedelta(days=1), "last day"),
        ({"range": "400d"}, timedelta(days=400), "last 400 days"),
    ],
)
def test_a_range_ends_now(query: dict[str, str], length: timedelta, label: str) -> None:
    scope = parse(query, NOW)
    assert (scope.start, scope.end) == (NOW - length, NOW)
    assert scope.label() == label
    previous = scope.previous()
    assert (previous.start, previous.end) == (NOW - 2 * length, NOW - length)


@pytest.mark.parametrize(
    ("length", "words"),
    [(timedelta(hours=1), "hour"), (timedelta(hours=36), "36 hours"), (timedelta(days=1), "day"),
     (timedelta(days=2), "2 days"), (timedelta(days=7), "7 days"),
     (timedelta(days=400), "400 days"), (timedelta(minutes=90, seconds=1), "2 hours")],
)  # fmt: skip
def test_the_length_of_a_period_in_words(length: timedelta, words: str) -> None:
    assert Scope(start=NOW - length, end=NOW).length_words() == words


def test_a_custom_period_is_utc_unless_it_says_otherwise() -> None:
    scope = parse({"since": "2026-11-01T00:00", "until": "2026-11-03 06:00+01:00"}, NOW)
    assert scope.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert scope.end == datetime(2026, 11, 3, 5, tzinfo=UTC)
    assert scope.label() == "2026-11-01 00:00 UTC to 2026-11-03 05:00 UTC"
    assert scope.length_words() == "53 hours"
    assert scope.previous().start == datetime(2026, 10, 29, 19, tzinfo=UTC)
    assert parse({"since": "2026-12-01T12:30"}, NOW).end == NOW, "until defaults to now"
    future = parse({"since": "2026-12-02T00:00", "until": "2026-12-09T00:00"}, NOW)
    assert future.end == NOW, "nothing after now is shown as an empty tail"


@pytest.mark.usefixtures("tokyo_machine")
def test_a_custom_period_ignores_the_machines_time_zone() -> None:
    scope = parse({"since": "2026-11-01T00:00", "until": "2026-11-03 06:00+01:00"}, NOW)
    assert (scope.start, scope.end) == (
        datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, 5, tzinfo=UTC),
    )  # fmt: skip
    assert scope.label() == "2026-11-01 00:00 UTC to 2026-11-03 05:00 UTC"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"days": "0"}, "days 0: a whole number of days from 1"),
        ({"days": "-3"}, "days -3: a whole number of days from 1"),
        ({"days": "x"}, "days x: a whole number of days from 1"),
        ({"days": "100000"}, "the rollups keep 13 months"),
        ({"range": "401d"}, "the rollups keep 13 months"),
        ({"range": "0h"}, "write a number of hours or days, such as 24h or 7d"),
        ({"range": "7 days"}, "write a number of hours or days"),
        ({"range": "1w"}, "write a number of hours or days"),
        ({"since": "yesterday"}, "since 'yesterday' is not a time"),
        ({"since": "2026-12-01T00:00", "until": "soon"}, "until 'soon' is not a time"),
        ({"since": "2026-12-01T00:00", "until": "2026-12-01T00:00"}, "since must be before until"),
        ({"since": "2026-12-02T00:00", "until": "2026-12-01T00:00"}, "since must be before until"),
        ({"until": "2026-12-01T00:00"}, "until needs a since"),
        ({"since": "2026-12-01T00:00", "range": "7d"}, BOTH),
        ({"until": "2026-12-01T00:00", "days": "7"}, BOTH),
        ({"since": "2024-01-01T00:00"}, "the rollups keep 13 months"),
        ({"pagegroup": "/cart"}, UNKNOWN),
        ({"dims.a-b": "x"}, "a custom dimension's name is letters, digits, _"),
        ({"browser": "x" * 257}, "a value of 256 characters at most"),
        ({"site": "s" * 65}, "site: a site key of 64 characters at most"),
        ({"bots": "yes"}, "bots 'yes': include or exclude"),
    ],
)
def test_what_cannot_be_honoured_is_refused_with_what_to_write(
    query: dict[str, str], message: str
) -> None:
    """Each message as written (after the name of the parameter it is about, if any)."""
    with pytest.raises(ScopeError, match="^(.*: )?" + re.escape(message)):
        parse(query, NOW)


def test_too_many_filters_are_refused() -> None:
    query = {f"dims.d{i}": "x" for i in range(9)}
    with pytest.raises(ScopeError, match="9 filters: 8 at most"):
        parse(query, NOW)


def test_the_limits_themselves_are_allowed() -> None:
    eight = parse({"site": "s" * 64} | {f"dims.d{i}": "x" * 256 for i in range(8)}, NOW)
    assert eight.site == "s" * 64
    assert eight.filters == tuple((f"dims.d{i}", "x" * 256) for i in range(8))
    longest = parse({"since": "2025-10-28T12:30", "until": "2026-12-02T12:30"}, NOW)
    assert longest.end - longest.start == timedelta(days=400)


def test_filters_compose_and_a_link_keeps_the_whole_scope() -> None:
    scope = parse({"range": "24h", "site": "shop", "browser": "Chrome"}, NOW)
    both = scope.with_filter("page_group", "/product/:id")
    assert both.filters == (("browser", "Chrome"), ("page_group", "/product/:id"))
    assert both.with_filter("browser", "Edge").value("browser") == "Edge", "one value a filter"
    assert both.without("browser").filters == (("page_group", "/product/:id"),)
    again = parse(dict(parse_qsl(both.query()[1:])), NOW)
    assert again == both
    custom = parse({"since": "2026-11-01T00:00", "until": "2026-11-02T00:00", "dims.ab": "B"}, NOW)
    assert parse(dict(parse_qsl(custom.query()[1:])), NOW) == custom
    assert both.query() == "?range=24h&site=shop&browser=Chrome&page_group=%2Fproduct%2F%3Aid"


def test_bots_are_left_out_unless_asked_for() -> None:
    assert parse({}, NOW).bots is False
    assert parse({"bots": "exclude"}, NOW).bots is False
    scope = parse({"bots": "include", "range": "1h"}, NOW)
    assert scope.bots is True
    assert scope.query() == "?range=1h&bots=include"
    assert parse(dict(parse_qsl(scope.query()[1:])), NOW) == scope
