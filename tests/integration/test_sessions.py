"""Sessions and conversions on the real engine, over real HTTP: the `sessions` view, its
hourly rollup and the cookbook's questions 14 and 15 give what Python computes from the
very beacons that were sent.

The traffic: simulated sessions (they buy less often after a slow landing page) for a site
that keeps some of its sessions by sampling and counts `purchase` and `signup` as
conversions, each session's page views sent in order; some beacons are received twice, and
some purchases come in a page view's second beacon. A few hand-made sessions add the cases
the simulation leaves out: a conversion without a value, a landing page without LCP, a
sampled-out session that buys. The expected figures come from the generator's records and
the published rules (ratings, sampling), never from the collector's code.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import clickhouse_connect
import pytest
import pytest_asyncio

from collector.http import keys
from collector.report import build, revenue
from collector.report.page import REFRESH
from collector.report.scope import parse
from collector.settings import load_settings
from collector.store.client import EmbeddedStore
from collector.tools import simulate
from tests.conftest import DESKTOP_CHROME, IPHONE, Collector, beacon, start_collector
from tests.integration.test_cookbook import assert_answers
from tests.integration.test_grafana import ALL, DASHBOARD, Grafana
from tests.integration.test_sql_clients import node_query

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
SITE = "shop"
SAMPLE_RATE = 0.3
CONVERSIONS = ("purchase", "signup")
PAGE_VIEWS = 3000
PARAMS = {"site": SITE}
# The published thresholds: good up to the first, poor above the second.
LCP_GOOD, LCP_POOR = 2500, 4000
INP_GOOD, INP_POOR = 200, 500
RATINGS = ("good", "needs-improvement", "poor")
Row = dict[str, Any]


def rating(value: float, good: float, poor: float) -> str:
    return "good" if value <= good else "needs-improvement" if value <= poor else "poor"


def kept(session_id: str) -> bool:
    """Sampling as documented: the id's last four base-36 digits, as a share of 36^4."""
    return int(session_id[-4:], 36) / 36**4 < SAMPLE_RATE


@dataclass
class Page:
    """What was sent for one page view, across its beacons."""

    group: str
    device: str
    metrics: dict[str, float]
    events: list[dict[str, Any]]
    error: bool
    failure: bool


@dataclass
class Sent:
    """Every session sent, its page views in the order sent; and how beacons went out."""

    sessions: dict[str, list[Page]] = field(default_factory=lambda: defaultdict(list))
    twice: int = 0  # beacons received twice
    dropped: set[str] = field(default_factory=set)  # sessions sampled out
    late_sales: int = 0  # conversions in a page view's second beacon

    def page(self, visit: simulate.Visit) -> None:
        path = urlsplit(visit.beacon["url"]).path
        self.sessions[visit.beacon["session_id"]].append(Page(
            re.sub(r"/\d+", "/:id", path), visit.device,
            {m["name"]: m["value"] for m in visit.final["metrics"]}, visit.events,
            bool(visit.beacon["errors"]), bool(visit.beacon.get("failures")),
        ))  # fmt: skip
        self.late_sales += sum(
            e["name"] in CONVERSIONS for later in visit.resends for e in later.get("events", [])
        )


async def post(collector: Collector, visit: simulate.Visit, sent: Sent) -> None:
    """A page view's beacons in order; a beacon with events, and every seventh other one,
    a second time (as a browser may deliver it twice)."""
    for body in (visit.beacon, *visit.resends):
        times = 2 if body.get("events") or sum(map(ord, body["page_view_id"])) % 7 == 0 else 1
        for _ in range(times):
            reply = await collector.post(body, **visit.headers)
            assert reply.status == 204, reply.body
        sent.twice += times - 1


def visit(session: str, pv: str, metrics: list[Row], events: list[Row], *, mobile: bool = False,
          later: Iterable[list[Row]] = ()) -> simulate.Visit:  # fmt: skip
    """A hand-made page view, as the simulation makes them; ``later``: the events of its
    further beacons."""
    first = beacon(site=SITE, session_id=session, page_view_id=pv, metrics=metrics,
                   events=events, errors=[], url="https://shop.example/landing")  # fmt: skip
    resends = [first | {"seq": n, "metrics": [], "events": e} for n, e in enumerate(later, 1)]
    agent, device = (IPHONE, "mobile") if mobile else (DESKTOP_CHROME, "desktop")
    return simulate.Visit(first, {"User-Agent": agent}, device, "", resends)


