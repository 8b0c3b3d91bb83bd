"""The collector's alert loop: one evaluation every ``alert_interval`` seconds, one at a time
(the next starts only after the last ended), its queries on the store's own thread (never
the event loop's, never in the beacon handler). A failed evaluation is logged and counted,
and the loop goes on; cancelling the task stops it between or inside an evaluation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from collector.alerts.evaluator import Evaluator
from collector.alerts.model import Notifier
from collector.alerts.query import from_store
from collector.alerts.rules import configured
from collector.alerts.settings import AlertFields
from collector.alerts.table import COLUMNS
from collector.ingest.encode import FORMAT
from collector.metrics import Metrics
from collector.store import Store

log = logging.getLogger(__name__)


def enabled(settings: AlertFields) -> bool:
    """``alerts = true``, or unset with a webhook to post to."""
    return settings.alerts if settings.alerts is not None else bool(settings.alert_webhooks)


def writer(store: Store) -> Callable[[list[dict[str, Any]]], Any]:
    """Rows into ``alerts``, as the buffer writes (JSON lines, a deduplication token)."""

    async def write(rows: list[dict[str, Any]]) -> None:
        assert FORMAT == "JSONCompactEachRow"
        body = b"".join(orjson.dumps([row[c] for c in COLUMNS]) + b"\n" for row in rows)
        token = f"alerts-{hash(body) & 0xFFFFFFFFFFFF:012x}-{time.time_ns()}"
        await store.insert("alerts", COLUMNS, body, token)

    return write


@dataclass
class AlertLoop:
    evaluator: Evaluator
    interval: float
    metrics: Metrics
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _loaded: bool = False

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            await self.once()
            elapsed = time.monotonic() - started
            self.metrics.alert_evaluation_seconds.observe(elapsed)
            await asyncio.sleep(max(0.0, self.interval - elapsed))

    async def once(self) -> None:
        """One evaluation (the state read back from the table first, once)."""
        try:
            if not self._loaded:
                await self.evaluator.load()
                self._loaded = True
            outcome = await self.evaluator.evaluate(self.clock())
        except Exception as exc:  # the store is down, the table unwritable: next time
            log.error("alert evaluation failed: %s", exc)
            self.metrics.alert_evaluations.labels("error").inc()
            return
        self.metrics.alert_evaluations.labels("partial" if outcome.failed else "ok").inc()
        self.metrics.alerts_firing.set(len(outcome.firing))
        for alert in outcome.started:
            log.warning("alert firing: %s %s", alert.finding.alertname, alert.finding.summary)
        for alert in outcome.resolved:
            log.info("alert resolved: %s %s", alert.finding.alertname, alert.finding.summary)


def build(
    settings: AlertFields, store: Store, metrics: Metrics, notifier: Notifier | None
) -> AlertLoop:
    """The loop over every configured rule, reading and writing through ``store``."""
    evaluator = Evaluator(
        rules=configured(settings),
        query=from_store(store),
        write=writer(store),
        notifier=notifier,
        on_rule_error=lambda name: metrics.alert_rule_errors.labels(name).inc(),
    )
    return AlertLoop(evaluator, settings.alert_interval, metrics)
