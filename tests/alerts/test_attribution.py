"""Attribution's rules on the window's split (the rows its SQL answers: per dimension and
value, the page views and the bad ones), at their boundaries: a release is "most" of the
window from half of it; a browser or country is named when it holds at least half of the
bad samples and is at least twice as often bad as the rest. The queries themselves run on
the real engine in test_rules.py."""

from __future__ import annotations

from typing import Any

import pytest

from collector.alerts.attribution import _dominant, _mostly


def split(dimension: str, *values: tuple[str, int, int]) -> list[dict[str, Any]]:
    """Rows of ``dimension`` (value, page views, bad ones), beside another dimension's rows
    that must not count."""
    others = [{"dimension": "country", "value": "US", "total": 1000, "bad": 900}]
    return others + [
        {"dimension": dimension, "value": v, "total": t, "bad": b} for v, t, b in values
    ]


@pytest.mark.parametrize(
    ("values", "named"),
    [([("r1", 40, 0), ("r2", 30, 0), ("r3", 30, 0)], None),  # the largest, under half
     ([("r1", 50, 0), ("r2", 50, 0)], "r1"),  # exactly half
     ([("", 60, 0), ("r2", 40, 0)], None),  # most page views carry no release
     ([("r1", 1, 0)], "r1")],
)  # fmt: skip
def test_a_release_is_most_of_the_window_from_half_of_it(
    values: list[tuple[str, int, int]], named: str | None
) -> None:
    assert _mostly(split("release", *values), "release") == named


@pytest.mark.parametrize(
    ("values", "named"),
    [([("A", 10, 4), ("B", 100, 3), ("C", 100, 3)], None),  # 4 of 10 bad: under half
     ([("A", 10, 5), ("B", 100, 5)], "A"),  # exactly half of the bad ones, 10 times as often
     ([("A", 10, 5), ("B", 1, 0)], "A"),  # the rest: one page view, never bad
     ([("A", 10, 4), ("B", 10, 2)], "A"),  # exactly twice as often bad
     ([("A", 10, 4), ("B", 9, 2)], None),  # under twice as often bad
     ([("A", 10, 0), ("B", 10, 0)], None),  # nothing bad
     ([("A", 5, 5)], None),  # the only value: naming it says nothing
     ([("", 10, 9), ("B", 10, 1)], None)],  # most bad ones carry no value
)  # fmt: skip
def test_a_browser_is_named_for_half_the_bad_samples_twice_as_often_bad(
    values: list[tuple[str, int, int]], named: str | None
) -> None:
    assert _dominant(split("browser", *values), "browser") == named
