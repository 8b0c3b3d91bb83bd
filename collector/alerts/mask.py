"""Webhook URLs carry their secrets in plain sight: Slack's and Discord's in the path
(``/services/T0…/B0…/XXXX``), others in the query (``?token=…``) or in ``user:password@``.
``mask_url`` is what every log line and ``rumhouse config check`` show instead: the scheme
and the host (with its port) stay, so an operator still sees where alerts go."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "***"

# A path segment that is an id or a token rather than a word: long, or carrying a digit
# and long enough not to be a version (``v1``, ``api2``); anything not URL-word-like.
_WORDLIKE = re.compile(r"[A-Za-z_.~-]{1,15}|[A-Za-z]{1,3}[0-9]{1,2}")


def looks_secret(segment: str) -> bool:
    """``services``, ``hooks``, ``api``, ``v1``: no; ``T00000000``, a UUID, a token: yes."""
    return not _WORDLIKE.fullmatch(segment)


def mask_url(url: str) -> str:
    """``url`` without its secrets: ``user:password@`` becomes ``***@``; the path is kept up
    to its first segment that looks like an id or a token (the rest is one ``***``); query
    values become ``***`` (their names stay); a fragment becomes ``#***``. Never raises: text
    that is not a URL at all is shown as ``***``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return MASK
    if not parts.scheme or not host or any(c.isspace() for c in host):
        return MASK  # no host name has a space (hypothesis found "a://\x85": unstable)
    netloc = _netloc(host, port, userinfo="@" in parts.netloc)
    masked = f"{parts.scheme}://{netloc}{_path(parts.path)}"
    if parts.query:
        masked += "?" + _query(parts.query)
    if parts.fragment:
        masked += "#" + MASK
    return masked


def host_of(url: str) -> str:
    """The host (and port) of ``url`` alone: what a metric label may carry."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "invalid"
    return _netloc(host or "invalid", port, userinfo=False)


def _netloc(host: str, port: int | None, *, userinfo: bool) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port is not None:
        shown += f":{port}"
    return f"{MASK}@{shown}" if userinfo else shown


def _path(path: str) -> str:
    kept: list[str] = []
    for segment in path.split("/")[1:]:
        if segment and looks_secret(segment):
            kept.append(MASK)
            break
        kept.append(segment)
    return "".join(f"/{segment}" for segment in kept)


def _query(query: str) -> str:
    pairs = (pair.partition("=") for pair in query.split("&"))
    return "&".join(
        f"{_name(name)}={MASK}" if eq or value else _name(name) for name, eq, value in pairs
    )


def _name(name: str) -> str:
    """A query parameter's name, unless it is itself a token (``?AbC123…``)."""
    return name if _WORDLIKE.fullmatch(name) or not name else MASK
