"""HTTP handlers of the public listener: the beacon endpoint and what browsers fetch.

The beacon handler does only cheap work before answering: read, validate, enrich, queue.
Writing happens behind it, in ``buffer.py``. Every refusal goes through ``_refuse`` so its
status comes from ``outcomes.STATUS`` and its reason is counted.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import orjson
from aiohttp import web

from collector import bodies, keys, validate
from collector.admission import sampled
from collector.beacon_script import BeaconScript
from collector.buffer import Buffer
from collector.contract import Beacon
from collector.enrich import Client
from collector.journal import JournalError
from collector.outcomes import Drops, Reason, Rejection
from collector.rows import rows_by_table
from collector.settings import Site
from collector.sinks import Encoded, encode

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _cors(request: web.Request) -> dict[str, str]:
    """CORS headers: the Origin is echoed only when some site may send from it."""
    origin = request.headers.get("Origin")
    if origin and request.app[keys.ADMISSION].any_site_allows(origin):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _refuse(request: web.Request, rejection: Rejection) -> web.Response:
    request.app[keys.METRICS].rejected.labels(rejection.reason.value).inc()
    headers = _cors(request)
    if rejection.retry_after is not None:
        headers["Retry-After"] = str(max(1, rejection.retry_after))
    return web.Response(
        status=rejection.status,
        body=orjson.dumps(rejection.body()),
        content_type="application/json",
        headers=headers,
    )


async def _read_body(request: web.Request, limit: int, timeout: float) -> bytes:
    """The body, refusing (413) as soon as it passes ``limit``; 408 when it takes longer
    than ``timeout`` to arrive."""
    try:
        return await bodies.read_bounded(request, limit, timeout)
    except bodies.BodyError as error:
        if error.kind == "too_slow":
            raise Rejection(Reason.TOO_SLOW, str(error)) from None
        raise validate.too_large(limit) from None


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str, forwarded: str, proxies: tuple[Network, ...]) -> str:
    """The visitor's address: the peer, or behind trusted proxies the right-most
    X-Forwarded-For entry that is not itself a trusted proxy."""
    address = peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()] if forwarded else []
    while hops and _trusted(address, proxies):
        address = hops.pop()
    return address


def _client(request: web.Request) -> Client:
    proxies = request.app[keys.SETTINGS].trusted_proxies
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = client_address(request.remote or "", forwarded, proxies)
    return Client(address=address, user_agent=request.headers.get("User-Agent", ""))


async def _admit(request: web.Request, drops: Drops) -> tuple[Beacon, Client, Site]:
    """The checks that refuse a whole beacon, cheapest first."""
    app = request.app
    limit, client = app[keys.SETTINGS].max_body_bytes, _client(request)
    app[keys.ADMISSION].client(client.address)
    media_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    encoding = request.headers.get("Content-Encoding", "")
    validate.check_headers(media_type, encoding)
    raw = await _read_body(request, limit, app[keys.SETTINGS].client_timeout)
    body = validate.decode_body(raw, encoding, limit)
    beacon = validate.parse_beacon(body, drops)
    return beacon, client, app[keys.ADMISSION].site(beacon.site, request.headers.get("Origin"))


async def _queue(buffer: Buffer, rows: Encoded) -> Rejection | None:
    """Hand the rows to the buffer; in durable mode, also wait for them to be fsynced."""
    if not buffer.room():
        full = Reason.SPOOL_FULL if buffer.journal and buffer.spool.full() else Reason.BUFFER_FULL
        return Rejection(full, "the collector cannot store more right now; retry later", [], 5)
    if buffer.journal is None:
        buffer.add(rows)
        return None
    try:
        committed = buffer.journal.append(rows)
        buffer.add(rows)
        await committed
    except JournalError as exc:
        return Rejection(Reason.NOT_DURABLE, f"{exc}; retry later", [], 5)
    return None


async def post_beacon(request: web.Request) -> web.Response:
    app = request.app
    metrics = app[keys.METRICS]
    metrics.received.inc()
    drops = Drops()
    try:
        beacon, client, site = await _admit(request, drops)
    except Rejection as rejection:
        return _refuse(request, rejection)
    if sampled(beacon.session_id, site.sample_rate):
        view, drops = app[keys.ENRICHER].enrich(beacon, client, datetime.now(UTC), drops)
    else:
        drops.whole = Reason.SAMPLED_OUT
    if not drops.whole:
        refusal = await _queue(app[keys.BUFFER], encode(rows_by_table(view)))
        if refusal:
            return _refuse(request, refusal)
        metrics.accepted.inc()
    for reason, count in drops.counts.items():
        metrics.dropped.labels(reason.value).inc(count)
    if drops.whole:
        metrics.dropped.labels(drops.whole.value).inc()
    headers = _cors(request)
    if drops.total:
        headers["X-RUM-Dropped"] = str(drops.total)
        headers["Access-Control-Expose-Headers"] = "X-RUM-Dropped"
    return web.Response(status=204, headers=headers)


async def preflight(request: web.Request) -> web.Response:
    headers = _cors(request) | {
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Content-Encoding",
        "Access-Control-Max-Age": "86400",
    }
    return web.Response(status=204, headers=headers)


def _script(request: web.Request) -> BeaconScript:
    script = request.app.get(keys.SCRIPT)
    if script is None:
        raise web.HTTPNotFound(text="rum.js is not built: run `make build` (or `make run`).\n")
    return script


async def rum_js(request: web.Request) -> web.Response:
    script = _script(request)
    headers = {
        "ETag": script.etag,
        "Cache-Control": "public, max-age=86400, stale-while-revalidate=604800",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("If-None-Match") == script.etag:
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=script.body, content_type="application/javascript", charset="utf-8", headers=headers
    )


def base_url(request: web.Request) -> str:
    public = request.app[keys.SETTINGS].public_url
    return public.rstrip("/") if public else f"{request.scheme}://{request.host}"


def snippet_for(request: web.Request, key: str) -> str:
    """The loader snippet for site ``key``, with that site's sampling and privacy asks."""
    script = _script(request)
    settings = request.app[keys.SETTINGS]
    site = next((s for s in settings.sites if s.key == key), None)
    asks = (("gpc", site and site.respect_gpc), ("consent", site and site.require_consent))
    privacy = ",".join(ask for ask, on in asks if on)
    base = base_url(request)
    sample = site.sample_rate if site else 1.0
    return script.snippet(base, key, base + settings.beacon_path, sample, privacy)


async def snippet(request: web.Request) -> web.Response:
    return web.Response(text=snippet_for(request, request.query.get("site", "demo")[:64]) + "\n")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 "ready"; 200 "degraded" while the store does not answer or batches wait in the
    spool (beacons are still taken safely); 503 "not ready" when no more can be taken."""
    buffer = request.app[keys.BUFFER]
    store_ok = await request.app[keys.STORE].ping()
    status = "ready" if store_ok and not buffer.degraded else "degraded"
    body = {
        "status": status if buffer.room() else "not ready",
        "store": store_ok,
        "spool_segments": len(buffer.spool.pending),
        "spool_bytes": buffer.spool.bytes,
    }
    return web.json_response(body, status=200 if buffer.room() else 503)
