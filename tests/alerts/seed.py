"""Deliberate traffic for the alert rules' tests, written straight into the raw tables with
INSERT ... SELECT over numbers(): page views at a steady rate, each with LCP, INP and CLS
spread evenly over a known range, some with an error or a failed request. The expected
figures follow from these parameters alone (``p75``), not from the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

VALUES = 100  # value n of a metric is median-ish x (0.5 + (n % 100) / 100): evenly spread


def p75(scale: float) -> float:
    """The p75 of a metric seeded with ``scale``: the 75th of 100 evenly spread values."""
    return scale * (0.5 + 74.25 / VALUES)


@dataclass(frozen=True)
class Traffic:
    site: str = "shop"
    page_group: str = "/product/:id"
    device_class: str = "mobile"
    per_hour: int = 240
    lcp: float = 1600.0
    inp: float = 120.0
    cls: float = 0.04
    release: str = "2026.11.0"
    browser: str = "Chrome"
    country: str = "US"
    error_every: int = 0  # one page view in N has an error (0: none)
    error: str = "boom"
    source: str = "https://shop.example/app.js"  # the error's script
    failure_every: int = 0  # one page view in N has a failed request to endpoint
    endpoint: str = "/api/cart"
    status: int = 500


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


PAGE_VIEWS = """
INSERT INTO page_views_data (ts, started_at, site, page_view_id, session_id, seq, url, host,
    path, page_group, navigation_type, release, device_class, browser, os, country,
    connection, is_bot)
SELECT t, t, {site:String}, id, concat('s', id), 0, concat('https://shop.example', pg),
       'shop.example', pg, pg, 'navigate', {release:String}, {device:String},
       {browser:String}, 'Android', {country:String}, '4g', false
FROM (SELECT {start:DateTime64(3, 'UTC')} + toIntervalMillisecond(number * {step:UInt64}) AS t,
             concat(lower(hex(toUnixTimestamp64Milli(t))), {tag:String}, toString(number)) AS id,
             {page_group:String} AS pg
      FROM numbers({n:UInt64}))
"""
VITALS = """
INSERT INTO vitals_data (ts, started_at, site, page_view_id, session_id, seq, metric, value,
    rating, host, path, page_group, navigation_type, release, device_class, browser, os,
    country, connection, is_bot)
SELECT t, t, {site:String}, id, concat('s', id), 0, m.1,
       m.2 * (0.5 + (number % 100) / 100) AS v, if(v <= m.3, 'good', 'poor'),
       'shop.example', pg, pg, 'navigate', {release:String}, {device:String},
       {browser:String}, 'Android', {country:String}, '4g', false
FROM (SELECT {start:DateTime64(3, 'UTC')} + toIntervalMillisecond(number * {step:UInt64}) AS t,
             concat(lower(hex(toUnixTimestamp64Milli(t))), {tag:String}, toString(number)) AS id,
             {page_group:String} AS pg, number
      FROM numbers({n:UInt64}))
ARRAY JOIN [('LCP', {lcp:Float64}, 2500.), ('INP', {inp:Float64}, 200.),
            ('CLS', {cls:Float64}, 0.1)] AS m
"""
ERRORS = """
INSERT INTO errors (ts, site, page_view_id, session_id, host, path, page_group, release,
    device_class, browser, os, country, connection, is_bot, kind, error_type, message, source,
    line, column, stack, count)
SELECT t, {site:String}, id, concat('s', id), 'shop.example', pg, pg, {release:String},
       {device:String}, {browser:String}, 'Android', {country:String}, '4g', false, 'error',
       'TypeError', {error:String}, {source:String}, 1, 1, '', 1
FROM (SELECT {start:DateTime64(3, 'UTC')} + toIntervalMillisecond(number * {step:UInt64}) AS t,
             concat(lower(hex(toUnixTimestamp64Milli(t))), {tag:String}, toString(number)) AS id,
             {page_group:String} AS pg, number
      FROM numbers({n:UInt64}))
WHERE number % {every:UInt64} = 0
"""
FAILURES = """
INSERT INTO failures (ts, site, page_view_id, session_id, host, path, page_group,
    navigation_type, release, device_class, browser, os, country, connection, is_bot, kind,
    initiator, method, url, endpoint, status, count)
SELECT t, {site:String}, id, concat('s', id), 'shop.example', pg, pg, 'navigate',
       {release:String}, {device:String}, {browser:String}, 'Android', {country:String}, '4g',
       false, 'request', 'fetch', 'POST', concat('https://shop.example', {endpoint:String}),
       {endpoint:String}, {status:UInt16}, 1
FROM (SELECT {start:DateTime64(3, 'UTC')} + toIntervalMillisecond(number * {step:UInt64}) AS t,
             concat(lower(hex(toUnixTimestamp64Milli(t))), {tag:String}, toString(number)) AS id,
             {page_group:String} AS pg, number
      FROM numbers({n:UInt64}))
WHERE number % {every:UInt64} = 0
"""


def seed(client: Client, traffic: Traffic, start: datetime, end: datetime, tag: str) -> int:
    """Page views of ``traffic`` from ``start`` to ``end``; returns how many."""
    step = int(3_600_000 / traffic.per_hour)
    n = int((end - start).total_seconds() * 1000) // step
    params: dict[str, Any] = {
        "site": traffic.site, "release": traffic.release, "device": traffic.device_class,
        "browser": traffic.browser, "country": traffic.country, "start": _stamp(start),
        "step": step, "tag": tag, "page_group": traffic.page_group, "n": n,
        "lcp": traffic.lcp, "inp": traffic.inp, "cls": traffic.cls, "error": traffic.error,
        "source": traffic.source, "endpoint": traffic.endpoint, "status": traffic.status,
    }  # fmt: skip
    client.command(PAGE_VIEWS, parameters=params)
    client.command(VITALS, parameters=params)
    if traffic.error_every:
        client.command(ERRORS, parameters={**params, "every": traffic.error_every})
    if traffic.failure_every:
        client.command(FAILURES, parameters={**params, "every": traffic.failure_every})
    return n


ROLLUP = """
INSERT INTO vitals_hourly_data
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, metric, page_group,
       device_class, browser, country, connection, count() AS page_views,
       countIf(rating = 'good'), countIf(rating = 'needs-improvement'),
       countIf(rating = 'poor'), quantileBFloat16State(value)
FROM vitals WHERE NOT is_bot
GROUP BY hour, site, metric, page_group, device_class, browser, country, connection
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0
"""
PAGES = """
INSERT INTO vitals_hourly_pages_data
SELECT hour, now64(3), site, metric, page_group, device_class, sum(page_views), sum(good),
       sum(needs_improvement), sum(poor), quantileBFloat16MergeState(value_state)
FROM vitals_hourly GROUP BY hour, site, metric, page_group, device_class
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0
"""


def fill_rollups(client: Client) -> None:
    """The hourly rollups of every hour seeded, as the refreshable views write the last 48
    hours of (a history written straight into the tables is older than that)."""
    client.command(ROLLUP)
    client.command(PAGES)


def history(client: Client, traffic: Traffic, now: datetime, days: int = 8, tag: str = "h") -> int:
    """``days`` of ``traffic`` up to an hour before ``now``."""
    return seed(client, traffic, now - timedelta(days=days), now - timedelta(hours=1), tag)
