"""The example stack of an error of the report, symbolicated: ``example`` maps the latest
stack of an error (with the site and release it came from); ``render_one`` draws it for the
page, ``render_text`` for the terminal."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collector.sourcemaps import render
from collector.sourcemaps.symbolicate import CACHE, Frame, MapCache, QueryTable, symbolicate

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


async def example(
    query: QueryTable, error: dict[str, Any], cache: MapCache = CACHE
) -> Example | None:
    """The example stack of one of the report's errors (its latest stack, with the site and
    release it came from) through the maps of that site and release; None without a stack
    (a cross-origin "Script error." has none)."""
    stack = error["example_stack"]
    if not stack:
        return None
    where, release = error["example_site"], error["example_release"]
    lines = await symbolicate(query, where, release, stack, cache)
    if lines[:1] == [f"{error['type']}: {error['message']}"]:  # V8's first line: the heading
        lines = lines[1:]
    return Example(error["type"], error["message"], where, release, lines)


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


def render_one(example: Example) -> str:
    """A line of what was mapped, then the stack (``render.STYLE``)."""
    return f'<p class="muted">{html.escape(_about(example))}</p>{render.render_html(example.lines)}'


def render_text(examples: Sequence[Example]) -> str:
    return "\n\n".join(
        f"{e.error_type}: {e.message}\n({_about(e)})\n{render.render_text(e.lines)}"
        for e in examples
    )
