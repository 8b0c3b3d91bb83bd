"""Content coding and conditional requests, as RFC 9110 reads them (sections 12.5.3, 13.1.2).

Small on purpose: ``rum.js`` comes in at most three representations (identity, gzip, br),
and aiohttp's own pre-compressed file serving matches codings as substrings (``br;q=0``
would get brotli) and reads the files on every request.
"""

from __future__ import annotations

from collections.abc import Sequence

IDENTITY = "identity"


def weights(accept_encoding: str) -> dict[str, float]:
    """``Accept-Encoding`` as {coding: q}; names lower-cased, ``x-gzip`` read as ``gzip``.
    An entry whose q is not a number from 0 to 1 is left out (it accepts nothing)."""
    found: dict[str, float] = {}
    for entry in accept_encoding.split(","):
        coding, *params = (part.strip() for part in entry.split(";"))
        coding = coding.lower()
        if not coding:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip())
        if 0.0 <= q <= 1.0:
            found["gzip" if coding == "x-gzip" else coding] = q
    return found


def _quality(value: str) -> float:
    try:
        return float(value) if len(value) <= 5 else -1.0
    except ValueError:
        return -1.0


def choose(accept_encoding: str | None, available: Sequence[str]) -> str:
    """The coding of ``available`` (best first: it breaks ties) that the client weighs
    highest, or identity when it accepts none of them. No header at all also gets identity:
    a client that does not say it decodes anything (curl, urllib) is not sent brotli."""
    if accept_encoding is None:
        return IDENTITY
    q = weights(accept_encoding)
    anything = q.get("*", 0.0)  # "*" weighs every coding the header does not name
    best = max(available, key=lambda coding: q.get(coding, anything), default=IDENTITY)
    weight = q.get(best, anything)
    if weight <= 0.0 or q.get(IDENTITY, 0.0) > weight:
        return IDENTITY
    return best


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as the RFC asks for it:
    ``W/"x"`` matches ``"x"``) or is ``*``."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags
