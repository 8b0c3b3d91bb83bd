"""Prometheus metrics of the collector itself, in a registry owned by the app (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.received = Counter("rumhouse_beacons_received", "Beacons received.", registry=r)
        self.accepted = Counter("rumhouse_beacons_accepted", "Beacons accepted (204).", registry=r)
        self.rejected = Counter(
            "rumhouse_beacons_rejected", "Beacons refused whole, by reason.", ["reason"], registry=r
        )
        self.dropped = Counter(
            "rumhouse_items_dropped", "Items dropped from accepted beacons.", ["reason"], registry=r
        )
        self.rows_inserted = Counter(
            "rumhouse_rows_inserted", "Rows written to the store.", ["table"], registry=r
        )
        self.insert_seconds = Histogram(
            "rumhouse_insert_seconds", "Time of one batch insert.", ["table"], registry=r
        )
        self.buffer_rows = Gauge("rumhouse_buffer_rows", "Rows waiting to be written.", registry=r)

    def inserted(self, table: str, rows: int, seconds: float) -> None:
        self.rows_inserted.labels(table).inc(rows)
        self.insert_seconds.labels(table).observe(seconds)
