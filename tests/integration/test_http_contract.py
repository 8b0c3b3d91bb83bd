"""The public HTTP contract, over real HTTP, against a collector on the real engine."""

from __future__ import annotations

import gzip

import orjson

from tests.conftest import Collector, beacon
from tests.http.test_rum_js import built, version


async def stored_page_views(collector: Collector) -> int:
    await collector.flush()
    return int((await collector.query("SELECT count() FROM page_views"))[0][0])


async def test_beacon_accepted_with_204_and_stored(collector: Collector) -> None:
    response = await collector.post(beacon())
    assert response.status == 204
    assert "X-RUM-Dropped" not in response.headers
    assert await stored_page_views(collector) == 1


async def test_beacon_rejected_with_400_when_body_is_not_json(collector: Collector) -> None:
    reply = await collector.post(b"{nope")
    assert reply.status == 400
    assert reply.body["error"] == "invalid_json"
    assert "not valid JSON" in reply.body["message"]


async def test_beacon_rejected_with_400_naming_fields_when_types_are_wrong(
    collector: Collector,
) -> None:
    bad = beacon(seq="three", metrics=[{"name": "LCP", "value": "fast"}])
    reply = await collector.post(bad)
    assert reply.status == 400
    assert reply.body["error"] == "invalid_beacon"
    assert {f["field"] for f in reply.body["fields"]} == {"seq", "metrics.0.value"}


async def test_beacon_rejected_with_413_when_body_exceeds_64_kib(collector: Collector) -> None:
    response = await collector.post(b"x" * (64 * 1024 + 1))
    assert response.status == 413


async def test_beacon_rejected_with_413_when_gzip_expands_past_the_limit(
    collector: Collector,
) -> None:
    bomb = gzip.compress(b" " * (10 * 1024 * 1024))  # 10 MiB of spaces, ~10 KiB compressed
    assert len(bomb) < 64 * 1024
    response = await collector.post(bomb, **{"Content-Encoding": "gzip"})
    assert response.status == 413


async def test_gzip_beacon_accepted(collector: Collector) -> None:
    response = await collector.post(
        gzip.compress(orjson.dumps(beacon())), **{"Content-Encoding": "gzip"}
    )
    assert response.status == 204
    assert await stored_page_views(collector) == 1


async def test_beacon_rejected_with_415_for_unsupported_content_type(collector: Collector) -> None:
    response = await collector.post(
        beacon(), **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 415
    response = await collector.post(beacon(), **{"Content-Encoding": "br"})
    assert response.status == 415


async def test_collector_keeps_serving_after_bad_bodies(collector: Collector) -> None:
    statuses = [
        (await collector.post(body)).status
        for body in (b"", b"[]", b"null", b'"x"', b"\xff\xfe", b"{" * 5000, b'{"site": []}')
    ]
    assert all(400 <= status < 500 for status in statuses), statuses
    assert (await collector.post(beacon())).status == 204
    assert await stored_page_views(collector) == 1


async def test_items_dropped_are_counted_in_the_response_header(collector: Collector) -> None:
    metrics = [
        {"name": "LCP", "value": 1000},
        {"name": "FID", "value": 10},  # retired metric: unknown here
        {"name": "CLS", "value": -1},  # impossible
    ]
    response = await collector.post(beacon(metrics=metrics, future_field=1))
    assert response.status == 204
    assert response.headers["X-RUM-Dropped"] == "3"
    async with collector.http.get(f"{collector.admin}/metrics") as r:
        text = await r.text()
    assert 'rumhouse_items_dropped_total{reason="unknown_metric"} 1.0' in text
    assert 'rumhouse_items_dropped_total{reason="invalid_value"} 1.0' in text
    assert 'rumhouse_items_dropped_total{reason="unknown_field"} 1.0' in text


async def test_cors_preflight_allows_the_beacon_from_another_origin(collector: Collector) -> None:
    headers = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    async with collector.http.options(f"{collector.url}/v1/beacon", headers=headers) as r:
        assert r.status == 204
        assert r.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
    response = await collector.post(beacon(), Origin="https://shop.example")
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"


async def test_rum_js_served_with_etag_and_long_cache(collector: Collector) -> None:
    async with collector.http.get(f"{collector.url}/rum.js") as r:
        body = await r.read()  # in whichever coding aiohttp asked for, decoded by it
        etag = r.headers["ETag"]
        assert r.status == 200
        assert "max-age=86400" in r.headers["Cache-Control"]
        assert r.content_type == "application/javascript"
    assert body == built()
    async with collector.http.get(f"{collector.url}/rum.js", headers={"If-None-Match": etag}) as r:
        assert r.status == 304


async def test_snippet_and_demo_load_rum_js_from_this_collector(collector: Collector) -> None:
    src = f'"{collector.url}/rum.js?v={version()}"'
    async with collector.http.get(f"{collector.url}/snippet?site=shop") as r:
        snippet = await r.text()
    assert snippet.startswith("<script>")
    assert src in snippet
    assert '"shop"' in snippet
    async with collector.http.get(f"{collector.url}/demo") as r:
        page = await r.text()
    assert r.status == 200
    assert src in page


async def test_health_and_readiness(collector: Collector) -> None:
    async with collector.http.get(f"{collector.url}/healthz") as r:
        assert r.status == 200
    async with collector.http.get(f"{collector.url}/readyz") as r:
        assert r.status == 200
        assert (await r.json())["store"] is True


async def test_absurd_numbers_are_dropped_and_never_poison_a_batch(collector: Collector) -> None:
    absurd = beacon(
        nav={"transfer_size": 2**40, "dns": 1e300, "load": 900.0},
        context={"viewport_width": 10**6, "rtt": -1e300, "viewport_height": 800},
        errors=[{"message": "m", "line": 2**40}],
    )
    reply = await collector.post(absurd)
    assert reply.status == 204
    assert reply.headers["X-RUM-Dropped"] == "5", "each absurd number is dropped and counted"
    await collector.flush()
    rows = await collector.query(
        "SELECT transfer_size, dns_ms, load_ms, viewport_width, rtt, viewport_height "
        "FROM page_views"
    )
    assert rows == [(None, None, 900.0, None, None, 800)]
    assert await collector.query("SELECT message, line FROM errors") == [("m", 0)]
    negative = await collector.post(beacon(page_view_id="negativetiming", nav={"dns": -5.0}))
    assert (negative.status, negative.headers["X-RUM-Dropped"]) == (204, "1")
