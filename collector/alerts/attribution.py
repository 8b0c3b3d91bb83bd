"""What changed with a firing alert: the question a team asks first is "which deploy did
this?". Read from the raw rows of the firing window, only for alerts that fire.

- ``release``: named when most (>= half) of the window's traffic comes from one release that
  the baseline windows do not have (under 1% of their page views).
- ``browser``, ``country``: named when one value holds most of the window's bad samples (a
  slow page view, one with the error or failure) and is at least twice as often bad as the
  rest: without it, the regression would mostly disappear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collector.alerts.query import Query, Row
from collector.alerts.windows import Window, condition

MOSTLY = 0.5  # share of the window that "mostly" means
ABSENT = 0.01  # a release under this share of the baseline's page views is new
OVER = 2.0  # how much more often the named browser or country is bad than the rest

SPLIT = """
SELECT d.1 AS split_dimension, d.2 AS split_value, count() AS split_total,
       countIf({bad}) AS split_bad
FROM {table}
ARRAY JOIN [('release', release), ('browser', browser), ('country', country)] AS d
WHERE {where} AND NOT is_bot AND {window}
GROUP BY split_dimension, split_value
"""
IN_BASELINE = """
SELECT countIf(release = {{release:String}}) AS hits, count() AS total
FROM page_views_data WHERE {where} AND NOT is_bot AND {windows}
"""


@dataclass(frozen=True)
class Source:
    """Where the firing window's samples are: a table, its rows for the alert (``where``),
    what "bad" means for one of them, the alert's page views in ``page_views_data``
    (``scope``, for the baseline's releases), and the parameters of all three."""

    table: str
    where: str
    bad: str
    scope: str
    parameters: Mapping[str, Any]


async def attribute(
    query: Query, source: Source, window: Window, baseline: Sequence[Window]
) -> tuple[dict[str, str], str]:
    """The context of an alert and the sentence that says it (both empty when nothing
    stands out)."""
    when, when_params = condition("ts", [window], "aw")
    sql = SPLIT.format(bad=source.bad, table=source.table, where=source.where, window=when)
    answered = await query(sql, {**source.parameters, **when_params})
    rows = [{k.removeprefix("split_"): v for k, v in row.items()} for row in answered]
    context: dict[str, str] = {}
    said: list[str] = []
    release = _mostly(rows, "release")
    if release and not await _in_baseline(query, source, release, baseline):
        context["release"] = release
        said.append(f"mostly release {release}, not in the baseline")
    for dimension in ("browser", "country"):
        value = _dominant(rows, dimension)
        if value:
            context[dimension] = value
            said.append(f"mostly {dimension} {value}")
    return context, "; ".join(said)


def _mostly(rows: list[Row], dimension: str) -> str | None:
    mine = [r for r in rows if r["dimension"] == dimension]
    total = sum(r["total"] for r in mine)
    top = max(mine, key=lambda r: r["total"], default=None)
    if top is None or not top["value"] or top["total"] < MOSTLY * total:
        return None
    return str(top["value"])


def _dominant(rows: list[Row], dimension: str) -> str | None:
    mine = [r for r in rows if r["dimension"] == dimension]
    bad, total = sum(r["bad"] for r in mine), sum(r["total"] for r in mine)
    top = max(mine, key=lambda r: r["bad"], default=None)
    if top is None or not top["value"] or not bad or top["bad"] < MOSTLY * bad:
        return None
    rest_total = total - top["total"]
    if rest_total <= 0:  # the only value there is: naming it says nothing
        return None
    rate, rest_rate = top["bad"] / top["total"], (bad - top["bad"]) / rest_total
    return str(top["value"]) if rate >= OVER * rest_rate else None


async def _in_baseline(
    query: Query, source: Source, release: str, baseline: Sequence[Window]
) -> bool:
    windows, params = condition("ts", baseline, "ab")
    sql = IN_BASELINE.format(where=source.scope, windows=windows)
    rows = await query(sql, {**source.parameters, **params, "release": release})
    hits, total = (rows[0]["hits"], rows[0]["total"]) if rows else (0, 0)
    return bool(total) and hits >= ABSENT * total
