"""Health of the collector for load balancers and orchestrators: ``/healthz``, ``/readyz``."""

from __future__ import annotations

from aiohttp import web

from collector.http import keys


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
        "spool_segments": buffer.spool_segments,
        "spool_bytes": buffer.spool_bytes,
    }
    return web.json_response(body, status=200 if buffer.room() else 503)
