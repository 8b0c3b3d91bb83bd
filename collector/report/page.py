"""The built-in report for users without Grafana: ``GET /report`` and ``rumhouse report``.

Both run the same queries: p75 and CrUX shares per vital, then per page group and per
segment from the hourly rollups, the top errors from the raw table, failed requests and
resources from their hourly rollup, and from the raw tables the scripts behind long
animation frames and an SPA's routes, soft navigations next to hard ones. The page draws
them as tables with bars (plain HTML and CSS: no script); the command prints them with the
engine's own Pretty format.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collector.ingest.enrich.vitals import THRESHOLDS
from collector.sourcemaps import examples

_WHERE = (
    "hour >= now() - INTERVAL {days:UInt16} DAY AND ({site:String} = '' OR site = {site:String})"
)
_RAW = "ts >= now() - INTERVAL {days:UInt16} DAY AND ({site:String} = '' OR site = {site:String})"
_P75 = "round(quantileBFloat16MergeIf(0.75)(value_state, metric = '{m}'), 3) AS {m}"


def _segment(column: str, rollup: str = "vitals_hourly") -> str:
    return (
        f"SELECT {column}, {_P75.format(m='LCP')}, {_P75.format(m='INP')}, {_P75.format(m='CLS')},"
        f" sumIf(page_views, metric = 'TTFB') AS page_views FROM {rollup} WHERE {_WHERE}"
        f" GROUP BY {column} ORDER BY page_views DESC LIMIT 15"
    )


@dataclass(frozen=True)
class Section:
    title: str
    sql: str


def sections() -> tuple[Section, ...]:
    """The report's sections, in page order (built per report: cheap, and a function so
    that what it builds is code the mutation tests reach)."""
    return (
        Section(
            "Core Web Vitals: p75 and share of page views by rating",
            "SELECT metric, round(quantileBFloat16Merge(0.75)(value_state), 3) AS p75,"
            " round(sum(good) / sum(page_views), 3) AS good,"
            " round(sum(needs_improvement) / sum(page_views), 3) AS needs_improvement,"
            " round(sum(poor) / sum(page_views), 3) AS poor, sum(page_views) AS views"
            f" FROM vitals_hourly_pages WHERE {_WHERE} GROUP BY metric ORDER BY metric",
        ),
        Section("By page group", _segment("page_group", "vitals_hourly_pages")),
        Section("By device class", _segment("device_class", "vitals_hourly_pages")),
        Section("By browser", _segment("browser")),
        Section("By country", _segment("country")),
        Section(
            ERRORS,
            "SELECT error_type, message, sum(count) AS occurrences,"
            " uniqExact(page_view_id) AS page_views, max(ts) AS last_seen FROM errors"
            " WHERE ts >= now() - INTERVAL {days:UInt16} DAY"
            " AND ({site:String} = '' OR site = {site:String})"
            " GROUP BY fingerprint, error_type, message ORDER BY occurrences DESC LIMIT 20",
        ),
        Section(
            "Failed requests and resources",
            "SELECT kind, endpoint, method, if(status = 0, 'network error', toString(status))"
            " AS status, sum(failures) AS occurrences, uniqMerge(page_views) AS page_views,"
            f" uniqMerge(sessions) AS sessions FROM failures_hourly WHERE {_WHERE}"
            " GROUP BY kind, endpoint, method, status ORDER BY occurrences DESC LIMIT 20",
        ),
        Section(
            "Scripts by long-animation-frame blocking time",
            "SELECT page_group, s.url AS script, s.function AS function,"
            " sum(s.blocking_ms) AS blocking_ms, uniqExact(page_view_id) AS page_views"
            f" FROM page_views ARRAY JOIN loaf_scripts AS s WHERE {_RAW} AND NOT is_bot"
            " GROUP BY page_group, script, function ORDER BY blocking_ms DESC LIMIT 20",
        ),
        Section(
            "SPA routes: soft vs hard navigations",
            "SELECT page_group AS route,"
            " if(navigation_type = 'soft-navigation', 'soft', 'hard') AS navigation,"
            " quantileIf(0.75)(value, metric = 'LCP') AS LCP,"
            " quantileIf(0.75)(value, metric = 'INP') AS INP, uniqExact(page_view_id) AS page_views"
            f" FROM vitals WHERE {_RAW} AND NOT is_bot AND page_group IN (SELECT page_group"
            f" FROM vitals WHERE {_RAW} AND navigation_type = 'soft-navigation')"
            " GROUP BY route, navigation ORDER BY route, navigation",
        ),
    )


# Recompute the rollups now (a running collector does it every minute by itself): by every
# segment, then by page group and device class from those.
REFRESH = tuple(
    f"SYSTEM {verb} VIEW {view}"
    for view in ("vitals_hourly_refresh", "vitals_hourly_pages_refresh")
    for verb in ("REFRESH", "WAIT")
)
RATINGS = ("good", "needs_improvement", "poor")
ERRORS = "Top JS errors"  # followed by an example stack of each (collector.sourcemaps)
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:middle}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;height:.9rem;min-width:12rem;border-radius:3px;overflow:hidden;background:#eee}
.good{background:#0c6}.needs_improvement{background:#fa3}.poor{background:#f33}
.p75{display:inline-block;height:.6rem;border-radius:2px;margin-left:.4rem;vertical-align:middle}
.muted{color:#777}tr.firing td{background:#fde8e8}h3{font-size:1rem;margin-bottom:.2rem}
"""


