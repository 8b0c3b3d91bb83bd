"""Experience and revenue: how sessions converted, bounced and spent by the speed of their
landing page, and the revenue at risk where it was slow.

Read from the hourly ``sessions_hourly`` rollup (sessions counted in the hour they
started) when every filter is one it holds (page group, as the entry page group, and device
class), else from the ``sessions`` view (also browser, country, connection, release). No
session figure holds custom dimensions: such a filter is named as not applied. Sessions
never include bots. Correlation, not proof: the page says so beside the figures.
"""

from __future__ import annotations

from typing import Any

from collector.report.scope import Scope

RATINGS = ("good", "needs-improvement", "poor")
ROLLUP = {"page_group": "entry_page_group", "device_class": "device_class"}
VIEW = ROLLUP | {"browser": "browser", "country": "country", "connection": "connection",
                 "release": "release"}  # fmt: skip
MIN_SESSIONS = 30  # a bucket with fewer sessions is left out of the chart: its rate is noise
CAVEAT = (
    "Sessions that landed on a fast page may differ in other ways (intent, device, campaign):"
    " these figures are a correlation, not a proof that speed alone would bring the revenue."
)


def rollup(scope: Scope) -> bool:
    return all(d in ROLLUP for d, _ in scope.filters)


def skipped(scope: Scope) -> list[str]:
    """The scope's filters this section cannot apply."""
    return [d for d, _ in scope.filters if d not in VIEW]


def _where(scope: Scope) -> tuple[str, str]:
    """The table and its conditions for the scope (the previous period is not read)."""
    columns = ROLLUP if rollup(scope) else VIEW
    if rollup(scope):
        table, since = "sessions_hourly", "hour >= toStartOfHour({start:DateTime64(3, 'UTC')})"
        until = "hour < {end:DateTime64(3, 'UTC')}"
    else:
        table, since = "sessions", "started_at >= {start:DateTime64(3, 'UTC')}"
        until = "started_at < {end:DateTime64(3, 'UTC')}"
    parts = [since, until, "({site:String} = '' OR site = {site:String})"]
    parts += [
        f"{columns[d]} = {{f{i}:String}}" for i, (d, _) in enumerate(scope.filters) if d in columns
    ]
    return table, " AND ".join(parts)


def _sessions(scope: Scope) -> str:
    """The rollup holds counts (summed); the view one row per session (counted)."""
    return "sum(h.sessions)" if rollup(scope) else "count()"


def by_rating(scope: Scope) -> str:
    """Conversion, bounce and revenue per session by landing LCP rating and device class;
    ``all`` rows for every device class together."""
    table, where = _where(scope)
    return (
        "SELECT if(grouping(device_class) = 1, 'all', device_class) AS device,"
        f" landing_lcp_rating AS rating, {_sessions(scope)} AS sessions_,"
        " sum(converted) / sessions_ AS conversion_rate, sum(bounced) / sessions_ AS bounce_rate,"
        " sum(revenue) / sessions_ AS revenue_per_session"
        f" FROM {table} AS h WHERE {where} AND landing_lcp_rating != ''"
        " GROUP BY GROUPING SETS ((landing_lcp_rating), (device_class, landing_lcp_rating))"
        " ORDER BY device = 'all' DESC, device,"
        " indexOf(['good', 'needs-improvement', 'poor'], rating)"
    )


def by_bucket(scope: Scope) -> str:
    """Conversion rate per 500 ms of landing LCP (10 s and more in one bucket), buckets of
    ``MIN_SESSIONS`` sessions or more."""
    table, where = _where(scope)
    return (
        f"SELECT landing_lcp_bucket AS bucket, {_sessions(scope)} AS sessions_,"
        " sum(converted) / sessions_ AS conversion_rate"
        f" FROM {table} AS h WHERE {where} AND landing_lcp_bucket IS NOT NULL"
        f" GROUP BY bucket HAVING sessions_ >= {MIN_SESSIONS} ORDER BY bucket"
    )


def at_risk(scope: Scope) -> str:
    """Per device class and entry page group: what the sessions with a poor landing LCP would
    have brought at the conversion rate and order value of the good ones, minus what they
    brought (where both kinds of sessions exist)."""
    table, where = _where(scope)
    sessions = "h.sessions" if rollup(scope) else "1"
    return (
        "SELECT device_class, entry_page_group,"
        f" sumIf({sessions}, landing_lcp_rating = 'poor') AS poor_sessions,"
        f" sumIf({sessions}, landing_lcp_rating = 'good') AS good_sessions,"
        " sumIf(converted, landing_lcp_rating = 'good') AS good_conversions,"
        " good_conversions / good_sessions AS good_conversion_rate,"
        " sumIf(revenue, landing_lcp_rating = 'good') / nullIf(good_conversions, 0)"
        " AS good_order_value, sumIf(revenue, landing_lcp_rating = 'poor') AS poor_revenue,"
        " poor_sessions * good_conversion_rate * ifNull(good_order_value, 0) AS expected_revenue,"
        " expected_revenue - poor_revenue AS revenue_at_risk"
        f" FROM {table} AS h WHERE {where}"
        " GROUP BY device_class, entry_page_group HAVING poor_sessions > 0 AND good_sessions > 0"
        " ORDER BY revenue_at_risk DESC, device_class, entry_page_group"
    )


def total_at_risk(rows: list[dict[str, Any]]) -> float:
    return float(sum(max(r["revenue_at_risk"], 0.0) for r in rows))
