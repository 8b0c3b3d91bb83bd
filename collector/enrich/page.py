"""URL hygiene and page groups.

The stored URL has no query string and no fragment (they carry tokens, emails and ids); the
page group is the explicit label from ``rumhouse('page', ...)`` or else the path with the
segments that look like ids replaced by ``:id``: ``/product/123`` → ``/product/:id``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


def clean_url(url: str) -> tuple[str, str, str]:
    """``(url, host, path)`` with the query string and fragment removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "", "", "/"
    path = parts.path or "/"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "", host, path
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{path}", host, path


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
