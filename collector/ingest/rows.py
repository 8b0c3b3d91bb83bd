"""The only code that knows the column order of the tables rumhouse writes.

Each table's ``*_COLUMNS`` names the columns an insert fills, in order (columns with a
DEFAULT or MATERIALIZED expression are left to ClickHouse); the ``*_rows`` functions turn a
``PageView`` into row tuples in that order. A test compares these lists with the DDL.
"""

from __future__ import annotations

from typing import Any

from collector.ingest.events import LongFrames, PageView

Row = tuple[Any, ...]

# Context every table carries, so analysts never need a join.
_SEGMENT = (
    "host", "path", "page_group", "release", "dims", "device_class", "browser",
    "browser_version", "os", "country", "connection", "is_bot",
)  # fmt: skip

_CONTEXT_VALUES = (
    "viewport_width", "viewport_height", "device_pixel_ratio", "rtt", "downlink", "save_data",
    "device_memory", "cpu_cores",
)  # fmt: skip
_CONTEXT_TEXT = ("ua_platform", "ua_brands")  # text columns: "" when missing, not NULL
_CONTEXT = (*_CONTEXT_VALUES, *_CONTEXT_TEXT)

# Wire name of each navigation timing field → column; the protocol, text, comes last.
_NAV_VALUES = {
    "redirect": "redirect_ms", "dns": "dns_ms", "connect": "connect_ms", "tls": "tls_ms",
    "ttfb": "ttfb_ms", "request": "request_ms", "response": "response_ms",
    "dom_interactive": "dom_interactive_ms", "dom_content_loaded": "dom_content_loaded_ms",
    "load": "load_ms", "transfer_size": "transfer_size",
    "encoded_body_size": "encoded_body_size", "decoded_body_size": "decoded_body_size",
}  # fmt: skip
_NAV = {**_NAV_VALUES, "protocol": "protocol"}
_LOAF = ("loaf_count", "loaf_blocking_ms", "loaf_longest_ms", "loaf_scripts")

PAGE_VIEW_COLUMNS = (
    "ts", "started_at", "site", "page_view_id", "session_id", "seq", "url", *_SEGMENT[:2],
    "page_group", "referrer", "navigation_type", *_SEGMENT[3:], *_CONTEXT, *_NAV.values(),
    *_LOAF,
)  # fmt: skip
VITAL_COLUMNS = (
    "ts", "started_at", "site", "page_view_id", "session_id", "seq", "metric", "value", "rating",
    *_SEGMENT[:3], "navigation_type", *_SEGMENT[3:], "target", "resource_url",
    "interaction_type", "load_state", "phases", "script_url", "script_function",
)  # fmt: skip
ERROR_COLUMNS = (
    "ts", "site", "page_view_id", "session_id", *_SEGMENT, "kind", "error_type", "message",
    "source", "line", "column", "stack", "count",
)  # fmt: skip
EVENT_COLUMNS = (
    "ts", "site", "page_view_id", "session_id", *_SEGMENT, "name", "value", "seq", "position",
    "conversion",
)  # fmt: skip
FAILURE_COLUMNS = (
    "ts", "site", "page_view_id", "session_id", *_SEGMENT[:3], "navigation_type",
    *_SEGMENT[3:], "kind", "initiator", "method", "url", "endpoint", "status", "duration_ms",
    "count",
)  # fmt: skip

# Replacing tables are written through their *_data table and read through a FINAL view.
TABLES: dict[str, tuple[str, ...]] = {
    "page_views_data": PAGE_VIEW_COLUMNS,
    "vitals_data": VITAL_COLUMNS,
    "errors": ERROR_COLUMNS,
    "events": EVENT_COLUMNS,
    "failures": FAILURE_COLUMNS,
}


def _head(view: PageView) -> Row:
    return (view.received_at, view.site, view.page_view_id, view.session_id)


def _started_head(view: PageView) -> Row:
    """The head of the per-page-view tables, which also carry the page view's start."""
    return (view.received_at, view.started_at, view.site, view.page_view_id, view.session_id)


def _segment(view: PageView) -> Row:
    a = view.agent
    return (
        view.host, view.path, view.page_group, view.release, view.dims, a.device_class,
        a.browser, a.browser_version, a.os, view.country, view.connection, a.is_bot,
    )  # fmt: skip


def page_view_rows(view: PageView, seg: Row) -> list[Row]:
    context, nav = view.context, view.nav  # nav is empty when the beacon had none
    row = (
        *_started_head(view), view.seq, view.url, *seg[:2], view.page_group, view.referrer,
        view.navigation_type, *seg[3:], *map(context.get, _CONTEXT_VALUES),
        context.get("ua_platform") or "", context.get("ua_brands") or "",
        *map(nav.get, _NAV_VALUES), nav.get("protocol") or "", *_loaf(view.loaf),
    )  # fmt: skip
    return [row]


_NO_LOAF: Row = (None, None, None, ())


def _loaf(loaf: LongFrames | None) -> Row:
    """The long-frame columns; a script is a JSON object, the form ClickHouse's JSON
    formats read a named tuple in."""
    if loaf is None:
        return _NO_LOAF
    scripts = [
        {"url": s.url, "function": s.function, "invoker": s.invoker,
         "duration_ms": s.duration, "blocking_ms": s.blocking}
        for s in loaf.scripts
    ]  # fmt: skip
    return (loaf.count, loaf.blocking, loaf.longest, scripts)


def vital_rows(view: PageView, seg: Row) -> list[Row]:
    # Every vital row shares the page view's columns before and after its own values.
    before = (*_started_head(view), view.seq)
    between = (*seg[:3], view.navigation_type, *seg[3:])
    return [
        (*before, v.name, v.value, v.rating, *between, v.target, v.url, v.interaction_type,
         v.load_state, v.phases, v.script_url, v.script_function)
        for v in view.vitals
    ]  # fmt: skip


def error_rows(view: PageView, seg: Row) -> list[Row]:
    before = (*_head(view), *seg)
    return [
        (*before, e.kind, e.type, e.message, e.source, e.line, e.column, e.stack, e.count)
        for e in view.errors
    ]


def event_rows(view: PageView, seg: Row) -> list[Row]:
    """(seq, position) names an event within its page view: a beacon received twice gives
    its events twice, and the sessions view counts each conversion once by that name."""
    before = (*_head(view), *seg)
    return [
        (*before, e.name, e.value, view.seq, position, e.conversion)
        for position, e in enumerate(view.events)
    ]


def failure_rows(view: PageView, seg: Row) -> list[Row]:
    before = (*_head(view), *seg[:3], view.navigation_type, *seg[3:])
    return [
        (*before, f.kind, f.initiator, f.method, f.url, f.endpoint, f.status, f.duration,
         f.count)
        for f in view.failures
    ]  # fmt: skip


def rows_by_table(view: PageView) -> dict[str, list[Row]]:
    """Every row one enriched beacon produces, by table."""
    seg = _segment(view)  # the columns every table carries, built once
    return {
        "page_views_data": page_view_rows(view, seg),
        "vitals_data": vital_rows(view, seg) if view.vitals else [],
        "errors": error_rows(view, seg) if view.errors else [],
        "events": event_rows(view, seg) if view.events else [],
        "failures": failure_rows(view, seg) if view.failures else [],
    }
