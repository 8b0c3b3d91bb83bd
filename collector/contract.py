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

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from collector.outcomes import Drops, Reason


def _truncate(limit: int) -> BeforeValidator:
    def cut(value: Any) -> Any:
        return value[:limit] if isinstance(value, str) else value

    return BeforeValidator(cut)


# Strings truncated to N characters (the limit is in the JSON Schema as maxLength).
Str8 = Annotated[str, _truncate(8), Field(max_length=8)]
Str16 = Annotated[str, _truncate(16), Field(max_length=16)]
Str24 = Annotated[str, _truncate(24), Field(max_length=24)]
Str32 = Annotated[str, _truncate(32), Field(max_length=32)]
Str64 = Annotated[str, _truncate(64), Field(max_length=64)]
Str128 = Annotated[str, _truncate(128), Field(max_length=128)]
Str256 = Annotated[str, _truncate(256), Field(max_length=256)]
Str512 = Annotated[str, _truncate(512), Field(max_length=512)]
Str1K = Annotated[str, _truncate(1024), Field(max_length=1024)]
Str2K = Annotated[str, _truncate(2048), Field(max_length=2048)]
Str4K = Annotated[str, _truncate(4096), Field(max_length=4096)]

_OUT_OF_RANGE = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})


def _drop_impossible(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    """An absurd number (out of its column's range) becomes null and is counted as a dropped
    ``invalid_value``; a wrong type still rejects the beacon."""
    try:
        return handler(value)
    except ValidationError as exc:
        if not all(error["type"] in _OUT_OF_RANGE for error in exc.errors()):
            raise
        drops = (info.context or {}).get("drops")
        if isinstance(drops, Drops):
            drops.add(Reason.INVALID_VALUE)
        return None


_DROP = WrapValidator(_drop_impossible)
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
# Numbers are bounded by the columns they land in, so that no beacon can make an insert fail.
Millis = Annotated[Annotated[float, Field(ge=-1e9, le=1e9)] | None, _DROP]
Bytes = Annotated[Annotated[int, Field(ge=0, le=2**32 - 1)] | None, _DROP]
Small = Annotated[Annotated[int, Field(ge=0, le=65_535)] | None, _DROP]
Float = Annotated[Annotated[float, Field(ge=-1e9, le=1e9)] | None, _DROP]


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


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a beacon, as written to ``schema/beacon.v1.schema.json``."""
    schema = Beacon.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "rumhouse/beacon.v1.schema.json"
    return schema


if __name__ == "__main__":  # `python -m collector.contract` prints the JSON Schema
    import json

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
