"""Roll up hours that the refreshable views do not cover: a history written after the fact.

A collector's refreshable views (migrations 0004 and 0006) recompute the last 48 hours every
minute; an hour older than that keeps the rollup it had when it left the window. Rows
written later for older hours (``rumhouse simulate --days``) need their hours rolled up
once: these statements compute them as the refreshes do, for the hours in
``[{start}, {end})``, each hour as one new version (the rollup views read the latest
version of each hour), by every segment, then by page group and device class from those.

They are INSERT ... SELECT statements on rumhouse's own tables, so they run the same
way on chDB, on a ClickHouse server, and through a collector's SQL endpoint as a writer.
A test compares them with the refreshes' own results.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from clickhouse_connect.driver.client import Client

BY_SEGMENT = """
INSERT INTO vitals_hourly_data (hour, version, site, metric, page_group, device_class, browser,
    country, connection, page_views, good, needs_improvement, poor, value_state)
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, metric, page_group,
       device_class, browser, country, connection,
       count() AS page_views,
       countIf(rating = 'good') AS good,
       countIf(rating = 'needs-improvement') AS needs_improvement,
       countIf(rating = 'poor') AS poor,
       quantileBFloat16State(value) AS value_state
FROM vitals
WHERE started_at >= {start:DateTime('UTC')} AND started_at < {end:DateTime('UTC')}
  AND NOT is_bot
GROUP BY hour, site, metric, page_group, device_class, browser, country, connection
"""
BY_PAGE = """
INSERT INTO vitals_hourly_pages_data (hour, version, site, metric, page_group, device_class,
    page_views, good, needs_improvement, poor, value_state)
SELECT hour, now64(3) AS version, site, metric, page_group, device_class,
       sum(page_views) AS page_views, sum(good) AS good,
       sum(needs_improvement) AS needs_improvement, sum(poor) AS poor,
       quantileBFloat16MergeState(value_state) AS value_state
FROM vitals_hourly
WHERE hour >= {start:DateTime('UTC')} AND hour < {end:DateTime('UTC')}
GROUP BY hour, site, metric, page_group, device_class
"""
STEP = timedelta(days=1)  # hours per statement: bounded memory for any length of history


def hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole hours that hold ``[start, end)``."""
    first = start.replace(minute=0, second=0, microsecond=0)
    last = end.replace(minute=0, second=0, microsecond=0)
    return first, last + timedelta(hours=1) if last < end else last


def roll_up(client: Client, start: datetime, end: datetime) -> int:
    """Roll up every hour that holds part of ``[start, end)``; the number of hours."""
    first, last = hours(start, end)
    at = first
    while at < last:
        upto = min(at + STEP, last)
        params = {"start": at.replace(tzinfo=None), "end": upto.replace(tzinfo=None)}
        for statement in (BY_SEGMENT, BY_PAGE):
            client.command(statement, parameters=params)
        at = upto
    return int((last - first) / timedelta(hours=1))
