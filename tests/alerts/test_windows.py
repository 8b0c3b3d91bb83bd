"""The baseline hours of the hourly rollups: the hour that holds the middle of the last hour
(now - 30 minutes), on each of the days asked, worked out by hand; windows as SQL conditions,
to the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.alerts.windows import Window, condition, hour_buckets


def test_the_baseline_hours_hold_the_middle_of_the_last_hour_on_each_day() -> None:
    now = datetime(2026, 12, 2, 10, 30, 45, 123456, tzinfo=UTC)  # the middle: 10:00:45
    assert hour_buckets(now, [1, 2]) == [
        datetime(2026, 12, 1, 10, tzinfo=UTC),
        datetime(2026, 11, 30, 10, tzinfo=UTC),
    ]
    assert hour_buckets(datetime(2026, 12, 2, 10, 29, 59, tzinfo=UTC), [1]) == [
        datetime(2026, 12, 1, 9, tzinfo=UTC)
    ]


def test_windows_as_a_condition_to_the_millisecond() -> None:
    first = Window(datetime(2026, 12, 2, 9, 0, 0, 123456, tzinfo=UTC),
                   datetime(2026, 12, 2, 10, 0, 0, 987000, tzinfo=UTC))  # fmt: skip
    sql, parameters = condition("ts", [first, first.shifted(first.end - first.start)], "w")
    assert sql == (
        "((ts >= {w0_s:DateTime64(3, 'UTC')} AND ts < {w0_e:DateTime64(3, 'UTC')})"
        " OR (ts >= {w1_s:DateTime64(3, 'UTC')} AND ts < {w1_e:DateTime64(3, 'UTC')}))"
    )
    assert parameters == {
        "w0_s": "2026-12-02 09:00:00.123", "w0_e": "2026-12-02 10:00:00.987",
        "w1_s": "2026-12-02 07:59:59.259", "w1_e": "2026-12-02 09:00:00.123",
    }  # fmt: skip
    assert condition("ts", [], "w") == ("(0)", {}), "no window: no row"
