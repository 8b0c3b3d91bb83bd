"""The ``rumhouse`` command: serve, migrate, sql. Argument parsing and output only."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from aiohttp import web
from clickhouse_connect.driver.exceptions import ClickHouseError as ClickHouseClientError
from pydantic import ValidationError

from collector import __version__, logs
from collector.app import ACCESS_LOG_FORMAT, access_logger, create_app
from collector.cli import config_check, workers
from collector.cli.banner import banner
from collector.errors import RumhouseError
from collector.http import keys
from collector.report import page as report
from collector.settings import Settings, load_settings
from collector.store import cluster_apply, migrate, owner
from collector.store.client import open_client
from collector.store.reader import open_reader
from collector.tools import simulate


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file (env: RUMHOUSE_CONFIG)")
    parser.add_argument("--data", type=Path, help="embedded data folder (default ./data)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rumhouse", description="Self-hosted Real User Monitoring."
    )
    parser.add_argument("--version", action="version", version=f"rumhouse {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the collector")
    _common(serve)
    serve.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default 8080)")
    serve.add_argument("--flush-interval", type=float, help="seconds a row may wait (default 1)")
    serve.add_argument(
        "--open", action="store_true", default=None, dest="open_mode",
        help="development mode: accept any site key from any origin",
    )  # fmt: skip
    serve.add_argument(
        "--workers", type=int, help="collector processes on one port (server mode; default 1)"
    )
    serve.add_argument(
        "--durability", choices=["memory", "durable"],
        help="memory: 204 once buffered (default); durable: 204 once fsynced to the spool",
    )  # fmt: skip
    serve.add_argument("--log-format", choices=["text", "json"], help="log lines (default text)")
    serve.add_argument("--sql-host", help="SQL endpoint address (default 127.0.0.1)")
    serve.add_argument("--sql-port", type=int, help="SQL endpoint port (default 8123)")
    serve.add_argument("--admin-host", help="/report and /metrics address (default 127.0.0.1)")
    serve.add_argument("--admin-port", type=int, help="/report and /metrics port (default 8081)")
    mig = commands.add_parser("migrate", help="create or update the tables")
    _common(mig)
    mig.add_argument(
        "--cluster", metavar="NAME", help="ON CLUSTER DDL: Replicated and Distributed tables"
    )
    mig.add_argument(
        "--print", action="store_true", dest="print_only",
        help="with --cluster: print the DDL, apply nothing",
    )  # fmt: skip
    sql = commands.add_parser("sql", help="run one query and print the result")
    _common(sql)
    sql.add_argument("query", help="the SQL; tables: page_views, vitals, errors, events")
    sql.add_argument(
        "--format", default="PrettyCompactMonoBlock", help="any ClickHouse output format"
    )
    sql.add_argument(
        "--param", action="append", default=[], type=_param, metavar="NAME=VALUE",
        help="the value of a {NAME:Type} placeholder in the query (repeatable)",
    )  # fmt: skip
    sql.add_argument("--write", action="store_true", help="allow statements that change data")
    rep = commands.add_parser("report", help="p75 by page and segment, as tables")
    _common(rep)
    rep.add_argument("--days", type=int, default=7, help="period in days (default 7)")
    rep.add_argument("--site", default="", help="one site key (default: all)")
    config = commands.add_parser("config", help="show the settings in effect")
    config.add_argument("action", choices=["check"], help="check: print each value and its source")
    _common(config)
    config.add_argument("--host")
    config.add_argument("--port", type=int)
    config.add_argument("--sql-host")
    config.add_argument("--sql-port", type=int)
    config.add_argument("--admin-host")
    config.add_argument("--admin-port", type=int)
    sim = commands.add_parser("simulate", help="post realistic beacons to a running collector")
    _common(sim)
    sim.add_argument("--url", help="collector URL (default http://127.0.0.1:8080)")
    sim.add_argument("--count", type=int, default=2000, help="page views to send (default 2000)")
    sim.add_argument("--seed", type=int, default=1, help="random seed: same seed, same traffic")
    sim.add_argument("--site", default="demo", help="site key (default demo)")
    sim.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    return parser


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (for {{NAME:Type}})")
    return name, value


def _config_file(args: argparse.Namespace) -> Path | None:
    config: Path | None = args.config or (
        Path(os.environ["RUMHOUSE_CONFIG"]) if os.environ.get("RUMHOUSE_CONFIG") else None
    )
    if config is not None and not config.is_file():
        raise SystemExit(f"rumhouse: no settings file at {config}")
    return config


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as command-line flags (the highest precedence)."""
    names = (
        "data", "host", "port", "flush_interval", "sql_host", "sql_port", "open_mode",
        "workers", "durability", "log_format", "admin_host", "admin_port",
    )  # fmt: skip
    return {name: getattr(args, name, None) for name in names}


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(_config_file(args), **_flags(args))


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

    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=listening,
        access_log=access_logger(settings),
        access_log_format=ACCESS_LOG_FORMAT,
        loop=uvloop.new_event_loop(),  # libuv's loop: less CPU per request than asyncio's
        reuse_port=on_ready is not None,  # workers share the port
        shutdown_timeout=settings.shutdown_timeout / 4,
    )
    return 0


