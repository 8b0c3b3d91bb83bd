"""The admin listener: ``/report`` (alerts first), ``/metrics`` and ``/openapi.json``, for
operators only.

The public listener faces the internet to receive beacons; what it would tell strangers
(page paths, error messages, traffic volumes, the collector's internals) lives here
instead, on its own address (``admin_host``/``admin_port``, loopback by default). Off
loopback it asks for ``admin_user``/``admin_password`` (basic auth, as Prometheus'
``basic_auth`` scrape option sends it), and like the SQL endpoint it answers only requests
that name it in ``Host``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from collector.http import hosts, keys, openapi
from collector.report import build, scope
from collector.report import web as web_page
from collector.settings import Settings

# The page runs no script and loads nothing: its charts are SVG in the page itself.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self';"
    " base-uri 'none'; frame-ancestors 'none'"
)


async def report(request: web.Request) -> web.Response:
    """The report page for the scope in the URL (``?range=7d&page_group=/cart``...)."""
    try:
        chosen = scope.parse(request.query, datetime.now(UTC))
    except scope.ScopeError as exc:
        raise web.HTTPBadRequest(text=f"{exc}\n") from None
    gathered = await build.gather(request.app[keys.STORE].query_table, chosen)
    return web.Response(
        text=web_page.render(gathered), content_type="text/html",
        headers={"Content-Security-Policy": REPORT_CSP},
    )  # fmt: skip


async def metrics(request: web.Request) -> web.Response:
    m = request.app[keys.METRICS]
    buffer = request.app[keys.BUFFER]
    m.buffer_rows.set(buffer.rows)
    m.spool_bytes.set(buffer.spool_bytes)
    m.spool_segments.set(buffer.spool_segments)
    registry = m.registry
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # serve --workers N: all workers' figures
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return web.Response(
        body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


async def openapi_json(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    return web.json_response(openapi.document(settings.beacon_path, settings.open_mode))


async def index(request: web.Request) -> web.Response:
    return web.Response(text="rumhouse admin: /report  /metrics  /openapi.json\n")


def _authorized(request: web.Request, settings: Settings) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        given = base64.b64decode(header[6:], validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = f"{settings.admin_user}:{settings.admin_password}".encode()
    return hmac.compare_digest(given, expected)


@web.middleware
async def _authenticate(request: web.Request, handler: hosts.Handler) -> web.StreamResponse:
    settings = request.app[keys.SETTINGS]
    if settings.admin_password and not _authorized(request, settings):
        return web.Response(
            status=401,
            text="401: this listener needs admin_user and admin_password (basic auth)\n",
            headers={"WWW-Authenticate": 'Basic realm="rumhouse admin"'},
        )
    return await handler(request)


def _wrong_host(request: web.Request) -> web.Response:
    return web.Response(
        status=403,
        text=f"403: Host {request.host!r} is not a name of this listener: "
        "add it to admin_allowed_hosts\n",
    )


def create_admin_app(public: web.Application) -> web.Application:
    """The admin app, reading the public app's store, buffer and metrics."""
    settings = public[keys.SETTINGS]
    allowed = hosts.allowed_names(settings.admin_host, settings.admin_allowed_hosts)
    app = web.Application(middlewares=[hosts.middleware(allowed, _wrong_host), _authenticate])
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = public[keys.METRICS]
    app[keys.STORE] = public[keys.STORE]
    app[keys.BUFFER] = public[keys.BUFFER]
    app.router.add_get("/", index)
    app.router.add_get("/report", report)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi_json)
    return app
