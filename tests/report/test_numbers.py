"""The numbers people read: the /report page, `rumhouse report` and every Grafana panel show
what Python computes from the very beacons that were sent.

The expected figures come from the generated values alone (exact p75, shares against the
published Core Web Vitals thresholds, counts); the rollups' p75 is a bfloat16 quantile,
within a few percent of the exact one, while p50 is 30% or more away on these data.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import clickhouse_connect
import pytest

from collector.http import keys
from tests.conftest import DESKTOP_CHROME, IPHONE, Collector, beacon
from tests.integration.test_grafana import ALL, DASHBOARD, Grafana
from tests.integration.test_rollups import refresh_rollups
from tests.report.cli import rumhouse_report

# The published thresholds (good up to, poor above), independent of the collector's table.
THRESHOLDS = {"LCP": (2500, 4000), "INP": (200, 500), "CLS": (0.1, 0.25), "FCP": (1800, 3000),
              "TTFB": (800, 1800)}  # fmt: skip
GROUPS = {"/product/:id": "/product/{}", "/cart": "/cart", "/": "/"}
DEVICES = {"desktop": DESKTOP_CHROME, "mobile": IPHONE}
BROWSERS = {"desktop": "Chrome", "mobile": "Mobile Safari"}
ERRORS = [("TypeError", "x is undefined"), ("RangeError", "bad length"), ("Error", "timeout")]
LOAF = "Scripts by long-animation-frame blocking time"
SPA = "SPA routes: soft vs hard navigations"
RELEASES = ["2026.1.0", "2026.2.0", "2026.3.0"]
RELEASE_PANEL = "Releases: p75 of each vital and error rate, latest first"


def release_of(i: int) -> str:
    """One release after another, a hundred page views each; every tenth names none."""
    return "" if i % 10 == 9 else RELEASES[min(i // 100, len(RELEASES) - 1)]


@dataclass
class Sent:
    """What was sent, by metric and by segment; the expected figures derive from it."""

    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by: dict[tuple[str, str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    views: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    ttfb_request: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # (kind, endpoint, status) → (page view, session, count) of each failure sent
    failures: dict[tuple[str, str, int], list[tuple[str, str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # (page group, script URL, function) → (page view, blocking ms) of each script sent
    scripts: dict[tuple[str, str, str], list[tuple[str, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # (page group, "soft" or "hard", metric) → values
    navigations: dict[tuple[str, str, str], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # release → the page views sent with it, in the order sent; those with a JS error
    release_views: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    release_errors: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # (release, message) → the count of each error sent
    errors_by_release: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )


def p75(values: list[float]) -> float:
    return statistics.quantiles(values, n=4, method="inclusive")[2]


def shares(metric: str, values: list[float]) -> tuple[float, float, float]:
    good, poor = THRESHOLDS[metric]
    n = len(values)
    g = sum(v <= good for v in values) / n
    p = sum(v > poor for v in values) / n
    return g, 1 - g - p, p


def close(got: float, want: float, tolerance: float = 0.05) -> bool:
    return abs(got - want) <= tolerance * abs(want)


def failures(i: int, ids: tuple[str, str], sent: Sent) -> list[dict[str, Any]]:
    """A failed request on two page views in four (500, a network error or a 404 in turn, ids
    in the URL and a query that the endpoint leaves out), a missing image on every tenth."""
    found = []
    if i % 4 in (0, 1):  # both page views of a session: page views and sessions differ
        status, count = (500, 0, 404)[i // 4 % 3], 1 + i % 3
        found.append({"kind": "request", "initiator": "fetch", "method": "GET", "status": status,
                      "url": f"https://shop.example/api/orders/{i}?token=t{i}", "count": count,
                      "duration": 120.0})  # fmt: skip
        sent.failures[("request", "/api/orders/:id", status)].append((*ids, count))
    if i % 10 == 3:
        found.append({"kind": "resource", "initiator": "img", "status": 404,
                      "url": "https://shop.example/static/missing.png"})  # fmt: skip
        sent.failures[("resource", "/static/missing.png", 404)].append((*ids, 1))
    return found


SCRIPTS = [("https://shop.example/static/app.js", "render", "event-listener"),
           ("https://shop.example/static/vendor.js", "", "classic-script")]  # fmt: skip


def loaf(i: int, group: str, page_view: str, sent: Sent) -> dict[str, Any]:
    rng = random.Random(i)  # its own generator: the vitals stay as they were
    scripts: list[dict[str, Any]] = []
    for url, function, invoker in SCRIPTS[: rng.choice([1, 2])]:
        blocking = round(rng.uniform(5, 300), 1)
        scripts.append({"url": url, "function": function, "invoker": invoker,
                        "duration": blocking + 50, "blocking": blocking})  # fmt: skip
        sent.scripts[(group, url, function)].append((page_view, blocking))
    total = sum(s["blocking"] for s in scripts)
    return {"count": len(scripts), "blocking": total, "longest": 50 + total, "scripts": scripts}


async def send(collector: Collector, n: int = 300) -> Sent:
    rng, sent = random.Random(11), Sent()
    for i in range(n):
        group = rng.choice(list(GROUPS))
        device = rng.choice(list(DEVICES))
        values = {"LCP": rng.lognormvariate(7.7, 0.45), "INP": rng.lognormvariate(5.2, 0.6),
                  "CLS": rng.uniform(0, 0.4), "FCP": rng.lognormvariate(7.3, 0.4),
                  "TTFB": rng.lognormvariate(6.4, 0.5)}  # fmt: skip
        request = round(rng.uniform(20, 400), 1)
        errors = []
        # An error on one page view in four, a second, other one on one in eight: a page
        # view with two errors counts once in an error rate.
        for at in [i % 3, (i + 1) % 3][: (i % 4 == 0) + (i % 8 == 0)]:
            kind, message = ERRORS[at]
            count = 1 + i % 5
            errors.append({"kind": "error", "type": kind, "message": message, "count": count})
            sent.errors[message].append(count)
            sent.errors_by_release[(release_of(i), message)].append(count)
        ids = (f"pv{i:06d}numbers0", f"s{i // 2:07d}numbers0")
        sent.release_views[release_of(i)].append(i)
        if errors:
            sent.release_errors[release_of(i)].add(i)
        # Every third product page is a route change of an SPA: a soft navigation loads no
        # document, so it has no navigation timing.
        soft = group == "/product/:id" and i % 3 == 0
        body = beacon(
            page_view_id=ids[0],
            session_id=ids[1],
            url="https://shop.example" + GROUPS[group].format(i),
            context={"viewport_width": 1280, "effective_type": rng.choice(["4g", "3g"])},
            nav=None if soft else {"ttfb": values["TTFB"], "request": request, "dns": 5.0,
                                   "connect": 9.0},
            navigation_type="soft-navigation" if soft else ("reload" if i % 7 == 0 else "navigate"),
            metrics=[{"name": m, "value": round(v, 4)} for m, v in values.items()],
            errors=errors,
            failures=failures(i, ids, sent),
            dims={"release": release_of(i)} if release_of(i) else {},
        )  # fmt: skip
        if device == "desktop":  # Chrome reports long animation frames, Safari does not
            body["loaf"] = loaf(i, group, ids[0], sent)
        reply = await collector.post(body, **{"User-Agent": DEVICES[device]})
        assert reply.status == 204, reply.body
        for metric in ("LCP", "INP"):
            how = "soft" if soft else "hard"
            sent.navigations[(group, how, metric)].append(round(values[metric], 4))
        for metric, raw in values.items():
            value = round(raw, 4)
            sent.values[metric].append(value)
            sent.by[("release", release_of(i), metric)].append(value)
            sent.by[("page_group", group, metric)].append(value)
            sent.by[("device_class", device, metric)].append(value)
            sent.by[("browser", BROWSERS[device], metric)].append(value)
        sent.views[("page_group", group)] += 1
        sent.views[("device_class", device)] += 1
        if not soft:
            sent.ttfb_request[group].append(request)
    await collector.flush()
    await refresh_rollups(collector)
    return sent


def failed(sent: Sent) -> dict[tuple[str, ...], list[float]]:
    """(kind, endpoint, status as shown) → occurrences, page views, sessions."""
    return {
        (kind, endpoint, str(status) if status else "network error"): [
            sum(c for _, _, c in found),
            len({p for p, _, _ in found}),
            len({s for _, s, _ in found}),
        ]
        for (kind, endpoint, status), found in sent.failures.items()
    }


def blocked(sent: Sent) -> dict[tuple[str, ...], list[float]]:
    """(page group, script URL, function) → blocking ms, page views."""
    return {
        key: [sum(b for _, b in found), len({p for p, _ in found})]
        for key, found in sent.scripts.items()
    }


def routes(sent: Sent) -> dict[tuple[str, ...], list[float]]:
    """(SPA route, "soft" or "hard") → p75 LCP, p75 INP, page views."""
    return {
        (route, how): [p75(lcp), p75(sent.navigations[(route, how, "INP")]), len(lcp)]
        for (route, how, metric), lcp in sent.navigations.items()
        if metric == "LCP" and route == "/product/:id"  # the only group with soft navigations
    }


def agree(
    got: dict[tuple[str, ...], list[float]],
    want: dict[tuple[str, ...], list[float]],
    within: float = 0.0,
) -> None:
    """The same rows, each figure equal up to float rounding, or ``within`` if given."""
    assert set(got) == set(want), (sorted(got), sorted(want))
    for key, figures in want.items():
        for g, w in zip(got[key], figures, strict=True):
            assert math.isclose(g, w, rel_tol=1e-6, abs_tol=within), (key, got[key], figures)


class Tables(HTMLParser):
    """The report page's tables: section title → rows of cell texts (and bar widths)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.widths: dict[str, list[list[float]]] = {}
        self._title = ""
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "td"):
            self._in, self._text = tag, ""
        elif tag == "tr" and self._title:
            self.tables[self._title].append([])
            self.widths[self._title].append([])
        style = dict(attrs).get("style") or ""
        if tag == "span" and style.startswith("width:") and style.endswith("%"):
            self.widths[self._title][-1].append(float(style[6:-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._title = self._text.strip()
            self.tables[self._title], self.widths[self._title] = [], []
        elif tag == "td":
            self.tables[self._title][-1].append(self._text.strip())
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def number(text: str) -> float:
    """The figure a cell starts with ("3,392▲ 4%": a p75 and its change)."""
    found = re.match(r"[0-9,]+(\.[0-9]+)?", text)
    assert found, text
    return float(found[0].replace(",", ""))


@pytest.fixture
async def sent(collector: Collector) -> Sent:
    return await send(collector)


async def test_report_page_shows_the_p75_shares_and_counts_of_what_was_sent(
    collector: Collector, sent: Sent
) -> None:
    async with collector.http.get(f"{collector.admin}/report?days=7") as response:
        assert response.status == 200
        page = Tables()
        page.feed(await response.text())
    title = "Core Web Vitals: p75 and share of page views by rating"
    rows = {row[0]: row for row in page.tables[title] if row}
    assert set(rows) == set(THRESHOLDS)
    for (metric, cells), widths in zip(
        rows.items(), [w for w in page.widths[title] if w], strict=True
    ):
        values = sent.values[metric]
        assert close(number(cells[1]), p75(values)), (metric, cells[1], p75(values))
        assert number(cells[2]) == len(values)
        for got, want in zip(widths, shares(metric, values), strict=True):
            assert abs(got - 100 * want) <= 0.06, (metric, widths)
    for column, section in (("page_group", "By page group"), ("device_class", "By device class")):
        shown = {row[0]: row for row in page.tables[section] if row}
        assert set(shown) == {key for kind, key in sent.views if kind == column}
        for key, cells in shown.items():
            assert number(cells[1]) == sent.views[(column, key)]
            for metric, cell in zip(("LCP", "INP", "CLS"), cells[2:5], strict=True):
                want = p75(sent.by[(column, key, metric)])
                assert close(number(cell), want), (section, key, metric, cell, want)
    errors = {row[0].split(" new")[0]: row for row in page.tables["Errors worth fixing"] if row}
    assert set(errors) == {f"{kind}: {message}" for kind, message in ERRORS}
    for kind, message in ERRORS:
        cells, counts = errors[f"{kind}: {message}"], sent.errors[message]
        assert number(cells[1]) == sum(counts)
        # Each error in a page view of its own, one page view of its session (i % 4 == 0).
        assert number(cells[2]) == number(cells[3]) == len(counts)
    table = page.tables["Failed requests and resources"]
    agree({(r[0], r[1], r[3]): list(map(number, r[4:])) for r in table if r}, failed(sent))
    # Blocking time is shown rounded to the millisecond ("1,234"), p75 too (float32 sums: a
    # half may round either way).
    table = page.tables[LOAF]
    agree({tuple(r[:3]): list(map(number, r[3:])) for r in table if r}, blocked(sent), 0.51)
    table = page.tables[SPA]
    agree({tuple(r[:2]): list(map(number, r[2:])) for r in table if r}, routes(sent), 0.51)


def pretty_rows(text: str, title: str) -> list[list[str]]:
    """The rows of one section of `rumhouse report`'s output (the engine's Pretty format)."""
    section = text.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0]
    # A row is "N. │ a │ b │"; the header and frame lines have no "│".
    return [
        [c.strip() for c in line.split("│")[1:-1]] for line in section.splitlines() if "│" in line
    ]


async def test_rumhouse_report_prints_the_same_figures(
    collector: Collector, sent: Sent, capsys: pytest.CaptureFixture[str]
) -> None:
    done = await rumhouse_report(collector, capsys)
    assert done.returncode == 0, done.stderr
    rows = pretty_rows(done.stdout, "Core Web Vitals: p75 and share of page views by rating")
    by_metric = {row[0]: row for row in rows}
    assert set(by_metric) == set(THRESHOLDS), done.stdout
    for metric, (_, value, _, _, views, _, good, ni, poor) in by_metric.items():
        values = sent.values[metric]
        assert close(float(value), p75(values)), (metric, value)
        for got, want in zip((good, ni, poor), shares(metric, values), strict=True):
            assert abs(float(got) - want) <= 0.0006
        assert int(views) == len(values)
    printed = pretty_rows(done.stdout, "Failed requests and resources")
    agree({(r[0], r[1], r[3]): list(map(float, r[4:])) for r in printed}, failed(sent))
    # Figures of 10 and more are printed to the unit, as on the page.
    printed = pretty_rows(done.stdout, LOAF)
    agree({tuple(r[:3]): list(map(float, r[3:])) for r in printed}, blocked(sent), 0.51)
    printed = pretty_rows(done.stdout, SPA)
    agree({tuple(r[:2]): list(map(float, r[2:])) for r in printed}, routes(sent), 0.51)
    groups = {row[0]: row for row in pretty_rows(done.stdout, "By page group")}
    for group, (_, views, lcp, _, inp, cls) in groups.items():
        assert close(float(lcp), p75(sent.by[("page_group", group, "LCP")]))
        assert close(float(inp), p75(sent.by[("page_group", group, "INP")]))
        assert close(float(cls), p75(sent.by[("page_group", group, "CLS")]))
        assert int(views) == sent.views[("page_group", group)]
    # The page's filters, as options: the figures of one page group.
    filtered = await rumhouse_report(
        collector, capsys, "--range", "24h", "--filter", "page_group=/cart"
    )
    assert filtered.returncode == 0, filtered.stderr
    assert "last 24 hours, all sites" in filtered.stdout
    assert "filters: page_group=/cart" in filtered.stdout
    rows = pretty_rows(filtered.stdout, "Core Web Vitals: p75 and share of page views by rating")
    for metric, value, *_ in rows:
        assert close(float(value), p75(sent.by[("page_group", "/cart", metric)])), metric
    refused = await rumhouse_report(collector, capsys, "--days", "0")
    assert refused.returncode == 2
    assert (
        refused.stderr == "rumhouse: days 0: a whole number of days from 1 (or range=24h, 7d...)\n"
    )


def panel(title: str) -> str:
    [sql] = [t["rawSql"] for p in DASHBOARD["panels"] if p["title"] == title for t in p["targets"]]
    return str(sql)


async def test_every_grafana_panel_shows_what_was_sent(collector: Collector, sent: Sent) -> None:
    parts = urlsplit(collector.app[keys.SQL_URL])
    client = await asyncio.to_thread(
        clickhouse_connect.get_client, host=parts.hostname, port=parts.port
    )
    now = int(time.time())  # once: every panel sees the same range
    # One bucket for the whole test: an interval of a year.
    grafana = Grafana({"site": ["shop"], "page_group": [ALL], "device_class": [ALL],
                       "country": [ALL], "browser": [ALL], "release": [ALL]},
                      start=now - 7 * 86400, end=now + 3600, interval_s=365 * 86400)  # fmt: skip

    def rows(title: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in client.query(grafana.expand(panel(title))).result_rows]

    for metric in THRESHOLDS:
        [(_, value)] = await asyncio.to_thread(rows, f"p75 {metric}")
        assert close(value, p75(sent.values[metric])), metric
    for metric, *got in await asyncio.to_thread(rows, "Good / needs improvement / poor"):
        for g, w in zip(got, shares(metric, sent.values[metric]), strict=True):
            assert abs(g - w) < 1e-9, metric
    [(_, views)] = await asyncio.to_thread(rows, "Page views")
    assert views == 300
    for group, lcp, inp, cls, views in await asyncio.to_thread(rows, "By page group"):
        assert close(lcp, p75(sent.by[("page_group", group, "LCP")]))
        assert close(inp, p75(sent.by[("page_group", group, "INP")]))
        assert close(cls, p75(sent.by[("page_group", group, "CLS")]))
        assert views == sent.views[("page_group", group)]
    for title, column in (("p75 LCP by device class", "device_class"),
                          ("p75 LCP by browser", "browser")):  # fmt: skip
        found = await asyncio.to_thread(rows, title)
        assert found
        for key, lcp, views in found:
            assert close(lcp, p75(sent.by[(column, key, "LCP")])), (title, key)
            assert views == len(sent.by[(column, key, "LCP")])
    for title in ("p75 LCP by country", "p75 LCP by connection"):
        found = await asyncio.to_thread(rows, title)
        assert sum(views for _, _, views in found) == 300, title
        if len(found) == 1:  # every beacon came from the same (loopback) country
            assert close(found[0][1], p75(sent.values["LCP"])), title
    for group, _dns, _connect, _tls, server, _download in await asyncio.to_thread(
        rows, "TTFB breakdown (p75)"
    ):
        assert close(server, p75(sent.ttfb_request[group])), group
    errors = {row[1]: row for row in await asyncio.to_thread(rows, "Top JS errors")}
    for message, counts in sent.errors.items():
        assert errors[message][2] == sum(counts)
        assert errors[message][3] == len(counts)
    found = await asyncio.to_thread(rows, "Failed requests by endpoint and status")
    agree(
        {
            ("request", e, str(s) if s else "network error"): [n, p, u]
            for e, _, s, n, p, u, _ in found
        },
        {key: value for key, value in failed(sent).items() if key[0] == "request"},
    )
    found = await asyncio.to_thread(rows, "Scripts by long-animation-frame blocking time")
    agree({(g, u, f): [b, v] for g, u, f, b, _, v in found}, blocked(sent))
    found = await asyncio.to_thread(rows, "SPA routes: p75 LCP and INP, soft vs hard navigations")
    agree({(r, n): [lcp, inp, v] for r, n, lcp, inp, v in found}, routes(sent))
    # The releases panel and the release filter: test_grafana_release_panel_and_filter_...
    titled = {p["title"] for p in DASHBOARD["panels"]}
    # The Alerts panel's rows are checked in tests/integration/test_grafana_alerts.py.
    # The experience and revenue panels' rows: tests/integration/test_sessions.py.
    revenue = {"Conversion rate by landing LCP (500 ms buckets)", "Revenue at risk",
               "Conversion, bounce and revenue per session by landing LCP rating",
               "Revenue at risk by device class and entry page group"}  # fmt: skip
    assert revenue <= titled
    assert len(titled - revenue) == 19, "a new panel needs its figures checked here"
    client.close()


def by_release(sent: Sent) -> dict[str, list[float]]:
    """Release → page views, p75 of each vital, share of page views with an error."""
    return {
        release: [
            len(views),
            *(p75(sent.by[("release", release, m)]) for m in ("LCP", "INP", "CLS", "FCP", "TTFB")),
            len(sent.release_errors[release]) / len(views),
        ]
        for release, views in sent.release_views.items()
    }


async def test_grafana_release_panel_and_filter_show_what_was_sent(
    collector: Collector, sent: Sent
) -> None:
    parts = urlsplit(collector.app[keys.SQL_URL])
    client = await asyncio.to_thread(
        clickhouse_connect.get_client, host=parts.hostname, port=parts.port
    )
    now = int(time.time())

    def rows(title: str, release: list[str]) -> list[tuple[Any, ...]]:
        grafana = Grafana({"site": ["shop"], "page_group": [ALL], "device_class": [ALL],
                           "country": [ALL], "browser": [ALL], "release": release},
                          start=now - 7 * 86400, end=now + 3600,
                          interval_s=365 * 86400)  # fmt: skip
        return [tuple(r) for r in client.query(grafana.expand(panel(title))).result_rows]

    found = await asyncio.to_thread(rows, RELEASE_PANEL, [ALL])
    latest_first = sorted(sent.release_views, key=lambda r: sent.release_views[r][0], reverse=True)
    assert [r[0] for r in found] == latest_first
    assert [r[1] for r in found] == sorted((r[1] for r in found), reverse=True)
    want = by_release(sent)
    for release, _first, views, *p75s, error_rate in found:
        assert views == want[release][0], release
        for got, expected in zip(p75s, want[release][1:6], strict=True):
            assert close(got, expected), (release, p75s, want[release])
        assert math.isclose(error_rate, want[release][6]), release

    # One release chosen: the trend panels (from the raw rows: the rollups have no release),
    # the shares, page views, errors and the releases panel show that release only.
    chosen = RELEASES[1]
    views = sent.release_views[chosen]
    for metric in THRESHOLDS:
        [(_, value)] = await asyncio.to_thread(rows, f"p75 {metric}", [chosen])
        assert close(value, p75(sent.by[("release", chosen, metric)])), metric
    [(_, page_views)] = await asyncio.to_thread(rows, "Page views", [chosen])
    assert page_views == len(views)
    found = await asyncio.to_thread(rows, "Good / needs improvement / poor", [chosen])
    assert {metric for metric, *_ in found} == set(THRESHOLDS)
    for metric, *got in found:
        want_shares = shares(metric, sent.by[("release", chosen, metric)])
        for g, w in zip(got, want_shares, strict=True):
            assert abs(g - w) < 1e-9, metric
    errors = {row[1]: row for row in await asyncio.to_thread(rows, "Top JS errors", [chosen])}
    want_errors = {m: c for (r, m), c in sent.errors_by_release.items() if r == chosen}
    assert set(errors) == set(want_errors)
    for message, counts in want_errors.items():
        assert errors[message][2] == sum(counts), message
        assert errors[message][3] == len(counts), message
    [only] = await asyncio.to_thread(rows, RELEASE_PANEL, [chosen])
    assert (only[0], only[2]) == (chosen, len(views))
    client.close()
