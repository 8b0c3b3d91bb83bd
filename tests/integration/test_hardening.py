"""The public endpoint under hostile input, with configured sites (not open mode)."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from collector.http import keys
from collector.settings import load_settings
from tests.conftest import Collector, Reply, beacon, start_collector

ORIGIN = "https://shop.example"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Collector]:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, client_rate_limit=5,
        sites=({"key": "shop", "origins": [ORIGIN]},),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def post(
    c: Collector, body: bytes | dict[str, Any], client: str = "203.0.113.1", **headers: str
) -> Reply:
    """A beacon from ``client`` (via X-Forwarded-For, as behind a proxy) on the shop's origin."""
    headers = {"Origin": ORIGIN, "X-Forwarded-For": client} | headers
    return await c.post(body, **headers)


async def metric_value(c: Collector, line: str) -> str:
    async with c.http.get(f"{c.admin}/metrics") as response:
        text = await response.text()
    return next((row.split()[-1] for row in text.splitlines() if row.startswith(line)), "0")


async def test_hardening_unknown_site_gets_403(guarded: Collector) -> None:
    reply = await post(guarded, beacon(site="blog"))
    assert (reply.status, reply.body["error"]) == (403, "unknown_site")


async def test_hardening_foreign_origin_gets_403_and_no_cors(guarded: Collector) -> None:
    reply = await post(guarded, beacon(site="shop"), Origin="https://evil.example")
    assert (reply.status, reply.body["error"]) == (403, "forbidden_origin")
    assert "Access-Control-Allow-Origin" not in reply.headers
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    async with guarded.http.options(f"{guarded.url}/v1/beacon", headers=headers) as preflight:
        assert "Access-Control-Allow-Origin" not in preflight.headers


async def test_hardening_allowed_origin_is_accepted_with_cors(guarded: Collector) -> None:
    reply = await post(guarded, beacon(site="shop"))
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_hardening_rate_limit_gives_429_with_retry_after(guarded: Collector) -> None:
    statuses = [
        (await post(guarded, beacon(site="shop"), client="198.51.100.7")).status for _ in range(15)
    ]
    assert statuses[:10] == [204] * 10, "a burst of twice the rate goes through"
    assert 429 in statuses[10:]
    limited = await post(guarded, beacon(site="shop"), client="198.51.100.7")
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await post(guarded, beacon(site="shop"), client="198.51.100.8")).status == 204
    assert (
        float(await metric_value(guarded, 'rumhouse_beacons_rejected_total{reason="rate_limited"}'))
        >= 1
    )


@pytest.mark.parametrize(
    ("reason", "change", "headers"),
    [
        ("bot", {}, {"User-Agent": GOOGLEBOT}),
        ("localhost", {"url": "http://localhost:3000/cart"}, {}),
        ("spam_referrer", {"referrer": "https://www.semalt.com/crawler"}, {}),
    ],
)
async def test_hardening_drops_a_beacon_with_a_named_reason(
    guarded: Collector, reason: str, change: dict[str, str], headers: dict[str, str]
) -> None:
    reply = await post(guarded, beacon(site="shop", **change), **headers)
    assert (reply.status, reply.headers["X-RUM-Dropped"]) == (204, "1")
    assert (
        await metric_value(guarded, f'rumhouse_items_dropped_total{{reason="{reason}"}}') == "1.0"
    )
    await guarded.flush()
    assert await guarded.query("SELECT count() FROM page_views") == [(0,)]


async def test_hardening_drops_errors_from_browser_extensions(guarded: Collector) -> None:
    errors = [
        {"message": "site bug", "source": f"{ORIGIN}/app.js"},
        {"message": "ad blocker", "source": "chrome-extension://abcdef/content.js"},
        {"message": "x", "stack": "at moz-extension://1234/inject.js:1:1"},
    ]
    reply = await post(guarded, beacon(site="shop", errors=errors))
    assert (reply.status, reply.headers["X-RUM-Dropped"]) == (204, "2")
    await guarded.flush()
    assert await guarded.query("SELECT message FROM errors") == [("site bug",)]


NASTY_STRING = "'; DROP TABLE vitals_data; --\x00\x07\u202e{{7*7}}<script>alert(1)</script>"


def every_string_field(value: str) -> dict[str, object]:
    return beacon(
        site="shop", url=f"{ORIGIN}/{value}", label=value, referrer=value, navigation_type=value,
        dims={value[:60]: value}, context={"effective_type": value, "ua_platform": value},
        metrics=[{"name": "LCP", "value": 1.0, "target": value, "url": value,
                  "interaction_type": value, "load_state": value, "phases": {value[:30]: 1.0}}],
        errors=[{"kind": value, "type": value, "message": value, "source": value, "stack": value}],
        events=[{"name": value, "value": 1.0}],
    )  # fmt: skip


async def test_hardening_sql_and_control_characters_are_stored_as_data(guarded: Collector) -> None:
    assert (await post(guarded, every_string_field(NASTY_STRING))).status == 204
    await guarded.flush()
    assert await guarded.query("SELECT page_group FROM page_views") == [(NASTY_STRING[:128],)]
    assert await guarded.query("SELECT target, interaction_type FROM vitals") == [
        (NASTY_STRING, NASTY_STRING[:16])
    ]
    assert await guarded.query("SELECT message FROM errors") == [(NASTY_STRING,)]
    assert len(await guarded.query("SHOW TABLES")) >= 8, "nothing was executed"


def deep(levels: int) -> bytes:
    return b'{"site": "shop", "dims": ' + b"[" * levels + b"]" * levels + b"}"


