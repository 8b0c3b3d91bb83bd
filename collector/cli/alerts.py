"""``rumhouse alerts``: the alerts firing now and those of the last days, from the ``alerts``
table; ``rumhouse alerts check``: every rule evaluated once against the store, printing what
would fire with its value, baseline, threshold and attribution (for tuning), writing no
alert and posting nothing.

Both read through ``open_reader``: the data folder directly when no collector holds it,
else that collector's SQL endpoint (read-only)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

from collector.alerts.model import Finding
from collector.alerts.query import from_client
from collector.alerts.rules import configured
from collector.cli.moment import moment
from collector.errors import UsageError
from collector.report import page as report
from collector.settings import Settings
from collector.store.reader import Reader, open_reader

LIST = """
SELECT status, alertname, labels, context, value, baseline, threshold, summary,
       starts_at, ends_at
FROM (SELECT * FROM alerts ORDER BY at DESC LIMIT 1 BY fingerprint)
WHERE (status = 'firing' OR at >= now() - toIntervalDay({days:UInt32}))
  AND ({site:String} = '' OR site = {site:String})
ORDER BY status = 'firing' DESC, starts_at DESC
LIMIT 200
"""


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser = commands.add_parser("alerts", help="alerts firing and recent; `check` to tune rules")
    parser.add_argument(
        "action", nargs="?", choices=["list", "check"], default="list",
        help="list (default): active and recent alerts; check: evaluate every rule once",
    )  # fmt: skip
    parser.add_argument("--days", type=int, default=7, help="recent: resolved in N days (7)")
    parser.add_argument("--site", default="", help="one site key (default: all)")
    parser.add_argument(
        "--at", type=moment, metavar="TIME",
        help="check: evaluate as at TIME (ISO 8601, UTC), e.g. the end of a simulated history",
    )  # fmt: skip
    return parser


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.at and args.action != "check":
        raise UsageError("--at goes with `rumhouse alerts check`")
    reader = open_reader(settings)
    if args.action == "check":
        return check(settings, reader, args.site, args.at or datetime.now(UTC))
    return show(reader, args.days, args.site)


def show(reader: Reader, days: int, site: str) -> int:
    result = reader.client.query(
        LIST, parameters={"days": days, "site": site}, settings=reader.settings(False)
    )
    rows = result.result_rows
    firing = sum(1 for r in rows if r[0] == "firing")
    print(f"rumhouse alerts: {firing} firing, {len(rows) - firing} resolved in {days} days")
    for status, name, labels, context, value, baseline, threshold, summary, *times in rows:
        since = f"since {_at(times[0])}" + (f", resolved {_at(times[1])}" if times[1] else "")
        print(f"\n{status.upper():8} {name} [{_labels(labels)}] {since}\n  {summary}")
        print(f"  {_figures(value, baseline, threshold)}{_context(context)}")
    return 0


def check(settings: Settings, reader: Reader, site: str, now: datetime) -> int:
    """Every rule once (alerting on or off): what would fire at ``now``."""
    if reader.direct:  # no collector has been refreshing the rollups: bring them up to date
        for statement in report.REFRESH:
            reader.client.command(statement)
    # The custom rules' read-only limits, where this connection may set them (not through a
    # collector's SQL endpoint, which is read-only and bounded already).
    rules = configured(settings, limits=reader.read_only is not None)
    query = from_client(reader.client)
    print(f"rumhouse alerts check: every rule as at {now:%F %R} UTC")
    failed = 0
    for rule in rules:
        try:
            findings = asyncio.run(rule.rule.evaluate(query, now, rule.tunings))
        except Exception as exc:
            print(f"{rule.rule.name}: FAILED: {exc}")
            failed += 1
            continue
        found = [f for f in findings if not site or f.site == site]
        print(f"{rule.rule.name}: {'nothing fires' if not found else f'{len(found)} would fire'}")
        for finding in found:
            print(_finding(finding))
    return 1 if failed else 0


def _finding(f: Finding) -> str:
    return (
        f"  FIRING [{_labels(f.labels)}]\n    {f.summary}\n    "
        f"{_figures(f.value, f.baseline, f.threshold)}{_context(f.context or {})}"
    )


def _labels(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _figures(value: float, baseline: float | None, threshold: float) -> str:
    usual = "none" if baseline is None else _number(baseline)
    return f"value {_number(value)}, baseline {usual}, threshold {_number(threshold)}"


def _number(value: float) -> str:
    """13,376 rather than 1.338e+04; shares and CLS keep four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _context(context: Mapping[str, str]) -> str:
    return f"; attribution: {_labels(context)}" if context else ""


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
