"""The beacon endpoint: ``POST /v1/beacon`` (and ``beacon_path``) and its CORS preflight.

The handler turns the request into ``Facts``, runs ``ingest.pipeline`` (before and after
reading the body), hands accepted rows to ``Buffer.accept`` and answers. Every refusal goes
through ``_refuse`` so its status comes from ``outcomes.STATUS`` and its reason is counted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from aiohttp import web

from collector.http import bodies, keys
from collector.ingest import validate
from collector.ingest.decode import BodyError
from collector.ingest.enrich import Client
from collector.ingest.outcomes import Drops, Refusal, Rejection
from collector.ingest.pipeline import Facts


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
    except BodyError as error:
        if error.kind == "too_slow":
            raise Rejection(Refusal.TOO_SLOW, str(error)) from None
        raise validate.too_large(limit) from None


def _client(request: web.Request) -> Client:
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = request.app[keys.PEERS].client_address(request.remote or "", forwarded)
    return Client(address=address, user_agent=request.headers.get("User-Agent", ""))


def _facts(request: web.Request) -> Facts:
    return Facts(
        client=_client(request),
        media_type=request.headers.get("Content-Type", "").split(";")[0].strip(),
        encoding=request.headers.get("Content-Encoding", ""),
        origin=request.headers.get("Origin"),
    )


def _count(request: web.Request, drops: Drops) -> None:
    metrics = request.app[keys.METRICS]
    for reason, count in drops.counts.items():
        metrics.dropped.labels(reason.value).inc(count)
    if drops.whole:
        metrics.dropped.labels(drops.whole.value).inc()


async def post_beacon(request: web.Request) -> web.Response:
    app = request.app
    settings, pipeline = app[keys.SETTINGS], app[keys.PIPELINE]
    app[keys.METRICS].received.inc()
    facts = _facts(request)
    try:
        pipeline.before_body(facts)
        raw = await _read_body(request, settings.max_body_bytes, settings.client_timeout)
        accepted = pipeline.after_body(facts, raw, datetime.now(UTC))
        if accepted.rows is not None:
            refusal = await app[keys.BUFFER].accept(accepted.rows)
            if refusal:
                raise refusal
            app[keys.METRICS].accepted.inc()
            app[keys.METRICS].site_beacons.labels(accepted.site).inc()
    except Rejection as rejection:
        return _refuse(request, rejection)
    _count(request, accepted.drops)
    headers = _cors(request)
    if accepted.drops.total:
        headers["X-RUM-Dropped"] = str(accepted.drops.total)
        headers["Access-Control-Expose-Headers"] = "X-RUM-Dropped"
    return web.Response(status=204, headers=headers)


async def preflight(request: web.Request) -> web.Response:
    headers = _cors(request) | {
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Content-Encoding",
        "Access-Control-Max-Age": "86400",
    }
    return web.Response(status=204, headers=headers)
