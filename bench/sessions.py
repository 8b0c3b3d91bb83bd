"""Sessions over the bench's synthetic store: conversion by landing LCP rating and device
class, from the ``sessions`` view (every session recomputed from the tables) and from the
``sessions_hourly`` rollup, timed like the p75 queries."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.common import Row, verdict

# The page views and conversions of the vitals that harness.SYNTH writes: its rows n..n+4
# are page view n / 5 (the same id and start), and its sessions are three page views each.
# One session in 25 buys (a purchase on its last page view, 20 to 120 of revenue), and one
# page view in 10 sends another event.
PAGE_VIEWS = """
INSERT INTO page_views_data (ts, started_at, site, page_view_id, session_id, seq, url, host,
    path, page_group, navigation_type, release, device_class, browser, os, country, connection,
    is_bot)
SELECT now64(3) - toIntervalSecond(number * 5 % 86400) AS ts, ts, 'bench',
    concat(hex(intHash64(number)), 'pv'), concat('s', toString(intDiv(number, 3))), 0,
    concat('https://shop.example/product/', toString(number % 5000)), 'shop.example',
    concat('/product/', toString(number % 5000)),
    ['/', '/product/:id', '/cart', '/checkout', '/search', '/blog/:id', '/category/:slug'][cityHash64(number, 1) % 7 + 1],
    'navigate', '2026.11.1', ['mobile','desktop','tablet'][cityHash64(intDiv(number, 3), 2) % 3 + 1],
    'Chrome', 'Windows', 'US', '4g', false
FROM numbers({n})
"""
EVENTS = """
INSERT INTO events (ts, site, page_view_id, session_id, host, path, page_group, release,
    device_class, browser, os, country, connection, is_bot, name, value, seq, position, conversion)
SELECT now64(3) - toIntervalSecond(number * 5 % 86400), 'bench', concat(hex(intHash64(number)), 'pv'),
    concat('s', toString(intDiv(number, 3))), 'shop.example', '/checkout', '/checkout', '2026.11.1',
    'mobile', 'Chrome', 'Windows', 'US', '4g', false,
    if(buys, 'purchase', 'add_to_cart'), if(buys, 20 + cityHash64(number, 6) % 100, NULL), 1, 0, buys
FROM numbers({n})
WHERE (number % 3 = 2 AND cityHash64(intDiv(number, 3), 5) % 25 = 0 AS buys) OR number % 10 = 0
"""
# Question 14 of the cookbook, from each source.
BY_LCP_RAW = ("SELECT device_class, landing_lcp_rating, count() AS sessions, avg(converted), avg(bounced), "
              "avg(revenue) FROM sessions WHERE site = 'bench' AND landing_lcp_rating != '' "
              "GROUP BY device_class, landing_lcp_rating")  # fmt: skip
BY_LCP_ROLLUP = ("SELECT device_class, landing_lcp_rating, sum(h.sessions) AS sessions, sum(converted) / sessions, "
                 "sum(bounced) / sessions, sum(revenue) / sessions FROM sessions_hourly AS h "
                 "WHERE site = 'bench' AND landing_lcp_rating != '' GROUP BY device_class, landing_lcp_rating")  # fmt: skip


def insert(client: Any, events: int) -> None:
    """The page views and events of harness.SYNTH's ``events`` vitals."""
    client.command(PAGE_VIEWS.replace("{n}", str(events // 5)))
    client.command(EVENTS.replace("{n}", str(events // 5)))


def figures(client: Any, timed: Callable[[Any, str], float], rows: int) -> list[Row]:
    """Conversion by landing LCP rating, raw and from the rollup (refreshed before)."""
    sessions = int(str(client.command("SELECT count() FROM sessions WHERE site = 'bench'")))
    rolled_up = int(
        str(client.command("SELECT sum(sessions) FROM sessions_hourly WHERE site = 'bench'"))
    )
    if rolled_up != sessions:
        raise RuntimeError(f"the rollup holds {rolled_up:,} sessions, the view {sessions:,}")
    raw, rolled = timed(client, BY_LCP_RAW), timed(client, BY_LCP_ROLLUP)
    return [
        (f"conversion by landing LCP rating x device, raw ({rows:,} events, {sessions:,} sessions)",
         f"{raw * 1000:.0f} ms", "<= 1000 ms", verdict(raw, 1.0, f"{raw:.2f} s", lower_is_better=True)),
        ("same from the rollup (sessions_hourly)", f"{rolled * 1000:.1f} ms", "<= 100 ms",
         verdict(rolled, 0.1, f"{rolled * 1000:.0f} ms", lower_is_better=True)),
    ]  # fmt: skip


def timed_refresh(client: Any, refresh: tuple[str, ...]) -> float:
    started = time.perf_counter()
    for statement in refresh:
        client.command(statement)
    return time.perf_counter() - started
