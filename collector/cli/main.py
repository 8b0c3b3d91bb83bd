"""The ``rumhouse`` command: serve, migrate, sql. Argument parsing and output only."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.exceptions import ClickHouseError as ClickHouseClientError
from pydantic import ValidationError
from pydantic_settings import SettingsError

from collector import __version__, logs
from collector.cli import alerts, config_check, failures, sourcemaps
from collector.cli import report as reporting
from collector.cli import serve as serving
from collector.cli import simulate as simulation
from collector.errors import RumhouseError, UsageError
from collector.settings import Settings, load_settings
from collector.store import cluster_apply, migrate, owner
from collector.store.client import open_client
from collector.store.reader import open_reader


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file (env: RUMHOUSE_CONFIG)")
    parser.add_argument("--data", type=Path, help="embedded data folder (default ./data)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")


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
    sql.add_argument("query", help="the SQL; tables: page_views, vitals, errors, events, failures")
    sql.add_argument(
        "--format", default="PrettyCompactMonoBlock", help="any ClickHouse output format"
    )
    sql.add_argument(
        "--param", action="append", default=[], type=_param, metavar="NAME=VALUE",
        help="the value of a {NAME:Type} placeholder in the query (repeatable)",
    )  # fmt: skip
    sql.add_argument("--write", action="store_true", help="allow statements that change data")
    rep = commands.add_parser(
        "report", help="p75 by page and segment, trends and changes, as tables"
    )
    _common(rep)
    reporting.arguments(rep)
    config = commands.add_parser("config", help="show the settings in effect")
    config.add_argument("action", choices=["check"], help="check: print each value and its source")
    _common(config)
    config.add_argument("--host")
    config.add_argument("--port", type=int)
    config.add_argument("--sql-host")
    config.add_argument("--sql-port", type=int)
    config.add_argument("--admin-host")
    config.add_argument("--admin-port", type=int)
    _common(alerts.add_parser(commands))
    sim = commands.add_parser(
        "simulate", help="realistic traffic: posted now, or --days N of history in the store",
        description=simulation.HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(sim)
    simulation.arguments(sim)
    for parsed in sourcemaps.add_parser(commands):
        _common(parsed)
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
        given = "--config" if args.config else "RUMHOUSE_CONFIG"
        raise UsageError(f"no settings file at {config} (from {given})")
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


def run_migrations(settings: Settings, cluster_name: str | None, print_only: bool) -> int:
    if cluster_name is not None:  # a ClickHouse cluster: Replicated and Distributed tables
        return cluster_apply.run(settings, cluster_name, print_only)
    if print_only:
        raise UsageError("--print goes with --cluster NAME")
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


def _config_check(settings: Settings, args: argparse.Namespace) -> int:
    print(config_check.report(settings, _config_file(args), _flags(args)))
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[], int]] = {
        "serve": lambda: serving.serve(settings),
        "migrate": lambda: run_migrations(settings, args.cluster, args.print_only),
        "sql": lambda: run_sql(settings, args.query, args.format, args.write, args.param),
        "report": lambda: reporting.run(settings, args),
        "simulate": lambda: simulation.run(settings, args),
        "config": lambda: _config_check(settings, args),
        "alerts": lambda: alerts.run(settings, args),
        "sourcemaps": lambda: sourcemaps.run(settings, args),
    }
    return commands[args.command]()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    for warning in failures.unknown_variables(os.environ):
        print(warning, file=sys.stderr)
    try:
        settings = _settings(args)
        logs.configure(settings.log_format)
        return _run(settings, args)
    except BrokenPipeError:  # `rumhouse report | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except Exception as exc:
        if args.debug or not isinstance(exc, EXPLAINED):
            raise
        told, code = _told(exc, args)
        print(told, file=sys.stderr)
        return code


# The failures printed as a short message (anything else is a bug: its traceback shows).
EXPLAINED = (
    ValidationError, tomllib.TOMLDecodeError, UnicodeDecodeError, SettingsError, RumhouseError,
    ClickHouseClientError,
)  # fmt: skip


def _told(exc: Exception, args: argparse.Namespace) -> tuple[str, int]:
    """The message and exit code: 2 for settings and usage, 1 for what failed at run time."""
    if isinstance(exc, RumhouseError):
        return f"rumhouse: {exc}{exc.hint}", exc.exit_code
    if isinstance(exc, ClickHouseClientError):  # the engine's or the server's own words
        return f"rumhouse: {exc}", 1
    return failures.explain(exc, _config_file(args), _flags(args)), 2
