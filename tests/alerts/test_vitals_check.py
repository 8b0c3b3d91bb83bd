"""The vitals rules' decision and figures on one row, against figures worked out by hand (the
rules on the real engine: ``test_rules``)."""

from __future__ import annotations

from collector.alerts.vitals import CLS, INP, LCP

TUNING = LCP.default  # 20% worse, at least 30 page views in the window and the baseline


def test_milliseconds_are_whole_with_separators_and_cls_has_three_decimals() -> None:
    assert LCP._show(4321.6) == "4,322 ms"
    assert INP._show(200.0) == "200 ms"
    assert CLS._show(0.25) == "0.250"


def test_it_fires_from_exactly_min_samples_in_the_window_and_the_baseline() -> None:
    # Every page view slower than the usual p75: far above a quarter, whatever the count.
    base = {"p75": 2000.0, "samples": 30}
    row = {"samples": 30, "p75": 4000.0, "above": 30}
    assert LCP._fires(row, base, TUNING)
    assert not LCP._fires({**row, "samples": 29, "above": 29}, base, TUNING)
    assert not LCP._fires(row, {**base, "samples": 29}, TUNING)


def test_it_fires_above_the_threshold_only_and_from_exactly_z_standard_errors() -> None:
    base = {"p75": 2000.0, "samples": 48}  # threshold: 20% worse, 2,400, under good: 2,500
    # 24 of 48 above the usual p75: (0.5 - 0.25) / sqrt(0.1875 / 48) = 0.25 / 0.0625 = 4.
    row = {"samples": 48, "p75": 2600.0, "above": 24}
    assert LCP._fires(row, base, TUNING), "exactly Z standard errors above a quarter"
    assert not LCP._fires({**row, "above": 23}, base, TUNING)
    assert not LCP._fires({**row, "p75": 2500.0}, base, TUNING), "at the threshold, silent"
