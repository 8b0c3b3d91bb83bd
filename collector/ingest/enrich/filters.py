"""Policy drops: beacons that are not from people on real pages, and noise among errors.

Each ``drop_*`` answers the reason a beacon (or an item) is dropped, or ``None``; the caller
counts it, and the sender still gets a 204 with ``X-RUM-Dropped``.
"""

from __future__ import annotations

from functools import lru_cache

from collector.ingest.contract import ErrorIn
from collector.ingest.events import PageView
from collector.ingest.outcomes import PolicyDrop

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"})
EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://", "safari-extension://",
                     "safari-web-extension://", "ms-browser-extension://")  # fmt: skip


def drop_bot(view: PageView, drop_bots: bool) -> PolicyDrop | None:
    return PolicyDrop.BOT if drop_bots and view.agent.is_bot else None


def drop_localhost(view: PageView, open_mode: bool) -> PolicyDrop | None:
    """Pages served from a developer's machine skew production data (allowed in open mode)."""
    local = view.host in LOCAL_HOSTS or view.host.endswith(".localhost")
    return PolicyDrop.LOCALHOST if local and not open_mode else None


def drop_spam_referrer(view: PageView, spam: tuple[str, ...]) -> PolicyDrop | None:
    host = view.referrer.split("://", 1)[-1].split(":", 1)[0]
    return PolicyDrop.SPAM_REFERRER if host and _is_spam(host, spam) else None


@lru_cache(maxsize=1024)
def _is_spam(host: str, spam: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of the ``spam`` domains or under one. Cached: referrers come
    from few hosts, and the list is walked once per host rather than once per beacon."""
    return any(host == domain or host.endswith("." + domain) for domain in spam)


def from_extension(error: ErrorIn) -> bool:
    """Errors thrown by browser extensions injected into the page, not by the site."""
    return any(s in error.source or s in error.stack for s in EXTENSION_SCHEMES)
