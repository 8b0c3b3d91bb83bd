"""The OpenAPI 3.1 document of the public listener, served at ``/openapi.json``.

The beacon's schema comes from the same pydantic models that validate it (``contract.py``),
so the document cannot drift from what the collector accepts.
"""

from __future__ import annotations

from typing import Any

from collector import __version__
from collector.ingest.contract import Beacon
from collector.ingest.outcomes import STATUS

REFUSAL = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "enum": sorted(r.value for r in STATUS)},
        "message": {"type": "string"},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "error": {"type": "string"}},
            },
        },
    },
}
_WHY = {
    400: "not a beacon: invalid JSON or wrong types (the body lists the fields)",
    403: "unknown site key, or an origin the site does not allow",
    408: "the body took longer than the client timeout to arrive",
    413: "body (or its gzip expansion) over the limit",
    415: "unsupported content type or encoding",
    429: "rate limited: retry after Retry-After seconds",
    503: "the collector cannot store more right now: retry after Retry-After seconds",
}
_REF = {"$ref": "#/components/schemas/Refusal"}


def _text(media: str, description: str) -> dict[str, Any]:
    kind = "object" if media == "application/json" else "string"
    return {"description": description, "content": {media: {"schema": {"type": kind}}}}


def _refusals() -> dict[str, Any]:
    statuses = sorted(set(STATUS.values()))
    return {
        str(status): {
            "description": _WHY[status]
            + ". Reasons: "
            + ", ".join(r.value for r, s in STATUS.items() if s == status),
            "content": {"application/json": {"schema": _REF}},
        }
        for status in statuses
    }


def _beacon_operations() -> dict[str, Any]:
    body = {"schema": {"$ref": "#/components/schemas/Beacon"}}
    dropped = {"schema": {"type": "integer"}, "description": "items dropped by policy, if any"}
    return {
        "post": {
            "summary": "Send a beacon (rum.js does this when the page is hidden)",
            "operationId": "postBeacon",
            "requestBody": {
                "required": True,
                "content": {"text/plain": body, "application/json": body},
            },
            "responses": {
                "204": {"description": "accepted", "headers": {"X-RUM-Dropped": dropped}},
                **_refusals(),
            },
        },
        "options": {
            "summary": "CORS preflight",
            "operationId": "preflightBeacon",
            "responses": {"204": {"description": "the CORS headers for an allowed origin"}},
        },
    }


def _rum_js() -> dict[str, Any]:
    string = {"type": "string"}
    header = {"schema": string}
    return {
        "get": {
            "summary": "The beacon script, pre-compressed (brotli, gzip) as Accept-Encoding asks",
            "description": "Brotli or gzip when the client accepts them (the higher q wins; "
            "brotli on a tie; q=0 refuses), else identity; Vary: Accept-Encoding. The ETag "
            "is the script's content hash plus the coding (`\"<v>\"`, `\"<v>-gzip\"`, "
            "`\"<v>-br\"`). `?v=` equal to that hash (as the snippet writes it) is cached "
            "for a year, immutable; otherwise one day plus a week of stale-while-revalidate.",
            "operationId": "rumJs",
            "parameters": [
                {"name": "v", "in": "query", "required": False, "schema": string,
                 "description": "the script's version, as /snippet writes it"},
                {"name": "Accept-Encoding", "in": "header", "required": False, "schema": string},
                {"name": "If-None-Match", "in": "header", "required": False, "schema": string},
            ],
            "responses": {
                "200": {
                    **_text("application/javascript", "rum.js"),
                    "headers": {name: header for name in
                                ("ETag", "Cache-Control", "Vary", "Content-Encoding")},
                },
                "304": {"description": "not modified (If-None-Match names this ETag)",
                        "headers": {name: header for name in ("ETag", "Cache-Control", "Vary")}},
            },
        }
    }  # fmt: skip


def _page(summary: str, media: str, operation: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": operation,
            "responses": {"200": _text(media, summary)},
        }
    }


def document(beacon_path: str = "/v1/beacon", open_mode: bool = False) -> dict[str, Any]:
    """The public listener's operations (``/demo`` only in open mode)."""
    schema = Beacon.model_json_schema(ref_template="#/components/schemas/{model}")
    components = {**schema.pop("$defs", {}), "Beacon": schema, "Refusal": REFUSAL}
    paths: dict[str, Any] = {
        path: _beacon_operations() for path in dict.fromkeys(("/v1/beacon", beacon_path))
    }
    paths |= {
        "/rum.js": _rum_js(),
        "/snippet": _page("The loader snippet to paste into pages", "text/plain", "snippet"),
        "/healthz": _page("Liveness", "application/json", "healthz"),
        "/readyz": _page(
            "Readiness (503 only when no more beacons can be taken)", "application/json", "readyz"
        ),
    }
    if open_mode:
        paths["/demo"] = _page("A demo page that loads the snippet", "text/html", "demo")
    paths["/readyz"]["get"]["responses"]["503"] = _text("application/json", "not ready")
    snippet = paths["/snippet"]["get"]
    snippet["parameters"] = [
        {
            "name": "site",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "the site key",
        }
    ]
    snippet["responses"]["404"] = _text(
        "text/plain", "no such site configured (outside open mode): the answer names those that are"
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "rumhouse collector", "version": __version__,
                 "description": "The public listener: beacons in, the script and snippet out. "
                                "/report, /metrics and this document are on the admin listener."},
        "paths": paths,
        "components": {"schemas": components},
    }  # fmt: skip
