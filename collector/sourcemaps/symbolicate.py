"""A stack read through the source maps of its site and release: each frame of a minified
file that has a map becomes its original file, line, column and function, with the source
lines around it (from the map's ``sourcesContent``).

The maps are read with Sentry's ``symbolic`` (``SourceMapCache``: the lookup Sentry itself
uses; given the minified file too it finds the original name of the enclosing function by
its scopes). A frame matches the uploaded file whose path shares the most trailing segments
with the path of the frame's URL, so a bundle served under another prefix than the build
folder's still matches; the stored stack's URLs are cleaned (query string dropped, tokens
scrubbed), so the uploaded names are compared scrubbed too. Parsed maps are kept in memory
(``MapCache``), bounded in bytes and entries; a re-upload has a new ``uploaded_at`` and so
a new key.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from symbolic.exceptions import SymbolicError
from symbolic.sourcemapcache import SourceMapCache, SourceMapCacheToken

from collector.ingest.enrich.scrub import scrub
from collector.sourcemaps.frames import RawFrame, parse

log = logging.getLogger(__name__)

# ``Store.query_table``: column names and rows of one parameterised query.
QueryTable = Callable[[str, dict[str, Any]], Awaitable[tuple[Sequence[str], list[tuple[Any, ...]]]]]
FILES = (
    "SELECT file, toUnixTimestamp64Milli(uploaded_at) FROM sourcemaps FINAL"
    " WHERE site = {site:String} AND release = {release:String}"
)
MAP = (
    "SELECT map, source FROM sourcemaps FINAL WHERE site = {site:String}"
    " AND release = {release:String} AND file = {file:String}"
)
CONTEXT_LINES = 3  # on each side of a frame's line, as far as the file goes
_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/]*/)?(?:\.{0,2}/)*", re.I)


@dataclass(frozen=True)
class Frame:
    """A frame of the stack; ``file`` is ``""`` when no map matched (then the other fields
    are the raw frame's)."""

    raw: RawFrame
    function: str
    file: str = ""
    line: int = 0
    column: int = 0
    context: tuple[tuple[int, str], ...] = ()  # (line number, text) around ``line``

    @property
    def mapped(self) -> bool:
        return bool(self.file)


class MapCache:
    """Parsed maps by (site, release, file, uploaded_at), least recently used out first once
    their inputs add up to more than ``max_bytes`` or they are more than ``max_entries``."""

    def __init__(self, max_bytes: int = 64 * 1024**2, max_entries: int = 64) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._maps: OrderedDict[tuple[str, ...], tuple[SourceMapCache | None, int]] = OrderedDict()
        self.bytes = 0

    def get(self, key: tuple[str, ...]) -> tuple[SourceMapCache | None] | None:
        """``(map,)`` when known (``(None,)`` for a map that would not parse), else None."""
        if key not in self._maps:
            return None
        self._maps.move_to_end(key)
        return (self._maps[key][0],)

    def put(self, key: tuple[str, ...], parsed: SourceMapCache | None, size: int) -> None:
        self._maps[key] = (parsed, size)
        self.bytes += size
        while len(self._maps) > 1 and (
            self.bytes > self.max_bytes or len(self._maps) > self.max_entries
        ):
            _, (_, dropped) = self._maps.popitem(last=False)
            self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._maps)


CACHE = MapCache()


def source_name(src: str) -> str:
    """A map's source as a path: ``../src/cart.js`` and ``webpack://app/./src/cart.js`` are
    both ``src/cart.js`` (where the build ran is not the reader's business)."""
    return _PREFIX.sub("", src) or src


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def match(path: str, files: Sequence[str]) -> str | None:
    """The uploaded file whose (scrubbed) path shares the most trailing segments with
    ``path``, the base name at least; ``None`` when none does or two tie."""
    want = _segments(path)
    scored: dict[int, list[str]] = {}
    for file in files:
        have, shared = _segments(scrub(file)), 0
        while shared < min(len(have), len(want)) and have[-1 - shared] == want[-1 - shared]:
            shared += 1
        scored.setdefault(shared, []).append(file)
    best = max(scored, default=0)
    return scored[best][0] if best and len(scored[best]) == 1 else None


async def _parsed(
    query: QueryTable, key: tuple[str, str, str, str], cache: MapCache
) -> SourceMapCache | None:
    known = cache.get(key)
    if known is not None:
        return known[0]
    site, release, file, _ = key
    _, rows = await query(MAP, {"site": site, "release": release, "file": file})
    if not rows:
        return None
    sourcemap, source = (str(value).encode() for value in rows[0])
    try:
        parsed = await asyncio.to_thread(SourceMapCache.from_bytes, source, sourcemap)
    except SymbolicError as error:  # checked at upload: a map stored some other way
        log.warning("source map of %s (site %s, release %s) unreadable: %s", file, site,
                    release, error)  # fmt: skip
        parsed = None
    cache.put(key, parsed, len(sourcemap) + len(source))
    return parsed


def _frame(raw: RawFrame, token: SourceMapCacheToken) -> Frame:
    before, after = token.pre_context, token.post_context
    texts = [*before, token.context_line or "", *after] if token.context_line else []
    first = token.line - len(before)
    context = tuple((first + i, text.rstrip("\r\n")) for i, text in enumerate(texts))
    # No function name from the scopes (a map uploaded without its minified file): the
    # stack's own name, minified, is the best there is.
    function = token.function_name if token.function_name not in (None, "<unknown>") else None
    return Frame(
        raw, function or raw.function, source_name(token.src or raw.url), token.line,
        token.col, context,
    )  # fmt: skip


async def symbolicate(
    query: QueryTable, site: str, release: str, stack: str, cache: MapCache = CACHE
) -> list[Frame | str]:
    """Every line of ``stack``: a ``Frame`` (mapped when a map of ``site`` and ``release``
    matches its file), or the line as text (the message, a line that is not a frame)."""
    lines = parse(stack)
    _, rows = await query(FILES, {"site": site, "release": release})
    versions = {str(file): str(version) for file, version in rows}
    out: list[Frame | str] = []
    for line in lines:
        if isinstance(line, str):
            out.append(line)
            continue
        file = match(line.path, list(versions))
        key = (site, release, file, versions[file]) if file else None
        parsed = await _parsed(query, key, cache) if key else None
        token = parsed.lookup(line.line, line.column, CONTEXT_LINES) if parsed else None
        out.append(_frame(line, token) if token else Frame(line, line.function))
    return out
