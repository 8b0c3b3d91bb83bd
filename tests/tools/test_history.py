"""``history.timeline``: days of page views with daily and weekly cycles, reproducible, and
each incident only in the window its documentation gives (no engine: the generator alone)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from collector.ingest.contract import Beacon
from collector.tools import incidents
from collector.tools.history import RESEND_SECONDS, timeline

NOW = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)  # a Wednesday afternoon


def by_hour(days: float, rate: int) -> Counter[datetime]:
    """Page views per hour window (each ends a whole number of hours before NOW)."""
    return Counter(
        NOW - timedelta(hours=(NOW - at) // timedelta(hours=1) + 1)
        for at, _ in timeline(days, now=NOW, rate=rate)
    )


@pytest.fixture(scope="module")
def hours() -> Counter[datetime]:
    return by_hour(14, 80)


def test_history_has_quiet_nights_busy_evenings_and_busier_weekends(
    hours: Counter[datetime],
) -> None:
    assert len(hours) == 14 * 24
    night = [n for start, n in hours.items() if 2 <= (start + timedelta(minutes=30)).hour < 5]
    evening = [n for start, n in hours.items() if 19 <= (start + timedelta(minutes=30)).hour < 21]
    assert max(night) * 4 < min(evening), (night, evening)
    weekend = sum(n for start, n in hours.items() if start.weekday() >= 5)
    weekday = sum(n for start, n in hours.items() if start.weekday() < 5)
    assert weekend / 4 > weekday / 10 * 1.05, "a weekend day is busier than a weekday"


def test_history_is_the_same_from_one_week_to_the_next(hours: Counter[datetime]) -> None:
    for start, n in hours.items():
        if start - timedelta(days=7) in hours:
            assert hours[start - timedelta(days=7)] == n, start


def test_history_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = [(at, v.beacon, v.resends) for at, v in timeline(0.5, now=NOW, rate=100, seed=3)]
    again = [(at, v.beacon, v.resends) for at, v in timeline(0.5, now=NOW, rate=100, seed=3)]
    other = [v.beacon for _, v in timeline(0.5, now=NOW, rate=100, seed=4)]
    assert first == again
    assert [lcp(b) for _, b, _ in first] != [lcp(b) for b in other], "other visits"
    plain = [(at, v.beacon, v.resends) for at, v in timeline(0.5, now=NOW, rate=100)]
    ones = [(at, v.beacon, v.resends) for at, v in timeline(0.5, now=NOW, rate=100, seed=1)]
    assert plain == ones, "the seed is 1 unless given"
    assert {b["site"] for _, b, _ in plain} == {"demo"}, "the site is demo unless given"
    # An incident draws from the seed too: the same failures each time.
    failing = [[v.beacon for _, v in timeline(1 / 24, now=NOW, rate=600, incident="failures")]
               for _ in range(2)]  # fmt: skip
    assert failing[0] == failing[1]


def test_history_ends_now_in_time_order_with_resends_before_now() -> None:
    views = list(timeline(1, now=NOW, rate=100))
    times = [at for at, _ in views]
    assert times == sorted(times)
    assert NOW - timedelta(days=1) <= times[0]
    assert times[-1] < NOW
    resent = [(at, r) for at, v in views for r in v.resends]
    assert resent, "some page views send a second beacon"
    for at, beacon in resent:
        assert beacon["elapsed"] > 0
        assert at + timedelta(milliseconds=beacon["elapsed"]) <= NOW
        assert Beacon.model_validate(beacon).model_extra == {}
    # A busy last minute: page views whose re-send would come after NOW come at NOW at most.
    late = [(at, r) for at, v in timeline(1 / 24, now=NOW, rate=6000) for r in v.resends
            if at > NOW - timedelta(seconds=RESEND_SECONDS[1])]  # fmt: skip
    assert late, "re-sends that would come after the end"
    assert all(at + timedelta(milliseconds=r["elapsed"]) <= NOW for at, r in late)


def last_hour(incident: str | None, **kwargs: int) -> list[dict]:  # type: ignore[type-arg]
    return [
        v.beacon
        for at, v in timeline(1 / 24, now=NOW, rate=kwargs.get("rate", 600), incident=incident)
        if at >= NOW - timedelta(hours=1)
    ]


def test_history_without_incident_differs_only_where_the_incident_is() -> None:
    calm = list(timeline(3 / 24, now=NOW, rate=200))
    for kind in incidents.INCIDENTS:
        broken = list(timeline(3 / 24, now=NOW, rate=200, incident=kind))
        start = incidents.starts(kind, NOW)
        assert [(at, v.beacon) for at, v in calm if at < start] == [
            (at, v.beacon) for at, v in broken if at < start
        ], kind
        assert [v.beacon for at, v in calm if at >= start] != [
            v.beacon for at, v in broken if at >= start
        ], kind


def lcp(beacon: dict) -> float:  # type: ignore[type-arg]
    return float(next(m["value"] for m in beacon["metrics"] if m["name"] == "LCP"))


def test_history_lcp_incident_slows_product_pages_of_the_new_release() -> None:
    calm, broken = last_hour(None), last_hour("lcp")
    assert {b["dims"]["release"] for b in broken} == {incidents.RELEASE}
    for before, after in zip(calm, broken, strict=True):
        factor = lcp(after) / lcp(before)
        expected = 2.5 if "/product/" in before["url"] else 1.0
        assert factor == pytest.approx(expected, rel=0.01), before["url"]


def test_history_errors_incident_adds_a_new_error_to_a_tenth_of_product_pages() -> None:
    broken = last_hour("errors", rate=3000)
    product = [b for b in broken if "/product/" in b["url"]]
    hit = [
        b for b in broken if any(e["message"] == incidents.ERROR["message"] for e in b["errors"])
    ]
    assert all("/product/" in b["url"] for b in hit)
    assert 0.07 < len(hit) / len(product) < 0.13, (len(hit), len(product))
    earlier = timeline(0.5, now=NOW - timedelta(hours=1), rate=600)
    assert not any(e["message"] == incidents.ERROR["message"] for _, v in earlier
                   for e in v.beacon["errors"])  # fmt: skip


def test_history_failures_incident_makes_the_cart_endpoint_answer_500() -> None:
    broken = last_hour("failures", rate=3000)
    product = [b for b in broken if "/product/" in b["url"]]
    hit = [b for b in broken if any(
        (f.get("method"), f["url"].removeprefix("https://shop.example"), f["status"])
        == incidents.ENDPOINT for f in b["failures"])]  # fmt: skip
    assert all("/product/" in b["url"] for b in hit)
    assert 0.25 < len(hit) / len(product) < 0.35, (len(hit), len(product))


def test_history_traffic_drop_keeps_a_tenth_of_the_last_half_hour() -> None:
    def half_hours(incident: str | None) -> tuple[int, int]:
        views = [at for at, _ in timeline(1 / 24, now=NOW, rate=2000, incident=incident)]
        last = sum(at >= NOW - timedelta(minutes=30) for at in views)
        before = sum(
            NOW - timedelta(minutes=60) <= at < NOW - timedelta(minutes=30) for at in views
        )
        return before, last

    calm, broken = half_hours(None), half_hours("traffic-drop")
    assert broken[0] == calm[0]
    assert 0.07 < broken[1] / calm[1] < 0.13, (broken, calm)


def test_history_refuses_an_unknown_incident() -> None:
    with pytest.raises(ValueError, match="unknown incident 'outage'"):
        list(timeline(1, now=NOW, incident="outage"))


def test_history_days_repeat_the_visits_but_not_their_sessions() -> None:
    views = list(timeline(2, now=NOW, rate=50))

    def hour(day: int, n: int) -> list[dict]:  # type: ignore[type-arg]
        start = NOW - timedelta(days=2 - day, hours=-n)
        return [v.beacon for at, v in views if start <= at < start + timedelta(hours=1)]

    for n in range(24):
        first, second = hour(0, n), hour(1, n)
        shared = min(len(first), len(second))
        assert shared > 0
        assert [lcp(b) for b in first[:shared]] == [lcp(b) for b in second[:shared]], n
        for key in ("session_id", "page_view_id"):
            assert not {b[key] for b in first} & {b[key] for b in second}, key


def test_a_history_ending_later_repeats_the_same_hour_of_the_day() -> None:
    """The next hour, written by a second run ending an hour later, has the visits of the
    same hour of the day before: the baseline of the alert rules holds across runs."""
    day_before = [v.beacon for at, v in timeline(2, now=NOW, rate=50)
                  if NOW - timedelta(days=1) <= at < NOW - timedelta(hours=23)]  # fmt: skip
    next_hour = [v.beacon for _, v in timeline(1 / 24, now=NOW + timedelta(hours=1), rate=50)]
    shared = min(len(day_before), len(next_hour))
    assert shared > 0
    assert [lcp(b) for b in day_before[:shared]] == [lcp(b) for b in next_hour[:shared]]
    assert not {b["session_id"] for b in day_before} & {b["session_id"] for b in next_hour}


def test_history_is_the_same_whatever_the_machine_s_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its draws follow the hours of UTC, not of the machine's own zone (here UTC+9)."""
    at_utc = [(at, v.beacon) for at, v in timeline(3 / 24, now=NOW, rate=100)]
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        in_tokyo = [(at, v.beacon) for at, v in timeline(3 / 24, now=NOW, rate=100)]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert in_tokyo == at_utc
