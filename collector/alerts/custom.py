"""Rules written in SQL (``[[custom_alerts]]``): each row of the query whose ``value``
crosses the threshold is a finding labelled by the row's other columns (a ``site`` column
is the alert's site).

The query runs read-only and bounded, wrapped as ``SELECT * FROM (<sql>) LIMIT ... SETTINGS
readonly = 1, max_execution_time, max_memory_usage``: it cannot change data, run long, take
the collector's memory, or answer more than ``MAX_ROWS`` rows. Where the connection is
read-only already (a running collector's SQL endpoint, which has its own limits), the
settings are left out: a read-only user may not set them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from collector.alerts.model import Finding
from collector.alerts.query import Query, Row
from collector.alerts.settings import CustomAlert
from collector.alerts.tuning import Tuning, Tunings

MAX_ROWS = 1000
LIMITS = {"readonly": 1, "max_execution_time": 10, "max_memory_usage": 512 * 1024**2}


class CustomRuleError(Exception):
    """A custom rule's query failed or answered rows without a numeric ``value``."""


def bounded(sql: str, limits: bool) -> str:
    body = sql.strip().rstrip(";")
    settings = ", ".join(f"{k} = {v}" for k, v in LIMITS.items())
    tail = f" SETTINGS {settings}" if limits else ""
    return f"SELECT * FROM (\n{body}\n) LIMIT {MAX_ROWS}{tail}"


@dataclass(frozen=True)
class CustomRule:
    alert: CustomAlert
    limits: bool = True  # False where the connection is read-only and bounded already
    default: ClassVar[Tuning] = Tuning()  # nothing of it applies to a custom rule

    @property
    def name(self) -> str:
        return self.alert.name

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        try:
            rows = await query(bounded(self.alert.sql, self.limits))
        except Exception as exc:
            raise CustomRuleError(f"custom alert {self.name!r}: {exc}") from exc
        return [self._finding(row) for row in rows if self._crosses(row)]

    def _crosses(self, row: Row) -> bool:
        value = row.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise CustomRuleError(
                f"custom alert {self.name!r}: its query must return a numeric column "
                f"named value (got {value!r})"
            )
        above = self.alert.direction == "above"
        return value > self.alert.threshold if above else value < self.alert.threshold

    def _finding(self, row: Row) -> Finding:
        labels = {k: str(v) for k, v in row.items() if k != "value"}
        labels.setdefault("site", "")
        value, threshold = float(row["value"]), self.alert.threshold
        said = ", ".join(f"{k}={v}" for k, v in labels.items() if v)
        word = "above" if self.alert.direction == "above" else "below"
        summary = self.alert.summary or f"{self.name}: {value:g} is {word} {threshold:g}"
        description = f"{self.name} ({said}): {value:g}, {word} the threshold {threshold:g}."
        return Finding(self.name, labels, value, None, threshold, summary, description)
