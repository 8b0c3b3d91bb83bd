"""Trends and comparisons on the real engine: rows written straight into the raw tables at
known times with known values, the report gathered for a scope, and every figure checked
against what Python computes from those values: p75 now and in the previous period of the
same length, from the raw table (short ranges, a release filter) and from the rollups;
p75 per chart step; releases and the newest one flagged; errors with their first seen and
their trend; breakdowns that honour the filters."""

from __future__ import annotations

import asyncio
import random
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from collector.report import build, charts, findings, queries, web
from collector.report.scope import Scope, parse
from collector.store.rollups import roll_up
from tests.conftest import module_store

THRESHOLDS = {"LCP": (2500, 4000), "INP": (200, 500), "CLS": (0.1, 0.25), "FCP": (1800, 3000),
              "TTFB": (800, 1800)}  # fmt: skip
VITALS = ("page_view_id", "session_id", "ts", "started_at", "site", "seq", "metric", "value",
          "rating", "page_group", "device_class", "browser", "release", "is_bot",
          "dims", "navigation_type")  # fmt: skip
ERRORS = ("ts", "site", "page_view_id", "session_id", "page_group", "release", "device_class",
          "browser", "is_bot", "kind", "error_type", "message", "source", "stack",
          "count")  # fmt: skip
FAILURES = ("ts", "site", "page_view_id", "session_id", "page_group", "release", "device_class",
            "browser", "is_bot", "kind", "initiator", "method", "url", "endpoint", "status",
            "count")  # fmt: skip
FRAMES = ("ts", "started_at", "site", "page_view_id", "session_id", "seq", "page_group", "is_bot",
          "loaf_scripts")  # fmt: skip
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # once: one clock


def p75(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=4, method="inclusive")[2]


def rating(metric: str, value: float) -> str:
    good, poor = THRESHOLDS[metric]
    return "good" if value <= good else "needs-improvement" if value <= poor else "poor"


def close(got: float | None, want: float, tolerance: float = 0.04) -> bool:
    return got is not None and abs(got - want) <= tolerance * abs(want)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    yield from module_store(tmp_path_factory, "trends")


class Writer:
    """Page views of one site at chosen times, each with every vital; remembers them."""

    def __init__(self, client: Client, site: str) -> None:
        self.client, self.site, self.n = client, site, 0
        self.sent: list[dict[str, Any]] = []

    def view(self, at: datetime, lcp: float, *, group: str = "/a", browser: str = "Chrome",
             release: str = "r1", bot: bool = False, dims: dict[str, str] | None = None,
             metrics: Sequence[str] = tuple(THRESHOLDS),
             navigation: str = "navigate") -> str:  # fmt: skip
        self.n += 1
        pv = f"{self.site}-pv{self.n}"
        values = {"LCP": lcp, "INP": lcp / 10, "CLS": lcp / 20000, "FCP": lcp / 2, "TTFB": lcp / 4}
        values = {m: v for m, v in values.items() if m in metrics}
        rows = [
            (pv, f"s-{pv}", at, at, self.site, 0, m, v, rating(m, v), group, "desktop", browser,
             release, bot, dims or {}, navigation)
            for m, v in values.items()
        ]  # fmt: skip
        self.client.insert("vitals_data", rows, column_names=VITALS)
        if not bot:
            self.sent.append({"at": at, "group": group, "browser": browser, "release": release,
                              **values})  # fmt: skip
        return pv

    def error(
        self, at: datetime, pv: str, message: str, count: int = 1, release: str = "r1"
    ) -> None:
        row = (at, self.site, pv, f"s-{pv}", "/a", release, "desktop", "Chrome", False, "error",
               "TypeError", message, "https://shop.example/app.js", "at f (app.js:1:2)",
               count)  # fmt: skip
        self.client.insert("errors", [row], column_names=ERRORS)

    def failure(self, at: datetime, pv: str, endpoint: str) -> None:
        row = (at, self.site, pv, f"s-{pv}", "/a", "r1", "desktop", "Chrome", False, "request",
               "fetch", "GET", f"https://shop.example{endpoint}", endpoint, 500, 1)  # fmt: skip
        self.client.insert("failures", [row], column_names=FAILURES)

    def frame(self, at: datetime, pv: str, script: str) -> None:
        """A page view's row with a script behind a long animation frame."""
        row = (at, at, self.site, pv, f"s-{pv}", 0, "/a", False,
               [(script, "run", "script-block", 120.0, 70.0)])  # fmt: skip
        self.client.insert("page_views_data", [row], column_names=FRAMES)

    def values(self, metric: str, start: datetime, end: datetime, **match: str) -> list[float]:
        return [
            s[metric] for s in self.sent
            if start <= s["at"] < end and all(s[k] == v for k, v in match.items())
        ]  # fmt: skip


