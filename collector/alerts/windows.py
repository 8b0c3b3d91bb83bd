"""The time windows rules compare: the last minutes, and the same minutes of earlier days
(or weeks), as SQL conditions with parameters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TIME = "DateTime64(3, 'UTC')"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def shifted(self, back: timedelta) -> Window:
        return Window(self.start - back, self.end - back)


def recent(now: datetime, minutes: int) -> Window:
    return Window(now - timedelta(minutes=minutes), now)


def earlier(window: Window, every: timedelta, times: Iterable[int]) -> list[Window]:
    """The same window ``every`` (a day, a week) earlier, ``times`` over."""
    return [window.shifted(every * k) for k in times]


def hour_buckets(now: datetime, days: Iterable[int]) -> list[datetime]:
    """The hourly rollups' hours that hold the same time of day as the last hour, on each of
    ``days`` earlier: the hour of (now - 30 minutes), the middle of that last hour."""
    middle = (now - timedelta(minutes=30)).replace(minute=0, second=0, microsecond=0)
    return [middle - timedelta(days=k) for k in days]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def condition(column: str, windows: Iterable[Window], prefix: str) -> tuple[str, dict[str, Any]]:
    """``column`` in any of ``windows``, as SQL and its parameters (named ``prefix``N_s/_e)."""
    parts, parameters = [], {}
    for n, window in enumerate(windows):
        start, end = f"{prefix}{n}_s", f"{prefix}{n}_e"
        parts.append(f"({column} >= {{{start}:{TIME}}} AND {column} < {{{end}:{TIME}}})")
        parameters[start], parameters[end] = stamp(window.start), stamp(window.end)
    return "(" + " OR ".join(parts or ["0"]) + ")", parameters


def hours(column: str, buckets: Iterable[datetime], name: str) -> tuple[str, dict[str, Any]]:
    """``column`` (a DateTime hour) in ``buckets``."""
    values = [b.strftime("%Y-%m-%d %H:%M:%S") for b in buckets]
    return f"{column} IN {{{name}:Array(DateTime('UTC'))}}", {name: values}
