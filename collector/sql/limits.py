"""The bounds of every SQL endpoint query, as engine settings (see ``engine.py``).

Kept apart from the engine so that the settings can be turned into limits without loading
chDB (a server-mode collector never does).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """From the ``sql_*`` settings (``app._limits``)."""

    max_execution_time: float
    max_memory_usage: int
    max_memory_total: int
    max_result_bytes: int
    max_concurrent: int
    max_concurrent_per_user: int
    queue_timeout: float

    def statements(self, result_bytes: int | None = None) -> list[str]:
        return [
            f"SET max_execution_time = {self.max_execution_time:g}",
            f"SET max_memory_usage = {self.max_memory_usage}",
            f"SET max_memory_usage_for_user = {self.max_memory_total}",
            f"SET max_result_bytes = {result_bytes or self.max_result_bytes}",
            "SET result_overflow_mode = 'throw'",
        ]
