"""``traffic_drop``'s decision on one site's counts (``w0``: the last 30 minutes, ``w1`` to
``w4``: the same minutes one to four weeks earlier), against figures worked out by hand."""

from __future__ import annotations

from typing import Any

from collector.alerts.traffic import TrafficDrop
from collector.alerts.tuning import Tuning

TUNING = TrafficDrop.default  # below 50%, at least 100 page views usually, 30 minutes


def check(w0: int, *weeks: int) -> Any:
    row = {"site": "demo", "w0": w0, **{f"w{n}": v for n, v in enumerate(weeks, 1)}}
    return TrafficDrop()._check(row, TUNING, 1 + len(weeks))


def test_usual_is_the_mean_of_the_earlier_weeks_that_had_traffic() -> None:
    found = check(40, 100, 0, 300, 200)  # week 2 had none: (100 + 300 + 200) / 3
    assert (found.value, found.baseline, found.threshold) == (40, 200, 100)


def test_it_says_what_fell_how_far_and_what_to_look_for() -> None:
    found = check(40, 100, 0, 300, 200)
    assert found.alertname == "traffic_drop"
    assert found.labels == {"site": "demo"}
    assert found.severity == "critical"
    assert found.summary == "Page views of demo fell to 40 in 30 min, 20% of usual"
    assert found.description == (
        "Site demo had 40 page views in the last 30 minutes, against 200 in the same minutes "
        "of the previous 3 week(s); fires under 50% of that (100). An outage, a broken deploy "
        "or a removed snippet?"
    )


def test_silent_at_exactly_the_threshold_and_firing_just_under() -> None:
    assert check(100, 200, 200) is None
    assert check(99, 200, 200) is not None


def test_fires_from_exactly_min_samples_usually() -> None:
    assert check(10, 100).baseline == 100
    assert check(10, 99) is None


def test_silent_without_earlier_weeks_of_traffic() -> None:
    assert check(0, 0, 0, 0, 0) is None
    assert check(0) is None


def test_the_tuning_decides_the_share_and_the_minimum() -> None:
    tuning = Tuning(below=0.25, min_samples=10, window_minutes=15)
    row = {"site": "demo", "w0": 30, "w1": 100}
    assert TrafficDrop()._check(row, tuning, 2) is None  # 30% is not under 25%
    found = TrafficDrop()._check({**row, "w0": 20}, tuning, 2)
    assert found is not None
    assert found.summary == "Page views of demo fell to 20 in 15 min, 20% of usual"
