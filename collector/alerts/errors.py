"""``error_spike`` and ``new_error``, from the raw ``errors`` and ``page_views_data`` over the
last hour and the same hour of the previous 7 days (both tables are ordered by time: a few
hours of rows are read).

- ``error_spike``: the share of a page group's page views with at least one error, against
  the same share in the baseline; fires when it is ``worse_by`` (100%: twice) above it and
  at least 1% of the page views, with ``min_samples`` (200) page views in both.
- ``new_error``: an error (its fingerprint) never seen before the last hour that
  ``min_sessions`` (5) sessions have met in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collector.alerts.attribution import Source, attribute
from collector.alerts.model import Finding
from collector.alerts.query import Query, Row
from collector.alerts.rule import BASELINE_DAYS, ratio
from collector.alerts.tuning import Tuning, Tunings
from collector.alerts.windows import Window, condition, earlier, recent

MIN_RATE = 0.01  # error_spike: below 1% of page views with an error, never a spike
VIEWS = """
SELECT site, page_group, uniqExactIf(page_view_id, {current}) AS views,
       uniqExactIf(page_view_id, NOT {current}) AS base_views
FROM {table} WHERE NOT is_bot AND ({current} OR {baseline}) AND {sites}
GROUP BY site, page_group
"""
FIRST_SEEN = """
SELECT site, fingerprint, any(error_type) AS error_type, any(message) AS message,
       any(source) AS source, uniqExact(session_id) AS sessions,
       uniqExact(page_view_id) AS views, topK(1)(page_group)[1] AS page_group