def handmade() -> list[simulate.Visit]:
    """Sessions the simulation does not make."""
    lcp = [{"name": "LCP", "value": 1800.0}, {"name": "INP", "value": 520.0}]
    return [
        # the purchase in the page view's second beacon, after a non-conversion event
        visit("handmade-late-0000", "handmade-late-pv1", lcp,
              [{"name": "add_to_cart", "value": 12.0}],
              later=[[{"name": "purchase", "value": 30.0}]]),
        # a landing page without LCP (Safari), then a signup without a value and a purchase
        visit("handmade-nolcp-0001", "handmade-nolcp-pv1", [{"name": "FCP", "value": 900.0}],
              [], mobile=True),
        visit("handmade-nolcp-0001", "handmade-nolcp-pv2", lcp,
              [{"name": "signup"}, {"name": "purchase", "value": 20.5}], mobile=True),
        # one slow page, nothing else: a bounce
        visit("handmade-bounce-0002", "handmade-bounce-pv1", [{"name": "LCP", "value": 9000.0}],
              [], mobile=True),
        # sampled out (its id's last four digits): never stored, whatever it bought
        visit("handmade-dropped-zzzz", "handmade-dropped-pv1", lcp,
              [{"name": "purchase", "value": 999.0}]),
    ]  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def traffic(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Collector, Sent]]:
    site = {"key": SITE, "origins": ["*"], "sample_rate": SAMPLE_RATE, "rate_limit": 1e6,
            "conversions": list(CONVERSIONS)}  # fmt: skip
    settings = load_settings(data=tmp_path_factory.mktemp("sessions") / "data", port=0,
                             sql_port=0, admin_port=0, open_mode=True, sites=(site,))  # fmt: skip
    runner, url = await start_collector(settings)
    sent = Sent()
    async with aiohttp.ClientSession() as http:
        collector = Collector(runner.app, url, http)
        for visit in [*simulate.visits(PAGE_VIEWS, seed=17, site=SITE), *handmade()]:
            await post(collector, visit, sent)
            if kept(visit.beacon["session_id"]):
                sent.page(visit)
            else:
                sent.dropped.add(visit.beacon["session_id"])
        await collector.flush()
        store = collector.app[keys.STORE]
        assert isinstance(store, EmbeddedStore)
        for statement in REFRESH:
            await asyncio.to_thread(store.client.command, statement)
        yield collector, sent
    await runner.cleanup()


# --- what each session should be, from what was sent ------------------------------------


def expected_session(session_id: str, pages: list[Page]) -> Row:
    landing = pages[0]
    sales = [e for p in pages for e in p.events if e["name"] in CONVERSIONS]
    lcp = landing.metrics.get("LCP")
    inp = max((p.metrics["INP"] for p in pages if "INP" in p.metrics), default=None)
    return {
        "session_id": session_id, "page_views": len(pages),
        "entry_page_group": landing.group, "device_class": landing.device,
        "landing_lcp": lcp,
        "landing_lcp_rating": "" if lcp is None else rating(lcp, LCP_GOOD, LCP_POOR),
        "landing_lcp_bucket": None if lcp is None else min(int(lcp // 500) * 500, 10_000),
        "worst_inp": inp,
        "worst_inp_rating": "" if inp is None else rating(inp, INP_GOOD, INP_POOR),
        "errors": sum(p.error for p in pages), "failures": sum(p.failure for p in pages),
        "bounced": int(len(pages) == 1 and not landing.events),
        "converted": int(bool(sales)), "conversions": len(sales),
        "revenue": sum((e.get("value") or 0.0 for e in sales), 0.0),
    }  # fmt: skip


def expected_sessions(sent: Sent) -> list[Row]:
    return [expected_session(sid, pages) for sid, pages in sorted(sent.sessions.items())]


def rates(rows: list[Row]) -> Row:
    n = len(rows)
    return {
        "sessions": n,
        "conversion_rate": sum(r["converted"] for r in rows) / n,
        "bounce_rate": sum(r["bounced"] for r in rows) / n,
        "revenue_per_session": sum(r["revenue"] for r in rows) / n,
    }


def by(rows: list[Row], *columns: str, order: Callable[[Any], Any] = lambda k: k) -> list[Row]:
    groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[c] for c in columns)].append(row)
    return [dict(zip(columns, key, strict=True)) | rates(found)
            for key, found in sorted(groups.items(), key=lambda kv: order(kv[0]))]  # fmt: skip


