"""``rumhouse simulate``: reproducible, valid beacons that fill every table, the SPA's routes,
failures and long animation frames included, without changing the page views it made before."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from collector.ingest.contract import Beacon
from collector.tools import commerce, problems, simulate


def comparable(beacon: dict[str, Any]) -> dict[str, Any]:
    """A beacon without its page view id, which starts with the time it was made."""
    return {k: v for k, v in beacon.items() if k != "page_view_id"}


def test_simulate_gives_the_same_beacons_for_the_same_seed() -> None:
    first, again = list(simulate.visits(300, seed=4)), list(simulate.visits(300, seed=4))
    assert [comparable(v.beacon) for v in first] == [comparable(v.beacon) for v in again]
    assert [[comparable(r) for r in v.resends] for v in first] == [
        [comparable(r) for r in v.resends] for v in again
    ]
    other = list(simulate.visits(300, seed=5))
    assert [comparable(v.beacon) for v in first] != [comparable(v.beacon) for v in other]


def test_simulate_keeps_the_page_views_it_made_before_the_app_and_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [v for v in simulate.visits(500, seed=7) if "/app/" not in v.beacon["url"]]
    monkeypatch.setattr(simulate, "APP_SESSIONS", 0.0)
    monkeypatch.setattr(problems, "attach", lambda *args: None)
    before = list(simulate.visits(len(now), seed=7))

    def plain(beacon: dict[str, Any]) -> dict[str, Any]:
        left_out = ("page_view_id", "failures", "loaf")
        metrics = [{k: v for k, v in m.items() if not k.startswith("script_")}
                   for m in beacon["metrics"]]  # fmt: skip
        return {k: v for k, v in beacon.items() if k not in left_out} | {"metrics": metrics}

    assert [plain(v.beacon) for v in now] == [plain(v.beacon) for v in before]
    assert [[plain(r) for r in v.resends] for v in now] == [
        [plain(r) for r in v.resends] for v in before
    ]


def test_simulate_beacons_all_pass_the_contract() -> None:
    for visit in simulate.visits(1000, seed=2):
        for beacon in (visit.beacon, *visit.resends):
            assert Beacon.model_validate(beacon).model_extra == {}


def test_simulate_app_visits_land_then_change_routes_as_soft_navigations() -> None:
    visits = list(simulate.visits(2000, seed=3))
    soft = [v for v in visits if v.beacon["navigation_type"] == "soft-navigation"]
    assert len(soft) > 100
    urls = {v.beacon["page_view_id"]: v.beacon["url"] for v in visits}
    previous = dict(zip(list(urls)[1:], urls.values(), strict=False))
    for visit in soft:
        beacon = visit.beacon
        assert "/app/" in beacon["url"]
        assert "nav" not in beacon
        assert {m["name"] for m in beacon["metrics"]} == {"LCP", "FCP", "INP", "CLS"}
        assert previous[beacon["page_view_id"]] != beacon["url"], "the route changed"
        assert beacon["referrer"] == "https://shop.example", "the referrer is the origin, as sent"
        lcp = next(m for m in beacon["metrics"] if m["name"] == "LCP")
        assert lcp["phases"]["time_to_first_byte"] == 0
    landings = [v for v in visits if "/app/" in v.beacon["url"] and v not in soft]
    assert landings
    assert all("nav" in v.beacon for v in landings)


def test_simulate_failures_cover_errors_outages_and_missing_resources_once_each() -> None:
    visits = list(simulate.visits(2000, seed=3))
    kinds = Counter((f["kind"], f["status"]) for v in visits for f in v.beacon["failures"])
    for needed in (("request", 500), ("request", 0), ("request", 404), ("resource", 404)):
        assert kinds[needed] >= 3, (needed, kinds)
    assert all(r["failures"] == [] for v in visits for r in v.resends), "sent once, not again"


def test_simulate_long_frames_only_from_chromium_with_inp_naming_the_longest_script() -> None:
    visits = list(simulate.visits(2000, seed=3))
    with_frames = 0
    for visit in visits:
        frames = visit.beacon.get("loaf")
        chromium = "Chrome/" in visit.headers["User-Agent"]
        assert (frames is not None) == chromium, visit.headers["User-Agent"]
        if not frames or not frames["scripts"]:
            continue
        with_frames += 1
        durations = [s["duration"] for s in frames["scripts"]]
        assert durations == sorted(durations, reverse=True)
        assert sum(s["blocking"] for s in frames["scripts"]) <= frames["blocking"] + 0.5
        assert frames["longest"] >= 50
        inp = next(m for m in visit.final["metrics"] if m["name"] == "INP")
        assert inp["script_url"] == frames["scripts"][0]["url"]
        assert inp["script_function"] == frames["scripts"][0]["function"]
    assert with_frames > 500


def test_simulate_sessions_buy_less_often_after_a_slow_landing_page() -> None:
    """As documented (``commerce``): the chance halves at a 3 s landing LCP, a third at 5 s."""
    for device in commerce.BASE_CONVERSION:
        fast = commerce.conversion_chance(device, 900.0)
        assert commerce.conversion_chance(device, 1000.0) == fast
        assert commerce.conversion_chance(device, 3000.0) == pytest.approx(fast / 2)
        assert commerce.conversion_chance(device, 5000.0) == pytest.approx(fast / 3)
    bought: dict[str, list[bool]] = {"good": [], "poor": []}
    for session in simulate.sessions(simulate.visits(8000, seed=3)):
        lcp = next(m["value"] for m in session[0].beacon["metrics"] if m["name"] == "LCP")
        sales = [e for v in session for e in v.events if e["name"] == "purchase"]
        assert len(sales) <= 1
        assert all(e["value"] > 0 for e in sales)
        if lcp <= 2500 or lcp > 4000:
            bought["good" if lcp <= 2500 else "poor"].append(bool(sales))
    rate = {k: sum(found) / len(found) for k, found in bought.items()}
    assert rate["good"] > 2 * rate["poor"] > 0, rate


def test_simulate_events_are_sent_once_by_the_beacon_after_they_happened() -> None:
    visits = list(simulate.visits(4000, seed=3))
    later = [e for v in visits for r in v.resends for e in r.get("events", [])]
    assert any(e["name"] == "purchase" for e in later), "some purchases in a second beacon"
    for visit in visits:
        first = visit.beacon.get("events", [])
        assert all(e not in first for r in visit.resends for e in r.get("events", []))
    added = [e for v in visits for e in v.events if e["name"] == "add_to_cart"]
    assert added
    assert all("/product/" in v.beacon["url"] for v in visits
               for e in v.beacon.get("events", []) if e["name"] == "add_to_cart")  # fmt: skip
