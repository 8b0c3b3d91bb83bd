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

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from collector.http import hosts, keys, openapi
from collector.report import alerts
from collector.report.page import render_page, sections
from collector.settings import Settings
from collector.sourcemaps import examples


async def report(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("days", "7"))
    except ValueError:
        raise web.HTTPBadRequest(text="days must be a whole number of days\n") from None
    days, site = max(1, min(days, 400)), request.query.get("site", "")[:64]
    store = request.app[keys.STORE]
    firing = alerts.render(*await store.query_table(alerts.SQL, {"site": site}))
    tables = [
        (section, *await store.query_table(section.sql, {"days": days, "site": site}))
        for section in sections()
    ]
    stacks = examples.render_html(await examples.example_stacks(store.query_table, site, days))
    page = render_page(site, days, tables, firing, stacks)
    return web.Response(text=page, content_type="text/html")


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