def gather(client: Client, scope: Scope) -> build.Report:
    async def run(sql: str, params: dict[str, Any]) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
        result = await asyncio.to_thread(client.query, sql, parameters=params)
        return result.column_names, [tuple(r) for r in result.result_rows]

    return asyncio.run(build.gather(run, scope))


def spread(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = (end - start).total_seconds()
    return start + timedelta(seconds=int(rng.uniform(0, seconds - 1)))


def test_p75_and_its_change_against_the_previous_period_raw_and_rolled_up(db: Client) -> None:
    rng, w = random.Random(3), Writer(db, "trend")
    for days, count, scale in ((8, 120, 2000.0), (4, 160, 2600.0)):
        start = NOW - timedelta(days=days)
        for _ in range(count):  # slower in the last four days than in the four before
            at = spread(rng, start, start + timedelta(days=4))
            w.view(at, rng.lognormvariate(0, 0.3) * scale, group=rng.choice(["/a", "/b"]))
    for _ in range(5):
        w.view(NOW - timedelta(hours=2), 99999.0, bot=True)  # never counted
    roll_up(db, NOW - timedelta(days=9), NOW)
    bots = gather(db, parse({"site": "trend", "range": "4d", "bots": "include"}, NOW))
    assert queries.source(parse({"range": "4d", "bots": "include"}, NOW)).rollup is False
    assert bots.vitals["LCP"].views == len(w.values("LCP", NOW - timedelta(days=4), NOW)) + 5
    for query, source in (({"range": "4d"}, "rollup"), ({"range": "24h"}, "raw"),
                          ({"range": "4d", "release": "r1"}, "raw")):  # fmt: skip
        scope = parse({"site": "trend", **query}, NOW)
        assert queries.source(scope).rollup is (source == "rollup"), query
        report = gather(db, scope)
        before = scope.previous()
        for metric in queries.METRICS:
            now = w.values(metric, scope.start, scope.end)
            then = w.values(metric, before.start, before.end)
            vital = report.vitals[metric]
            assert (vital.views, vital.previous_views) == (len(now), len(then)), (query, metric)
            assert close(vital.p75, p75(now)), (query, metric, vital.p75, p75(now))
            assert close(vital.previous, p75(then)), (query, metric, vital.previous, p75(then))
            good, poor = THRESHOLDS[metric]
            assert vital.shares[0] == sum(v <= good for v in now) / len(now)
            assert vital.shares[2] == sum(v > poor for v in now) / len(now)
        lcp = report.vitals["LCP"]
        first = charts.buckets(scope.start, scope.end, report.step)[0]
        assert lcp.series, query
        assert all(first <= at < scope.end for at, _ in lcp.series), "the period's own points"
        assert lcp.p75 is not None
        assert lcp.previous is not None
        want = (p75(w.values("LCP", scope.start, scope.end))
                / p75(w.values("LCP", before.start, before.end)) - 1)  # fmt: skip
        shown = web.delta(lcp.p75, lcp.previous)
        assert ('class="delta worse"' if want > 0 else 'class="delta better"') in shown, shown
        percent = int(shown.split("</span>")[0].rsplit(" ", 1)[1].rstrip("%"))
        assert abs(percent - 100 * abs(want)) <= 3, (query, shown, want)


def test_p75_per_chart_step(db: Client) -> None:
    rng, w = random.Random(5), Writer(db, "steps")
    for hour in range(1, 7):  # six hours, each slower than the one before
        for _ in range(30):
            at = spread(rng, NOW - timedelta(hours=hour), NOW - timedelta(hours=hour - 1))
            w.view(at, rng.uniform(1000, 2000) + 500 * (7 - hour))
    scope = parse({"site": "steps", "range": "24h"}, NOW)
    report = gather(db, scope)
    assert report.step == 900  # 24 hours in quarter hours: 96 points
    series = report.vitals["LCP"].series
    assert len(series) == len({s["at"].replace(minute=s["at"].minute // 15 * 15, second=0)
                               for s in w.sent})  # fmt: skip
    for at, value in series:
        values = w.values("LCP", at, at + timedelta(seconds=900))
        assert close(value, p75(values)), (at, value, p75(values))


def test_breakdowns_honour_the_filters_and_list_the_other_values_of_their_own(db: Client) -> None:
    rng, w = random.Random(7), Writer(db, "split")
    for _ in range(200):
        at = spread(rng, NOW - timedelta(hours=20), NOW)
        w.view(at, rng.uniform(1000, 5000), group=rng.choice(["/a", "/b", "/c"]),
               browser=rng.choice(["Chrome", "Firefox"]))  # fmt: skip
    scope = parse({"site": "split", "range": "24h", "browser": "Firefox"}, NOW)
    report = gather(db, scope)
    groups = {r["segment"]: r for r in report.breakdowns["page_group"]}
    assert set(groups) == {"/a", "/b", "/c"}
    for group, row in groups.items():
        values = w.values("LCP", scope.start, NOW, group=group, browser="Firefox")
        assert row["views"] == len(values)
        assert close(row["LCP"], p75(values)), group
    browsers = {r["segment"]: r["views"] for r in report.breakdowns["browser"]}
    assert browsers == {b: len(w.values("LCP", scope.start, NOW, browser=b))
                        for b in ("Chrome", "Firefox")}  # fmt: skip
    assert report.vitals["LCP"].views == len(w.values("LCP", scope.start, NOW, browser="Firefox"))


def test_what_only_the_previous_period_saw_is_compared_but_not_listed(db: Client) -> None:
    """The previous period: a release of its own, an error, a failed request, a long frame's
    script, a soft navigation and a custom dimension; this period: another release, a failed
    request, a script, no soft navigation and no interaction (no INP)."""
    w = Writer(db, "gone")
    then = NOW - timedelta(hours=30)
    old = w.view(then, 3000.0, release="r0", dims={"campaign": "spring"})
    w.error(then, old, "gone by now", release="r0")
    w.error(then, w.view(then, 3000.0), "gone by now")
    w.failure(then, old, "/api/old")
    w.frame(then, old, "https://shop.example/old.js")
    w.view(then, 3000.0, group="/old", navigation="soft-navigation")
    for _ in range(3):
        pv = w.view(NOW - timedelta(hours=2), 2000.0, dims={"plan": "pro"}, metrics=("LCP", "TTFB"))
    w.failure(NOW - timedelta(hours=2), pv, "/api/new")
    w.frame(NOW - timedelta(hours=2), pv, "https://shop.example/new.js")
    report = gather(db, parse({"site": "gone", "range": "24h"}, NOW))
    assert [k for k in report.breakdowns if k.startswith("dims.")] == ["dims.plan"]
    assert [(r["segment"], r["views"]) for r in report.breakdowns["dims.plan"]] == [("pro", 3)]
    assert [(r["release"], r["views"], r["error_rate"]) for r in report.releases] == [
        ("r1", 3, 0.0)
    ]
    tables = {section.title.split(" ")[0]: rows for section, _, rows in report.tables}
    assert [row[1] for row in tables["Failed"]] == ["/api/new"]
    assert [row[1] for row in tables["Scripts"]] == ["https://shop.example/new.js"]
    assert tables["SPA"] == [], "no soft navigation in this period"
    inp = report.vitals["INP"]
    assert (inp.views, inp.p75, inp.previous_views, inp.previous) == (0, None, 3, 300.0)
    assert inp.shares == (0.0, 0.0, 0.0)
    assert report.vitals["LCP"].shares == (1.0, 0.0, 0.0)


def test_a_range_from_mid_hour_is_read_in_whole_hours_from_the_rollup_else_exactly(
    db: Client,
) -> None:
    """Asked at half past: the raw rows count from the very start of the range, the rollups
    (hourly) from the start of its first hour, as documented."""
    w, now = Writer(db, "half"), NOW + timedelta(minutes=30)
    for start in (now - timedelta(hours=24), now - timedelta(days=4)):
        w.view(start - timedelta(minutes=20), 2000.0)  # in the range's first hour, before it
        w.view(start + timedelta(minutes=10), 2000.0)
    w.view(NOW - timedelta(hours=2), 2000.0)
    roll_up(db, NOW - timedelta(days=9), NOW)
    for query, first in (({"range": "24h"}, now - timedelta(hours=24)),
                         ({"range": "4d"}, NOW - timedelta(days=4))):  # fmt: skip
        scope = parse({"site": "half", **query}, now)
        report = gather(db, scope)
        assert report.vitals["LCP"].views == len(w.values("LCP", first, now)), query


def test_the_report_lists_the_twenty_errors_that_reach_the_most_sessions(db: Client) -> None:
    w = Writer(db, "top")
    for n in range(21):  # error n in n + 1 sessions
        for _ in range(n + 1):
            w.error(NOW - timedelta(hours=1), w.view(NOW - timedelta(hours=1), 1000.0), f"e{n}")
    report = gather(db, parse({"site": "top", "range": "24h"}, NOW))
    assert [e["message"] for e in report.errors] == [f"e{n}" for n in range(20, 0, -1)]


def test_a_breakdown_lists_the_ten_most_viewed_values(db: Client) -> None:
    w = Writer(db, "many")
    for n in range(12):  # /g0 viewed once, /g1 twice ... /g11 twelve times
        for _ in range(n + 1):
            w.view(NOW - timedelta(hours=1), 2000.0, group=f"/g{n}")
    report = gather(db, parse({"site": "many", "range": "24h"}, NOW))
    shown = [(r["segment"], r["views"]) for r in report.breakdowns["page_group"]]
    assert shown == [(f"/g{n}", n + 1) for n in range(11, 1, -1)]


def test_releases_newest_first_with_the_worse_one_flagged(db: Client) -> None:
    rng, w = random.Random(9), Writer(db, "rel")
    for release, hours, scale in (("2026.1", (30, 20), 2000.0), ("2026.2", (20, 1), 2600.0)):
        for _ in range(100):
            at = spread(rng, NOW - timedelta(hours=hours[0]), NOW - timedelta(hours=hours[1]))
            pv = w.view(at, rng.uniform(0.8, 1.2) * scale, release=release)
            if release == "2026.2" and rng.random() < 0.2:
                w.error(at, pv, "boom", release=release)
    report = gather(db, parse({"site": "rel", "range": "2d"}, NOW))
    assert [r["release"] for r in report.releases] == ["2026.2", "2026.1"]
    newest, before = report.releases
    lcp = w.values("LCP", NOW - timedelta(days=2), NOW, release="2026.2")
    assert newest["views"] == len(lcp)
    assert close(newest["LCP"], p75(lcp))
    erred = db.query("SELECT uniqExact(page_view_id) FROM errors WHERE site = 'rel'").result_rows
    assert newest["error_rate"] == erred[0][0] / len(lcp)
    assert before["error_rate"] == 0
    assert findings.worse(newest, before) == ["LCP", "INP", "CLS", "FCP", "TTFB", "errors"]
    assert findings.worse(before, newest) == []


def test_errors_first_seen_over_the_whole_history_and_their_trend(db: Client) -> None:
    w = Writer(db, "errs")
    old = w.view(NOW - timedelta(days=20), 1000.0)
    w.error(NOW - timedelta(days=20), old, "old one")
    before = w.view(NOW - timedelta(hours=30), 1000.0)  # the previous period: not in the trend
    w.error(NOW - timedelta(hours=30), before, "old one", 7)
    counts = {3: 2, 5: 1, 9: 4}  # hours ago: occurrences
    for hours, count in counts.items():
        pv = w.view(NOW - timedelta(hours=hours, minutes=10), 1000.0)
        w.error(NOW - timedelta(hours=hours, minutes=10), pv, "old one", count)
        w.error(NOW - timedelta(hours=hours, minutes=10), pv, "new one")
    scope = parse({"site": "errs", "range": "24h"}, NOW)
    report = gather(db, scope)
    found = {e["message"]: e for e in report.errors}
    assert found["old one"]["first_seen"] == NOW - timedelta(days=20)
    assert found["new one"]["first_seen"] == NOW - timedelta(hours=9, minutes=10)
    assert found["old one"]["occurrences"] == sum(counts.values())
    assert found["old one"]["page_views"] == found["new one"]["sessions"] == 3
    trend = dict(report.trends[found["old one"]["fingerprint"]])
    assert trend == {
        NOW - timedelta(hours=h, minutes=15): n for h, n in counts.items()
    }  # 15-minute steps: 10 minutes past the step's start
    page = findings.errors(report)
    new_row, old_row = (page.split("new one")[1].split("</tr>")[0],
                        page.split("old one")[1].split("</tr>")[0])  # fmt: skip
    assert '<span class="chip">new</span>' in new_row
    assert '<span class="chip">new</span>' not in old_row


ATTRIBUTED = ("page_view_id", "session_id", "ts", "started_at", "site", "seq", "metric", "value",
              "rating", "page_group", "is_bot", "target", "resource_url", "interaction_type",
              "phases")  # fmt: skip
# The sub-parts each metric is made of, and the range each is drawn from (ms).
PARTS = {
    "LCP": {"time_to_first_byte": (100, 400), "resource_load_delay": (0, 300),
            "resource_load_duration": (200, 900), "element_render_delay": (0, 200)},
    "INP": {"input_delay": (0, 50), "processing_duration": (20, 300),
            "presentation_delay": (10, 60)},
    "TTFB": {"cache_duration": (0, 0), "dns_duration": (0, 40), "connection_duration": (0, 80),
             "request_duration": (50, 300)},
}  # fmt: skip


@dataclass
class Attributed:
    group: str
    metric: str
    target: str
    how: str
    phases: dict[str, float]

    @property
    def value(self) -> float:
        return sum(self.phases.values())


def attributed(rng: random.Random) -> list[Attributed]:
    sent = []
    for n in range(120):
        group = "/p" if n % 4 else "/other"  # a quarter elsewhere: not in the drill-down
        element, how = ("img.hero", "click") if n % 3 else ("h1", "keydown")
        for metric, parts in PARTS.items():
            phases = {name: rng.uniform(*bounds) for name, bounds in parts.items()}
            target = "" if metric == "TTFB" else element
            sent.append(Attributed(group, metric, target, how if metric == "INP" else "", phases))
    return sent


def test_the_drill_down_of_a_page_group_shows_p75_of_each_sub_part(db: Client) -> None:
    """Only the chosen period counts: views of the page group the day before are left out."""
    sent = attributed(random.Random(13))
    earlier = [Attributed("/p", m, "" if m == "TTFB" else "div.earlier",
                          "pointerdown" if m == "INP" else "", dict.fromkeys(parts, 50.0))
               for _ in range(20) for m, parts in PARTS.items()]  # fmt: skip
    at, before = NOW - timedelta(minutes=5), NOW - timedelta(hours=30)
    rows = [
        (f"drill{i // 3}", f"sdrill{i // 3}", when, when, "drill", 0, a.metric, a.value, "good",
         a.group, False, a.target, "/hero.jpg" if a.target == "img.hero" else "", a.how, a.phases)
        for i, (when, a) in enumerate([(at, a) for a in sent] + [(before, a) for a in earlier])
    ]  # fmt: skip
    db.insert("vitals_data", rows, column_names=ATTRIBUTED)
    report = gather(db, parse({"site": "drill", "range": "24h", "page_group": "/p"}, NOW))
    tables = {
        section.title.split(":")[0]: [dict(zip(columns, row, strict=True)) for row in found]
        for section, columns, found in report.tables
    }

    def p75_of(metric: str, part: str, **match: str) -> tuple[int, float]:
        found = [a for a in sent if a.group == "/p" and a.metric == metric
                 and all(getattr(a, k) == v for k, v in match.items())]  # fmt: skip
        values = [a.value if part == metric else a.phases[part] for a in found]
        return len(found), p75(values)

    lcp = tables["LCP elements and resources"]
    assert {r["element"] for r in lcp} == {"img.hero", "h1"}
    for row in lcp:
        for part in ("LCP", *PARTS["LCP"]):
            views, want = p75_of("LCP", part, target=row["element"])
            assert row["views"] == views
            assert close(row[part], want, 0.05), (row["element"], part, row[part], want)
    inp = tables["Interactions"]
    assert {(r["element"], r["type"]) for r in inp} == {("img.hero", "click"), ("h1", "keydown")}
    for row in inp:
        for part in ("INP", *PARTS["INP"]):
            views, want = p75_of("INP", part, target=row["element"], how=row["type"])
            assert row["views"] == views
            assert close(row[part], want, 0.05), (row["element"], part, row[part], want)
    [ttfb] = tables["Time to first byte"]
    for part in ("TTFB", *(p for p in PARTS["TTFB"] if p != "cache_duration")):
        views, want = p75_of("TTFB", part)
        assert ttfb["views"] == views
        assert close(ttfb[part], want, 0.05), (part, ttfb[part], want)
    assert ttfb["cache_duration"] == 0
