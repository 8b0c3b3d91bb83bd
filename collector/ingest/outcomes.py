"""Every way a beacon or an item in it can be discarded, and the one map to HTTP statuses.

A rejection discards the whole beacon and answers with a 4xx (or 503 when the collector is
full); a drop discards one item of an accepted beacon, which is still answered 204 with
``X-RUM-Dropped: <n>``. Each reason has a counter: refusals in
``rumhouse_beacons_rejected_total{reason=...}``, drops in
``rumhouse_items_dropped_total{reason=...}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Refusal(StrEnum):
    """The whole beacon is refused, with a 4xx (or 503 when the collector is full)."""

    INVALID_JSON = "invalid_json"
    INVALID_BEACON = "invalid_beacon"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_ENCODING = "unsupported_encoding"
    BUFFER_FULL = "buffer_full"
    SPOOL_FULL = "spool_full"
    NOT_DURABLE = "not_durable"
    UNKNOWN_SITE = "unknown_site"
    FORBIDDEN_ORIGIN = "forbidden_origin"
    RATE_LIMITED = "rate_limited"
    TOO_SLOW = "too_slow"


class PolicyDrop(StrEnum):
    """The whole beacon is dropped by policy, still 204: the sender did nothing wrong."""

    BOT = "bot"
    LOCALHOST = "localhost"
    SPAM_REFERRER = "spam_referrer"
    SAMPLED_OUT = "sampled_out"


class ItemDrop(StrEnum):
    """One item is dropped, the rest of the beacon kept."""

    UNKNOWN_METRIC = "unknown_metric"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_FIELD = "unknown_field"
    EXTENSION_ERROR = "extension_error"
    OWN_BEACON = "own_beacon"  # a failure report about the beacon's own request
    CLIENT_ERROR = "client_error"  # a request answered 4xx, with client_errors = false


STATUS: dict[Refusal, int] = {
    Refusal.INVALID_JSON: 400,
    Refusal.INVALID_BEACON: 400,
    Refusal.TOO_LARGE: 413,
    Refusal.UNSUPPORTED_MEDIA_TYPE: 415,
    Refusal.UNSUPPORTED_ENCODING: 415,
    Refusal.BUFFER_FULL: 503,
    Refusal.SPOOL_FULL: 503,
    Refusal.NOT_DURABLE: 503,
    Refusal.UNKNOWN_SITE: 403,
    Refusal.FORBIDDEN_ORIGIN: 403,
    Refusal.RATE_LIMITED: 429,
    Refusal.TOO_SLOW: 408,
}


@dataclass(frozen=True)
class Rejection(Exception):
    """The whole beacon is refused; ``fields`` names what was wrong, for the 400 body."""

    reason: Refusal
    message: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    retry_after: int | None = None

    @property
    def status(self) -> int:
        return STATUS[self.reason]

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.reason.value, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


@dataclass
class Drops:
    """Items dropped from one accepted beacon, by reason."""

    counts: dict[ItemDrop, int] = field(default_factory=dict)
    whole: PolicyDrop | None = None  # the entire beacon is dropped by policy, for this reason

    def add(self, reason: ItemDrop, n: int = 1) -> None:
        if n:
            self.counts[reason] = self.counts.get(reason, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + (1 if self.whole else 0)
