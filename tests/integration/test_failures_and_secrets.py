"""Failed requests and resources, long animation frames and the INP script, over real HTTP
into a real collector on chDB; and no query-string secret of any URL a beacon carries is
stored anywhere: every column of every table of the store is scanned for it."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from collector.settings import load_settings
from tests.conftest import DESKTOP_CHROME, Collector, beacon, start_collector

# Short enough that the scrubber's patterns (long tokens, long numbers, emails) do not catch
# it: only the URL rule can keep it out of the store.
SECRET = "pw" + secrets.token_hex(5)
SUFFIX = f"?token={SECRET}&utm_source=x#frag-{SECRET}"
KEPT = "?utm_source=x"  # utm_source is allowlisted by default
HEADLESS = DESKTOP_CHROME.replace("Chrome/", "HeadlessChrome/")
PAGE = "https://shop.example/checkout"
APP = "https://shop.example/static/app.js"


@pytest.fixture
async def collector(tmp_path: Path) -> AsyncIterator[Collector]:
    """Bots are kept, so that the rollup's leaving them out is seen."""
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True, drop_bots=False
    )
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


def sent_failures(n: int) -> list[dict[str, Any]]:
    return [
        {"kind": "request", "initiator": "fetch", "method": "POST", "status": 500,
         "url": f"https://shop.example/api/orders/{n}{SUFFIX}", "duration": 80.5, "count": n + 1},
        {"kind": "resource", "initiator": "img", "status": 404,
         "url": f"https://cdn.example/img/{n}/hero.png{SUFFIX}", "count": 1},
        {"kind": "request", "initiator": "xhr", "method": "GET", "status": 0,
         "url": f"/v2/items{SUFFIX}", "duration": 12.0, "count": 2},
        {"kind": "request", "initiator": "fetch", "method": "POST", "status": 0,
         "url": "https://rum.example/v1/beacon", "count": 1},  # the beacon's own: dropped
    ]  # fmt: skip


# The endpoint each failure above is grouped by: the path with ids as :id, the host when it
# is not the page's (shop.example).
ENDPOINTS = ["/api/orders/:id", "cdn.example/img/:id/hero.png", "/v2/items"]


def page_view(n: int) -> dict[str, Any]:
    error = {
        "type": "TypeError", "line": 3, "column": 7,
        "message": f"Failed to fetch https://shop.example/api/cart{SUFFIX}",
        "source": f"{PAGE}{SUFFIX}",
        "stack": f"TypeError: x\n    at onBuy ({APP}{SUFFIX}:10:5)\n    at {PAGE}{SUFFIX}:3:7",
    }  # fmt: skip
    metrics = [
        {"name": "LCP", "value": 1800, "url": f"https://cdn.example/hero.jpg{SUFFIX}"},
        {"name": "INP", "value": 240, "script_url": f"{APP}{SUFFIX}", "script_function": "onBuy"},
    ]
    loaf = {
        "count": 3, "blocking": 150.0, "longest": 210.0,
        "scripts": [{"url": f"{APP}{SUFFIX}", "function": "onBuy", "invoker": "event-listener",
                     "duration": 180.0, "blocking": 120.0}],
    }  # fmt: skip
    return beacon(
        page_view_id=f"pvfail{n:010d}", session_id=f"session{n % 2:09d}",
        url=f"{PAGE}{SUFFIX}", referrer=f"https://ref.example/from{SUFFIX}", metrics=metrics,
        errors=[error], failures=sent_failures(n), loaf=loaf,
    )  # fmt: skip