def rated(rows: list[Row], column: str) -> list[Row]:
    chosen = [r for r in rows if r[column]]
    return by(chosen, "device_class", column, order=lambda k: (k[0], RATINGS.index(k[1])))


def at_risk(rows: list[Row]) -> list[Row]:
    """Poor-landing sessions at the good ones' conversion rate and order value, per device
    class and entry page group, less what they brought."""
    found = []
    for (device, group), segment in sorted(_segments(rows).items()):
        good = [r for r in segment if r["landing_lcp_rating"] == "good"]
        poor = [r for r in segment if r["landing_lcp_rating"] == "poor"]
        if not good or not poor:
            continue
        converted = sum(r["converted"] for r in good)
        good_revenue = sum(r["revenue"] for r in good)
        rate = converted / len(good)
        value = good_revenue / converted if converted else None
        expected = len(poor) * rate * (value or 0.0)
        brought = sum(r["revenue"] for r in poor)
        found.append({
            "device_class": device, "entry_page_group": group, "poor_sessions": len(poor),
            "good_sessions": len(good), "good_conversions": converted,
            "good_conversion_rate": rate, "good_order_value": value, "poor_revenue": brought,
            "expected_revenue": expected, "revenue_at_risk": expected - brought,
        })  # fmt: skip
    return sorted(found, key=lambda r: (-r["revenue_at_risk"], r["device_class"],
                                        r["entry_page_group"]))  # fmt: skip


