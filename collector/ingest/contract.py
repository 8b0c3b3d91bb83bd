"""The beacon wire contract, version 1: what ``rum.js`` posts to ``/v1/beacon``.

These pydantic models are the single source of truth: ``schema/beacon.v1.schema.json`` and
the beacon's TypeScript type (``js-beacon/src/payload.ts``) are generated from them, and a
test keeps both in sync. Compatibility rules:

- unknown fields are accepted and counted (``unknown_field``), so an old collector takes a
  newer beacon;
- strings longer than their limit are truncated, never rejected;
- a wrong type, a missing required field or invalid JSON rejects the beacon (HTTP 400).

Durations are milliseconds relative to the navigation start of the page view; sizes are bytes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from collector.ingest.wire import (
    Bytes,
    Float,
    Id,
    Millis,
    Small,
    Str1K,
    Str2K,
    Str4K,
    Str8,
    Str16,
    Str24,
    Str32,
    Str64,
    Str128,
    Str256,
    Str512,
)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False, str_strip_whitespace=False)


class Context(_Wire):
    """The device and network as the browser reports them (all optional)."""

    viewport_width: Small = None
    viewport_height: Small = None
    device_pixel_ratio: Float = None
    effective_type: Str16 | None = None
    rtt: Float = None
    downlink: Float = None
    save_data: bool | None = None
    device_memory: Float = None
    cpu_cores: Small = None
    ua_mobile: bool | None = Field(default=None, description="UA client hint Sec-CH-UA-Mobile")
    ua_platform: Str32 | None = None
    ua_brands: Str256 | None = Field(
        default=None, description="UA client hint brands as 'Brand/major; ...'"
    )


class NavTiming(_Wire):
    """The navigation timing breakdown of the page view's document request."""

    redirect: Millis = None
    dns: Millis = None
    connect: Millis = None
    tls: Millis = None
    ttfb: Millis = Field(default=None, description="navigation start to first byte")
    request: Millis = Field(default=None, description="request sent to first byte")
    response: Millis = Field(default=None, description="first byte to last byte")
    dom_interactive: Millis = None
    dom_content_loaded: Millis = None
    load: Millis = None
    transfer_size: Bytes = None
    encoded_body_size: Bytes = None
    decoded_body_size: Bytes = None
    protocol: Str16 | None = None


class MetricIn(_Wire):
    """One web-vitals metric with the attribution web-vitals gives for it.

    ``phases`` holds the numeric attribution web-vitals gives, in snake case: for LCP
    ``time_to_first_byte``, ``resource_load_delay``, ``resource_load_duration``,
    ``element_render_delay``; for INP ``input_delay``, ``processing_duration``,
    ``presentation_delay``; for CLS ``largest_shift_time``, ``largest_shift_value``; for FCP
    ``time_to_first_byte``, ``first_byte_to_fcp``; for TTFB ``waiting_duration``,
    ``cache_duration``, ``dns_duration``, ``connection_duration``, ``request_duration``.
    """

    name: Str8
    value: float
    target: Str256 | None = Field(
        default=None, description="LCP element, INP target or CLS largest-shift target"
    )
    url: Str512 | None = Field(default=None, description="LCP resource URL")
    interaction_type: Str16 | None = None
    load_state: Str24 | None = None
    phases: dict[Str32, float] = Field(default_factory=dict, max_length=16)
    script_url: Str512 | None = Field(
        default=None, description="INP: source URL of the longest script in its frames"
    )
    script_function: Str128 | None = Field(
        default=None, description="INP: function name of that script, when the browser gives it"
    )


class ErrorIn(_Wire):
    """A JS error or unhandled rejection, deduplicated in the page view with a count."""

    kind: Str24 = "error"
    type: Str64 = ""
    message: Str1K = ""
    source: Str512 = ""
    line: Bytes = 0
    column: Bytes = 0
    stack: Str4K = ""
    count: int = Field(default=1, ge=1, le=1_000_000)


class LoafScript(_Wire):
    """One script that ran in the page view's long animation frames, summed by script."""

    url: Str512 = Field(default="", description="the script's source URL")
    function: Str128 = Field(default="", description="the function that was called, if known")
    invoker: Str32 = Field(
        default="",
        description="how it was called: user-callback, event-listener, classic-script, ...",
    )
    duration: Millis = Field(default=None, description="time spent in it, summed over frames")
    blocking: Millis = Field(
        default=None,
        description="its share of those frames' blocking duration, in proportion to its time",
    )


class Loaf(_Wire):
    """The page view's long animation frames (50 ms or longer) so far, where the browser
    reports them; each beacon carries the totals at the time it is sent."""

    count: int = Field(default=0, ge=0, le=1_000_000, description="frames of 50 ms or more")
    blocking: Millis = Field(
        default=None,
        description="total blocking duration: the sum of each frame's excess over 50 ms",
    )
    longest: Millis = Field(default=None, description="the longest frame's duration")
    scripts: list[LoafScript] = Field(default_factory=list, max_length=8)


class FailureIn(_Wire):
    """A request or resource that failed, deduplicated in the page view with a count.

    ``kind`` is ``request`` (``initiator`` fetch or xhr: a network error, status 0, or a
    status of 400 and above) or ``resource`` (``initiator`` img, script, link, video, audio,
    ...: the element's load failed or its status was 400 and above).
    """

    kind: Str16 = "request"
    initiator: Str16 = ""
    method: Str16 = Field(default="", description="HTTP method of a request; '' for resources")
    url: Str2K
    status: Small = Field(default=0, description="HTTP status; 0 for a network error")
    duration: Millis = None
    count: int = Field(default=1, ge=1, le=1_000_000)


class EventIn(_Wire):
    """A custom event sent with ``rumhouse('event', name, value)``."""

    name: Str64
    value: float | None = None


class Beacon(_Wire):
    """One beacon: the page view's current state plus what changed since the last beacon.

    A page view sends one beacon when the page is first hidden and another each time it is
    hidden again with new data; ``seq`` orders them, so a re-sent metric replaces the older
    value of the same page view.
    """

    v: int = Field(default=1, ge=0, le=1000, description="contract version")
    site: Str64
    page_view_id: Id
    session_id: Id
    seq: int = Field(default=0, ge=0, le=1_000_000)
    elapsed: Millis = Field(
        default=None, description="ms since the page view started, when this beacon was sent"
    )
    url: Str2K
    label: Str128 | None = Field(default=None, description="page label from rumhouse('page', ...)")
    referrer: Str2K | None = None
    navigation_type: Str24 | None = None
    dims: dict[Str64, Str256] = Field(default_factory=dict, max_length=32)
    context: Context = Field(default_factory=Context)
    nav: NavTiming | None = None
    metrics: list[MetricIn] = Field(default_factory=list, max_length=32)
    errors: list[ErrorIn] = Field(default_factory=list, max_length=64)
    events: list[EventIn] = Field(default_factory=list, max_length=64)
    failures: list[FailureIn] = Field(default_factory=list, max_length=64)
    loaf: Loaf | None = None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a beacon, as written to ``schema/beacon.v1.schema.json``."""
    schema = Beacon.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "rumhouse/beacon.v1.schema.json"
    return schema


if __name__ == "__main__":  # `python -m collector.ingest.contract` prints the JSON Schema
    import json

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
