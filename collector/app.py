"""``create_app(settings)``: routes and resources, wired; no business logic here.

Each resource has one ``cleanup_ctx`` so teardown runs only for what started, in reverse
order: the flusher's last flush happens before the store closes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from clickhouse_connect.driver.client import Client

from collector.alerts import loop as alert_loop
from collector.alerts.notify import WebhookNotifier
from collector.http import assets, beacon, hosts, keys, ops
from collector.http.admin import create_admin_app
from collector.http.beacon_script import BeaconScript
from collector.http.peers import Peers
from collector.http.public_address import PublicAddress
from collector.ingest.admission import Admission
from collector.ingest.enrich import Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.enrich.user_agent import classify
from collector.ingest.pipeline import Pipeline
from collector.metrics import Metrics
from collector.settings import Settings
from collector.sql.limits import Limits
from collector.store import migrate, owner
from collector.store.client import EmbeddedStore, open_client
from collector.store.server import ServerStore
from collector.write.buffer import Buffer
from collector.write.journal import Journal
from collector.write.spool import Spool

log = logging.getLogger(__name__)

# aiohttp's default access log starts with the client address: rumhouse never logs it.
ACCESS_LOG_FORMAT = '"%r" %s %b %Tfs "%{User-Agent}i"'


async def _store(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    if not settings.embedded:
        app[keys.STORE] = await _server_store(settings)
        yield
        await app[keys.STORE].close()
        return
    ownership = owner.acquire(
        settings.data, announce=True, listen=f"http://{settings.host}:{settings.port}"
    )
    app[keys.OWNERSHIP] = ownership
    try:
        client = await asyncio.to_thread(open_client, settings)
        await asyncio.to_thread(_migrate, client, settings)
        app[keys.STORE] = EmbeddedStore(client)
        yield
        await app[keys.STORE].close()
    finally:
        ownership.release()


def _migrate(client: Client, settings: Settings) -> None:
    for migration in migrate.apply(client, settings.schema_dir):
        log.info("applied migration %04d_%s", migration.version, migration.name)


async def _server_store(settings: Settings) -> ServerStore:
    """The server sink. ClickHouse being down, or a user that may only insert, is not fatal
    at start-up: beacons are spooled and written once ClickHouse takes them."""
    store = ServerStore(settings)
    try:
        client = await asyncio.to_thread(open_client, settings)
        try:
            await asyncio.to_thread(_migrate, client, settings)
        finally:
            client.close()
    except Exception as exc:  # unreachable, refused, schema not applied: logged, not fatal
        log.error(
            "could not check the schema on ClickHouse at %s (%s); beacons are spooled until "
            "it takes them (run `rumhouse migrate` with a user allowed to create tables)",
            store.where,
            exc,
        )
    return store


async def _sql_listener(app: web.Application) -> AsyncIterator[None]:
    """The ClickHouse-compatible endpoint on its own port (embedded mode only)."""
    settings = app[keys.SETTINGS]
    if not settings.embedded:
        yield
        return
    # Imported here, not at the top: chDB's library adds ~500 MB of resident memory, which a
    # server-mode collector (no embedded store) must not carry.
    from collector.sql.engine import SqlEngine  # noqa: PLC0415
    from collector.sql.server import Endpoint, create_sql_app  # noqa: PLC0415

    engine = await asyncio.to_thread(SqlEngine, settings.data, settings.database, _limits(settings))
    endpoint = Endpoint(
        users=settings.sql_users,
        max_body_bytes=settings.sql_max_body_bytes,
        body_timeout=settings.client_timeout,
        allowed_hosts=hosts.allowed_names(settings.sql_host, settings.sql_allowed_hosts),
    )
    runner = web.AppRunner(
        create_sql_app(engine, endpoint),
        access_log=access_logger(settings),
        access_log_format=ACCESS_LOG_FORMAT,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.sql_host, settings.sql_port)
    await site.start()
    host, port = runner.addresses[0][:2]
    app[keys.SQL_URL] = f"http://{host}:{port}"
    app[keys.SQL_RUNNING] = lambda: engine.slots.running
    app[keys.OWNERSHIP].update(sql=app[keys.SQL_URL])
    yield
    await runner.cleanup()
    engine.close()


def access_logger(settings: Settings) -> logging.Logger | None:
    """aiohttp's access logger when ``access_log`` is on, for every listener."""
    return logging.getLogger("aiohttp.access") if settings.access_log else None


def _limits(settings: Settings) -> Limits:
    return Limits(
        max_execution_time=settings.sql_max_execution_time,
        max_memory_usage=settings.sql_max_memory_usage,
        max_memory_total=settings.sql_max_memory_total,
        max_result_bytes=settings.sql_max_result_bytes,
        max_concurrent=settings.sql_max_concurrent_queries,
        max_concurrent_per_user=settings.sql_max_concurrent_queries_per_user,
        queue_timeout=settings.sql_queue_timeout,
    )


