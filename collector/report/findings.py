"""What to fix, as the report page shows it: the latest releases (the newest flagged when
it did worse than the one before) and the errors worth fixing, each with its trend and its
example stack, symbolicated where the release's source maps were uploaded."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from collector.report import charts, revenue
from collector.report.build import Report
from collector.report.queries import METRICS
from collector.sourcemaps import examples

FLAG = ' class="flag"'
WORSE_BY = 0.10  # a release is flagged when a p75 is 10% above the release before it


def figure(value: float | None, metric: str = "") -> str:
    """A figure as the page shows it: three decimals for CLS and below 1, else whole."""
    if value is None:
        return "-"
    return f"{value:.3f}" if metric == "CLS" or value < 1 else f"{value:,.0f}"


def when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def known(value: Any) -> float | None:
    """A figure, or None where the engine had no value (nan: no rows)."""
    return None if value is None or math.isnan(value) else float(value)


def worse(newest: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """What got worse from one release to the next: a p75 over 10% higher, or the share of
    page views with an error at least 1.5 times as high and one point higher."""
    found = [
        m
        for m in METRICS
        if (a := known(newest[m])) is not None
        and (b := known(before[m])) is not None
        and a > b * (1 + WORSE_BY)
    ]
    rate, previous = newest["error_rate"], before["error_rate"]
    # Rounded: rates are quotients of counts (0.15 against 0.10 * 1.5 = 0.15000000000000002).
    if round(rate - previous * 1.5, 9) >= 0 and round(rate - previous, 9) >= 0.01:
        found.append("errors")
    return found


def _release_row(r: dict[str, Any], flagged: list[str]) -> str:
    mark = f" (worse: {', '.join(flagged)})" if flagged else ""
    figures = "".join(f'<td class="n">{figure(known(r[m]), m)}</td>' for m in METRICS)
    return (
        f"<tr{FLAG if flagged else ''}><td>{html.escape(r['release'])}{mark}</td>"
        f'<td>{when(r["first_seen"])}</td><td class="n">{r["views"]:,}</td>{figures}'
        f'<td class="n">{r["error_rate"]:.1%}</td></tr>'
    )


def releases(rows: Sequence[dict[str, Any]]) -> str:
    """The latest releases, newest first; the newest flagged when it did worse."""
    title = "<h2>Releases: the latest, newest first</h2>"
    if not rows:
        return (
            f'{title}<p class="muted">No release in this period: the snippet sends one'
            " with data-release.</p>"
        )
    flagged = worse(rows[0], rows[1]) if len(rows) > 1 else []
    body = "".join(_release_row(r, flagged if i == 0 else []) for i, r in enumerate(rows))
    heads = "".join(f"<th>{m}</th>" for m in METRICS)
    return (
        f'{title}<div class="wide"><table><thead><tr><th>release</th><th>first seen</th>'
        f"<th>views</th>{heads}<th>page views with an error</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _error_row(report: Report, e: dict[str, Any], views: int) -> str:
    counts = dict(report.trends.get(e["fingerprint"], []))
    steps = charts.buckets(report.scope.start, report.scope.end, report.step)
    spark = charts.sparkline([counts.get(at, 0) for at in steps])
    new = ' <span class="chip">new</span>' if e["first_seen"] >= report.scope.start else ""
    example = report.stacks.get(e["fingerprint"])
    shown = examples.render_one(example) if example else ""
    details = f"<details><summary>stack</summary>{shown}</details>" if shown else ""
    share = f" ({e['page_views'] / views:.1%})" if views else ""
    return (
        f'<tr><td class="msg"><div class="clamp"><strong>{html.escape(e["type"])}</strong>: '
        f"{html.escape(e['message'])}</div>{new}{details}</td>"
        f'<td class="n">{e["occurrences"]:,}</td><td class="n">{e["page_views"]:,}{share}</td>'
        f'<td class="n">{e["sessions"]:,}</td><td>{spark}</td>'
        f"<td>{when(e['first_seen'])}</td><td>{when(e['last_seen'])}</td>"
        f"<td>{html.escape(', '.join(e['pages']))}</td>"
        f"<td>{html.escape(', '.join(e['browsers']))}</td></tr>"
    )


def errors(report: Report) -> str:
    """Errors by fingerprint, those that reach the most sessions first."""
    title = "<h2>Errors worth fixing</h2>"
    if not report.errors:
        return f'{title}<p class="muted">No JavaScript errors in this period.</p>'
    views = report.page_views
    body = "".join(_error_row(report, e, views) for e in report.errors)
    return (
        f'{title}<div class="wide"><table><thead><tr><th>error</th><th>occurrences</th>'
        "<th>page views</th><th>sessions</th><th>trend</th><th>first seen</th>"
        f"<th>last seen</th><th>pages</th><th>browsers</th></tr></thead><tbody>{body}"
        "</tbody></table></div>"
    )


def _bucket(bucket: int) -> str:
    """``2.5-3s``; the last bucket holds 10 s and more."""
    return "10s+" if bucket >= 10000 else f"{bucket / 1000:g}-{(bucket + 500) / 1000:g}s"


def _bucket_rating(bucket: int) -> str:
    """A 500 ms bucket's colour: the rating of its values (LCP good up to 2,500 ms)."""
    return "good" if bucket < 2500 else "needs_improvement" if bucket < 4000 else "poor"


