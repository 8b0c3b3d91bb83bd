"""``rumhouse report``: the report page's figures in the terminal, for a range, a site and
filters given as options (``--range 24h --filter page_group=/cart``)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from collector.errors import UsageError
from collector.report import build, page, scope, terminal
from collector.settings import Settings
from collector.store.reader import Reader, open_reader


def _filter(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write a filter as NAME=VALUE, such as browser=Chrome"
        )
    return name, value


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--range", help="the last 1h, 24h, 7d, 30d... (default 7d)")
    parser.add_argument("--days", type=int, help="the last N days (the same as --range Nd)")
    parser.add_argument("--since", help="start of a custom period: 2026-11-28T00:00 (UTC)")
    parser.add_argument("--until", help="end of a custom period (default now)")
    parser.add_argument("--site", default="", help="one site key (default: all)")
    parser.add_argument(
        "--bots", action="store_true",
        help="include page views flagged as bots (stored when drop_bots = false)",
    )  # fmt: skip
    parser.add_argument(
        "--filter", action="append", default=[], type=_filter, metavar="NAME=VALUE",
        help=f"only page views with this value ({', '.join(scope.DIMENSIONS)}, dims.NAME);"
        " repeatable",
    )  # fmt: skip


def scope_of(args: argparse.Namespace, now: datetime) -> scope.Scope:
    """The options as the page's query parameters, read by the page's own parser."""
    query = {
        k: str(v)
        for k in ("range", "days", "since", "until")
        if (v := getattr(args, k)) is not None
    }
    query |= {"site": args.site} if args.site else {}
    query |= {"bots": "include"} if args.bots else {}
    for name, value in args.filter:
        if name not in scope.DIMENSIONS and not name.startswith("dims."):
            raise UsageError(
                f"--filter {name}: filter on {', '.join(scope.DIMENSIONS)} or dims.NAME"
            )
        query[name] = value
    try:
        return scope.parse(query, now)
    except scope.ScopeError as exc:
        raise UsageError(str(exc)) from None


def runner(reader: Reader) -> build.Run:
    async def run(sql: str, params: dict[str, Any]) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
        result = await asyncio.to_thread(
            reader.client.query, sql, parameters=params, settings=reader.settings(False)
        )
        return result.column_names, [tuple(r) for r in result.result_rows]

    return run


def run(settings: Settings, args: argparse.Namespace) -> int:
    chosen = scope_of(args, datetime.now(UTC))
    reader = open_reader(settings)
    if reader.direct:  # no collector has been refreshing the rollups: bring them up to date
        for statement in page.REFRESH:
            reader.client.command(statement)
    print(terminal.render(asyncio.run(build.gather(runner(reader), chosen))))
    return 0
