"""The report's queries, built for one scope (``scope.Scope``).

Where the figures come from: the hourly rollups when every filter and breakdown is one of
their segments (page group, device class, browser, country, connection) and the range is
48 hours or more, whole hours; the raw ``vitals`` table otherwise (a release or a custom
dimension, or a short range, where whole hours would blur the picture). Both compute p75
with the same bfloat16 quantile, so a figure does not change with its source. Each query
covers the scope and the previous period of the same length at once: the ``cur``
condition picks the first, its negation the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from collector.report.scope import Scope

METRICS = ("LCP", "INP", "CLS", "FCP", "TTFB")
ROLLUP_DIMENSIONS = frozenset({"page_group", "device_class", "browser", "country", "connection"})
PAGE_DIMENSIONS = frozenset({"page_group", "device_class"})
SHORTEST_ROLLUP = timedelta(hours=48)
RETAINED = timedelta(days=90)  # the raw tables' TTL
# Chart steps, in seconds: the first that draws the range in at most 200 points.
STEPS = (300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
# The numeric attribution web-vitals gives, as the beacon sends it (snake case).
PHASES = {
    "LCP": ("time_to_first_byte", "resource_load_delay", "resource_load_duration",
            "element_render_delay"),
    "INP": ("input_delay", "processing_duration", "presentation_delay"),
    "TTFB": ("cache_duration", "dns_duration", "connection_duration", "request_duration"),
}  # fmt: skip


@dataclass(frozen=True)
class Source:
    """A table the vitals are read from, and how to aggregate it."""

    table: str
    time: str
    rollup: bool

    def floor(self, parameter: str) -> str:
        moment = f"{{{parameter}:DateTime64(3, 'UTC')}}"
        return f"toStartOfHour({moment})" if self.rollup else moment

    def p75(self, cond: str) -> str:
        if self.rollup:
            return f"round(quantileBFloat16MergeIf(0.75)(value_state, {cond}), 3)"
        return f"round(quantileBFloat16If(0.75)(value, {cond}), 3)"

    def views(self, cond: str) -> str:
        return f"sumIf(page_views, {cond})" if self.rollup else f"countIf({cond})"

    def rated(self, rating: str, cond: str) -> str:
        if self.rollup:
            return f"sumIf({rating.replace('-', '_')}, {cond})"
        return f"countIf(rating = '{rating}' AND {cond})"


RAW = Source("vitals", "started_at", rollup=False)
EVENTS = Source("errors", "ts", rollup=False)  # errors, failures: the time they happened
SEGMENTS = Source("vitals_hourly", "hour", rollup=True)
PAGES = Source("vitals_hourly_pages", "hour", rollup=True)


def source(scope: Scope, by: str | None = None) -> Source:
    names = {d for d, _ in scope.filters} | ({by} if by else set())
    if scope.length < SHORTEST_ROLLUP or not names <= ROLLUP_DIMENSIONS or scope.bots:
        return RAW
    return PAGES if names <= PAGE_DIMENSIONS else SEGMENTS


def column(dimension: str) -> str:
    """A dimension as SQL: a column, or a custom dimension's value (its name is bound)."""
    if dimension.startswith("dims."):
        return f"dims['{dimension[5:]}']"  # scope.parse allows [A-Za-z0-9_] only
    return dimension


def parameters(scope: Scope) -> dict[str, Any]:
    values: dict[str, Any] = {
        "start": scope.start, "end": scope.end, "prev": scope.previous().start,
        "site": scope.site, "retained": min(scope.start, scope.end - RETAINED),
    }  # fmt: skip
    values.update({f"f{i}": value for i, (_, value) in enumerate(scope.filters)})
    return values


def where(
    scope: Scope, src: Source, *, previous: bool = True, skip: str = "", since: str = ""
) -> str:
    """Rows of the scope (and of the previous period, or from ``{since}``), site and
    filters applied (but the one on ``skip``)."""
    since = src.floor(since or ("prev" if previous else "start"))
    parts = [
        f"{src.time} >= {since}", f"{src.time} < {{end:DateTime64(3, 'UTC')}}",
        "({site:String} = '' OR site = {site:String})",
    ]  # fmt: skip
    if not src.rollup and not scope.bots:  # the rollups hold no bots
        parts.append("NOT is_bot")
    parts += [
        f"{column(d)} = {{f{i}:String}}" for i, (d, _) in enumerate(scope.filters) if d != skip
    ]
    return " AND ".join(parts)


def current(src: Source) -> str:
    return f"{src.time} >= {src.floor('start')}"


def step(scope: Scope) -> int:
    src = source(scope)
    seconds = scope.length.total_seconds()
    fits = [s for s in STEPS if seconds / s <= 200 and (s >= 3600 or not src.rollup)]
    return fits[0] if fits else STEPS[-1]


def summary(scope: Scope) -> str:
    """Per vital: p75 now and before, page views now and before, ratings now."""
    src, cur = source(scope), current(source(scope))
    return (
        f"SELECT metric, {src.p75(cur)} AS p75, {src.p75(f'NOT {cur}')} AS previous,"
        f" {src.views(cur)} AS views, {src.views(f'NOT {cur}')} AS previous_views,"
        f" {src.rated('good', cur)} AS good,"
        f" {src.rated('needs-improvement', cur)} AS needs_improvement,"
        f" {src.rated('poor', cur)} AS poor"
        f" FROM {src.table} WHERE {where(scope, src)} GROUP BY metric ORDER BY metric"
    )


def series(scope: Scope) -> str:
    """p75 of every vital per chart step over the scope."""
    src = source(scope)
    bucket = f"toStartOfInterval({src.time}, INTERVAL {step(scope)} SECOND)"
    return (
        f"SELECT {bucket} AS at, metric, {src.p75('1')} AS p75, {src.views('1')} AS views"
        f" FROM {src.table} WHERE {where(scope, src, previous=False)}"
        " GROUP BY at, metric ORDER BY at, metric"
    )


def page_views(src: Source, cond: str) -> str:
    """Page views: those of the vital reported most often (a rollup has no page view ids;
    every navigation reports TTFB, a page view cut short may report LCP alone)."""
    counts = ", ".join(src.views(f"metric = '{m}' AND {cond}") for m in METRICS)
    return f"greatest({counts})"


def breakdown(scope: Scope, dimension: str, limit: int = 10) -> str:
    """p75 of LCP, INP and CLS per value of a dimension, now and before; most viewed first.
    A dimension the scope filters on still lists its other values (as Plausible does)."""
    src, cur = source(scope, dimension), current(source(scope, dimension))
    figures = ", ".join(
        f"{src.p75(f'metric = {m!r} AND {cur}')} AS {m},"
        f" {src.p75(f'metric = {m!r} AND NOT {cur}')} AS {m}_previous"
        for m in ("LCP", "INP", "CLS")
    )
    return (
        f"SELECT {column(dimension)} AS segment, {page_views(src, cur)} AS views,"
        f" {page_views(src, f'NOT {cur}')} AS previous_views, {figures}"
        f" FROM {src.table} WHERE {where(scope, src, skip=dimension)}"
        f" GROUP BY segment HAVING views > 0 ORDER BY views DESC, segment LIMIT {limit}"
    )


def custom_dimensions(scope: Scope) -> str:
    """The custom dimensions page views carried in the scope (at most five)."""
    return (
        "SELECT key FROM vitals ARRAY JOIN mapKeys(dims) AS key"
        f" WHERE {where(scope, RAW, previous=False)}"
        " GROUP BY key ORDER BY count() DESC, key LIMIT 5"
    )
