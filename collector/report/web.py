"""The report as a web page: ``GET /report`` on the admin listener.

One server-rendered page, no script: a range picker, the p75 and ratings of every vital
with the change since the previous period of the same length, a chart of p75 over time
per vital with its thresholds, breakdowns where each row is a link that filters the whole
page (filters compose and live in the URL, so a view can be bookmarked and shared), the
latest releases, the errors worth fixing, and, with a page group chosen, its drill-down.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from collector.ingest.enrich.vitals import THRESHOLDS
from collector.report import alerts, charts
from collector.report.build import TITLES, Report
from collector.report.findings import errors, experience, figure, known, releases, when
from collector.report.page import RATINGS, STYLE, render_table
from collector.report.scope import PRESETS, Scope
from collector.sourcemaps import examples

REMOVE = "\u00d7"  # the multiplication sign: a chip's "remove" button
PAGE_STYLE = """
header p{margin:.2rem 0}.ranges a,.ranges strong{margin-right:.6rem}.ranges form{display:inline}
.chip{display:inline-block;background:#eef;border-radius:1rem;padding:0 .6rem;margin:.2rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(20rem,100%),1fr));gap:1rem}
.grid>section,.charts>figure{min-width:0}.charts figure{margin:0}.charts figcaption{font-weight:600}
svg.chart{width:100%;height:auto;font:11px system-ui;fill:#555}
svg.chart polyline{fill:none;stroke:#36c;stroke-width:2}svg.chart circle{fill:#36c}
svg.chart line{stroke-dasharray:4 3}svg.chart line.good{stroke:#0a5}svg.chart line.poor{stroke:#d22}
svg.spark rect{fill:#d55}svg.bars{max-width:100%;height:auto;font:11px system-ui}
svg.bars .good{fill:#0c6}svg.bars .needs_improvement{fill:#fa3}svg.bars .poor{fill:#f33}
.worse{color:#c11}.better{color:#080}
.delta{font-size:.85em;margin-left:.3rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(26rem,100%),1fr));gap:0 1.5rem}
.wide{overflow-x:auto}td.msg{max-width:28rem;overflow-wrap:anywhere}
.clamp{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
tr.chosen td{background:#eef}.good-text{color:#080}.ni-text{color:#b60}.poor-text{color:#c11}
tr.flag td{background:#fde8e8}pre{white-space:pre-wrap;font-size:.85em}
@media (max-width:40rem){body{margin:1rem auto}.grid{grid-template-columns:1fr}}
"""


def delta(now: float | None, before: float | None, lower_is_better: bool | None = True) -> str:
    """The change since the previous period: an arrow and a percentage, coloured when it
    is better or worse (a p75 going down is better; a count has no colour)."""
    if now is None or before is None or before == 0:
        return '<span class="delta muted" title="no figure for the previous period">new</span>'
    change = (now - before) / before
    arrow = "▲" if change > 0.005 else "▼" if change < -0.005 else "="
    kind = ""
    if arrow != "=" and lower_is_better is not None:
        kind = "worse" if (change > 0) == lower_is_better else "better"
    return (
        f'<span class="delta {kind}" title="previous period: {figure(before)}">'
        f"{arrow} {abs(change):.0%}</span>"
    )


def _link(scope: Scope, text: str) -> str:
    return f'<a href="/report{html.escape(scope.query())}">{html.escape(text)}</a>'


def header(scope: Scope) -> str:
    ranges = " ".join(
        f"<strong>{p}</strong>" if p == scope.preset else _link(_preset(scope, p), p)
        for p in PRESETS
    )
    keep = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in ((("site", scope.site),) if scope.site else ())
        + ((("bots", "include"),) if scope.bots else ())
        + scope.filters
    )
    custom = (
        f'<form method="get" action="/report">{keep}'
        f'<label>from <input type="datetime-local" name="since"'
        f' value="{_local(scope.start)}"></label> '
        f'<label>to <input type="datetime-local" name="until" value="{_local(scope.end)}"></label> '
        '<button>Show</button> <span class="muted">(UTC)</span></form>'
    )
    chips = "".join(
        f'<span class="chip">{html.escape(_title(d))}: {html.escape(v)} '
        f"{_link(scope.without(d), REMOVE)}</span>"
        for d, v in scope.filters
    )
    where = f"site {html.escape(scope.site)}" if scope.site else "all sites"
    if scope.bots:
        chips += (
            f'<span class="chip">bots included {_link(replace(scope, bots=False), REMOVE)}</span>'
        )
    return (
        f"<header><h1>rumhouse: real user experience, {html.escape(scope.label())}, {where}</h1>"
        f'<p class="muted">{when(scope.start)} to {when(scope.end)}; every change is against'
        f" the {scope.length_words()} before.</p>"
        f'<p class="ranges">{ranges} {custom}</p><p>{chips}</p></header>'
    )


def _preset(scope: Scope, preset: str) -> Scope:
    """The scope over a preset range: the link keeps the site and filters."""
    return replace(scope, preset=preset)


def _local(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


def _title(dimension: str) -> str:
    return TITLES.get(dimension, dimension.removeprefix("dims."))


def vitals(report: Report) -> str:
    if not report.vitals:
        return '<p class="muted">No page views in this period yet.</p>'
    rows = []
    for v in report.vitals.values():
        cls = f' class="{_rating(v.metric, v.p75)}"' if v.p75 is not None else ""
        shares = "".join(
            f'<span class="{r}" style="width:{100 * s:.1f}%" title="{r}: {100 * s:.0f}%"></span>'
            for r, s in zip(RATINGS, v.shares, strict=True)
        )
        rows.append(
            f'<tr><td>{v.metric}</td><td class="n"><strong{cls}>{figure(v.p75, v.metric)}'
            f"</strong>{delta(v.p75, v.previous)}</td>"
            f'<td class="n">{v.views:,}{delta(v.views, v.previous_views, None)}</td>'
            f'<td><div class="bar">{shares}</div></td></tr>'
        )
    table = (
        '<div class="wide"><table><thead><tr><th>metric</th><th>p75</th><th>views</th>'
        f"<th>good / NI / poor</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    scope = report.scope
    figures = "".join(
        f"<figure><figcaption>p75 {v.metric}</figcaption>"
        f"{charts.p75_chart(v.metric, v.series, scope.start, scope.end, THRESHOLDS[v.metric][:2])}"
        "</figure>"
        for v in report.vitals.values()
    )
    return f'{table}<h2>p75 over time</h2><div class="charts">{figures}</div>'


def _rating(metric: str, value: float) -> str:
    good, poor, _ = THRESHOLDS[metric]
    return "good-text" if value <= good else "ni-text" if value <= poor else "poor-text"


def _breakdown_row(scope: Scope, dimension: str, r: dict[str, Any]) -> str:
    chosen = ' class="chosen"' if r["segment"] == scope.value(dimension) else ""
    link = _link(scope.with_filter(dimension, r["segment"]), r["segment"] or "(none)")
    views = delta(r["views"], r["previous_views"] or None, None)
    figures = "".join(
        f'<td class="n">{figure(known(r[m]), m)}'
        f"{delta(known(r[m]), known(r[m + '_previous']))}</td>"
        for m in ("LCP", "INP", "CLS")
    )
    return f'<tr{chosen}><td>{link}</td><td class="n">{r["views"]:,}{views}</td>{figures}</tr>'


def breakdown(scope: Scope, dimension: str, rows: Sequence[dict[str, Any]]) -> str:
    """One breakdown: a row per value, each a link that adds (or changes) the filter."""
    name = html.escape(_title(dimension))
    title = f"<h2>By {name.lower()}</h2>"
    if not rows:
        return f'<section>{title}<p class="muted">No data in this period yet.</p></section>'
    body = "".join(_breakdown_row(scope, dimension, r) for r in rows)
    return (
        f'<section>{title}<div class="wide"><table><thead><tr><th>{name}</th>'
        "<th>views</th><th>LCP</th><th>INP</th><th>CLS</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div></section>"
    )


def render(report: Report) -> str:
    """The whole page."""
    scope = report.scope
    grid = "".join(breakdown(scope, d, rows) for d, rows in report.breakdowns.items())
    tables = "".join(
        f'<h2>{html.escape(s.title)}</h2><div class="wide">{render_table(c, r)}</div>'
        for s, c, r in report.tables
    )
    hint = (
        "" if scope.value("page_group") else
        '<p class="muted">Choose a page group below for its LCP elements, interactions and'
        " time to first byte.</p>"
    )  # fmt: skip
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rumhouse report</title><style>{STYLE}{PAGE_STYLE}{examples.STYLE}</style>"
        "</head><body>"
        f"{header(scope)}{alerts.render(*report.alerts)}"
        f"<h2>Core Web Vitals: p75 and share of page views by rating</h2>{vitals(report)}"
        f'{hint}<div class="grid">{grid}</div>{releases(report.releases)}'
        f"{errors(report)}{experience(report)}{tables}</body></html>"
    )
