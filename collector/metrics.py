"""Prometheus metrics of the collector itself, in a registry owned by the app (no globals)."""

from __future__ import annotations

from collections.abc import Iterable
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
        self.batch_rows = Histogram(
            "rumhouse_batch_rows", "Rows in one batch insert.", ["table"], registry=r,
            buckets=(1, 10, 100, 1_000, 5_000, 20_000, 100_000),
        )  # fmt: skip
        self.buffer_rows = Gauge("rumhouse_buffer_rows", "Rows waiting to be written.", registry=r)
        self.sink_errors = Counter(
            "rumhouse_sink_errors", "Batch inserts that failed or timed out.", ["table"], registry=r
        )
        self.spooled_rows = Counter(
            "rumhouse_spooled_rows", "Rows sent to the disk spool.", registry=r
        )
        self.replays = Counter(
            "rumhouse_spool_replays", "Spooled batches written to the store.", registry=r
        )
        self.spool_full = Counter(
            "rumhouse_spool_full", "Batches the full spool could not take (kept in memory).",
            registry=r,
        )  # fmt: skip
        self.spool_bytes = Gauge("rumhouse_spool_bytes", "Bytes in the spool.", registry=r)
        self.spool_segments = Gauge(
            "rumhouse_spool_segments", "Spool segments waiting for replay.", registry=r
        )
        self.untrusted_forwarded = Counter(
            "rumhouse_untrusted_forwarded",
            "Requests with X-Forwarded-For from a peer not in trusted_proxies (ignored).",
            registry=r,
        )
        # Configured sites only (a bounded label): "site stopped sending" is an alert.
        self.site_beacons = Counter(
            "rumhouse_site_beacons",
            'Beacons accepted, by configured site (open mode: site="").',
            ["site"],
            registry=r,
        )
        self.fsyncs = Counter(
            "rumhouse_journal_fsyncs", "Group-commit fsyncs (durable mode).", registry=r
        )
        self.alert_evaluations = Counter(
            "rumhouse_alert_evaluations",
            "Evaluations of the alert rules, by outcome (ok, partial: a rule failed, error).",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.alert_rule_errors = Counter(
            "rumhouse_alert_rule_errors", "Alert rules that failed to evaluate, by rule.",
            ["rule"], registry=r,
        )  # fmt: skip
        self.alerts_firing = Gauge("rumhouse_alerts_firing", "Alerts firing now.", registry=r)
        self.alert_evaluation_seconds = Histogram(
            "rumhouse_alert_evaluation_seconds", "Time of one evaluation of every alert rule.",
            registry=r, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )  # fmt: skip
        # Alert webhooks: the target's host and its index in alert_webhooks, never its URL
        # (which carries secrets).
        self.alert_notifications = Counter(
            "rumhouse_alert_notifications",
            "Alert posts to webhooks, by outcome: sent, rejected (4xx), failed (retries "
            "exhausted), queue_full, shutdown.",
            ["target", "index", "outcome"], registry=r,
        )  # fmt: skip
        self.alert_notification_retries = Counter(
            "rumhouse_alert_notification_retries", "Alert posts tried again.",
            ["target", "index"], registry=r,
        )  # fmt: skip

    def know_sites(self, sites: Iterable[str]) -> None:
        """Show each configured site's series from the start, at 0: a site that sends
        nothing after a restart is then a rate of zero, not a missing series."""
        for site in sites:
            self.site_beacons.labels(site)

    def inserted(self, table: str, rows: int, seconds: float) -> None:
        self.rows_inserted.labels(table).inc(rows)
        self.insert_seconds.labels(table).observe(seconds)
        self.batch_rows.labels(table).observe(rows)
