"""The report's experience and revenue figures for each kind of filter, on the real engine:
sessions written straight into the sessions table, rolled up by the hour, and the figures
checked against what Python computes from the sessions written. Many sessions share an hour
and a segment, so a rollup row holds many of them; the two browsers' sessions differ, so a
browser filter that is not applied shows. (tests/integration/test_sessions.py checks the
same figures for sessions sent as beacons, without filters the rollup cannot serve.)"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from clickhouse_connect.driver.client import Client

from collector.report import revenue
from collector.report.scope import parse
from collector.store.rollups import roll_up
from tests.conftest import module_store
from tests.integration.test_sessions import (
    LCP_GOOD,
    LCP_POOR,
    Row,
    assert_rated,
    at_risk,
    by,
    close,
    rating,
)
from tests.report.test_trends import NOW, gather

SITE = "revenue"
COLUMNS = ("site", "session_id", "version", "started_at", "ended_at", "page_views",
           "entry_page_view_id", "entry_page_group", "device_class", "browser", "country",
           "connection", "release", "landing_lcp", "landing_lcp_rating", "landing_lcp_bucket",
           "worst_inp", "worst_inp_rating", "errors", "failures", "bounced", "converted",
           "conversions", "revenue")  # fmt: skip


def a_session(rng: random.Random, n: int) -> Row:
    """A session of the last day: Firefox's land slower and buy less; one in ten has no LCP."""
    browser, device = rng.choice(["Chrome", "Firefox"]), rng.choice(["desktop", "mobile"])
    lcp = None if n % 10 == 0 else rng.lognormvariate(0, 0.5) * (3500 if browser == "Firefox"
                                                                 else 2000)  # fmt: skip
    buys = rng.random() < (0.1 if browser == "Firefox" else 0.3)
    pages = rng.choice([1, 1, 2, 4])
    start = NOW - timedelta(hours=rng.choice([3, 5, 20]), minutes=rng.randrange(60))
    return {
        "site": SITE, "session_id": f"s{n}", "version": NOW, "started_at": start,
        "ended_at": start + timedelta(minutes=pages), "page_views": pages,
        "entry_page_view_id": f"s{n}-pv1", "entry_page_group": rng.choice(["/", "/product/:id"]),
        "device_class": device, "browser": browser, "country": "DE", "connection": "4g",
        "release": "r1", "landing_lcp": lcp,
        "landing_lcp_rating": rating(lcp, LCP_GOOD, LCP_POOR) if lcp else "",
        "landing_lcp_bucket": None if lcp is None else min(int(lcp) // 500 * 500, 10000),
        "worst_inp": None, "worst_inp_rating": "", "errors": 0, "failures": 0,
        "bounced": int(pages == 1 and not buys), "converted": int(buys),
        "conversions": int(buys), "revenue": round(rng.uniform(10, 90), 2) if buys else 0.0,
    }  # fmt: skip


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, list[Row]]]:
    for db in module_store(tmp_path_factory, "revenue"):
        rng = random.Random(5)
        written = [a_session(rng, n) for n in range(600)]
        db.insert("sessions_data", [[s[c] for c in COLUMNS] for s in written],
                  column_names=COLUMNS)  # fmt: skip
        roll_up(db, NOW - timedelta(days=2), NOW)
        yield db, written


@pytest.mark.parametrize(
    ("chosen", "rolled_up"),
    [({}, True), ({"device_class": "mobile"}, True), ({"page_group": "/product/:id"}, True),
     ({"browser": "Firefox"}, False), ({"browser": "Chrome", "device_class": "desktop"}, False)],
)  # fmt: skip
def test_revenue_figures_are_those_of_the_filtered_sessions(
    sessions: tuple[Client, list[Row]], chosen: dict[str, str], rolled_up: bool
) -> None:
    db, written = sessions
    scope = parse({"site": SITE, "range": "7d", **chosen}, NOW)
    assert revenue.rollup(scope) is rolled_up
    column = {"page_group": "entry_page_group"}
    kept = [s for s in written if all(s[column.get(d, d)] == v for d, v in chosen.items())]
    figures = gather(db, scope).revenue
    assert_rated(figures["by_rating"], kept)
    landed = [s for s in kept if s["landing_lcp_rating"]]
    buckets = [(r["landing_lcp_bucket"], r["sessions"]) for r in by(landed, "landing_lcp_bucket")
               if r["sessions"] >= revenue.MIN_SESSIONS]  # fmt: skip
    assert buckets, "some bucket is charted"
    assert [(b["bucket"], b["sessions_"]) for b in figures["by_bucket"]] == buckets
    risk = at_risk(kept)
    assert risk, "some segment has both good and poor landings"
    assert [(r["device_class"], r["entry_page_group"], r["poor_sessions"], r["good_sessions"])
            for r in figures["at_risk"]] == [
        (r["device_class"], r["entry_page_group"], r["poor_sessions"], r["good_sessions"])
        for r in risk
    ]  # fmt: skip
    for got_row, want_row in zip(figures["at_risk"], risk, strict=True):
        assert close(got_row["revenue_at_risk"], want_row["revenue_at_risk"])
