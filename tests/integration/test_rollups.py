"""Hourly rollups on the real engine: accurate, each page view counted once, and the latest
refresh of each hour only."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from collector.http import keys
from collector.report.page import REFRESH
from collector.settings import Settings
from collector.store import migrate, rollups
from collector.store.client import EmbeddedStore
from collector.tools import simulate
from tests.conftest import Collector

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 100_000  # page views times 5 metrics (4 for an SPA's soft navigations: no TTFB)
# By every segment; by page group and device class; both, told apart by grain.
ROLLUPS = (
    "vitals_hourly",
    "vitals_hourly_pages",
    "(SELECT * FROM vitals_hourly_grains WHERE grain = 'page')",
    "(SELECT * FROM vitals_hourly_grains WHERE grain = 'segment')",
)


async def refresh_rollups(collector: Collector) -> None:
    store = collector.app[keys.STORE]
    assert isinstance(store, EmbeddedStore)  # the embedded store
    client = store.client
    for statement in REFRESH:
        await asyncio.to_thread(client.command, statement)


async def test_rollups_p75_within_2_percent_of_exact_and_page_views_counted_once(
    collector: Collector,
) -> None:
    tally = await simulate.post(collector.url, EVENTS // 5, seed=5, progress=False)
    assert tally.accepted == tally.sent > EVENTS // 5, "some page views re-sent CLS and INP"
    await collector.flush()
    await refresh_rollups(collector)

    exact = await collector.query(
        "SELECT metric, quantileExact(0.75)(value), count(), countIf(rating = 'good'), "
        "countIf(rating = 'poor') FROM vitals GROUP BY metric ORDER BY metric"
    )
    # Each page view counts once per metric it reported: the generator's own records say which.
    sent = Counter(
        m["name"] for v in simulate.visits(EVENTS // 5, seed=5) for m in v.final["metrics"]
    )
    assert sum(sent.values()) > 0.95 * EVENTS
    for rollup in ROLLUPS:
        rolled = await collector.query(
            "SELECT metric, quantileBFloat16Merge(0.75)(value_state), sum(page_views), "
            f"sum(good), sum(poor) FROM {rollup} GROUP BY metric ORDER BY metric"
        )
        metrics = [r[0] for r in rolled]
        assert metrics == [r[0] for r in exact] == ["CLS", "FCP", "INP", "LCP", "TTFB"], rollup
        for (metric, p75, n, good, poor), (_, rolled_p75, *counts) in zip(
            exact, rolled, strict=True
        ):
            assert counts == [n, good, poor], (rollup, metric)
            assert n == sent[metric], f"{metric}: each page view counts once"
            assert abs(rolled_p75 - p75) <= 0.02 * p75, (rollup, metric, rolled_p75, p75)


async def test_rollups_segments_agree_with_raw_p75(collector: Collector) -> None:
    await simulate.post(collector.url, 4000, seed=9, progress=False)
    await collector.flush()
    await refresh_rollups(collector)
    segments = "page_group, device_class"
    exact = dict(
        ((g, d), (p75, n))
        for g, d, p75, n in await collector.query(
            f"SELECT {segments}, quantileExact(0.75)(value), count() FROM vitals "
            f"WHERE metric = 'LCP' GROUP BY {segments} HAVING count() >= 100"
        )
    )
    by_rollup = {
        rollup: await collector.query(
            f"SELECT {segments}, quantileBFloat16Merge(0.75)(value_state), sum(page_views) "
            f"FROM {rollup} WHERE metric = 'LCP' GROUP BY {segments} ORDER BY {segments}"
        )
        for rollup in ROLLUPS
    }
    # The rollup by page group and device class merges the same histograms: the same answers.
    for rollup in ROLLUPS:
        assert by_rollup[rollup] == by_rollup["vitals_hourly"], rollup
    checked = 0
    for g, d, p75, n in by_rollup["vitals_hourly_pages"]:
        if (g, d) in exact:
            assert n == exact[(g, d)][1]
            assert abs(p75 - exact[(g, d)][0]) <= 0.02 * exact[(g, d)][0], (g, d)
            checked += 1
    assert checked >= 3


VITALS_ROW = (
    "INSERT INTO vitals_data (ts, started_at, site, page_view_id, session_id, seq, metric, value, "
    "rating, page_group, device_class, browser, country, connection, is_bot) SELECT now64(3), "
    "toStartOfHour(now()) - INTERVAL 30 MINUTE, 'shop', {pv:String}, 's1', {seq:UInt32}, 'LCP', "
    "{value:Float64}, 'good', {group:String}, 'mobile', 'Chrome', 'DE', '4g', false"
)


def test_rollups_read_the_latest_refresh_of_each_hour_only(store: Any, settings: Settings) -> None:
    """Each refresh writes a new version of every hour; the views keep the latest one, which
    also drops a segment that the page view has left (FINAL would keep that stale row)."""
    migrate.apply(store, settings.schema_dir)

    def send(pv: str, seq: int, value: float, group: str) -> None:
        parameters = {"pv": pv, "seq": seq, "value": value, "group": group}
        store.command(VITALS_ROW, parameters=parameters)

    def refresh() -> None:
        for statement in REFRESH:
            store.command(statement)

    # Values that bfloat16 holds exactly.
    send("pv1", 0, 1024.0, "/a")
    send("pv2", 0, 2048.0, "/c")
    refresh()
    send("pv1", 1, 3072.0, "/b")  # the page group changed: the page view leaves /a
    send("pv2", 1, 2560.0, "/c")  # a re-sent value
    refresh()

    for table in ("vitals_hourly_data", "vitals_hourly_pages_data"):
        [(versions, stale)] = store.query(
            f"SELECT uniqExact(version), countIf(page_group = '/a') FROM {table}"
        ).result_rows
        assert versions >= 2, f"{table}: no older version to leave out"
        assert stale >= 1, f"{table}: the row the page view left is not stored"
    for rollup in ROLLUPS:
        rows = store.query(
            "SELECT page_group, sum(page_views), quantileBFloat16Merge(0.5)(value_state) "
            f"FROM {rollup} GROUP BY page_group ORDER BY page_group"
        ).result_rows
        assert rows == [("/b", 1, 3072.0), ("/c", 1, 2560.0)], rollup


AGED_ROW = VITALS_ROW.replace(
    "toStartOfHour(now()) - INTERVAL 30 MINUTE",
    "toStartOfHour(now()) - INTERVAL {hours:UInt16} HOUR + INTERVAL 30 MINUTE",
)


def test_rollups_recompute_the_last_48_hours(store: Any, settings: Settings) -> None:
    """A page view that started 46 hours ago is in the rollups after a refresh; one from 50
    hours ago is outside the window every refresh recomputes."""
    migrate.apply(store, settings.schema_dir)
    for hours in (2, 30, 46, 50):
        store.command(
            AGED_ROW,
            parameters={"pv": f"pv{hours}", "seq": 0, "value": 1024.0, "group": f"/{hours}h",
                        "hours": hours},
        )  # fmt: skip
    for statement in REFRESH:
        store.command(statement)
    for rollup in ROLLUPS:
        groups = {row[0] for row in store.query(f"SELECT page_group FROM {rollup}").result_rows}
        assert groups == {"/2h", "/30h", "/46h"}, rollup


def documented(pattern: str) -> int:
    """A number the schema documentation states, by the words around it."""
    text = " ".join((ROOT / "schema" / "README.md").read_text().split())
    found = re.search(pattern, text)
    assert found, f"the schema docs no longer say {pattern!r}"
    return int(found[1])


def test_tables_keep_rows_as_long_as_the_docs_say(store: Any, settings: Settings) -> None:
    migrate.apply(store, settings.schema_dir)
    raw_days = documented(r"Raw rows are kept (\d+) days \(TTL\)")
    rollup_months = documented(r"bots left out, kept (\d+) months")
    engines = dict(
        store.query(
            "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()"
        ).result_rows
    )
    for table in ("page_views_data", "vitals_data", "errors", "events", "failures"):
        assert f"TTL toDateTime(ts) + toIntervalDay({raw_days})" in engines[table], table
    for table in (
        "vitals_hourly_data",
        "vitals_hourly_pages_data",
        "failures_hourly",
        "sessions_hourly_data",
    ):
        assert f"TTL hour + toIntervalMonth({rollup_months})" in engines[table], table


# A page view of a session, started {minutes} before the start of the current hour.
SESSION_PAGE = (
    "INSERT INTO page_views_data (ts, started_at, site, page_view_id, session_id, seq, "
    "page_group, device_class, is_bot) SELECT now64(3), toStartOfHour(now()) - INTERVAL "
    "{minutes:UInt32} MINUTE, 'shop', {pv:String}, {session:String}, 0, {group:String}, "
    "'mobile', false"
)
SALE = (
    "INSERT INTO events (ts, site, page_view_id, session_id, name, value, seq, position, "
    "conversion, is_bot) SELECT now64(3), 'shop', 'now-1', 'now', 'purchase', 10.0, 0, 0, true, "
    "false"
)
SESSIONS_BY_ENTRY = (
    "SELECT entry_page_group, sum(sessions), sum(page_views), sum(converted), sum(revenue) "
    "FROM sessions_hourly GROUP BY entry_page_group ORDER BY entry_page_group"
)


def test_sessions_rollup_counts_the_sessions_that_started_in_the_last_48_hours(
    store: Any, settings: Settings
) -> None:
    """Sessions by the hour they started, with their later page views: one that started 47
    hours ago is in; one that started 49.5 hours ago is out, also with a page view inside
    the window (not mistaken for a session that starts there). Hours rolled up after the
    fact (``rollups.roll_up``, as ``rumhouse simulate --days`` does) count it in its own
    hour."""
    migrate.apply(store, settings.schema_dir)
    pages = [
        ("old", 49 * 60 + 30, "/old"), ("old", 46 * 60 + 30, "/old-later"),
        ("edge", 47 * 60, "/edge"), ("edge", 46 * 60, "/edge-later"), ("now", 30, "/now"),
    ]  # fmt: skip
    for n, (session, minutes, group) in enumerate(pages):
        parameters = {"pv": f"{session}-{n}", "session": session, "minutes": minutes,
                      "group": group}  # fmt: skip
        store.command(SESSION_PAGE, parameters=parameters)
    store.command(SALE.replace("'now-1'", "'now-4'"))
    for statement in REFRESH:
        store.command(statement)
    assert store.query(SESSIONS_BY_ENTRY).result_rows == [
        ("/edge", 1, 2, 0, 0.0), ("/now", 1, 1, 1, 10.0),
    ]  # fmt: skip

    [(hour,)] = store.query("SELECT toStartOfHour(now())").result_rows
    rollups.roll_up(store, hour - timedelta(hours=72), hour)
    assert store.query(SESSIONS_BY_ENTRY).result_rows == [
        ("/edge", 1, 2, 0, 0.0), ("/now", 1, 1, 1, 10.0), ("/old", 1, 2, 0, 0.0),
    ]  # fmt: skip
