"""What the parts of alerting hand each other: a rule's ``Finding``, the ``Alert`` it becomes,
and the ``Notifier`` that posts alerts. Rules know nothing of state or webhooks; the
evaluator keeps state; the notifier decides, per target, what to send and when."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Status = Literal["firing", "resolved"]


@dataclass(frozen=True)
class Finding:
    """One rule, crossed for one set of labels in one evaluation.

    ``labels`` always holds ``site`` and whatever else identifies what is wrong
    (``page_group``, ``device_class``, ``endpoint``, ``error``); attribution found with it
    (``release``, ``browser``, ``country`` that dominate the firing window and not the
    baseline) goes into ``context``, which does not change the alert's identity.
    """

    alertname: str
    labels: Mapping[str, str]
    value: float
    baseline: float | None
    threshold: float
    summary: str
    description: str
    severity: str = "warning"
    context: Mapping[str, str] | None = None

    @property
    def fingerprint(self) -> str:
        """Stable across evaluations: the rule and its identifying labels."""
        text = self.alertname + "".join(f"\0{k}={v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def site(self) -> str:
        return self.labels.get("site", "")


@dataclass(frozen=True)
class Alert:
    """A finding's state: ``firing`` since ``starts_at``, or ``resolved`` at ``ends_at``."""

    finding: Finding
    status: Status
    starts_at: datetime
    ends_at: datetime | None = None

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint


class Notifier(Protocol):
    """Posts alerts to the configured targets, without ever blocking the caller."""

    def publish(self, firing: Sequence[Alert], resolved: Sequence[Alert]) -> None:
        """After each evaluation: every alert firing now, and those resolved by it. The
        notifier sends a new alert at once, a reminder after its target's
        ``repeat_interval``, a resolved one once; retries happen in the background."""

    async def close(self) -> None:
        """Give queued posts a last, bounded chance; then stop."""