def _segments(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    segments: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        segments[(row["device_class"], row["entry_page_group"])].append(row)
    return segments


# --- the cookbook ---------------------------------------------------------------------


def cookbook(question: int) -> list[str]:
    """The SQL blocks of one cookbook question, in order."""
    text = (ROOT / "schema" / "COOKBOOK.md").read_text()
    section = re.search(rf"^## {question}\..*?(?=^## |\Z)", text, flags=re.M | re.S)
    assert section, f"the cookbook has no question {question}"
    return re.findall(r"```sql\n(.*?)```", section[0], flags=re.S)


EXPECTED: dict[tuple[int, int], Callable[[list[Row]], list[Row]]] = {
    (14, 0): lambda rows: rated(rows, "landing_lcp_rating"),
    (14, 1): lambda rows: [
        {"device_class": r["device_class"], "landing_lcp_from_ms": r["landing_lcp_bucket"]}
        | {k: v for k, v in r.items() if k not in ("device_class", "landing_lcp_bucket")}
        for r in by(
            [r for r in rows if r["landing_lcp_bucket"] is not None],
            "device_class",
            "landing_lcp_bucket",
        )
    ],
    (14, 2): lambda rows: rated(rows, "worst_inp_rating"),
    (15, 0): at_risk,
}
FROM_ROLLUP = ((14, 0), (15, 0))  # the others read the sessions view


def client(collector: Collector) -> Any:
    parts = urlsplit(collector.app[keys.SQL_URL])
    return clickhouse_connect.get_client(host=parts.hostname, port=parts.port)


async def test_sessions_view_has_each_session_as_sent(traffic: tuple[Collector, Sent]) -> None:
    collector, sent = traffic
    expected = expected_sessions(sent)
    assert sent.twice > 100, "beacons received twice"
    assert sent.late_sales > 2, "conversions in a page view's second beacon"
    assert sum(r["converted"] for r in expected) > 20
    columns = ", ".join(expected[0])
    rows = await collector.query(
        f"SELECT {columns} FROM sessions WHERE site = '{SITE}' ORDER BY session_id"
    )
    stored = [dict(zip(expected[0], row, strict=True)) for row in rows]
    assert [r["session_id"] for r in stored] == [r["session_id"] for r in expected]
    assert len(sent.dropped) > 50, "sessions sampled out were sent"
    assert_answers(stored, expected, 0)


async def test_sessions_conversion_falls_with_a_slower_landing_page(
    traffic: tuple[Collector, Sent],
) -> None:
    """The simulation's one deliberate shape, visible in SQL."""
    collector, _ = traffic
    rows = await collector.query(
        "SELECT landing_lcp_rating, avg(converted) FROM sessions WHERE landing_lcp_rating != ''"
        " GROUP BY landing_lcp_rating ORDER BY indexOf(['good', 'needs-improvement', 'poor'],"
        " landing_lcp_rating)"
    )
    assert [r[0] for r in rows] == list(RATINGS)
    assert rows[0][1] > rows[1][1] > rows[2][1]


@pytest.mark.parametrize("block", list(EXPECTED))
async def test_cookbook_sessions_query_gives_known_answer(
    traffic: tuple[Collector, Sent], block: tuple[int, int]
) -> None:
    collector, sent = traffic
    question, n = block
    sql = cookbook(question)[n]
    assert ("sessions_hourly" in sql) == (block in FROM_ROLLUP), sql
    analyst = await asyncio.to_thread(client, collector)
    result = await asyncio.to_thread(analyst.query, sql, parameters=PARAMS)
    expected = EXPECTED[block](expected_sessions(sent))
    assert len(expected) >= 4, "the traffic gives too little to check"
    assert_answers(list(result.named_results()), expected, question)


async def test_cookbook_sessions_queries_give_known_answers_through_clickhouse_js(
    traffic: tuple[Collector, Sent],
) -> None:
    collector, sent = traffic
    queries = [{"sql": cookbook(q)[n], "params": PARAMS} for q, n in EXPECTED]
    answer = await node_query(collector.app[keys.SQL_URL], queries)
    assert "results" in answer, answer
    for (block, make), rows in zip(EXPECTED.items(), answer["results"], strict=True):
        assert_answers(rows, make(expected_sessions(sent)), block[0])


ROLLUP_KEY = ("hour, device_class, entry_page_group, landing_lcp_rating, landing_lcp_bucket, "
              "worst_inp_rating")  # fmt: skip


async def test_sessions_rollup_equals_the_view(traffic: tuple[Collector, Sent]) -> None:
    collector, _ = traffic
    rolled = await collector.query(
        f"SELECT {ROLLUP_KEY}, sum(sessions), sum(page_views), sum(bounced), sum(converted),"
        f" sum(conversions), round(sum(revenue), 6) FROM sessions_hourly WHERE site = '{SITE}'"
        f" GROUP BY ALL ORDER BY ALL"
    )
    viewed = await collector.query(
        f"SELECT toStartOfHour(started_at) AS hour, {ROLLUP_KEY.removeprefix('hour, ')},"
        " count(), sum(page_views), sum(bounced), sum(converted), sum(conversions),"
        f" round(sum(revenue), 6) FROM sessions WHERE site = '{SITE}' GROUP BY ALL ORDER BY ALL"
    )
    assert len(rolled) > 20
    assert rolled == viewed


async def test_cookbook_rollup_queries_read_the_rollup_only(
    traffic: tuple[Collector, Sent],
) -> None:
    collector, _ = traffic
    for question, n in FROM_ROLLUP:
        sql = cookbook(question)[n].replace("{site:String}", f"'{SITE}'")
        plan = "\n".join(str(row[0]) for row in await collector.query(f"EXPLAIN PLAN {sql}"))
        reads = re.findall(r"ReadFromMergeTree \((\S+)\)", plan)
        assert reads, plan
        assert {name.split(".")[-1] for name in reads} == {"sessions_hourly_data"}, plan


# --- the report's section --------------------------------------------------------------


def close(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def assert_rated(shown: list[Row], sessions: list[Row]) -> None:
    """The report's rows by landing LCP rating, per device class and for all: those of
    ``sessions``."""
    landed = [s for s in sessions if s["landing_lcp_rating"]]
    want = {
        (r["device_class"], r["landing_lcp_rating"]): r
        for r in rated(sessions, "landing_lcp_rating")
    }
    want |= {("all", r["landing_lcp_rating"]): r for r in by(landed, "landing_lcp_rating")}
    got = {(r["device"], r["rating"]): r for r in shown}
    assert set(got) == set(want)
    for key, row in want.items():
        assert got[key]["sessions_"] == row["sessions"], key
        for rate in ("conversion_rate", "bounce_rate", "revenue_per_session"):
            assert close(got[key][rate], row[rate]), (key, rate, got[key][rate], row[rate])


async def test_the_report_shows_conversion_and_revenue_at_risk_of_the_sessions_sent(
    traffic: tuple[Collector, Sent],
) -> None:
    collector, sent = traffic
    sessions = expected_sessions(sent)
    scope = parse({"site": SITE, "range": "7d"}, datetime.now(UTC))
    assert revenue.rollup(scope), "no filter: from the rollup"
    report = await build.gather(collector.app[keys.STORE].query_table, scope)
    figures = report.revenue
    landed = [s for s in sessions if s["landing_lcp_rating"]]
    assert_rated(figures["by_rating"], sessions)
    buckets = {r["landing_lcp_bucket"]: r for r in by(landed, "landing_lcp_bucket")
               if r["sessions"] >= revenue.MIN_SESSIONS}  # fmt: skip
    assert {b["bucket"]: b["sessions_"] for b in figures["by_bucket"]} == {
        k: r["sessions"] for k, r in buckets.items()
    }
    for b in figures["by_bucket"]:
        assert close(b["conversion_rate"], buckets[b["bucket"]]["conversion_rate"])
    risk = at_risk(sessions)
    assert [(r["device_class"], r["entry_page_group"]) for r in figures["at_risk"]] == [
        (r["device_class"], r["entry_page_group"]) for r in risk
    ]
    for got_row, want_row in zip(figures["at_risk"], risk, strict=True):
        assert close(got_row["revenue_at_risk"], want_row["revenue_at_risk"])
    total = sum(max(r["revenue_at_risk"], 0.0) for r in risk)
    async with collector.http.get(f"{collector.admin}/report?site={SITE}&range=7d") as response:
        page = await response.text()
    assert f"Revenue at risk: {total:,.2f}</h2>" in page
    assert "a correlation, not a proof" in page
    assert page.count('<rect class="') == len(figures["by_bucket"]), "a bar per bucket"
    # Filtered on device class: still the rollup, the figures of that device's sessions.
    now = datetime.now(UTC)
    chosen = parse({"site": SITE, "range": "7d", "device_class": "mobile"}, now)
    assert revenue.rollup(chosen)
    mobile = await build.gather(collector.app[keys.STORE].query_table, chosen)
    shown = {
        r["rating"]: r["sessions_"] for r in mobile.revenue["by_rating"] if r["device"] == "all"
    }
    want_mobile = [s for s in landed if s["device_class"] == "mobile"]
    assert shown == {
        r["landing_lcp_rating"]: r["sessions"] for r in by(want_mobile, "landing_lcp_rating")
    }
    # Filtered on a browser: from the sessions view; the browsers' sessions and conversions
    # add up to everyone's.
    browsers = await collector.query(f"SELECT DISTINCT browser FROM sessions WHERE site = '{SITE}'")
    total = converted = 0.0
    for (browser,) in browsers:
        chosen = parse({"site": SITE, "range": "7d", "browser": browser}, now)
        assert not revenue.rollup(chosen)
        one = await build.gather(collector.app[keys.STORE].query_table, chosen)
        for r in one.revenue["by_rating"]:
            if r["device"] == "all":
                total += r["sessions_"]
                converted += r["sessions_"] * r["conversion_rate"]
    assert total == len(landed)
    assert round(converted) == sum(s["converted"] for s in landed)


# --- the Grafana panels ------------------------------------------------------------------

SEGMENT_VARIABLES = ("country", "browser", "release")  # in the sessions view, not the rollup


async def panel_rows(collector: Collector, title: str, **chosen: list[str]) -> list[Row]:
    """A panel's rows, its SQL expanded as Grafana and the plugin do, over the last 7 days."""
    [sql] = [t["rawSql"] for p in DASHBOARD["panels"] if p["title"] == title for t in p["targets"]]
    now = int(time.time())
    variables = {"site": [SITE], "page_group": [ALL], "device_class": [ALL]}
    variables |= {v: [ALL] for v in SEGMENT_VARIABLES} | chosen
    grafana = Grafana(variables, start=now - 7 * 86400, end=now + 3600, interval_s=3600)
    analyst = await asyncio.to_thread(client, collector)
    result = await asyncio.to_thread(analyst.query, grafana.expand(sql))
    return list(result.named_results())


RATED_PANEL = "Conversion, bounce and revenue per session by landing LCP rating"
BUCKET_PANEL = "Conversion rate by landing LCP (500 ms buckets)"
RISK_PANEL = "Revenue at risk by device class and entry page group"


def bucket_label(bucket: int) -> str:
    return "10 s+" if bucket == 10_000 else f"{bucket / 1000:g}-{(bucket + 500) / 1000:g} s"


async def assert_panels_show(
    collector: Collector, sessions: list[Row], **chosen: list[str]
) -> None:
    """Every figure of the experience and revenue panels, from the sessions given."""
    rows = await panel_rows(collector, RATED_PANEL, **chosen)
    assert_answers(rows, rated(sessions, "landing_lcp_rating"), 14)
    landed = [s for s in sessions if s["landing_lcp_bucket"] is not None]
    buckets = [
        {"landing_lcp": bucket_label(r["landing_lcp_bucket"]),
         "landing_lcp_from_ms": r["landing_lcp_bucket"], "sessions": r["sessions"],
         "conversion_rate": r["conversion_rate"]}
        for r in by(landed, "landing_lcp_bucket") if r["sessions"] >= revenue.MIN_SESSIONS
    ]  # fmt: skip
    assert_answers(await panel_rows(collector, BUCKET_PANEL, **chosen), buckets, 14)
    risk = at_risk(sessions)
    assert_answers(await panel_rows(collector, RISK_PANEL, **chosen), risk, 15)
    [total] = await panel_rows(collector, "Revenue at risk", **chosen)
    positive = [r["revenue_at_risk"] for r in risk if r["revenue_at_risk"] > 0]
    assert_answers([total], [{"revenue_at_risk": sum(positive),
                              "segments_at_risk": len(positive)}], 15)  # fmt: skip


async def test_grafana_revenue_panels_show_the_sessions_sent(
    traffic: tuple[Collector, Sent],
) -> None:
    collector, sent = traffic
    sessions = expected_sessions(sent)
    buckets = by([s for s in sessions if s["landing_lcp_bucket"] is not None], "landing_lcp_bucket")
    assert any(r["sessions"] < revenue.MIN_SESSIONS for r in buckets), "a bucket is left out"
    assert len(at_risk(sessions)) >= 3
    await assert_panels_show(collector, sessions)
    # The rollup's filters: device class, and page group as the entry page group.
    mobile = [s for s in sessions if s["device_class"] == "mobile"]
    await assert_panels_show(collector, mobile, device_class=["mobile"])
    groups = sorted({s["entry_page_group"] for s in sessions})[:2]
    chosen = [s for s in sessions if s["entry_page_group"] in groups]
    await assert_panels_show(collector, chosen, page_group=groups)


async def test_grafana_revenue_panels_read_the_rollup_or_the_sessions_of_a_browser(
    traffic: tuple[Collector, Sent],
) -> None:
    """Without a country, browser or release, the rollup only; with one, the sessions view,
    and the filter applies: the browsers' sessions and conversions add up to everyone's."""
    collector, sent = traffic
    now = int(time.time())
    [sql] = [t["rawSql"] for p in DASHBOARD["panels"] if p["title"] == RATED_PANEL
             for t in p["targets"]]  # fmt: skip
    variables = {v: [ALL] for v in ("page_group", "device_class", *SEGMENT_VARIABLES)}
    grafana = Grafana({"site": [SITE], **variables}, now - 7 * 86400, now + 3600, 3600)
    plan = await collector.query("EXPLAIN ESTIMATE " + grafana.expand(sql))
    assert {row[1] for row in plan if row[4]} == {"sessions_hourly_data"}, plan
    landed = [s for s in expected_sessions(sent) if s["landing_lcp_rating"]]
    browsers = await collector.query(f"SELECT DISTINCT browser FROM sessions WHERE site = '{SITE}'")
    assert len(browsers) >= 2
    added: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for (browser,) in browsers:
        for r in await panel_rows(collector, RATED_PANEL, browser=[browser]):
            key = (r["device_class"], r["landing_lcp_rating"])
            added[key][0] += r["sessions"]
            added[key][1] += r["sessions"] * r["conversion_rate"]
    want = {
        (r["device_class"], r["landing_lcp_rating"]): r for r in rated(landed, "landing_lcp_rating")
    }
    assert set(added) == set(want)
    for key, (count, converted) in added.items():
        assert count == want[key]["sessions"], key
        assert round(converted) == round(want[key]["sessions"] * want[key]["conversion_rate"])
