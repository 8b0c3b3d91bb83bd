"""Run a report's queries for one scope and gather their answers.

The page (``GET /report`` on the admin listener) and the command (``rumhouse report``) both
call ``gather`` with their own way of running a query: the collector's store, or a client
of the folder or of a running collector's SQL endpoint. What they show comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collector.report import alerts, details, queries, revenue
from collector.report.page import Section, sections
from collector.report.scope import DIMENSIONS, Scope
from collector.sourcemaps import examples

Rows = list[dict[str, Any]]
Run = Callable[[str, dict[str, Any]], Awaitable[tuple[Sequence[str], list[tuple[Any, ...]]]]]
TITLES = {
    "page_group": "Page group", "device_class": "Device class", "browser": "Browser",
    "country": "Country", "connection": "Connection", "release": "Release",
}  # fmt: skip


@dataclass
class Vital:
    metric: str
    p75: float | None
    previous: float | None
    views: int
    previous_views: int
    shares: tuple[float, float, float]
    series: list[tuple[datetime, float]] = field(default_factory=list)


@dataclass
class Report:
    scope: Scope
    step: int
    vitals: dict[str, Vital]
    breakdowns: dict[str, Rows]
    releases: Rows
    errors: Rows
    trends: dict[str, list[tuple[datetime, int]]]
    stacks: dict[str, examples.Example]  # by fingerprint, symbolicated where maps exist
    revenue: dict[str, Rows]  # by_rating, by_bucket, at_risk (revenue.py)
    tables: list[tuple[Section, Sequence[str], list[tuple[Any, ...]]]]
    alerts: tuple[Sequence[str], list[tuple[Any, ...]]]

    @property
    def page_views(self) -> int:
        """Page views in the scope: those of the vital reported most often."""
        return max((v.views for v in self.vitals.values()), default=0)


def utc(value: Any) -> Any:
    """Times as aware UTC datetimes, however the client returned them."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _dicts(columns: Sequence[str], rows: list[tuple[Any, ...]]) -> Rows:
    return [{c: utc(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def _number(value: Any) -> float | None:
    """A p75 where there were no values is nan: shown as no figure."""
    return None if value is None or math.isnan(value) else float(value)


def _vitals(summary: Rows, series: Rows) -> dict[str, Vital]:
    found = {}
    for row in summary:
        views = int(row["views"])
        shares = tuple(
            row[r] / views if views else 0.0 for r in ("good", "needs_improvement", "poor")
        )
        found[row["metric"]] = Vital(
            row["metric"], _number(row["p75"]) if views else None, _number(row["previous"])
            if row["previous_views"] else None, views, int(row["previous_views"]),
            (shares[0], shares[1], shares[2]),
        )  # fmt: skip
    for point in series:
        if point["metric"] in found and (value := _number(point["p75"])) is not None:
            found[point["metric"]].series.append((point["at"], value))
    return {m: found[m] for m in queries.METRICS if m in found}


async def _breakdowns(run: Run, scope: Scope, params: dict[str, Any]) -> dict[str, Rows]:
    _, custom = await run(queries.custom_dimensions(scope), params)
    names = [*DIMENSIONS, *(f"dims.{key}" for (key,) in custom)]
    return {name: _dicts(*await run(queries.breakdown(scope, name), params)) for name in names}


async def _errors(run: Run, scope: Scope, params: dict[str, Any]) -> tuple[Rows, Any]:
    errors = _dicts(*await run(details.errors(scope), params))
    trends: dict[str, list[tuple[datetime, int]]] = {}
    if errors:
        fingerprints = [e["fingerprint"] for e in errors]
        _, rows = await run(details.error_trend(scope), params | {"fingerprints": fingerprints})
        for fingerprint, at, count in rows:
            trends.setdefault(fingerprint, []).append((utc(at), int(count)))
    return errors, trends


async def _revenue(run: Run, scope: Scope, params: dict[str, Any]) -> dict[str, Rows]:
    return {
        name: _dicts(*await run(query(scope), params))
        for name, query in (("by_rating", revenue.by_rating), ("by_bucket", revenue.by_bucket),
                            ("at_risk", revenue.at_risk))
    }  # fmt: skip


async def _stacks(run: Run, errors: Rows) -> dict[str, examples.Example]:
    found = {}
    for error in errors:
        if (example := await examples.example(run, error)) is not None:
            found[error["fingerprint"]] = example
    return found


async def _releases(run: Run, scope: Scope, params: dict[str, Any]) -> Rows:
    releases = _dicts(*await run(details.releases(scope), params))
    _, erred = await run(details.release_errors(scope), params)
    with_errors: dict[str, int] = {release: int(n) for release, n in erred}
    for row in releases:
        row["error_rate"] = (
            with_errors.get(row["release"], 0) / row["views"] if row["views"] else 0.0
        )
    return releases


async def gather(run: Run, scope: Scope) -> Report:
    """Every figure of the report for ``scope``, each query run through ``run``."""
    params = queries.parameters(scope)
    summary = _dicts(*await run(queries.summary(scope), params))
    series = _dicts(*await run(queries.series(scope), params))
    errors, trends = await _errors(run, scope, params)
    tables = [(s, *await run(s.sql, params)) for s in sections(scope)]
    return Report(
        scope=scope, step=queries.step(scope), vitals=_vitals(summary, series),
        breakdowns=await _breakdowns(run, scope, params),
        releases=await _releases(run, scope, params), errors=errors, trends=trends,
        stacks=await _stacks(run, errors), revenue=await _revenue(run, scope, params),
        tables=tables, alerts=await run(alerts.SQL, {"site": scope.site}),
    )  # fmt: skip
