"""``failed_requests`` and ``traffic_drop``.

- ``failed_requests``: per site x endpoint, the share of the site's page views that had a
  request to the endpoint fail (a network error or a 5xx; 4xx answers are often expected:
  a login check, a missing item), over the last hour (raw ``failures``) against the same
  hour of the previous 7 days (the rollup ``failures_hourly``); fires when it is
  ``worse_by`` (100%: twice) above the baseline and at least 1% of page views, with at least
  ``min_samples`` (20) failed requests and page views of the site in the baseline.
- ``traffic_drop``: a site's page views in the last ``window_minutes`` (30) under ``below``
  (50%) of the same minutes one to four weeks earlier (their mean, over the weeks that had
  traffic: the weekly cycle compares like with like), when those weeks had at least
  ``min_samples`` (100) page views in the window.
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
from collector.alerts.windows import Window, condition, earlier, hour_buckets, hours, recent

MIN_RATE = 0.01  # failed_requests: under 1% of page views affected, never an alert
FAILED = "kind = 'request' AND (status = 0 OR status >= 500)"
CURRENT = f"""
SELECT site, endpoint, sum(count) AS failures, uniqExact(page_view_id) AS views
FROM failures WHERE NOT is_bot AND {FAILED} AND {{window}} AND {{sites}}
GROUP BY site, endpoint
"""
BASELINE = f"""
SELECT site, endpoint, sum(failures) AS failures, uniqMerge(page_views) AS views
FROM failures_hourly WHERE {FAILED} AND {{hours}} AND {{sites}}
GROUP BY site, endpoint
"""
SITE_VIEWS = """
SELECT site, uniqExactIf(page_view_id, {current}) AS views,
       uniqExactIf(page_view_id, NOT {current}) AS base_views