NASTY = [
    ("invalid UTF-8", b'{"site": "\xff\xfe\xfd"}', 400),
    ("deep nesting", deep(10_000), 400),
    ("10,000 events", orjson.dumps(beacon(site="shop", events=[{"name": "e"}] * 10_000)), 413),
    ("10,000 small events", orjson.dumps(beacon(site="shop", events=[{"name": ""}] * 2_000)), 400),
    ("1 MB string", orjson.dumps(beacon(site="shop", label="x" * 1_000_000)), 413),
    ("NaN", orjson.dumps(beacon(site="shop")).replace(b"1800.0", b"NaN"), 400),
    ("Infinity", orjson.dumps(beacon(site="shop")).replace(b"1800.0", b"Infinity"), 400),
    ("wrong type at the top", b"[1, 2, 3]", 400),
    ("wrong type in context", orjson.dumps(beacon(site="shop", context=[])), 400),
    (
        "wrong type in a metric",
        orjson.dumps(beacon(site="shop", metrics=[{"name": 5, "value": {}}])),
        400,
    ),
    ("wrong type in an error", orjson.dumps(beacon(site="shop", errors=[{"count": "many"}])), 400),
    ("wrong type in dims", orjson.dumps(beacon(site="shop", dims={"a": {"b": 1}})), 400),
    ("huge number", json.dumps(beacon(site="shop", seq=10**400)).encode(), 400),
]


@pytest.mark.parametrize(("name", "body", "status"), NASTY, ids=[n for n, _, _ in NASTY])
async def test_hardening_nasty_payload_gets_its_status_and_the_collector_keeps_serving(
    guarded: Collector, name: str, body: bytes, status: int
) -> None:
    assert (await post(guarded, body)).status == status, name
    assert (await post(guarded, gzip.compress(body), **{"Content-Encoding": "gzip"})).status in (
        status,
        413,
    )
    assert (await post(guarded, beacon(site="shop"), client="192.0.2.99")).status == 204


async def test_hardening_no_ip_address_is_stored_or_logged(
    guarded: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    addresses = ["203.0.113.45", "198.51.100.23", "81.2.69.160", "2001:db8::7"]
    for n, address in enumerate(addresses):
        error = {"message": "boom", "source": f"{ORIGIN}/a.js"}
        view = beacon(site="shop", page_view_id=f"ipscan{n:04d}xyz", errors=[error])
        assert (await post(guarded, view, client=address)).status == 204
    await guarded.flush()
    tables = await guarded.query(
        "SELECT name FROM system.tables "
        "WHERE database = currentDatabase() AND engine LIKE '%MergeTree'"
    )
    for (table,) in tables:
        for address in addresses:
            [(hits,)] = await guarded.query(
                f"SELECT countIf(position(toString(tuple(*)), '{address}') > 0) FROM {table}"
            )
            assert hits == 0, f"{address} is stored in {table}"
    assert await guarded.query("SELECT DISTINCT country FROM page_views WHERE country != ''") == [
        ("GB",)
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /v1/beacon" in logged, "the access log was captured"
    assert not [address for address in [*addresses, "127.0.0.1"] if address in logged]


@pytest.fixture
async def impatient(tmp_path: Path) -> AsyncIterator[Collector]:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True, client_timeout=1
    )
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def slow_client(url: str, head: bytes, steps: int) -> bytes:
    """Send ``head`` one byte every 0.2 s; return what the server answered (b"" if it hung up)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    answer = b""
    try:
        for byte in head[:steps]:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(4096), timeout=0.2)
            except TimeoutError:
                continue
            break
        else:
            answer = await asyncio.wait_for(reader.read(4096), timeout=5)
    except ConnectionError:
        answer = b""
    finally:
        writer.close()
    return answer


async def test_hardening_slowloris_headers_are_cut_off(impatient: Collector) -> None:
    head = b"POST /v1/beacon HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    answer = await asyncio.wait_for(slow_client(impatient.url, head, 40), timeout=20)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), "the server hung up or refused"
    assert (await impatient.post(beacon())).status == 204, "the collector keeps serving"


async def test_hardening_slow_body_gets_408(impatient: Collector) -> None:
    body = orjson.dumps(beacon())
    head = (
        b"POST /v1/beacon HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    host, port = impatient.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + body[:10])
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), timeout=10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]


async def chunked(url: str, pieces: list[bytes]) -> bytes:
    """POST ``pieces`` as a chunked body, one piece every 50 ms (so the handler starts before
    the body is complete); the start of the answer."""
    head = b"POST /v1/beacon HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + b"Transfer-Encoding: chunked\r\n\r\n")
    try:
        for piece in pieces:
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0.05)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    except ConnectionError:
        pass  # refused before the end: the answer says why
    answer = await asyncio.wait_for(reader.read(4096), timeout=10)
    writer.close()
    return answer


async def test_hardening_body_arriving_in_pieces_is_read_and_bounded(
    impatient: Collector,
) -> None:
    """Without a Content-Length the limit is enforced as the pieces arrive: a beacon in
    pieces is taken, a body growing past ``max_body_bytes`` gets 413."""
    body = orjson.dumps(beacon())
    assert (await chunked(impatient.url, [body[:40], body[40:]])).startswith(b"HTTP/1.1 204")
    limit = impatient.app[keys.SETTINGS].max_body_bytes
    huge = [b"x" * 16384] * (limit // 16384 + 2)
    assert (await chunked(impatient.url, huge)).startswith(b"HTTP/1.1 413")