def _rating(metric: str, value: float) -> str:
    good, poor, _ = THRESHOLDS[metric]
    return "good" if value <= good else "needs_improvement" if value <= poor else "poor"


def _number(value: float, column: str) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if column == "CLS" or value < 1 else f"{value:,.0f}"
    return f"{value:,}"


def _cell(column: str, value: Any, row: dict[str, Any]) -> str:
    metric = column if column in THRESHOLDS else row.get("metric") if column == "p75" else None
    if isinstance(value, float) and metric in THRESHOLDS:
        poor = THRESHOLDS[metric][1]
        width = min(100.0, 100 * value / (poor * 1.5)) if math.isfinite(value) else 0.0
        bar = f'<span class="p75 {_rating(metric, value)}" style="width:{width:.0f}px"></span>'
        return f'<td class="n">{_number(value, metric)}{bar}</td>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{_number(value, column)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _shares(row: dict[str, Any]) -> str:
    parts = "".join(
        f'<span class="{r}" style="width:{100 * float(row[r]):.1f}%"'
        f' title="{r}: {100 * float(row[r]):.0f}%"></span>'
        for r in RATINGS
    )
    return f'<td><div class="bar">{parts}</div></td>'


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return '<p class="muted">No data in this period yet.</p>'
    shown = [c for c in columns if c not in RATINGS]
    has_shares = all(r in columns for r in RATINGS)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown) + (
        "<th>good / NI / poor</th>" if has_shares else ""
    )
    body = []
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        cells = "".join(_cell(c, row[c], row) for c in shown)
        body.append(f"<tr>{cells}{_shares(row) if has_shares else ''}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_page(
    site: str,
    days: int,
    tables: Sequence[tuple[Section, Sequence[str], Sequence[Sequence[Any]]]],
    alerts_html: str = "",
    stacks_html: str = "",
) -> str:
    """The page: the alerts section (``alerts.render``) first, then the tables, the top
    errors followed by their example stacks (``examples.render_html``)."""
    scope = f"site {html.escape(site)}" if site else "all sites"
    sections = "".join(
        f"<h2>{html.escape(s.title)}</h2>{render_table(c, r)}"
        + (stacks_html if s.title == ERRORS else "")
        for s, c, r in tables
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rumhouse report</title><style>{STYLE}{examples.STYLE}</style></head><body>"
        f"<h1>rumhouse: real user experience, last {days} days, {scope}</h1>"
        '<p class="muted">p75 from the hourly rollups (refreshed every minute); bars coloured by '
        "the Core Web Vitals thresholds. Add <code>?days=N&amp;site=KEY</code> to change "
        "the scope.</p>"
        f"{alerts_html}{sections}</body></html>"
    )
