"""``rumhouse simulate``: page views posted to a running collector now, or with ``--days N``
a history written straight into the store (``collector.tools.history``).

Where the history goes: ``collector.store.target.open_target`` (the server, the data folder,
or the SQL endpoint of the collector that holds it, as a writer).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

import aiohttp

from collector.cli.moment import moment
from collector.errors import UsageError
from collector.settings import Settings
from collector.store.target import open_target
from collector.tools import history, incidents, simulate
from collector.tools.history_store import Summary

RETENTION_DAYS = 90  # the raw tables' TTL (schema/migrations)
HELP = f"""\
Without --days: post --count page views to a running collector (--url), now.
With --days N: write N days of history ending now straight into the store, as the
collector would have stored it: a daily cycle (quiet nights, busiest at 19-21 h UTC) and a
weekly one (busiest at the weekend), the same every week; --rate page views in the busiest
hour (default {history.DEFAULT_RATE}); --end TIME ends it at TIME rather than now (every
day repeats the same visits at the same hour: a run ending an hour later adds the hour
that follows, and `rumhouse alerts check --at TIME` shows what fired at TIME).
--incident KIND breaks the last hour ({", ".join(incidents.INCIDENTS)}):
  lcp           release {incidents.RELEASE} on every page view of the last hour, and LCP
                {incidents.LCP_FACTOR}x as long on {incidents.PAGE_GROUP}
  errors        a new error, "TypeError: {incidents.ERROR["message"]}"
                (static/product.js:88), in 10% of {incidents.PAGE_GROUP}'s page views
  failures      {" ".join(map(str, incidents.ENDPOINT))} (an XHR) in 30% of the page views
                of {incidents.PAGE_GROUP}
  traffic-drop  90% of the page views of the last 30 minutes lost
"""


def arguments(sim: argparse.ArgumentParser) -> None:
    sim.add_argument("--url", help="collector URL (default http://127.0.0.1:8080)")
    sim.add_argument("--count", type=int, default=2000, help="page views to send (default 2000)")
    sim.add_argument("--seed", type=int, default=1, help="random seed: same seed, same traffic")
    sim.add_argument("--site", default="demo", help="site key (default demo)")
    sim.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    sim.add_argument("--days", type=float, help="write this many days of history into the store")
    sim.add_argument(
        "--rate", type=int, default=history.DEFAULT_RATE,
        help=f"with --days: page views in the busiest hour (default {history.DEFAULT_RATE})",
    )  # fmt: skip
    sim.add_argument("--incident", choices=incidents.INCIDENTS, help="with --days: see above")
    sim.add_argument(
        "--end", type=moment, metavar="TIME",
        help="with --days: the history ends at TIME (ISO 8601, UTC; default now)",
    )  # fmt: skip


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.days is None:
        if args.incident or args.end:
            raise UsageError(f"{'--incident' if args.incident else '--end'} goes with --days N")
        return _post(settings, args)
    end = args.end or datetime.now(UTC)
    _check(args.days, args.rate, end)
    client, where = open_target(settings)
    print(f"writing {args.days:g} days of history into {where}", file=sys.stderr)
    started = time.monotonic()
    summary = history.write_history(
        client, days=args.days, incident=args.incident, seed=args.seed, rate=args.rate,
        site=args.site, settings=settings, now=end, progress=lambda s: _progress(s, started),
    )  # fmt: skip
    print(file=sys.stderr)
    print(
        f"{summary.page_views} page views ({summary.beacons} beacons) from {summary.first:%F %R}"
        f" to {summary.last:%F %R} UTC, {summary.hours} hours rolled up"
        + (f"; incident: {args.incident}" if args.incident else "")
    )
    return 0


def _check(days: float, rate: int, end: datetime) -> None:
    if not 0 < days <= RETENTION_DAYS:
        raise UsageError("--days is more than 0 and at most 90 (the raw tables' retention)")
    if rate < 1:
        raise UsageError("--rate is at least 1 (page views in the busiest hour)")
    if end - timedelta(days=days) < datetime.now(UTC) - timedelta(days=RETENTION_DAYS):
        raise UsageError(
            f"--end {end:%F %R} minus {days:g} days starts more than {RETENTION_DAYS} days ago:"
            " the raw tables would drop it (their retention)"
        )


def _progress(summary: Summary, started: float) -> None:
    at = f" up to {summary.last:%F %R}" if summary.last else ""
    rate = summary.page_views / max(time.monotonic() - started, 1e-6)
    print(
        f"\rwritten {summary.page_views} page views{at} ({rate:.0f}/s)",
        end="", file=sys.stderr, flush=True,
    )  # fmt: skip


def _post(settings: Settings, args: argparse.Namespace) -> int:
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
        return 1
    print(f"{tally.accepted} of {tally.sent} beacons accepted by {url}")
    if tally.failed:
        print(f"rumhouse: refused: {tally.failed} (status: count)", file=sys.stderr)
        return 1
    return 0
