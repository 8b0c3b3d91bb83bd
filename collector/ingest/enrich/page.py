"""URL hygiene and page groups.

The stored URL has no fragment and only allowlisted query parameters (others carry tokens,
emails and ids), and personal data in the path is scrubbed. The same rule applies to every
URL a beacon carries: the URLs of failed requests, scripts and the LCP resource
(``clean_link``), and each URL inside free text, such as error messages, sources and stack
frames (``clean_text``). The page group is the explicit label from ``rumhouse('page', ...)``
or else the path with the segments that look like ids replaced by ``:id``:
``/product/123`` → ``/product/:id``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit

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
# A URL in free text ("at f (https://x/app.js?t=1:10:5)", "f@https://x/app.js:10:5",
# "Failed to fetch https://x/api?t=1."): it ends at white space or at a character that
# closes it in prose or in a stack frame.
_TEXT_URL = re.compile(r"https?://[^\s()<>\[\]{}\"'`]+", re.IGNORECASE)
# What a stack frame appends to a script's URL: ":line" or ":line:column".
_POSITION = re.compile(r"(?::\d+){1,2}$")
_SENTENCE_END = ".,;!?"  # after a URL in a sentence: punctuation, not part of the URL


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


def clean_link(url: str, page_url: str, allowlist: tuple[str, ...] = ()) -> str:
    """A URL the page loaded or ran (a request, a script, the LCP image), cleaned as the
    page URL is; a relative one is read against the page URL. ``""`` when it is not a web
    URL (``data:``, an extension's script) or cannot be read."""
    if not url:
        return ""
    try:
        absolute = urljoin(page_url, url)
    except ValueError:  # a page URL urllib cannot read, such as "http://[broken"
        return ""
    return clean_url(absolute, allowlist)[0]


def clean_text(text: str, allowlist: tuple[str, ...] = ()) -> str:
    """Free text with every web URL in it cleaned as the page URL is (a frame's
    ``:line:column`` and the words around it kept), then scrubbed."""
    if "://" in text:  # most messages hold no URL
        text = _TEXT_URL.sub(lambda found: _clean_in_text(found[0], allowlist), text)
    return scrub(text)


def _clean_in_text(found: str, allowlist: tuple[str, ...]) -> str:
    url = found.rstrip(_SENTENCE_END)
    tail = found[len(url) :]
    position = _POSITION.search(url)
    # Only after a path: in "https://x:8080" the digits are the port.
    if position and "/" in url[url.index("//") + 2 : position.start()]:
        url, tail = url[: position.start()], position[0] + tail
    return (clean_url(url, allowlist)[0] or "[url]") + tail


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
