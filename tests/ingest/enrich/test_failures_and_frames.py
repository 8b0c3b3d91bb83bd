"""A beacon's failed requests and resources, long animation frames and INP script, as the
enricher keeps them: URLs cleaned, endpoints templated, impossible values and the beacon's
own requests dropped with a named reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.events import PageView
from collector.ingest.outcomes import Drops, ItemDrop
from collector.ingest.validate import parse_beacon
from collector.settings import load_settings
from tests.conftest import DESKTOP_CHROME, beacon

COUNTRIES = CountryLookup()
PAGE = "https://shop.example/cart?token=S3crpage#top"


def enrich(settings: dict[str, Any] | None = None, **fields: Any) -> tuple[PageView, Drops]:
    enricher = Enricher(COUNTRIES, load_settings(open_mode=True, **(settings or {})))
    drops = Drops()
    parsed = parse_beacon(orjson.dumps(beacon(url=PAGE, **fields)), drops)
    return enricher.enrich(parsed, Client("203.0.113.9", DESKTOP_CHROME), datetime.now(UTC), drops)


def failure(**fields: Any) -> dict[str, Any]:
    return {"kind": "request", "initiator": "fetch", "method": "get", "url": "/", "status": 500,
            "duration": 120.5, "count": 1} | fields  # fmt: skip


def test_a_failed_request_is_cleaned_and_grouped_by_its_templated_path() -> None:
    sent = failure(url="/api/orders/123?token=S3cr1&utm_source=news#frag", count=3)
    view, drops = enrich({"url_query_allowlist": ("utm_source",)}, failures=[sent])
    [kept] = view.failures
    assert (kept.kind, kept.initiator, kept.method, kept.status) == ("request", "fetch", "GET", 500)
    assert kept.url == "https://shop.example/api/orders/123?utm_source=news"
    assert kept.endpoint == "/api/orders/:id"
    assert (kept.duration, kept.count) == (120.5, 3)
    assert drops.counts == {}


def test_a_failure_on_another_host_has_its_host_in_the_endpoint() -> None:
    sent = [
        failure(url="https://API.example:8443/v2/users/77/jane@shop.example?sig=S3cr", status=0),
        failure(kind="resource", initiator="img", method="", url="//cdn.example/i/9.png",
                status=404, duration=None),
    ]  # fmt: skip
    view, _ = enrich(failures=sent)
    assert [(f.url, f.endpoint, f.status) for f in view.failures] == [
        # The path scrubbed first, as a page's: the page group of such a page is the same.
        ("https://api.example:8443/v2/users/77/[email]", "api.example/v2/users/:id/[email]", 0),
        ("https://cdn.example/i/9.png", "cdn.example/i/9.png", 404),
    ]  # fmt: skip
    assert view.failures[1].duration is None


def test_a_failure_whose_url_is_not_a_web_url_keeps_no_url_and_no_endpoint() -> None:
    view, _ = enrich(failures=[failure(kind="resource", initiator="img", url="data:,x")])
    assert [(f.url, f.endpoint) for f in view.failures] == [("", "")]


@pytest.mark.parametrize("path", ["/v1/beacon", "/rum/collect"])
def test_the_beacons_own_requests_are_dropped_with_their_reason(path: str) -> None:
    sent = [failure(url=f"https://rum.example{path}", status=0), failure(url="/api/x")]
    view, drops = enrich({"beacon_path": "/rum/collect"}, failures=sent)
    assert [f.endpoint for f in view.failures] == ["/api/x"]
    assert drops.counts == {ItemDrop.OWN_BEACON: 1}


def test_an_impossible_failure_duration_is_dropped_and_the_failure_kept() -> None:
    view, drops = enrich(failures=[failure(duration=3_600_001), failure(duration=-1)])
    assert [f.duration for f in view.failures] == [None, None]
    assert drops.counts == {ItemDrop.INVALID_VALUE: 2}


def test_a_failure_with_an_impossible_status_is_dropped_and_counted_once() -> None:
    view, drops = enrich(failures=[failure(status=70_000), failure(status=3_600_000_000)])
    assert view.failures == []
    assert drops.counts == {ItemDrop.INVALID_VALUE: 2}


def test_a_duration_of_an_hour_is_still_a_duration() -> None:
    view, drops = enrich(failures=[failure(duration=3_600_000), failure(duration=0)])
    assert [f.duration for f in view.failures] == [3_600_000, 0]
    assert drops.counts == {}


LOAF = {
    "count": 4, "blocking": 310.5, "longest": 220.0,
    "scripts": [
        {"url": "/static/app.js?v=S3cr9#x", "function": "onClick", "invoker": "event-listener",
         "duration": 180.0, "blocking": 120.25},
        {"url": "https://cdn.example/w.js", "function": "sendTo jane@shop.example",
         "invoker": "user-callback", "duration": 90.0, "blocking": 40.0},
        {"url": "", "function": "", "invoker": "user-callback"},
    ],
}  # fmt: skip


def test_long_frames_keep_totals_and_scripts_with_cleaned_urls() -> None:
    view, drops = enrich(loaf=LOAF)
    assert view.loaf is not None
    assert (view.loaf.count, view.loaf.blocking, view.loaf.longest) == (4, 310.5, 220.0)
    assert [(s.url, s.function, s.invoker, s.duration, s.blocking) for s in view.loaf.scripts] == [
        ("https://shop.example/static/app.js", "onClick", "event-listener", 180.0, 120.25),
        ("https://cdn.example/w.js", "sendTo [email]", "user-callback", 90.0, 40.0),
        ("", "", "user-callback", 0.0, 0.0),
    ]
    assert drops.counts == {}


def test_a_beacon_without_long_frames_says_the_browser_reports_none() -> None:
    view, _ = enrich()
    assert view.loaf is None
    counted, _ = enrich(loaf={"count": 0})
    assert counted.loaf is not None
    assert (counted.loaf.count, counted.loaf.scripts) == (0, [])


@pytest.mark.parametrize("field", ["blocking", "longest"])
def test_an_impossible_long_frame_total_becomes_null(field: str) -> None:
    view, drops = enrich(loaf={"count": 1, "blocking": 80.0, "longest": 130.0, field: 3_600_001})
    assert view.loaf is not None
    assert getattr(view.loaf, field) is None
    assert drops.counts == {ItemDrop.INVALID_VALUE: 1}


@pytest.mark.parametrize("field", ["duration", "blocking"])
@pytest.mark.parametrize("value", [-0.5, 3_600_001])
def test_a_script_with_an_impossible_time_is_left_out(field: str, value: float) -> None:
    script = {"url": "https://shop.example/a.js", "duration": 60.0, "blocking": 10.0, field: value}
    view, drops = enrich(loaf={"count": 1, "scripts": [script, {"url": "/b.js"}]})
    assert view.loaf is not None
    assert [s.url for s in view.loaf.scripts] == ["https://shop.example/b.js"]
    assert drops.counts == {ItemDrop.INVALID_VALUE: 1}


def test_inp_keeps_its_script_cleaned_and_other_metrics_none() -> None:
    metrics = [
        {"name": "INP", "value": 240, "script_url": "https://cdn.example/app.js?token=S3cr#f",
         "script_function": "handle jane@shop.example"},
        {"name": "LCP", "value": 1800, "url": "/img/hero.png?sig=S3cr", "script_url": "/x.js",
         "script_function": "f"},
    ]  # fmt: skip
    view, _ = enrich(metrics=metrics)
    assert [(v.name, v.url, v.script_url, v.script_function) for v in view.vitals] == [
        ("INP", "", "https://cdn.example/app.js", "handle [email]"),
        ("LCP", "https://shop.example/img/hero.png", "", ""),
    ]


def test_unknown_fields_inside_failures_and_long_frames_are_counted() -> None:
    loaf = {"count": 1, "novel": 1, "scripts": [{"url": "/a.js", "novel": 2, "other": 3}]}
    _, drops = enrich(failures=[failure(novel=True)], loaf=loaf)
    assert drops.counts == {ItemDrop.UNKNOWN_FIELD: 4}


STATUSES = (0, 399, 400, 404, 499, 500, 503)


def test_failed_requests_answered_4xx_are_kept_by_default() -> None:
    view, drops = enrich(failures=[failure(url=f"/api/{s}", status=s) for s in STATUSES])
    assert [f.status for f in view.failures] == list(STATUSES)
    assert drops.counts == {}


def test_client_errors_false_drops_4xx_requests_with_their_reason_and_keeps_resources() -> None:
    sent = [failure(url=f"/api/{s}", status=s) for s in STATUSES]
    sent.append(failure(kind="resource", initiator="img", url="/missing.png", status=404))
    view, drops = enrich({"client_errors": False}, failures=sent)
    assert [(f.kind, f.status) for f in view.failures] == [
        ("request", 0), ("request", 399), ("request", 500), ("request", 503), ("resource", 404)
    ]  # fmt: skip
    assert drops.counts == {ItemDrop.CLIENT_ERROR: 3}
