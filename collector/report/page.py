"""The report's tables below its charts and breakdowns (failed requests and resources,
the scripts behind long animation frames, an SPA's routes; with a page group chosen, its
drill-down first), and how the page draws a table: numbers right-aligned, a p75 with a bar
coloured by its rating, good / needs improvement / poor shares as one bar. No script.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collector.ingest.enrich.vitals import THRESHOLDS
from collector.report import details
from collector.report.scope import Scope


@dataclass(frozen=True)
class Section:
    title: str
    sql: str


DRILL = (
    ("LCP elements and resources: p75 of LCP and its sub-parts (ms)", details.lcp_elements),
    ("Interactions: p75 of INP and its phases by element (ms)", details.interactions),
    ("Time to first byte: p75 of its parts (ms)", details.ttfb),
)


def sections(scope: Scope) -> tuple[Section, ...]:
    """The tables below the charts and breakdowns, in page order; with a page group chosen,
    its drill-down first (built per report: a function, so that what it builds is code the
    mutation tests reach)."""
    drill = (
        tuple(Section(t, build(scope)) for t, build in DRILL) if scope.value("page_group") else ()
    )
    return (
        *drill,
        Section("Failed requests and resources", details.failed_requests(scope)),
        Section("Scripts by long-animation-frame blocking time", details.long_frames(scope)),
        Section("SPA routes: soft vs hard navigations", details.routes(scope)),
    )


# Recompute the rollups now (a running collector does it every minute by itself): the vitals
# by every segment, then by page group and device class from those; the sessions.
REFRESH = tuple(
    f"SYSTEM {verb} VIEW {view}"
    for view in (
        "vitals_hourly_refresh",
        "vitals_hourly_pages_refresh",
        "sessions_refresh",
        "sessions_hourly_refresh",  # the second sums the first's rows
    )
    for verb in ("REFRESH", "WAIT")
)
RATINGS = ("good", "needs_improvement", "poor")
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:middle}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;height:.9rem;min-width:12rem;border-radius:3px;overflow:hidden;background:#eee}
.good{background:#0c6}.needs_improvement{background:#fa3}.poor{background:#f33}
.p75{display:inline-block;height:.6rem;border-radius:2px;margin-left:.4rem;vertical-align:middle}
.muted{color:#777}tr.firing td{background:#fde8e8}
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
