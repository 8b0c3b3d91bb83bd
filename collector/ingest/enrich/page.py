"""URL hygiene and page groups.

The stored URL has no fragment and only allowlisted query parameters (others carry tokens,
emails and ids), and personal data in the path is scrubbed; the
page group is the explicit label from ``rumhouse('page', ...)`` or else the path with the
segments that look like ids replaced by ``:id``: ``/product/123`` → ``/product/:id``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from collector.ingest.enrich.scrub import scrub

# A whole path segment (from a "/" or the start to the next "/" or the end) that looks like
# an id. One substitution over the path replaces them all without splitting it in Python;
# the optional newline keeps the old per-segment `^...$` match, whose `$` also matched
# before a final newline.
_ID_SEGMENT = re.compile(
    r"""(?<![^/])(?:
        \d+                                   # 123
      | [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}   # uuid
      | [0-9a-f]{12,}                         # hashes, object ids
      | (?=[a-z0-9_-]*\d)[a-z0-9_-]{16,}      # long tokens that contain a digit
      | [^@/]+@[^@/]+                         # emails
    )\n?(?![^/])""",
    re.IGNORECASE | re.VERBOSE,
)
_WEB = frozenset({"http", "https"})


@lru_cache(maxsize=1024)
def _origin(netloc: str) -> tuple[str, str]:
    """``(host, ":port" or "")`` as urllib reads them from a netloc; raises ``ValueError``
    for a bad port. Cached: a site's pages and referrers come from few hosts."""
    parts = SplitResult("", netloc, "", "", "")
    port = parts.port
    return (parts.hostname or "").lower(), f":{port}" if port else ""


def clean_url(url: str, allowlist: tuple[str, ...] = ()) -> tuple[str, str, str]:
    """``(url, host, path)``: no fragment, no query parameters but the allowlisted ones, and
    no emails, tokens or long numbers in the path."""
    try:
        parts = urlsplit(url)
        host, port = _origin(parts.netloc)
    except ValueError:
        return "", "", "/"
    path = scrub(parts.path or "/")
    if parts.scheme not in _WEB or not host:
        return "", host, path
    return f"{parts.scheme}://{host}{port}{path}{_kept_query(parts.query, allowlist)}", host, path


def _kept_query(query: str, allowlist: tuple[str, ...]) -> str:
    kept = [(k, scrub(v)) for k, v in parse_qsl(query) if k in allowlist]
    return f"?{urlencode(kept)}" if kept else ""


def referrer_origin(referrer: str | None) -> str:
    """Only the referrer's origin is kept: its path can identify the visitor."""
    if not referrer:
        return ""
    try:
        parts = urlsplit(referrer)
        host, port = _origin(parts.netloc)
    except ValueError:
        return ""
    if parts.scheme not in _WEB or not host:
        return ""
    return f"{parts.scheme}://{host}{port}"


def page_group(path: str, label: str | None) -> str:
    if label and label.strip():
        return label.strip()
    return _ID_SEGMENT.sub(":id", path) or "/"
