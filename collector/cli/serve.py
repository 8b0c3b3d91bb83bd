"""``rumhouse serve``: one collector process, or a supervisor of workers on one port; the
banner once the port listens, and a short message when it cannot."""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import signal
import socket
import sys
from collections.abc import Callable

import uvloop
from aiohttp import web

from collector.app import ACCESS_LOG_FORMAT, access_logger, create_app
from collector.cli import failures, workers
from collector.cli.banner import banner
from collector.http import keys
from collector.settings import Settings

log = logging.getLogger(__name__)

NO_SITES = (
    "rumhouse: no site may send beacons. Add one to the settings file, for example\n"
    '  sites = [{ key = "shop", origins = ["https://shop.example"] }]\n'
    "or run `rumhouse serve --open` (development: any site key, any origin)."
)


def serve(settings: Settings) -> int:
    if not settings.sites and not settings.open_mode:
        print(NO_SITES, file=sys.stderr)
        return 2
    if settings.workers > 1:
        with workers.reserved_port(settings) as shared:
            print(banner(shared, None, None), flush=True)
            print(f"  workers       {settings.workers} processes on one port", flush=True)
            return workers.run(shared, serve_one)
    return serve_one(settings, None)


def serve_one(settings: Settings, on_ready: Callable[[], None] | None) -> int:
    """One collector process; SIGTERM stops it gracefully (aiohttp's run_app): no new
    connections, in-flight requests answered, then the buffer written or spooled. A worker
    (``on_ready`` given) prints no banner and tells its supervisor once it listens."""
    ports = {settings.port: "--port", settings.admin_port: "--admin-port"}
    if settings.embedded:
        ports[settings.sql_port] = "--sql-port"
    if on_ready is None and (busy := _busy(settings, ports)):  # before the store is opened
        print(busy, file=sys.stderr)
        return 1
    app = create_app(settings)

    def listening(message: str) -> None:
        """run_app "prints" once the port listens, with the port bound (``--port 0``)."""
        if on_ready is not None:
            on_ready()
            return
        bound = re.search(r":(\d+)", message)
        port = int(bound[1]) if bound else settings.port
        listens = settings.model_copy(update={"port": port})
        print(banner(listens, app.get(keys.SQL_URL), app.get(keys.ADMIN_URL)), flush=True)

    try:
        _run_app(app, settings, listening, reuse_port=on_ready is not None)
    except OSError as exc:  # taken between the check and the bind
        told = failures.explain_bind(exc, ports)
        if told is None:
            raise
        print(told, file=sys.stderr)
        return 1
    return 0


def _busy(settings: Settings, ports: dict[int, str]) -> str | None:
    """The one-line message for the first listener whose address is taken, if any."""
    hosts = {settings.port: settings.host, settings.sql_port: settings.sql_host}
    hosts[settings.admin_port] = settings.admin_host
    for port, flag in ports.items():
        if not port:
            continue  # the system picks a free one
        host = hosts[port]
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            try:
                probe.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                return failures.address_in_use(host, port, flag)
    return None


def _run_app(
    app: web.Application, settings: Settings, listening: Callable[[str], None], reuse_port: bool
) -> None:
    loop = uvloop.new_event_loop()  # libuv's loop: less CPU per request than asyncio's
    _stop_once(loop)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=listening,
        access_log=access_logger(settings),
        access_log_format=ACCESS_LOG_FORMAT,
        loop=loop,
        handle_signals=False,  # _stop_once's, not aiohttp's
        reuse_port=reuse_port,  # workers share the port
        shutdown_timeout=settings.shutdown_timeout / 4,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):  # stopped: a late signal changes nothing
        signal.signal(signum, signal.SIG_IGN)


def _stop_once(loop: asyncio.AbstractEventLoop) -> None:
    """SIGTERM or SIGINT starts the graceful stop once. aiohttp's own handler raises again
    on a second signal, which cuts the stop short (the buffer may not be written or spooled):
    supervisors and impatient operators often send two."""
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if stopping:
            log.warning("already stopping: writing or spooling what is held (SIGKILL to abort)")
            return
        stopping = True
        raise web.GracefulExit

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
