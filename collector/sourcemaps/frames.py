"""The frames of a JavaScript stack as browsers write ``Error.stack``.

V8 (Chrome, Edge, Node): a first line ``TypeError: message`` then ``    at fn (url:line:col)``
or ``    at url:line:col``. SpiderMonkey and JavaScriptCore (Firefox, Safari):
``fn@url:line:col``, ``@url:line:col``. Lines and columns are 1-based in both. Any other
line (the message, ``at native``, a frame cut by the beacon's length limit) is kept as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_V8 = re.compile(
    r"^\s*at (?:(?P<function>.+?) \()?(?P<url>\S+?):(?P<line>\d+):(?P<column>\d+)\)?\s*$"
)
_GECKO = re.compile(r"^\s*(?P<function>[^@]*)@(?P<url>\S+?):(?P<line>\d+):(?P<column>\d+)\s*$")
MAX_FRAMES = 50  # a stored stack holds at most 4,000 characters: fewer frames than this


@dataclass(frozen=True)
class RawFrame:
    """One frame as the stack wrote it: ``path`` is its URL's path, which the maps match."""

    text: str
    function: str
    url: str
    line: int
    column: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path if "://" in self.url else self.url


def parse_line(text: str) -> RawFrame | None:
    """The frame on one line of a stack, or ``None`` for a line that is not one."""
    found = _V8.match(text) or _GECKO.match(text)
    if found is None:
        return None
    function = (found["function"] or "").removeprefix("async ").removeprefix("new ")
    return RawFrame(text.strip(), function, found["url"], int(found["line"]), int(found["column"]))


def parse(stack: str) -> list[RawFrame | str]:
    """Each line of ``stack``: a frame, or the line itself (the message, an unreadable one)."""
    lines = [line for line in stack.splitlines() if line.strip()]
    return [parse_line(line) or line.strip() for line in lines[:MAX_FRAMES]]