async def test_every_url_is_stored_clean_and_failures_are_rolled_up(collector: Collector) -> None:
    views = 4
    for n in range(views):
        reply = await collector.post(page_view(n))
        assert reply.status == 204
        assert reply.headers["X-RUM-Dropped"] == "1"  # the beacon's own request
    bot = await collector.post(page_view(views), **{"User-Agent": HEADLESS})
    assert bot.status == 204
    await collector.flush()

    pages = await collector.query(
        "SELECT url, referrer, loaf_count, loaf_blocking_ms, loaf_longest_ms, loaf_scripts "
        "FROM page_views WHERE NOT is_bot"
    )
    script = {"url": f"{APP}{KEPT}", "function": "onBuy", "invoker": "event-listener",
              "duration_ms": 180.0, "blocking_ms": 120.0}  # fmt: skip
    assert pages == [(f"{PAGE}{KEPT}", "https://ref.example", 3, 150.0, 210.0, [script])] * views

    vitals = await collector.query(
        "SELECT metric, resource_url, script_url, script_function FROM vitals "
        "WHERE NOT is_bot ORDER BY metric"
    )
    assert (
        vitals
        == [("INP", "", f"{APP}{KEPT}", "onBuy")] * views
        + [("LCP", f"https://cdn.example/hero.jpg{KEPT}", "", "")] * views
    )

    errors = await collector.query("SELECT message, source, stack FROM errors WHERE NOT is_bot")
    stack = f"TypeError: x\n    at onBuy ({APP}{KEPT}:10:5)\n    at {PAGE}{KEPT}:3:7"
    message = f"Failed to fetch https://shop.example/api/cart{KEPT}"
    assert errors == [(message, f"{PAGE}{KEPT}", stack)] * views

    stored = await collector.query(
        "SELECT page_view_id, kind, initiator, method, url, endpoint, status, duration_ms, count "
        "FROM failures WHERE NOT is_bot ORDER BY page_view_id, endpoint"
    )
    expected = []
    for n in range(views):
        urls = [
            f"https://shop.example/api/orders/{n}{KEPT}",
            f"https://cdn.example/img/{n}/hero.png{KEPT}",
            f"https://shop.example/v2/items{KEPT}",
        ]
        for sent, url, endpoint in zip(sent_failures(n), urls, ENDPOINTS, strict=False):
            expected.append((f"pvfail{n:010d}", sent["kind"], sent["initiator"],
                             sent.get("method", ""), url, endpoint, sent["status"],
                             sent.get("duration"), sent["count"]))  # fmt: skip
    assert stored == sorted(expected)

    # The rollup: every failure sent by a person (not the bot, not the beacon's own), summed.
    totals: dict[tuple[str, int], int] = defaultdict(int)
    affected: dict[tuple[str, int], set[str]] = defaultdict(set)
    for n in range(views):
        for sent, endpoint in zip(sent_failures(n), ENDPOINTS, strict=False):
            totals[(endpoint, sent["status"])] += sent["count"]
            affected[(endpoint, sent["status"])].add(f"session{n % 2:09d}")
    rolled = await collector.query(
        "SELECT endpoint, status, sum(failures), uniqMerge(page_views), uniqMerge(sessions) "
        "FROM failures_hourly WHERE site = 'shop' GROUP BY endpoint, status"
    )
    assert sorted(rolled) == sorted(
        (endpoint, status, total, views, len(affected[(endpoint, status)]))
        for (endpoint, status), total in totals.items()
    )
    assert await collector.query("SELECT count() FROM failures WHERE is_bot") == [(3,)]

    await assert_secret_nowhere(collector)


async def assert_secret_nowhere(collector: Collector) -> None:
    """Every column (materialized and aggregate ones too) of every table and view."""
    columns: dict[str, list[str]] = defaultdict(list)
    for table, name in await collector.query(
        "SELECT table, name FROM system.columns WHERE database = currentDatabase()"
    ):
        columns[table].append(name)
    assert {"failures", "failures_hourly", "page_views_data", "vitals_data", "errors"} <= set(
        columns
    )
    scanned = 0
    for table, names in columns.items():
        texts = ", ".join(f"toString(`{name}`)" for name in names)
        [(rows, hits)] = await collector.query(
            f"SELECT count(), countIf(arrayExists(t -> position(t, '{SECRET}') > 0, [{texts}])) "
            f"FROM `{table}`"
        )
        assert hits == 0, f"the secret is stored in {table}"
        scanned += rows
    assert scanned > 0
