"""Requests must name this listener in their ``Host`` header (no DNS rebinding).

A web page an analyst visits can make the browser send requests to ``127.0.0.1:8123``
under a domain the page controls, which resolves to the loopback address (DNS
rebinding); the browser then lets the page read the answers. Such a request carries the
page's domain in ``Host``, so the SQL endpoint and the admin listener answer only
requests whose ``Host`` is one of their own names: loopback names, the address they
listen on, and the names configured for them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Middleware

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def allowed_names(listen_host: str, configured: Iterable[str]) -> frozenset[str]:
    own = {listen_host.lower()} - _WILDCARDS
    return LOOPBACK | own | {name.lower().strip() for name in configured}


def host_name(header: str) -> str:
    """``Host`` without its port: ``[::1]:8123`` is ``::1``, ``a.example:80`` is ``a.example``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    name, _, port = header.rpartition(":")
    if name and port.isdigit():
        try:
            ipaddress.IPv6Address(header)  # a bare IPv6 address has colons of its own
        except ValueError:
            return name
    return header


def middleware(
    allowed: frozenset[str], refuse: Callable[[web.Request], web.StreamResponse]
) -> Middleware:
    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        if host_name(request.headers.get("Host", "")) not in allowed:
            return refuse(request)
        return await handler(request)

    return check_host
