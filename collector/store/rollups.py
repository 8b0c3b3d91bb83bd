"""Roll up hours that the refreshable views do not cover: a history written after the fact.

A collector's refreshable views (migrations 0004, 0006 and 0011) recompute the last 48 hours
every minute; an hour older than that keeps the rollup it had when it left the window. Rows
written later for older hours (``rumhouse simulate --days``) need their hours rolled up
once: these statements compute them as the refreshes do, for the hours in
``[{start}, {end})``, each hour as one new version (the rollup views read the latest
version of each hour): the vitals by every segment, then by page group and device class
from those, the sessions that started in those hours (one row each, in ``sessions_data``),
then those sessions by hour.

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
# The sessions that started in those hours, as sessions_refresh computes them (migration
# 0011), into sessions_data: rows from 6 hours either side of the hours, so that a session
# that started before them is recognised and left out, and one that goes on after them is
# whole (rum.js ends a session after 30 idle minutes; one going on for more than 6 hours
# past them is cut there).
SESSIONS = """
INSERT INTO sessions_data (site, session_id, version, started_at, ended_at, page_views,
    entry_page_view_id, entry_page_group, device_class, browser, country, connection, release,
    landing_lcp, landing_lcp_rating, landing_lcp_bucket, worst_inp, worst_inp_rating, errors,
    failures, bounced, converted, conversions, revenue)
SELECT site, session_id, now64(3) AS version, started_at, ended_at, page_views,
       entry.1 AS entry_page_view_id, entry.2 AS entry_page_group, entry.3 AS device_class,
       entry.4 AS browser, entry.5 AS country, entry.6 AS connection, entry.7 AS release,
       landing.2 AS landing_lcp, landing.3 AS landing_lcp_rating,
       if(landing_lcp IS NULL, NULL,
          toUInt32(least(intDiv(toUInt64(landing_lcp), 500) * 500, 10000))) AS landing_lcp_bucket,
       worst_inp, worst_inp_rating, errors, failures,
       toUInt8(page_views = 1 AND events = 0) AS bounced,
       toUInt8(length(sales) > 0) AS converted, length(sales) AS conversions,
       arraySum(s -> ifNull(s.4, 0), sales) AS revenue
FROM (
    SELECT site, session_id,
           minIf(started, kind = 'page_view') AS started_at, max(ts) AS ended_at,
           countIf(kind = 'page_view') AS page_views,
           argMinIf((page_view_id, page_group, device_class, browser, country, connection,
                     release), (started, page_view_id), kind = 'page_view') AS entry,
           arrayFirst(l -> l.1 = entry.1, groupArrayIf((page_view_id, value, rating),
                                                     kind = 'LCP')) AS landing,
           maxIfOrNull(value, kind = 'INP') AS worst_inp,
           ifNull(argMaxIf(rating, value, kind = 'INP'), '') AS worst_inp_rating,
           uniqExactIf(page_view_id, kind = 'error') AS errors,
           uniqExactIf(page_view_id, kind = 'failure') AS failures,
           countIf(kind = 'event') AS events,
           groupUniqArrayIf((page_view_id, seq, position, value), conversion) AS sales
    FROM (
        SELECT site, session_id, page_view_id, 'page_view' AS kind, started_at AS started, ts,
               page_group, device_class, browser, country, connection, release,
               CAST(NULL, 'Nullable(Float64)') AS value, '' AS rating, false AS conversion,
               0 AS seq, 0 AS position
        FROM page_views
        WHERE started_at >= {start:DateTime('UTC')} - INTERVAL 6 HOUR
          AND started_at < {end:DateTime('UTC')} + INTERVAL 6 HOUR AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, metric, started_at, ts, '', '', '', '', '', '',
               value, rating, false, 0, 0
        FROM vitals
        WHERE metric IN ('LCP', 'INP')
          AND started_at >= {start:DateTime('UTC')} - INTERVAL 6 HOUR
          AND started_at < {end:DateTime('UTC')} + INTERVAL 6 HOUR AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'event', ts, ts, '', '', '', '', '', '',
               value, '', conversion, seq, position
        FROM events
        WHERE ts >= {start:DateTime('UTC')} - INTERVAL 6 HOUR
          AND ts < {end:DateTime('UTC')} + INTERVAL 6 HOUR AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'error', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM errors
        WHERE ts >= {start:DateTime('UTC')} - INTERVAL 6 HOUR
          AND ts < {end:DateTime('UTC')} + INTERVAL 6 HOUR AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'failure', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM failures
        WHERE ts >= {start:DateTime('UTC')} - INTERVAL 6 HOUR
          AND ts < {end:DateTime('UTC')} + INTERVAL 6 HOUR AND NOT is_bot
    )
    GROUP BY site, session_id
    HAVING page_views > 0
)
WHERE started_at >= {start:DateTime('UTC')} AND started_at < {end:DateTime('UTC')}
"""
# Those sessions by the hour they started, as sessions_hourly_refresh sums them.
BY_SESSION = """
INSERT INTO sessions_hourly_data (hour, version, site, device_class, entry_page_group,
    landing_lcp_rating, landing_lcp_bucket, worst_inp_rating, sessions, page_views, bounced,
    converted, conversions, revenue)
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, device_class,
       entry_page_group, landing_lcp_rating, landing_lcp_bucket, worst_inp_rating,
       count() AS sessions, sum(page_views) AS page_views, sum(bounced) AS bounced,
       sum(converted) AS converted, sum(conversions) AS conversions, sum(revenue) AS revenue
FROM sessions
WHERE started_at >= {start:DateTime('UTC')} AND started_at < {end:DateTime('UTC')}
GROUP BY hour, site, device_class, entry_page_group, landing_lcp_rating, landing_lcp_bucket,
         worst_inp_rating
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
        for statement in (BY_SEGMENT, BY_PAGE, SESSIONS, BY_SESSION):
            client.command(statement, parameters=params)
        at = upto
    return int((last - first) / timedelta(hours=1))
