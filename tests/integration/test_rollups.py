"""Hourly rollups on the real engine: accurate, and each page view counted once."""

from __future__ import annotations

import asyncio

from collector import keys, simulate
from collector.report import REFRESH
from collector.sinks.clickhouse import Store
from tests.conftest import Collector

EVENTS = 100_000  # page views times 5 metrics


async def refresh_rollups(collector: Collector) -> None:
    store = collector.app[keys.STORE]
    assert isinstance(store, Store)  # the embedded store
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
    rolled = await collector.query(
        "SELECT metric, quantileBFloat16Merge(0.75)(value_state), sum(page_views), sum(good), "
        "sum(poor) FROM vitals_hourly GROUP BY metric ORDER BY metric"
    )
    assert sum(row[2] for row in exact) >= EVENTS
    assert [r[0] for r in rolled] == [r[0] for r in exact] == ["CLS", "FCP", "INP", "LCP", "TTFB"]
    for (metric, p75, n, good, poor), (_, rolled_p75, rolled_n, rolled_good, rolled_poor) in zip(
        exact, rolled, strict=True
    ):
        assert (rolled_n, rolled_good, rolled_poor) == (n, good, poor), metric
        assert n == EVENTS // 5, f"{metric}: each page view counts once"
        assert abs(rolled_p75 - p75) <= 0.02 * p75, (metric, rolled_p75, p75)


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
    rolled = await collector.query(
        f"SELECT {segments}, quantileBFloat16Merge(0.75)(value_state), sum(page_views) "
        f"FROM vitals_hourly WHERE metric = 'LCP' GROUP BY {segments}"
    )
    checked = 0
    for g, d, p75, n in rolled:
        if (g, d) in exact:
            assert n == exact[(g, d)][1]
            assert abs(p75 - exact[(g, d)][0]) <= 0.02 * exact[(g, d)][0], (g, d)
            checked += 1
    assert checked >= 3