async def _admin_listener(app: web.Application) -> AsyncIterator[None]:
    """/report, /metrics and /openapi.json on their own address (see admin.py)."""
    settings = app[keys.SETTINGS]
    runner = web.AppRunner(
        create_admin_app(app),
        access_log=access_logger(settings),
        access_log_format=ACCESS_LOG_FORMAT,
    )
    await runner.setup()
    # serve --workers N: every worker listens on the admin port too, as on the public one.
    site = web.TCPSite(
        runner, settings.admin_host, settings.admin_port, reuse_port=settings.workers > 1
    )
    await site.start()
    host, port = runner.addresses[0][:2]
    app[keys.ADMIN_URL] = f"http://{host}:{port}"
    yield
    await runner.cleanup()


async def _buffer(app: web.Application) -> AsyncIterator[None]:
    settings, metrics = app[keys.SETTINGS], app[keys.METRICS]
    spool = await asyncio.to_thread(Spool, settings.spool, settings.max_spool_bytes)
    journal = Journal(spool, metrics.fsyncs.inc) if settings.durability == "durable" else None
    buffer = Buffer(
        app[keys.STORE],
        spool,
        flush_rows=settings.flush_rows,
        flush_interval=settings.flush_interval,
        max_rows=settings.max_buffer_rows,
        sink_timeout=settings.sink_timeout,
        journal=journal,
        metrics=metrics,
    )
    app[keys.BUFFER] = buffer
    loops = [buffer.run(), buffer.replay(), *([journal.run()] if journal else [])]
    tasks = [asyncio.create_task(loop, name="rumhouse-writer") for loop in loops]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await buffer.close(time.monotonic() + settings.shutdown_timeout / 2)


async def _pipeline(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    enricher = Enricher(await asyncio.to_thread(CountryLookup), settings)
    app[keys.PIPELINE] = Pipeline(app[keys.ADMISSION], enricher, settings.max_body_bytes)
    # ua-parser compiles its rules on first use (~0.2 s): pay that before the first beacon.
    await asyncio.to_thread(classify, "Mozilla/5.0")
    yield


async def _alerts(app: web.Application) -> AsyncIterator[None]:
    """The alert loop, when alerting is on (``alerts``, or ``alert_webhooks`` set), and the
    webhooks it posts to; the loop stops before the notifier's last posts."""
    settings = app[keys.SETTINGS]
    if not alert_loop.enabled(settings):
        yield
        return
    notifier = WebhookNotifier(
        settings.alert_webhooks, app[keys.METRICS], external_url=f"{app[keys.ADMIN_URL]}/report"
    )
    loop = alert_loop.build(settings, app[keys.STORE], app[keys.METRICS], notifier)
    if keys.ALERT_CLOCK in app:
        loop.clock = app[keys.ALERT_CLOCK]
    app[keys.ALERTS] = loop
    task = asyncio.create_task(loop.run(), name="rumhouse-alerts")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await notifier.close()


def create_app(settings: Settings) -> web.Application:
    # Bodies are decompressed by validate.decode_body, which caps the expanded size;
    # aiohttp's own decompression would accept encodings the contract does not.
    # A connection that has not sent a complete request within client_timeout is closed
    # (aiohttp's keep-alive timer runs from the connection's start): slowloris protection.
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        handler_args={"auto_decompress": False, "keepalive_timeout": settings.client_timeout},
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.METRICS].know_sites(site.key for site in settings.sites)
    app[keys.ADMISSION] = Admission(settings)
    app[keys.PEERS] = Peers(settings.trusted_proxies, app[keys.METRICS].untrusted_forwarded)
    app[keys.PUBLIC] = PublicAddress(settings, app[keys.PEERS])
    script = BeaconScript.load(settings.beacon_script)
    if script is None:
        log.warning(
            "no beacon at %s: run `make build`; /rum.js will answer 404", settings.beacon_script
        )
    else:
        app[keys.SCRIPT] = script
    app.cleanup_ctx.extend([_store, _sql_listener, _buffer, _pipeline, _admin_listener, _alerts])
    for path in dict.fromkeys(("/v1/beacon", settings.beacon_path)):
        app.router.add_post(path, beacon.post_beacon)
        app.router.add_route("OPTIONS", path, beacon.preflight)
    app.router.add_get("/rum.js", assets.rum_js)
    app.router.add_get("/snippet", assets.snippet)
    if settings.open_mode:  # the demo page is for development; production has no use for it
        app.router.add_get("/demo", assets.demo)
    app.router.add_get("/healthz", ops.healthz)
    app.router.add_get("/readyz", ops.readyz)
    return app
