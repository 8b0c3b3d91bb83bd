"""The report in a terminal: ``rumhouse report``, the same figures as the page.

Each section is a table framed like the engine's Pretty format (a row is ``│ a │ b │``),
numbers without thousands separators so that they paste into a spreadsheet; the p75 of
every vital has its trend as a line of block characters and its change since the previous
period of the same length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from collector.report import alerts, charts, revenue
from collector.report.build import TITLES, Report
from collector.report.findings import known, worse
from collector.report.queries import METRICS
from collector.sourcemaps import examples


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows framed as the engine's PrettyCompact format frames them."""
    if not rows:
        return "(no data in this period yet)"
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    top = "┌─" + "─┬─".join(c.ljust(w, "─") for c, w in zip(columns, widths, strict=True)) + "─┐"
    lines = [
        "│ " + " │ ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " │" for r in cells
    ]
    bottom = "└─" + "─┴─".join("─" * w for w in widths) + "─┘"
    return "\n".join([top, *lines, bottom])


def change(now: float | None, before: float | None) -> str:
    if now is None or before is None or before == 0:
        return "new"
    ratio = (now - before) / before
    return "=" if abs(ratio) <= 0.005 else f"{'▲' if ratio > 0 else '▼'} {abs(ratio):.0%}"


def vitals(report: Report) -> str:
    steps = charts.buckets(report.scope.start, report.scope.end, report.step)
    rows = []
    for v in report.vitals.values():
        points = dict(v.series)
        good, ni, poor = v.shares
        trend = charts.blocks([points.get(s) for s in steps])
        rows.append(
            (v.metric, v.p75, change(v.p75, v.previous), trend, v.views,
             change(v.views, v.previous_views), round(good, 3), round(ni, 3), round(poor, 3))
        )  # fmt: skip
    return table(
        ("metric", "p75", "change", "trend", "views", "views change", "good", "NI", "poor"), rows
    )


def breakdowns(report: Report) -> str:
    out = []
    for dimension, rows in report.breakdowns.items():
        name = TITLES.get(dimension, dimension.removeprefix("dims."))
        shown = [
            (r["segment"] or "(none)", r["views"], r["LCP"],
             change(known(r["LCP"]), known(r["LCP_previous"])),
             r["INP"], r["CLS"])
            for r in rows
        ]  # fmt: skip
        out.append(
            f"By {name.lower()}\n{table((name, 'views', 'LCP', 'change', 'INP', 'CLS'), shown)}"
        )
    return "\n\n".join(out)


def _rate(value: float) -> str:
    """A rate as the page shows it: a percentage to one decimal."""
    return f"{value:.1%}"


def _money(value: float) -> str:
    return f"{value:.2f}"


def releases(report: Report) -> str:
    rows = [(r["release"], r["first_seen"], r["views"], *(r[m] for m in METRICS),
             _rate(r["error_rate"])) for r in report.releases]  # fmt: skip
    flagged = worse(report.releases[0], report.releases[1]) if len(report.releases) > 1 else []
    note = f"\nThe newest release did worse: {', '.join(flagged)}." if flagged else ""
    head = ("release", "first seen", "views", *METRICS, "error rate")
    return f"Releases: the latest, newest first\n{table(head, rows)}{note}"


def errors(report: Report) -> str:
    steps = charts.buckets(report.scope.start, report.scope.end, report.step)
    rows = []
    for e in report.errors:
        counts = dict(report.trends.get(e["fingerprint"], []))
        trend = charts.blocks([float(counts.get(s, 0)) for s in steps])
        rows.append(
            (e["type"], e["message"][:60], e["occurrences"], e["page_views"], e["sessions"],
             trend, e["first_seen"], e["last_seen"], e["pages"])
        )  # fmt: skip
    head = ("type", "message", "occurrences", "page_views", "sessions", "trend", "first_seen",
            "last_seen", "pages")  # fmt: skip
    stacks = examples.render_text(list(report.stacks.values()))
    return f"Errors worth fixing\n{table(head, rows)}" + (
        f"\n\nExample stacks\n{stacks}" if stacks else ""
    )


def experience(report: Report) -> str:
    # Rates as percentages to one decimal and money to the cent, as on the page (a float
    # cell would show 12.34 as 12 and round a rate twice).
    figures = report.revenue
    rates = [(r["device"], r["rating"], r["sessions_"], _rate(r["conversion_rate"]),
              _rate(r["bounce_rate"]), _money(r["revenue_per_session"]))
             for r in figures["by_rating"]]  # fmt: skip
    buckets = [(f"{b['bucket']}", b["sessions_"], _rate(b["conversion_rate"]))
               for b in figures["by_bucket"]]  # fmt: skip
    risk = [(r["device_class"], r["entry_page_group"], r["poor_sessions"], r["good_sessions"],
             _rate(r["good_conversion_rate"]), _money(r["poor_revenue"]),
             _money(r["revenue_at_risk"])) for r in figures["at_risk"][:10]]  # fmt: skip
    skipped = revenue.skipped(report.scope)
    note = f" (not applied: {', '.join(skipped)})" if skipped else ""
    return "\n\n".join([
        "Experience and revenue: sessions by landing LCP rating" + note + "\n"
        + table(("device", "landing LCP", "sessions", "conversion rate", "bounce rate",
                 "revenue per session"), rates),
        "Conversion rate by landing LCP (500 ms buckets, ms)\n"
        + table(("landing LCP from", "sessions", "conversion rate"), buckets),
        f"Revenue at risk: {revenue.total_at_risk(figures['at_risk']):.2f}\n{revenue.CAVEAT}\n"
        + table(("device", "entry page group", "poor sessions", "good sessions",
                 "good conversion rate", "poor revenue", "at risk"), risk),
    ])  # fmt: skip


def render(report: Report) -> str:
    scope = report.scope
    where = f"site {scope.site}" if scope.site else "all sites"
    filters = ", ".join(
        [*(f"{d}={v}" for d, v in scope.filters), *(["bots included"] if scope.bots else [])]
    )
    lines = [
        f"rumhouse report: {scope.label()}, {where}"
        f" ({_text(scope.start)} to {_text(scope.end)}; changes against the"
        f" {scope.length_words()} before)",
        *([f"filters: {filters}"] if filters else []),
        "",
        f"{alerts.TITLE}\n{table(*report.alerts) if report.alerts[1] else alerts.EMPTY}",
        "",
        f"Core Web Vitals: p75 and share of page views by rating\n{vitals(report)}",
        "",
        breakdowns(report),
        "",
        releases(report),
        "",
        errors(report),
        "",
        experience(report),
    ]
    for section, columns, rows in report.tables:
        lines += ["", f"{section.title}\n{table(columns, rows)}"]
    return "\n".join(lines)
