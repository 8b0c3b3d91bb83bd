"""Who may send: site keys, their origins, sampling, and rate limits.

Open mode (development, ``rumhouse serve --open``) accepts any site key from any origin and
applies no rate limit, so that ``rumhouse simulate`` can fill a demo at full speed.

Checks run before the expensive work: the per-client rate limit before the body is read,
the site, origin and per-site rate limit right after parsing. Rate limits are token buckets
(a rate and a burst of twice the rate, at least one) kept in memory only, in bounded LRU
tables; a client is known by a keyed hash of its address, never by the address itself.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from collector.ingest.outcomes import Refusal, Rejection
from collector.settings import Settings
from collector.sites import Site

OPEN_SITE = Site(key="open", origins=("*",))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per key, at most ``max_keys`` of them (least recently used go)."""

    def __init__(
        self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets: OrderedDict[bytes | str, _Bucket] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: bytes | str, rate: float) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until a token is there."""
        # A burst of twice the rate, and at least one beacon: a bucket that could never
        # hold a whole token (rate under 0.5/s) would refuse everything.
        now, burst = self._clock(), max(1.0, 2 * rate)
        bucket = self._buckets.pop(key, None) or _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate


def sampled(session_id: str, rate: float) -> bool:
    """Keep whole sessions: the same rule as rum.js (the id's last four base-36 digits)."""
    if rate >= 1:
        return True
    try:
        return int(session_id[-4:], 36) / 36**4 < rate
    except ValueError:
        return True


class Admission:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self._sites = {site.key: site for site in settings.sites}
        self._open = settings.open_mode
        self._client_rate = settings.client_rate_limit
        self._clients = TokenBuckets(clock=clock)
        self._site_buckets = TokenBuckets(max_keys=10_000, clock=clock)
        self._salt = os.urandom(16)  # a new key per process: hashes cannot be joined later

    def client(self, address: str) -> None:
        """Per-address rate limit (429), checked before the body is read."""
        key = hashlib.blake2b(address.encode(), key=self._salt, digest_size=12).digest()
        if not self._open and (wait := self._clients.take(key, self._client_rate)):
            raise _limited(wait, "this client")

    def site(self, key: str, origin: str | None) -> Site:
        """The site a beacon is for, if its origin may send for it (403), within its rate."""
        site = self._sites.get(key) or (OPEN_SITE if self._open else None)
        if site is None:
            raise Rejection(Refusal.UNKNOWN_SITE, f"site key {key!r} is not configured here")
        if not self.origin_allowed(site, origin):
            raise Rejection(Refusal.FORBIDDEN_ORIGIN, _forbidden(origin, key))
        if site is not OPEN_SITE and (wait := self._site_buckets.take(key, site.rate_limit)):
            raise _limited(wait, f"site {key!r}")
        return site

    def origin_allowed(self, site: Site, origin: str | None) -> bool:
        return "*" in site.origins or (origin or "").lower() in site.origins

    def any_site_allows(self, origin: str | None) -> bool:
        """For CORS preflights, which carry no site key."""
        return self._open or any(self.origin_allowed(s, origin) for s in self._sites.values())


def _forbidden(origin: str | None, key: str) -> str:
    if origin is None:  # a browser always sends one with a beacon: a script, or a proxy
        return (
            f"site {key!r} accepts beacons from its origins only, and this request has no"
            " Origin header (browsers send one; a proxy must pass it on)"
        )
    return f"origin {origin!r} may not send for site {key!r}: add it to the site's origins"


def _limited(wait: float, who: str) -> Rejection:
    return Rejection(
        Refusal.RATE_LIMITED, f"too many beacons from {who}", retry_after=math.ceil(wait)
    )
