"""The baseline hours of the hourly rollups: the hour that holds the middle of the last hour
(now - 30 minutes), on each of the days asked, worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.alerts.windows import hour_buckets


def test_the_baseline_hours_hold_the_middle_of_the_last_hour_on_each_day() -> None:
    now = datetime(2026, 12, 2, 10, 30, 45, 123456, tzinfo=UTC)  # the middle: 10:00:45
    assert hour_buckets(now, [1, 2]) == [
        datetime(2026, 12, 1, 10, tzinfo=UTC),
        datetime(2026, 11, 30, 10, tzinfo=UTC),
    ]
    assert hour_buckets(datetime(2026, 12, 2, 10, 29, 59, tzinfo=UTC), [1]) == [
        datetime(2026, 12, 1, 9, tzinfo=UTC)
    ]
