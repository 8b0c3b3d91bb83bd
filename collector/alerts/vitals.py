"""``lcp_regression``, ``inp_regression``, ``cls_regression``: the p75 of a vital per site x
page group x device class over the last hour (raw ``vitals``, a short window) against the
same hour of each of the previous 7 days (the rollup ``vitals_hourly_pages``: a few rows).
Fires when the p75 is worse than the baseline by ``worse_by`` (20%) and worse than the
metric's "good" threshold, with at least ``min_samples`` (30) page views in both, and when
the share of the window's page views slower than the usual p75 is clearly above the usual
quarter (``Z``): a small sample's p75 moves by 20% on noise alone, that share does not."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from collector.alerts.attribution import Source, attribute
from collector.alerts.model import Finding
from collector.alerts.query import Query, Row
from collector.alerts.rule import BASELINE_DAYS, ratio
from collector.alerts.tuning import Tuning, Tunings
from collector.alerts.windows import Window, condition, earlier, hour_buckets, hours, recent

# The window's samples against the baseline's p75 (a few rows of the rollup, joined).
COMPARED = """
SELECT site, page_group, device_class, count() AS samples,
       quantileBFloat16(0.75)(value) AS p75, countIf(value > b.base_p75) AS above,
       any(b.base_p75) AS usual_p75, any(b.base_samples) AS usual_samples
FROM (SELECT site, page_group, device_class, value FROM vitals
      WHERE metric = {{metric:String}} AND NOT is_bot AND {window} AND {sites}) AS c
INNER JOIN (SELECT site, page_group, device_class, sum(page_views) AS base_samples,
                   quantileBFloat16Merge(0.75)(value_state) AS base_p75
            FROM vitals_hourly_pages
            WHERE metric = {{metric:String}} AND {hours} AND {sites}
            GROUP BY site, page_group, device_class) AS b
USING (site, page_group, device_class)
GROUP BY site, page_group, device_class
"""
# Usually a quarter of the page views are slower than the usual p75. A regression makes it
# more, a small sample's noise too: it fires only when the share is this many standard
# errors above a quarter (a one-sided chance of about 1 in 700 by noise alone).
Z = 4.0
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
        return Tuning(worse_by=0.2, min_samples=30, window_minutes=60)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        findings = []
        for minutes, sites, site_params in tunings.groups():
            window = recent(now, minutes)
            for row in await self._read(query, now, window, sites, site_params):
                tuning = tunings.for_site(row["site"])
                base = {"p75": row["usual_p75"], "samples": row["usual_samples"]}
                if tuning.enabled and self._fires(row, base, tuning):
                    found = await self._finding(
                        query, window=window, row=row, base=base, tuning=tuning
                    )
                    findings.append(found)
        return findings

    async def _read(
        self, query: Query, now: datetime, window: Window, sites: str, params: dict[str, Any]
    ) -> list[Row]:
        when, when_params = condition("ts", [window], "w")
        in_hours, hour_params = hours("hour", hour_buckets(now, BASELINE_DAYS), "hours")
        sql = COMPARED.format(window=when, hours=in_hours, sites=sites)
        return await query(sql, {"metric": self.metric, **when_params, **hour_params, **params})

    def _fires(self, row: Row, base: Row, tuning: Tuning) -> bool:
        n = row["samples"]
        if min(n, base["samples"]) < tuning.min_samples or row["p75"] <= self._threshold(
            base, tuning
        ):
            return False
        return bool((row["above"] / n - 0.25) / math.sqrt(0.1875 / n) >= Z)

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


LCP = Vital("lcp_regression", "LCP", 2500.0, "ms")
INP = Vital("inp_regression", "INP", 200.0, "ms")
CLS = Vital("cls_regression", "CLS", 0.1, "")