FROM errors WHERE NOT is_bot AND {window} AND {sites}
GROUP BY site, fingerprint HAVING sessions >= {{floor:UInt32}}
"""
SEEN_BEFORE = """
SELECT DISTINCT site, fingerprint FROM errors
WHERE ts < {start:DateTime64(3, 'UTC')} AND fingerprint IN {candidates:Array(UInt64)}
"""
WITH_ERROR = (
    "page_view_id IN (SELECT page_view_id FROM errors WHERE site = {site:String} AND "
    "{extra} AND ts >= {aw0_s:DateTime64(3, 'UTC')})"
)
SITE = "site = {site:String}"
GROUP = SITE + " AND page_group = {page_group:String}"


def _windows(now: datetime, minutes: int) -> tuple[Window, list[Window]]:
    window = recent(now, minutes)
    return window, earlier(window, timedelta(days=1), BASELINE_DAYS)


async def _counts(
    query: Query, table: str, *, now: datetime, minutes: int, sites: str, params: dict[str, Any]
) -> dict[tuple[str, str], Row]:
    window, baseline = _windows(now, minutes)
    current, cur_params = condition("ts", [window], "c")
    base, base_params = condition("ts", baseline, "b")
    sql = VIEWS.format(table=table, current=current, baseline=base, sites=sites)
    rows = await query(sql, {**cur_params, **base_params, **params})
    return {(r["site"], r["page_group"]): r for r in rows}


@dataclass(frozen=True)
class ErrorSpike:
    name: str = "error_spike"
    default: ClassVar[Tuning] = Tuning(worse_by=1.0, min_samples=200, window_minutes=60)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        for minutes, sites, params in tunings.groups():
            views = await _counts(
                query, "page_views_data", now=now, minutes=minutes, sites=sites, params=params
            )
            errors = await _counts(
                query, "errors", now=now, minutes=minutes, sites=sites, params=params
            )
            for key, row in views.items():
                tuning = tunings.for_site(key[0])
                err = errors.get(key, {"views": 0, "base_views": 0})
                rate, base_rate = _rates(row, err)
                threshold = max(MIN_RATE, base_rate * (1 + tuning.worse_by))
                enough = min(row["views"], row["base_views"]) >= tuning.min_samples
                if tuning.enabled and enough and rate > threshold:
                    figures = (rate, base_rate, threshold)
                    findings.append(
                        await self._finding(
                            query, now=now, minutes=minutes, key=key, row=row, figures=figures
                        )
                    )
        return findings

    async def _finding(
        self, query: Query, *, now: datetime, minutes: int, key: tuple[str, str], row: Row,
        figures: tuple[float, float, float],
    ) -> Finding:  # fmt: skip
        rate, base_rate, threshold = figures
        labels = {"site": key[0], "page_group": key[1]}
        window, baseline = _windows(now, minutes)
        bad = WITH_ERROR.replace("{extra}", "page_group = {page_group:String}")
        source = Source("page_views", GROUP, bad, GROUP, labels)
        context, said = await attribute(query, source, window, baseline)
        summary = (
            f"{rate:.1%} of page views on {key[1]} have an error, "
            f"{ratio(rate, base_rate)} the usual {base_rate:.1%}"
        )
        description = (
            f"On site {key[0]}, {key[1]}: {rate:.1%} of {row['views']} page views in the "
            f"last {minutes} minutes had a JavaScript error, against {base_rate:.1%} at this "
            f"hour on the previous 7 days; fires above {threshold:.1%}"
            + (f"; {said}." if said else ".")
        )
        return Finding(self.name, labels, rate, base_rate, threshold, summary, description,
                       context=context or None)  # fmt: skip


def _rates(views: Row, errors: Row) -> tuple[float, float]:
    rate = errors["views"] / views["views"] if views["views"] else 0.0
    base = errors["base_views"] / views["base_views"] if views["base_views"] else 0.0
    return rate, base


@dataclass(frozen=True)
class NewError:
    name: str = "new_error"
    default: ClassVar[Tuning] = Tuning(min_sessions=5, window_minutes=60)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        floor = min(
            [tunings.default.min_sessions, *(t.min_sessions for t in tunings.sites.values())]
        )
        for minutes, sites, params in tunings.groups():
            window = recent(now, minutes)
            when, when_params = condition("ts", [window], "w")
            sql = FIRST_SEEN.format(window=when, sites=sites)
            rows = await query(sql, {**when_params, **params, "floor": floor})
            old = await self._seen_before(query, window, rows)
            for row in rows:
                tuning = tunings.for_site(row["site"])
                fresh = (row["site"], row["fingerprint"]) not in old
                if tuning.enabled and fresh and row["sessions"] >= tuning.min_sessions:
                    findings.append(await self._finding(query, window, row, tuning))
        return findings

    async def _seen_before(self, query: Query, window: Window, rows: list[Row]) -> set[Any]:
        if not rows:
            return set()
        params = {"start": window.start.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                  "candidates": [r["fingerprint"] for r in rows]}  # fmt: skip
        return {(r["site"], r["fingerprint"]) for r in await query(SEEN_BEFORE, params)}

    async def _finding(self, query: Query, window: Window, row: Row, tuning: Tuning) -> Finding:
        error = f"{row['error_type']}: {row['message']}"[:200]
        labels = {"site": row["site"], "error": error, "source": str(row["source"])[:200]}
        bad = WITH_ERROR.replace("{extra}", f"fingerprint = {int(row['fingerprint'])}")
        source = Source("page_views", SITE, bad, SITE, {"site": row["site"]})
        baseline = earlier(window, timedelta(days=1), BASELINE_DAYS)
        context, said = await attribute(query, source, window, baseline)
        context = {"page_group": str(row["page_group"]), **context}
        summary = f"New error on {row['page_group']}: {error}"
        description = (
            f"On site {row['site']}, first seen in the last {tuning.window_minutes} minutes: "
            f"{error} ({row['source'] or 'no source'}); {row['sessions']} sessions, "
            f"{row['views']} page views, mostly on {row['page_group']}"
            + (f"; {said}." if said else ".")
        )
        sessions, floor = float(row["sessions"]), float(tuning.min_sessions)
        return Finding(self.name, labels, sessions, None, floor, summary, description,
                       context=context)  # fmt: skip
