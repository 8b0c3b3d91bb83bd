"""The report's queries on the raw tables: releases, errors worth fixing, and the drill-down
of one page group (what the LCP element, the slow interactions, the server's response and
the long frames were). Attribution lives only in the raw rows, kept 90 days.
"""

from __future__ import annotations

from collector.report.queries import EVENTS, METRICS, PHASES, RAW, step, where
from collector.report.scope import Scope

RELEASES = 5


def _p75(metric: str, value: str = "value") -> str:
    return f"round(quantileBFloat16If(0.75)({value}, metric = '{metric}'), 3)"


def releases(scope: Scope) -> str:
    """The latest releases seen in the scope (newest first): page views and p75 per vital."""
    figures = ", ".join(f"{_p75(m)} AS {m}" for m in METRICS)
    return (
        "SELECT release, min(started_at) AS first_seen, uniqExact(page_view_id) AS views,"
        f" {figures} FROM vitals WHERE {where(scope, RAW, previous=False)} AND release != ''"
        f" GROUP BY release ORDER BY first_seen DESC LIMIT {RELEASES}"
    )


def release_errors(scope: Scope) -> str:
    """Page views with an error, per release."""
    return (
        "SELECT release, uniqExact(page_view_id) AS page_views FROM errors"
        f" WHERE {where(scope, EVENTS, previous=False)} AND release != '' GROUP BY release"
    )


def errors(scope: Scope, limit: int = 20) -> str:
    """Errors by fingerprint, those affecting the most sessions first. First seen looks over
    the whole 90 days kept, so that an error new in this period shows as new."""
    cur = "ts >= {start:DateTime64(3, 'UTC')}"
    return (
        "SELECT toString(fingerprint) AS fingerprint, any(error_type) AS type,"
        " any(message) AS message, min(ts) AS first_seen, maxIf(ts, {cur}) AS last_seen,"
        " sumIf(count, {cur}) AS occurrences, uniqExactIf(page_view_id, {cur}) AS page_views,"
        " uniqExactIf(session_id, {cur}) AS sessions,"
        " arraySort(groupUniqArrayIf(4)(page_group, {cur})) AS pages,"
        " arraySort(groupUniqArrayIf(4)(browser, {cur})) AS browsers,"
        " argMaxIf(stack, ts, {cur} AND stack != '') AS example_stack,"
        " argMaxIf(release, ts, {cur} AND stack != '') AS example_release,"
        " argMaxIf(site, ts, {cur} AND stack != '') AS example_site,"
        " argMaxIf(source, ts, {cur}) AS example_source"
        f" FROM errors WHERE {where(scope, EVENTS, since='retained')}"
        " GROUP BY fingerprint HAVING occurrences > 0"
        f" ORDER BY sessions DESC, occurrences DESC, fingerprint LIMIT {limit}"
    ).replace("{cur}", cur)


def error_trend(scope: Scope) -> str:
    """Occurrences per chart step of the errors ``errors`` lists (``{fingerprints}``)."""
    return (
        f"SELECT toString(fingerprint) AS fingerprint, toStartOfInterval(ts,"
        f" INTERVAL {step(scope)} SECOND) AS at, sum(count) AS occurrences FROM errors"
        f" WHERE {where(scope, EVENTS, previous=False)}"
        " AND toString(fingerprint) IN {fingerprints:Array(String)}"
        " GROUP BY fingerprint, at ORDER BY at"
    )


def _phases(metric: str) -> str:
    return ", ".join(
        f"round(quantileBFloat16(0.75)(phases['{p}']), 1) AS {p}" for p in PHASES[metric]
    )


def lcp_elements(scope: Scope) -> str:
    """The LCP elements and resources of the scope, with p75 of LCP and of its sub-parts."""
    return (
        "SELECT target AS element, resource_url AS resource, count() AS views,"
        f" round(quantileBFloat16(0.75)(value), 1) AS LCP, {_phases('LCP')} FROM vitals"
        f" WHERE {where(scope, RAW, previous=False)} AND metric = 'LCP'"
        " GROUP BY element, resource ORDER BY views DESC, element LIMIT 10"
    )


def interactions(scope: Scope) -> str:
    """The elements people interacted with, by interaction type: p75 INP and its phases."""
    return (
        "SELECT target AS element, interaction_type AS type, count() AS views,"
        f" round(quantileBFloat16(0.75)(value), 1) AS INP, {_phases('INP')} FROM vitals"
        f" WHERE {where(scope, RAW, previous=False)} AND metric = 'INP'"
        " GROUP BY element, type ORDER BY views DESC, element LIMIT 10"
    )


def ttfb(scope: Scope) -> str:
    """Where the time to first byte went: p75 of each part."""
    return (
        f"SELECT count() AS views, round(quantileBFloat16(0.75)(value), 1) AS TTFB,"
        f" {_phases('TTFB')} FROM vitals"
        f" WHERE {where(scope, RAW, previous=False)} AND metric = 'TTFB'"
    )


def failed_requests(scope: Scope) -> str:
    """Failed requests and resources, from the raw table (any filter applies)."""
    return (
        "SELECT kind, endpoint, method, if(status = 0, 'network error', toString(status))"
        " AS status, sum(count) AS occurrences, uniqExact(page_view_id) AS page_views,"
        " uniqExact(session_id) AS sessions FROM failures"
        f" WHERE {where(scope, EVENTS, previous=False)}"
        " GROUP BY kind, endpoint, method, status ORDER BY occurrences DESC LIMIT 20"
    )


def long_frames(scope: Scope) -> str:
    """The scripts behind long animation frames, by blocking time."""
    return (
        "SELECT page_group, s.url AS script, s.function AS function,"
        " sum(s.blocking_ms) AS blocking_ms, uniqExact(page_view_id) AS page_views"
        f" FROM page_views ARRAY JOIN loaf_scripts AS s WHERE {where(scope, RAW, previous=False)}"
        " GROUP BY page_group, script, function ORDER BY blocking_ms DESC LIMIT 20"
    )


def routes(scope: Scope) -> str:
    """An SPA's routes: p75 of soft navigations next to hard ones."""
    scoped = where(scope, RAW, previous=False)
    return (
        "SELECT page_group AS route,"
        " if(navigation_type = 'soft-navigation', 'soft', 'hard') AS navigation,"
        " quantileIf(0.75)(value, metric = 'LCP') AS LCP,"
        " quantileIf(0.75)(value, metric = 'INP') AS INP, uniqExact(page_view_id) AS page_views"
        f" FROM vitals WHERE {scoped} AND page_group IN (SELECT page_group"
        f" FROM vitals WHERE {scoped} AND navigation_type = 'soft-navigation')"
        " GROUP BY route, navigation ORDER BY route, navigation"
    )