def _rate_row(r: dict[str, Any]) -> str:
    return (
        f"<tr><td>{html.escape(r['device'])}</td><td>{html.escape(r['rating'])}</td>"
        f'<td class="n">{r["sessions_"]:,}</td><td class="n">{r["conversion_rate"]:.1%}</td>'
        f'<td class="n">{r["bounce_rate"]:.1%}</td>'
        f'<td class="n">{r["revenue_per_session"]:,.2f}</td></tr>'
    )


def _risk_row(r: dict[str, Any]) -> str:
    return (
        f"<tr><td>{html.escape(r['device_class'])}</td><td>{html.escape(r['entry_page_group'])}"
        f'</td><td class="n">{r["poor_sessions"]:,}</td><td class="n">{r["good_sessions"]:,}</td>'
        f'<td class="n">{r["good_conversion_rate"]:.1%}</td>'
        f'<td class="n">{r["poor_revenue"]:,.2f}</td>'
        f'<td class="n">{r["revenue_at_risk"]:,.2f}</td></tr>'
    )


def experience(report: Report) -> str:
    """Conversion by landing page speed: bars a manager reads at a glance, then the rates by
    rating and device class, then the revenue at risk with its samples and its caveat."""
    title = "<h2>Experience and revenue: sessions by the speed of their landing page</h2>"
    figures = report.revenue
    if not figures["by_rating"]:
        return f'{title}<p class="muted">No sessions with a landing LCP in this period.</p>'
    chart = charts.bars(
        [(_bucket(b["bucket"]), 100 * b["conversion_rate"], _bucket_rating(b["bucket"]))
         for b in figures["by_bucket"]]
    )  # fmt: skip
    rates = "".join(_rate_row(r) for r in figures["by_rating"])
    risk = "".join(_risk_row(r) for r in figures["at_risk"][:10])
    skipped = revenue.skipped(report.scope)
    note = f" Not applied here: {', '.join(skipped)} (sessions do not hold it)." if skipped else ""
    return (
        f'{title}<p class="muted">Conversion rate by landing LCP, per 500 ms (with'
        f" {revenue.MIN_SESSIONS} sessions or more).{note}</p>"
        f'<div class="wide">{chart}</div>'
        '<div class="wide"><table><thead><tr><th>device</th><th>landing LCP</th><th>sessions</th>'
        "<th>conversion rate</th><th>bounce rate</th><th>revenue per session</th></tr></thead>"
        f"<tbody>{rates}</tbody></table></div>"
        f"<h2>Revenue at risk: {revenue.total_at_risk(figures['at_risk']):,.2f}</h2>"
        f'<p class="muted">{revenue.CAVEAT}</p><div class="wide"><table><thead><tr>'
        "<th>device</th><th>entry page group</th><th>poor sessions</th><th>good sessions</th>"
        "<th>good conversion rate</th><th>poor revenue</th><th>at risk</th></tr></thead>"
        f"<tbody>{risk}</tbody></table></div>"
    )
