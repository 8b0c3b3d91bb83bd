"""The hours the history writer rolls up (``rollups.hours``): every whole hour that holds
part of ``[start, end)``, and none more; an end on the hour holds nothing of the hour it
opens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.store.rollups import hours


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    return datetime(2026, 3, 29, hour, minute, second, microsecond, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [(at(10), at(13), at(10), at(13)),  # on the hours: those hours exactly
     (at(10, 20, 30, 500), at(13, 40, 10, 250), at(10), at(14)),
     (at(10, 59, 59, 999_999), at(13, 0, 0, 1), at(10), at(14)),
     (at(10, 0, 1), at(13, 0, 30), at(10), at(14)),  # seconds alone
     (at(10, 0, 0, 1), at(13, 0, 0, 1), at(10), at(14)),  # microseconds alone
     (at(10, 30), at(10, 31), at(10), at(11))],
)  # fmt: skip
def test_the_whole_hours_that_hold_the_range(
    start: datetime, end: datetime, first: datetime, last: datetime
) -> None:
    assert hours(start, end) == (first, last)
