"""Where browsers reach this collector, for the snippet and the demo page: ``public_url``,
else the scheme and host a trusted proxy forwarded (TLS ends there: ``X-Forwarded-Proto``),
else the request's own.

A snippet with the wrong address fails silently: an ``http://`` script on an https page is
blocked by the browser, and no beacon ever arrives to say why. So a collector that takes any
site (open mode, no sites) and is reached through a proxy without ``public_url`` says once
which address it guessed and how to set it.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from collector.http.peers import Peers
from collector.settings import Settings

log = logging.getLogger(__name__)

_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
FORWARDED = ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For", "Forwarded")


class PublicAddress:
    def __init__(self, settings: Settings, peers: Peers) -> None:
        self._public = settings.public_url.rstrip("/") if settings.public_url else None
        self._peers = peers
        # Only a collector in open mode without sites is likely a trial that nobody set up for
        # its proxy; a configured one follows its trusted proxies without a word.
        self._may_warn = settings.open_mode and not settings.sites

    def base(self, request: web.Request) -> str:
        """``scheme://host`` (and path, from ``public_url``) without a trailing slash."""
        if self._public:
            return self._public
        scheme, host = request.scheme, request.host
        trusted = self._peers.trusted(request.remote or "")
        if trusted:
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            scheme = proto if proto in ("http", "https") else scheme
            forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
            host = forwarded if _HOST.fullmatch(forwarded) else host
        base = f"{scheme}://{host}"
        if self._may_warn and any(name in request.headers for name in FORWARDED):
            self._may_warn = False
            self._warn(base, trusted)
        return base

    @staticmethod
    def _warn(base: str, trusted: bool) -> None:
        source = (
            "from the proxy's X-Forwarded-Proto and X-Forwarded-Host"
            if trusted
            else "from the request itself: the proxy is not in trusted_proxies, so its "
            "X-Forwarded-* headers are ignored"
        )
        log.warning(
            "this collector is reached through a proxy and public_url is not set: snippets "
            "load rum.js from %s, %s. If browsers reach the collector under another address "
            "(https, another host), set public_url (RUMHOUSE_PUBLIC_URL) to it",
            base,
            source,
        )
