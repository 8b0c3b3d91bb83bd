"""Over the bench's synthetic store: failed requests by endpoint from the raw table and from
its hourly rollup, and the time each built-in alert rule takes to evaluate."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import Row, verdict
from collector.alerts import query as alert_query
from collector.alerts.rules import configured
from collector.settings import load_settings

# One failed request or resource per page view of harness.SYNTH, over the same day: 20
# endpoints, a few statuses, the page view's own id and session.
FAILURES = """
INSERT INTO failures (ts, site, page_view_id, session_id, host, path, page_group, release,
    device_class, browser, os, country, connection, is_bot, kind, initiator, method, url,
    endpoint, status, count)
SELECT now64(3) - toIntervalSecond(number * 5 % 86400), 'bench', concat(hex(intHash64(number)), 'pv'),
    concat('s', toString(intDiv(number, 3))), 'shop.example', '/checkout',
    ['/', '/product/:id', '/cart', '/checkout'][cityHash64(number, 1) % 4 + 1], '2026.11.1',
    'mobile', 'Chrome', 'Windows', 'US', '4g', false, 'request', 'fetch', 'GET',
    concat('https://api.example/v1/items/', toString(number % 20)),
    concat('/v1/items/', toString(number % 20)), [500, 502, 503, 0][cityHash64(number, 7) % 4 + 1], 1
FROM numbers({n})
"""
FAILURES_RAW = ("SELECT endpoint, status, sum(count) AS failures, uniq(page_view_id) FROM failures "
                "WHERE site = 'bench' AND ts >= now() - INTERVAL 1 DAY GROUP BY endpoint, status "
                "ORDER BY failures DESC LIMIT 20")  # fmt: skip
FAILURES_ROLLUP = ("SELECT endpoint, status, sum(failures) AS n, uniqMerge(page_views) FROM failures_hourly "
                   "WHERE site = 'bench' AND hour >= now() - INTERVAL 1 DAY GROUP BY endpoint, status "
                   "ORDER BY n DESC LIMIT 20")  # fmt: skip
RULE_TARGET = 1.0  # seconds: a rule runs every alert_interval (60 s), off the handler


def insert_failures(client: Any, events: int) -> int:
    client.command(FAILURES.replace("{n}", str(events // 5)))
    return events // 5


def failure_figures(client: Any, timed: Callable[[Any, str], float], rows: int) -> list[Row]:
    raw, rolled = timed(client, FAILURES_RAW), timed(client, FAILURES_ROLLUP)
    return [
        (f"failed requests by endpoint and status, raw ({rows:,} failures)", f"{raw * 1000:.0f} ms",
         "<= 1000 ms", verdict(raw, 1.0, f"{raw:.2f} s", lower_is_better=True)),
        # No target: its uniq states of page views are most of its size, and merging them
        # costs about what reading the raw rows does at this size.
        ("same from the rollup (failures_hourly)", f"{rolled * 1000:.1f} ms", "", ""),
    ]  # fmt: skip


def rule_figures(client: Any) -> list[Row]:
    """Each built-in rule's evaluation over the store, the median of three."""
    run = alert_query.from_client(client)
    rows: list[Row] = []
    for rule in configured(load_settings(open_mode=True)):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            asyncio.run(rule.rule.evaluate(run, datetime.now(UTC), rule.tunings))
            times.append(time.perf_counter() - started)
        took = statistics.median(times)
        rows.append((f"alert rule {rule.rule.name}: one evaluation", f"{took * 1000:.0f} ms",
                     "<= 1000 ms", verdict(took, RULE_TARGET, f"{took:.2f} s", lower_is_better=True)))  # fmt: skip
    return rows
