"""The report's first section: alerts firing now and those resolved in the last 7 days.

The ``alerts`` table has one row when an alert starts firing and one when it resolves, so
an alert's state is the latest row of its fingerprint. Labels and context come out as
``key=value`` text, the same for the page and for ``rumhouse report``'s terminal table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

TITLE = "Alerts: firing now and resolved in the last 7 days"
EMPTY = "No alerts in the last 7 days."
_PAIRS = (
    "arrayStringConcat(arraySort(arrayMap((k, v) -> concat(k, '=', v), mapKeys({m}),"
    " mapValues({m}))), ', ')"
)
_LABELS = "mapFilter((k, v) -> k != 'site', labels)"  # the site has its own column

# Every fingerprint's latest row (alerts are few: one row per start and per end), then
# those still firing, or resolved within the week; firing ones first, newest first.
SQL = (
    "SELECT status, alertname, site,"
    f" {_PAIRS.format(m=_LABELS)} AS labels,"
    " starts_at AS since, round(value, 3) AS value, round(baseline, 3) AS baseline,"
    f" round(threshold, 3) AS threshold, {_PAIRS.format(m='context')} AS context,"
    " ends_at AS resolved_at"
    " FROM (SELECT * FROM alerts WHERE {site:String} = '' OR site = {site:String}"
    " ORDER BY at DESC LIMIT 1 BY fingerprint)"
    " WHERE status = 'firing' OR ends_at >= now() - INTERVAL 7 DAY"
    " ORDER BY status = 'firing' DESC, starts_at DESC LIMIT 100"
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"  # 3,120 ms; 0.12
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M UTC"))
    return str(value)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The section as HTML: a table, firing rows marked, or a plain sentence when empty."""
    if not rows:
        return f"<h2>{TITLE}</h2><p>{EMPTY}</p>"
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
    body = []
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        cells = "".join(
            f'<td class="n">{_text(v)}</td>'
            if isinstance(v, float)
            else f"<td>{html.escape(_text(v))}</td>"
            for v in values
        )
        body.append(f'<tr class="{"firing" if row["status"] == "firing" else ""}">{cells}</tr>')
    return (
        f"<h2>{TITLE}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