FROM page_views_data WHERE NOT is_bot AND ({current} OR {baseline}) AND {sites}
GROUP BY site
"""
WITH_FAILURE = (
    "page_view_id IN (SELECT page_view_id FROM failures WHERE site = {site:String} AND "
    f"endpoint = {{endpoint:String}} AND {FAILED} AND ts >= {{aw0_s:DateTime64(3, 'UTC')}})"
)
SITE = "site = {site:String}"
WEEKS = range(1, 5)
DROP = """
SELECT site, {columns} FROM page_views_data WHERE NOT is_bot AND {any} AND {sites} GROUP BY site
"""


@dataclass(frozen=True)
class FailedRequests:
    name: str = "failed_requests"
    default: ClassVar[Tuning] = Tuning(worse_by=1.0, min_samples=20, window_minutes=60)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        for minutes, sites, params in tunings.groups():
            window = recent(now, minutes)
            current, baseline, views = await self._read(query, now, window, sites, params)
            for key, row in current.items():
                tuning, site = tunings.for_site(key[0]), views.get(key[0])
                if not tuning.enabled or row["failures"] < tuning.min_samples:
                    continue
                if not site or not site["base_views"]:
                    continue  # no baseline yet (a new site): no alert, as for every rule
                base = baseline.get(key, {"views": 0})
                # Failures from page views all begun before the window: all of its share.
                rate = row["views"] / site["views"] if site["views"] else 1.0
                usual = base["views"] / site["base_views"]
                threshold = max(MIN_RATE, usual * (1 + tuning.worse_by))
                if rate > threshold:
                    figures = (rate, usual, threshold)
                    findings.append(await self._finding(query, window, key, row, figures))
        return findings

    async def _read(
        self, query: Query, now: datetime, window: Window, sites: str, params: dict[str, Any]
    ) -> tuple[dict[tuple[str, str], Row], dict[tuple[str, str], Row], dict[str, Row]]:
        when, when_params = condition("ts", [window], "w")
        current = await query(CURRENT.format(window=when, sites=sites), {**when_params, **params})
        buckets = hour_buckets(now, BASELINE_DAYS)
        in_hours, hour_params = hours("hour", buckets, "hours")
        sql = BASELINE.format(hours=in_hours, sites=sites)
        baseline = await query(sql, {**hour_params, **params})
        hour = timedelta(hours=1)
        base_windows, base_params = condition("ts", [Window(b, b + hour) for b in buckets], "b")
        sql = SITE_VIEWS.format(current=when, baseline=base_windows, sites=sites)
        views = await query(sql, {**when_params, **base_params, **params})
        keyed = {(r["site"], r["endpoint"]): r for r in current}
        return (
            keyed,
            {(r["site"], r["endpoint"]): r for r in baseline},
            {r["site"]: r for r in views},
        )

    async def _finding(
        self, query: Query, window: Window, key: tuple[str, str], row: Row,
        figures: tuple[float, float, float],
    ) -> Finding:  # fmt: skip
        rate, usual, threshold = figures
        labels = {"site": key[0], "endpoint": key[1]}
        source = Source("page_views", SITE, WITH_FAILURE, SITE, labels)
        baseline = earlier(window, timedelta(days=1), BASELINE_DAYS)
        context, said = await attribute(query, source, window, baseline)
        summary = (
            f"Requests to {key[1] or '(no endpoint)'} fail on {rate:.1%} of page views, "
            f"{ratio(rate, usual)} the usual {usual:.1%}"
        )
        description = (
            f"On site {key[0]}: {row['failures']} failed requests (network errors and 5xx) to "
            f"{key[1]} on {row['views']} page views ({rate:.1%}) since {window.start:%H:%M} "
            f"UTC, against {usual:.1%} at this hour on the previous 7 days; fires above "
            f"{threshold:.1%}" + (f"; {said}." if said else ".")
        )
        return Finding(self.name, labels, rate, usual, threshold, summary, description,
                       context=context or None)  # fmt: skip


@dataclass(frozen=True)
class TrafficDrop:
    name: str = "traffic_drop"
    default: ClassVar[Tuning] = Tuning(below=0.5, min_samples=100, window_minutes=30)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        for minutes, sites, params in tunings.groups():
            window = recent(now, minutes)
            weeks = [window, *earlier(window, timedelta(weeks=1), WEEKS)]
            anywhere, any_params = condition("ts", weeks, "w")
            columns = ", ".join(
                f"uniqExactIf(page_view_id, ts >= {{w{n}_s:DateTime64(3, 'UTC')}} AND "
                f"ts < {{w{n}_e:DateTime64(3, 'UTC')}}) AS w{n}"
                for n in range(len(weeks))
            )
            sql = DROP.format(columns=columns, any=anywhere, sites=sites)
            for row in await query(sql, {**any_params, **params}):
                tuning = tunings.for_site(row["site"])
                found = self._check(row, tuning, len(weeks))
                if tuning.enabled and found:
                    findings.append(found)
        return findings

    def _check(self, row: Row, tuning: Tuning, count: int) -> Finding | None:
        earlier_weeks = [row[f"w{n}"] for n in range(1, count) if row[f"w{n}"]]
        if not earlier_weeks:
            return None
        usual = sum(earlier_weeks) / len(earlier_weeks)
        threshold, value = usual * tuning.below, float(row["w0"])
        if usual < tuning.min_samples or value >= threshold:
            return None
        site, minutes = row["site"], tuning.window_minutes
        summary = (
            f"Page views of {site} fell to {value:.0f} in {minutes} min, "
            f"{value / usual:.0%} of usual"
        )
        description = (
            f"Site {site} had {value:.0f} page views in the last {minutes} minutes, against "
            f"{usual:.0f} in the same minutes of the previous {len(earlier_weeks)} week(s); "
            f"fires under {tuning.below:.0%} of that ({threshold:.0f}). An outage, a broken "
            "deploy or a removed snippet?"
        )
        return Finding(self.name, {"site": site}, value, usual, threshold, summary, description,
                       severity="critical")  # fmt: skip
