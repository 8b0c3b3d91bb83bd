"""What every rule is to the evaluator: a name, its default tuning, and one evaluation
that returns the findings crossing their thresholds now."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from collector.alerts.model import Finding
from collector.alerts.query import Query
from collector.alerts.tuning import Tuning, Tunings


class Rule(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def default(self) -> Tuning:
        """The tuning a setting left unset keeps."""

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        """The findings of one evaluation at ``now`` (UTC)."""


BASELINE_DAYS = range(1, 8)  # the same hour of each of the previous 7 days


def ratio(value: float, baseline: float) -> str:
    """How much worse, as people say it: "2.5x", or "+40%" below double."""
    if baseline <= 0:
        return "new"
    times = value / baseline
    return f"{times:.1f}x" if times >= 2 else f"+{(times - 1) * 100:.0f}%"
