from __future__ import annotations

import pytest

from collector.ingest.contract import MetricIn
from collector.ingest.enrich.vitals import rating, to_vital
from collector.ingest.events import Vital
from collector.ingest.outcomes import Drops, ItemDrop


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LCP", 2500, "good"), ("LCP", 2501, "needs-improvement"), ("LCP", 4001, "poor"),
        ("INP", 200, "good"), ("INP", 500, "needs-improvement"), ("INP", 501, "poor"),
        ("CLS", 0.1, "good"), ("CLS", 0.25, "needs-improvement"), ("CLS", 0.26, "poor"),
        ("FCP", 1800, "good"), ("FCP", 3000, "needs-improvement"), ("FCP", 3001, "poor"),
        ("TTFB", 800, "good"), ("TTFB", 1800, "needs-improvement"), ("TTFB", 1801, "poor"),
    ],
)  # fmt: skip
def test_vitals_rating_follows_the_crux_thresholds(name: str, value: float, expected: str) -> None:
    assert rating(name, value) == expected


def test_vitals_drops_unknown_metric_with_reason() -> None:
    drops = Drops()
    assert to_vital(MetricIn(name="FID", value=12), drops) is None
    assert drops.counts == {ItemDrop.UNKNOWN_METRIC: 1}


@pytest.mark.parametrize(("name", "value"), [("LCP", -1), ("CLS", 1000), ("INP", 1e12)])
def test_vitals_drops_impossible_value_with_reason(name: str, value: float) -> None:
    drops = Drops()
    assert to_vital(MetricIn(name=name, value=value), drops) is None
    assert drops.counts == {ItemDrop.INVALID_VALUE: 1}


def test_vitals_keeps_metric_but_drops_impossible_phase() -> None:
    drops = Drops()
    vital = to_vital(MetricIn(name="INP", value=120, phases={"input_delay": 5, "x": -3}), drops)
    assert vital is not None
    assert vital.phases == {"input_delay": 5}
    assert vital.rating == "good"
    assert drops.counts == {ItemDrop.INVALID_VALUE: 1}


def test_vitals_keeps_every_attribute_of_the_metric_in_its_place() -> None:
    metric = MetricIn(
        name="INP", value=320, target="button#buy", url="https://cdn.example/i.png",
        interaction_type="pointer", load_state="complete", phases={"input_delay": 12.5},
    )  # fmt: skip
    vital = to_vital(metric, Drops())
    assert vital == Vital(
        name="INP", value=320.0, rating="needs-improvement", target="button#buy",
        url="https://cdn.example/i.png", interaction_type="pointer", load_state="complete",
        phases={"input_delay": 12.5},
    )  # fmt: skip
