"""The evaluator: runs every rule, keeps the state of each alert (by fingerprint), records
each change in the ``alerts`` table, and hands the notifier what fires and what resolved.

State machine, per fingerprint: a finding not firing yet starts firing (one ``firing`` row,
``starts_at`` = now); found again, it stays firing (no row; its figures are updated); not
found by an evaluation in which its rule ran, it resolves (one ``resolved`` row, ``ends_at``
= now). A rule that failed resolves nothing: its alerts stay as they were. At start-up the
state is read back from the table (the latest row of each fingerprint), so a restart
neither fires an alert again nor forgets one. A row that could not be written leaves the
state unchanged: the next evaluation tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from collector.alerts.model import Alert, Finding, Notifier
from collector.alerts.query import Query
from collector.alerts.rules import Configured
from collector.alerts.table import LATEST, from_row, to_row

log = logging.getLogger(__name__)

Write = Callable[[list[dict[str, Any]]], Awaitable[None]]


@dataclass
class Outcome:
    firing: list[Alert] = field(default_factory=list)
    started: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the rules that failed, by name


@dataclass
class Evaluator:
    rules: Sequence[Configured]
    query: Query
    write: Write
    notifier: Notifier | None = None
    on_rule_error: Callable[[str], None] = lambda name: None
    state: dict[str, Alert] = field(default_factory=dict)  # the alerts firing, by fingerprint

    async def load(self) -> None:
        """The alerts firing when the last evaluator stopped, from the table."""
        rows = await self.query(LATEST)
        self.state = {r["fingerprint"]: from_row(r) for r in rows if r["status"] == "firing"}

    async def evaluate(self, now: datetime) -> Outcome:
        outcome = Outcome()
        found: dict[str, Finding] = {}
        ran: set[str] = set()
        for configured in self.rules:
            name = configured.rule.name
            try:
                findings = await configured.rule.evaluate(self.query, now, configured.tunings)
            except Exception as exc:
                log.error("alert rule %s failed: %s", name, exc)
                self.on_rule_error(name)
                outcome.failed.append(name)
                continue
            ran.add(name)
            found.update((f.fingerprint, f) for f in findings)
        await self._start(now, found, outcome)
        await self._resolve(now, found, ran, outcome)
        outcome.firing = list(self.state.values())
        if self.notifier is not None:
            self.notifier.publish(outcome.firing, outcome.resolved)
        return outcome

    async def _start(self, now: datetime, found: dict[str, Finding], outcome: Outcome) -> None:
        new = [Alert(f, "firing", now) for key, f in found.items() if key not in self.state]
        for key, finding in found.items():  # still firing: the latest figures, same start
            if key in self.state:
                self.state[key] = replace(self.state[key], finding=finding)
        if new:
            await self.write([to_row(alert, now) for alert in new])
            self.state.update((a.fingerprint, a) for a in new)
            outcome.started = new

    async def _resolve(
        self, now: datetime, found: dict[str, Finding], ran: set[str], outcome: Outcome
    ) -> None:
        gone = [
            replace(alert, status="resolved", ends_at=now)
            for key, alert in self.state.items()
            if key not in found and alert.finding.alertname in ran
        ]
        if gone:
            await self.write([to_row(alert, now) for alert in gone])
            for alert in gone:
                del self.state[alert.fingerprint]
            outcome.resolved = gone