def run_migrations(settings: Settings, cluster_name: str | None, print_only: bool) -> int:
    if cluster_name is not None:  # a ClickHouse cluster: Replicated and Distributed tables
        return cluster_apply.run(settings, cluster_name, print_only)
    if print_only:
        raise SystemExit("rumhouse: --print goes with --cluster NAME")
    if settings.embedded:
        owner.acquire(settings.data)
    applied = migrate.apply(open_client(settings), settings.schema_dir)
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print("schema is up to date" if not applied else f"{len(applied)} migration(s) applied")
    return 0


def run_sql(
    settings: Settings, query: str, fmt: str, write: bool, params: list[tuple[str, str]]
) -> int:
    """Query the store: directly when no collector holds it, else through its endpoint."""
    reader = open_reader(settings, write)
    out = reader.client.raw_query(
        query, parameters=dict(params), fmt=fmt, settings=reader.settings(write)
    )
    sys.stdout.write(out.decode(errors="replace"))
    return 0


def run_report(settings: Settings, days: int, site: str) -> int:
    reader = open_reader(settings)
    if reader.direct:  # no collector has been refreshing the rollups: bring them up to date
        for statement in report.REFRESH:
            reader.client.command(statement)
    print(f"rumhouse report: last {days} days, {f'site {site}' if site else 'all sites'}")
    for section in report.sections():
        out = reader.client.raw_query(
            section.sql, parameters={"days": days, "site": site}, fmt="PrettyCompactMonoBlock",
            settings=reader.settings(False),
        )  # fmt: skip
        print(
            f"\n{section.title}\n{out.decode(errors='replace') or '(no data in this period yet)'}"
        )
    return 0


def run_simulate(settings: Settings, args: argparse.Namespace) -> int:
    url = args.url or settings.public_url or f"http://{settings.host}:{settings.port}"
    try:
        tally = asyncio.run(
            simulate.post(
                url, args.count, seed=args.seed, site=args.site, concurrency=args.concurrency
            )
        )
    except aiohttp.ClientConnectionError as exc:
        print(
            f"rumhouse: cannot reach a collector at {url} ({exc}); start one with `make run`",
            file=sys.stderr,
        )
        return 2
    print(f"{tally.accepted} of {tally.sent} beacons accepted by {url}")
    if tally.failed:
        print(f"rumhouse: refused: {tally.failed} (status: count)", file=sys.stderr)
        return 1
    return 0


def _config_check(settings: Settings, args: argparse.Namespace) -> int:
    print(config_check.report(settings, _config_file(args), _flags(args)))
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[], int]] = {
        "serve": lambda: serve(settings),
        "migrate": lambda: run_migrations(settings, args.cluster, args.print_only),
        "sql": lambda: run_sql(settings, args.query, args.format, args.write, args.param),
        "report": lambda: run_report(settings, args.days, args.site),
        "simulate": lambda: run_simulate(settings, args),
        "config": lambda: _config_check(settings, args),
    }
    return commands[args.command]()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    try:
        settings = _settings(args)
        logs.configure(settings.log_format)
        return _run(settings, args)
    except ValidationError as exc:
        print(f"rumhouse: invalid settings:\n{exc}", file=sys.stderr)
    except BrokenPipeError:  # `rumhouse report | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except RumhouseError as exc:
        print(f"rumhouse: {exc}{exc.hint}", file=sys.stderr)
    except ClickHouseClientError as exc:  # the engine's or the server's own error message
        print(f"rumhouse: {exc}", file=sys.stderr)
    return 2
