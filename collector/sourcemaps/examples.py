"""One example stack per top JS error, symbolicated, for the report: ``example_stacks``
picks them (the latest stack of each of the most frequent errors, with its site and
release) and maps them; ``render_html`` and ``render_text`` draw them."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from collector.sourcemaps import render
from collector.sourcemaps.symbolicate import CACHE, Frame, MapCache, QueryTable, symbolicate

# The same errors, in the same order, as the report's "Top JS errors" table; of each, the
# latest row that has a stack (a cross-origin "Script error." has none).
SQL = (
    "SELECT error_type, message, argMaxIf(tuple(site, release, stack), ts, stack != '')"
    " AS example, sum(count) AS occurrences FROM errors"
    " WHERE ts >= now() - INTERVAL {days:UInt16} DAY"
    " AND ({site:String} = '' OR site = {site:String})"
    " GROUP BY fingerprint, error_type, message ORDER BY occurrences DESC LIMIT {limit:UInt16}"
)
STYLE = render.STYLE


@dataclass(frozen=True)
class Example:
    error_type: str
    message: str
    site: str
    release: str
    lines: Sequence[Frame | str]

    @property
    def frames(self) -> int:
        return sum(isinstance(line, Frame) for line in self.lines)

    @property
    def mapped(self) -> int:
        return sum(isinstance(line, Frame) and line.mapped for line in self.lines)


async def example_stacks(
    query: QueryTable, site: str, days: int, limit: int = 20, cache: MapCache = CACHE
) -> list[Example]:
    """The example stack of each of the ``limit`` most frequent errors of the last ``days``
    (of ``site``, or all sites when ``""``), through the maps of its site and release."""
    _, rows = await query(SQL, {"days": days, "site": site, "limit": limit})
    found = []
    for error_type, message, (where, release, stack), _ in rows:
        if not stack:
            continue
        lines = await symbolicate(query, where, release, stack, cache)
        if lines[:1] == [f"{error_type}: {message}"]:  # V8's first line: the heading already
            lines = lines[1:]
        found.append(Example(error_type, message, where, release, lines))
    return found


def _about(example: Example) -> str:
    release = example.release or "none set"
    if example.mapped:
        done = f"{example.mapped} of {example.frames} frames mapped by its source maps"
    elif example.release:
        done = (
            "no source map matches its frames: `rumhouse sourcemaps upload --site "
            f"{example.site} --release {example.release} DIR`"
        )
    else:
        done = "no release: the page sets one with rumhouse('set', 'release', R)"
    return f"site {example.site}, release {release}: {done}"


def render_html(examples: Sequence[Example]) -> str:
    """An ``<h3>`` per error, a line of what was mapped, then its stack (``render.STYLE``)."""
    return "".join(
        f"<h3>{html.escape(f'{e.error_type}: {e.message}')}</h3>"
        f'<p class="muted">{html.escape(_about(e))}</p>{render.render_html(e.lines)}'
        for e in examples
    )


def render_text(examples: Sequence[Example]) -> str:
    return "\n\n".join(
        f"{e.error_type}: {e.message}\n({_about(e)})\n{render.render_text(e.lines)}"
        for e in examples
    )
