"""Rows carry every value of the enriched page view in the column named for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from collector.ingest.events import (
    Agent,
    CustomEvent,
    Failure,
    JsError,
    LoafScript,
    LongFrames,
    PageView,
    Vital,
)
from collector.ingest.rows import TABLES, rows_by_table

RECEIVED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
AGENT = Agent(browser="Chrome", browser_version="131", os="Windows", device_class="desktop",
              is_bot=False)  # fmt: skip


def view(**overrides: Any) -> PageView:
    fields: dict[str, Any] = {
        "received_at": RECEIVED, "started_at": RECEIVED - timedelta(seconds=5), "site": "shop",
        "page_view_id": "pv1", "session_id": "s1", "seq": 2, "url": "https://shop.example/p/1",
        "host": "shop.example", "path": "/p/1", "page_group": "/p/:id",
        "referrer": "https://search.example", "navigation_type": "navigate",
        "release": "r1", "dims": {"variant": "B"}, "agent": AGENT, "country": "DE",
        "connection": "4g",
        "context": {"viewport_width": 1280, "device_pixel_ratio": 2.0, "ua_platform": None},
        "nav": {"dns": 12.5, "transfer_size": 900, "protocol": "h2"},
        "vitals": [Vital("LCP", 1800.0, "good", "img", "https://cdn.example/i.png", "", "",
                         {"time_to_first_byte": 80.0})],
        "errors": [JsError("error", "TypeError", "m", "/app.js", 3, 7, "at x", 2)],
        "events": [CustomEvent("signup", 1.0)],
    }  # fmt: skip
    return PageView(**(fields | overrides))


def by_column(table: str, row: tuple[Any, ...]) -> dict[str, Any]:
    assert len(row) == len(TABLES[table])
    return dict(zip(TABLES[table], row, strict=True))


SEGMENT = {
    "host": "shop.example", "path": "/p/1", "page_group": "/p/:id", "release": "r1",
    "dims": {"variant": "B"}, "device_class": "desktop", "browser": "Chrome",
    "browser_version": "131", "os": "Windows", "country": "DE", "connection": "4g",
    "is_bot": False,
}  # fmt: skip
HEAD = {"ts": RECEIVED, "site": "shop", "page_view_id": "pv1", "session_id": "s1"}


def test_rows_page_view_has_context_and_navigation_with_text_never_null() -> None:
    [row] = rows_by_table(view())["page_views_data"]
    assert by_column("page_views_data", row) == HEAD | SEGMENT | {
        "started_at": RECEIVED - timedelta(seconds=5), "seq": 2,
        "url": "https://shop.example/p/1", "referrer": "https://search.example",
        "navigation_type": "navigate",
        "viewport_width": 1280, "viewport_height": None, "device_pixel_ratio": 2.0,
        "rtt": None, "downlink": None, "save_data": None, "device_memory": None,
        "cpu_cores": None, "ua_platform": "", "ua_brands": "",
        "redirect_ms": None, "dns_ms": 12.5, "connect_ms": None, "tls_ms": None,
        "ttfb_ms": None, "request_ms": None, "response_ms": None, "dom_interactive_ms": None,
        "dom_content_loaded_ms": None, "load_ms": None, "transfer_size": 900,
        "encoded_body_size": None, "decoded_body_size": None, "protocol": "h2",
        "loaf_count": None, "loaf_blocking_ms": None, "loaf_longest_ms": None, "loaf_scripts": (),
    }  # fmt: skip


def test_rows_without_navigation_timing_store_nulls_and_an_empty_protocol() -> None:
    [row] = rows_by_table(view(nav={}))["page_views_data"]
    columns = by_column("page_views_data", row)
    assert (columns["dns_ms"], columns["transfer_size"], columns["protocol"]) == (None, None, "")


def test_rows_vitals_errors_and_events_carry_the_page_view_segment() -> None:
    rows = rows_by_table(view())
    assert by_column("vitals_data", rows["vitals_data"][0]) == HEAD | SEGMENT | {
        "started_at": RECEIVED - timedelta(seconds=5), "seq": 2,
        "navigation_type": "navigate", "metric": "LCP", "value": 1800.0, "rating": "good",
        "target": "img", "resource_url": "https://cdn.example/i.png", "interaction_type": "",
        "load_state": "", "phases": {"time_to_first_byte": 80.0}, "script_url": "",
        "script_function": "",
    }  # fmt: skip
    assert by_column("errors", rows["errors"][0]) == HEAD | SEGMENT | {
        "kind": "error", "error_type": "TypeError", "message": "m", "source": "/app.js",
        "line": 3, "column": 7, "stack": "at x", "count": 2,
    }  # fmt: skip
    assert by_column("events", rows["events"][0]) == HEAD | SEGMENT | {
        "name": "signup", "value": 1.0, "seq": 2, "position": 0, "conversion": False,
    }  # fmt: skip


def test_rows_events_are_named_by_beacon_and_place_and_carry_their_conversion_mark() -> None:
    events = [CustomEvent("add_to_cart", 20.0), CustomEvent("purchase", 49.9, True)]
    rows = rows_by_table(view(events=events))["events"]
    columns = [by_column("events", row) for row in rows]
    assert [(c["name"], c["seq"], c["position"], c["conversion"]) for c in columns] == [
        ("add_to_cart", 2, 0, False), ("purchase", 2, 1, True),
    ]  # fmt: skip


def test_rows_a_page_view_alone_gives_one_row_and_empty_tables() -> None:
    rows = rows_by_table(view(vitals=[], errors=[], events=[]))
    assert {table: len(r) for table, r in rows.items()} == {
        "page_views_data": 1, "vitals_data": 0, "errors": 0, "events": 0, "failures": 0,
    }  # fmt: skip


def test_rows_long_frames_fill_the_page_view_and_scripts_are_named_tuples() -> None:
    script = LoafScript("https://cdn.example/app.js", "onClick", "event-listener", 180.0, 95.5)
    loaf = LongFrames(count=3, blocking=120.0, longest=210.0, scripts=[script])
    [row] = rows_by_table(view(loaf=loaf))["page_views_data"]
    columns = by_column("page_views_data", row)
    assert columns["loaf_count"] == 3
    assert columns["loaf_blocking_ms"] == 120.0
    assert columns["loaf_longest_ms"] == 210.0
    assert columns["loaf_scripts"] == [
        {"url": "https://cdn.example/app.js", "function": "onClick", "invoker": "event-listener",
         "duration_ms": 180.0, "blocking_ms": 95.5},
    ]  # fmt: skip


def test_rows_inp_carries_its_script() -> None:
    inp = Vital("INP", 240.0, "needs-improvement", "button", "", "pointer", "complete", {},
                "https://cdn.example/app.js", "onClick")  # fmt: skip
    [row] = rows_by_table(view(vitals=[inp]))["vitals_data"]
    columns = by_column("vitals_data", row)
    assert (columns["script_url"], columns["script_function"]) == (
        "https://cdn.example/app.js", "onClick",
    )  # fmt: skip


def test_rows_failures_carry_the_page_view_segment_and_navigation_type() -> None:
    failures = [
        Failure("request", "fetch", "POST", "https://shop.example/api/orders/9", "/api/orders/:id",
                500, 87.5, 2),
        Failure("resource", "img", "", "https://cdn.example/i.png", "cdn.example/i.png", 404,
                None, 1),
    ]  # fmt: skip
    rows = rows_by_table(view(failures=failures))["failures"]
    assert [by_column("failures", row) for row in rows] == [
        HEAD | SEGMENT | {
            "navigation_type": "navigate", "kind": "request", "initiator": "fetch",
            "method": "POST", "url": "https://shop.example/api/orders/9",
            "endpoint": "/api/orders/:id", "status": 500, "duration_ms": 87.5, "count": 2,
        },
        HEAD | SEGMENT | {
            "navigation_type": "navigate", "kind": "resource", "initiator": "img", "method": "",
            "url": "https://cdn.example/i.png", "endpoint": "cdn.example/i.png", "status": 404,
            "duration_ms": None, "count": 1,
        },
    ]  # fmt: skip
