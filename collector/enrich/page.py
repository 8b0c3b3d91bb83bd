"""URL hygiene and page groups.

The stored URL has no fragment and only allowlisted query parameters (others carry tokens,
emails and ids), and personal data in the path is scrubbed; the
page group is the explicit label from ``rumhouse('page', ...)`` or else the path with the
segments that look like ids replaced by ``:id``: ``/product/123`` → ``/product/:id``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from collector.enrich.scrub import scrub

_ID_SEGMENT = re.compile(
    r"""^(
        \d+                                   # 123
      | [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}   # uuid
      | [0-9a-f]{12,}                         # hashes, object ids
      | (?=[a-z0-9_-]*\d)[a-z0-9_-]{16,}      # long tokens that contain a digit
      | [^@/]+@[^@/]+                         # emails
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def clean_url(url: str, allowlist: tuple[str, ...] = ()) -> tuple[str, str, str]:
    """``(url, host, path)``: no fragment, no query parameters but the allowlisted ones, and
    no emails, tokens or long numbers in the path."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "", "", "/"
    path = scrub(parts.path or "/")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "", host, path
    kept = [(k, scrub(v)) for k, v in parse_qsl(parts.query) if k in allowlist]
    query = f"?{urlencode(kept)}" if kept else ""
    return f"{parts.scheme}://{host}{port}{path}{query}", host, path


def referrer_origin(referrer: str | None) -> str:
    """Only the referrer's origin is kept: its path can identify the visitor."""
    if not referrer:
        return ""
    try:
        parts = urlsplit(referrer)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def page_group(path: str, label: str | None) -> str:
    if label and label.strip():
        return label.strip()
    segments = [":id" if _ID_SEGMENT.match(part) else part for part in path.split("/")]
    return "/".join(segments) or "/"
