"""``lcp_regression``, ``inp_regression``, ``cls_regression``: the p75 of a vital per site x
page group x device class over the last hour (raw ``vitals``, a short window) against the
same hour of each of the previous 7 days (the rollup ``vitals_hourly_pages``: a few rows).
Fires when the p75 is worse than the baseline by ``worse_by`` (20%) and worse than the
metric's "good" threshold, with at least ``min_samples`` page views in both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from collector.alerts.attribution import Source, attribute
from collector.alerts.model import Finding
from collector.alerts.query import Query, Row
from collector.alerts.rule import BASELINE_DAYS, ratio
from collector.alerts.tuning import Tuning, Tunings
from collector.alerts.windows import Window, condition, earlier, hour_buckets, hours, recent

CURRENT = """
SELECT site, page_group, device_class, count() AS samples,
       quantileBFloat16(0.75)(value) AS p75
FROM vitals
WHERE metric = {{metric:String}} AND NOT is_bot AND {window} AND {sites}
GROUP BY site, page_group, device_class
"""
BASELINE = """
SELECT site, page_group, device_class, sum(page_views) AS samples,
       quantileBFloat16Merge(0.75)(value_state) AS p75
FROM vitals_hourly_pages
WHERE metric = {{metric:String}} AND {hours} AND {sites}
GROUP BY site, page_group, device_class
"""
WHERE = (
    "metric = {metric:String} AND site = {site:String} AND page_group = {page_group:String} "
    "AND device_class = {device_class:String}"
)
SCOPE = "site = {site:String} AND page_group = {page_group:String}"
SCOPE += " AND device_class = {device_class:String}"


@dataclass(frozen=True)
class Vital:
    name: str
    metric: str
    good: float  # the "good" threshold (web.dev): worse than this, and it may fire
    unit: str

    @property
    def default(self) -> Tuning:
        return Tuning(worse_by=0.2, min_samples=100, window_minutes=60)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        for minutes, sites, site_params in tunings.groups():
            window = recent(now, minutes)
            current, baseline = await self._read(query, now, window, sites, site_params)
            for key, row in current.items():
                tuning = tunings.for_site(row["site"])
                base = baseline.get(key)
                if tuning.enabled and base and self._fires(row, base, tuning):
                    findings.append(
                        await self._finding(query, window=window, row=row, base=base, tuning=tuning)
                    )
        return findings

    async def _read(
        self, query: Query, now: datetime, window: Window, sites: str, params: dict[str, Any]
    ) -> tuple[dict[tuple[str, ...], Row], dict[tuple[str, ...], Row]]:
        when, when_params = condition("ts", [window], "w")
        current = await query(
            CURRENT.format(window=when, sites=sites),
            {"metric": self.metric, **when_params, **params},
        )
        in_hours, hour_params = hours("hour", hour_buckets(now, BASELINE_DAYS), "hours")
        baseline = await query(
            BASELINE.format(hours=in_hours, sites=sites),
            {"metric": self.metric, **hour_params, **params},
        )
        return _keyed(current), _keyed(baseline)

    def _fires(self, row: Row, base: Row, tuning: Tuning) -> bool:
        enough = min(row["samples"], base["samples"]) >= tuning.min_samples
        return bool(enough and row["p75"] > self._threshold(base, tuning))

    def _threshold(self, base: Row, tuning: Tuning) -> float:
        return max(self.good, float(base["p75"]) * (1 + tuning.worse_by))

    async def _finding(
        self, query: Query, *, window: Window, row: Row, base: Row, tuning: Tuning
    ) -> Finding:
        labels = {k: str(row[k]) for k in ("site", "page_group", "device_class")}
        threshold = self._threshold(base, tuning)
        source = Source("vitals", WHERE, f"value > {threshold!r}", SCOPE,
                        {"metric": self.metric, **labels})  # fmt: skip
        baseline_windows = earlier(window, timedelta(days=1), BASELINE_DAYS)
        context, said = await attribute(query, source, window, baseline_windows)
        value, usual = row["p75"], base["p75"]
        where = f"{labels['page_group']} ({labels['device_class']})"
        summary = (
            f"{self.metric} p75 on {where} is {self._show(value)}, "
            f"{ratio(value, usual)} its usual {self._show(usual)}"
        )
        description = (
            f"p75 {self.metric} over the last {tuning.window_minutes} minutes on site "
            f"{labels['site']}, {where}: {self._show(value)} against {self._show(usual)} at "
            f"this hour on the previous 7 days ({row['samples']} page views); fires above "
            f"{self._show(threshold)} ({tuning.worse_by:.0%} worse, and worse than the good "
            f"threshold {self._show(self.good)})"
            + (f". {said[0].upper()}{said[1:]}." if said else ".")
        )
        return Finding(self.name, labels, value, usual, threshold, summary, description,
                       context=context or None)  # fmt: skip

    def _show(self, value: float) -> str:
        return f"{value:,.0f} ms" if self.unit == "ms" else f"{value:.3f}"


def _keyed(rows: list[Row]) -> dict[tuple[str, ...], Row]:
    return {(r["site"], r["page_group"], r["device_class"]): r for r in rows}


LCP = Vital("lcp_regression", "LCP", 2500.0, "ms")
INP = Vital("inp_regression", "INP", 200.0, "ms")
CLS = Vital("cls_regression", "CLS", 0.1, "")
