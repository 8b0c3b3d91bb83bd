"""The SQL listener: ClickHouse's HTTP interface, the subset that standard clients use.

The query comes from ``?query=`` and/or the POST body (concatenated, as ClickHouse does);
the output format from a ``FORMAT`` clause, else ``default_format``, else TabSeparated;
``param_*`` are query parameters. Other URL parameters are settings: in the read-only session
a setting can only be "changed" to the value it already has. A writer's INSERT streams the
body into one of rumhouse's tables, with the deduplication and async-insert settings it
carries; a writer may also roll up hours (INSERT ... SELECT into the hourly rollups, see
``guard.py``); its other queries run read-only (readonly = 2) and ignore URL settings.
Responses carry the headers clients read (``X-ClickHouse-Summary``, ``-Format``,
``-Timezone``, ``-Query-Id``) and errors look like ClickHouse's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import orjson
from aiohttp import web
from clickhouse_connect.driver.binding import format_str

from collector.access import SqlUser
from collector.http import bodies, hosts
from collector.ingest import decode
from collector.ingest.rows import TABLES
from collector.sql.auth import authenticate
from collector.sql.engine import Result, SqlEngine
from collector.sql.errors import ClickHouseError, readonly
from collector.sql.statements import code_parts, first_keyword, split_insert


@dataclass(frozen=True)
class Endpoint:
    """What the SQL listener needs besides the engine: its users and request bounds."""

    users: tuple[SqlUser, ...]
    max_body_bytes: int
    body_timeout: float
    allowed_hosts: frozenset[str]


ENGINE = web.AppKey("sql_engine", SqlEngine)
ENDPOINT = web.AppKey("sql_endpoint", Endpoint)

# URL parameters of the HTTP interface that are not settings.
NOT_SETTINGS = frozenset({
    "query", "database", "default_format", "user", "password", "quota_key", "query_id",
    "session_id", "session_timeout", "session_check", "compress", "decompress", "buffer_size",
    "wait_end_of_query", "client_protocol_version", "close_session", "stacktrace", "role",
    "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
    "http_headers_progress_interval_ms", "add_http_cors_header", "max_result_rows_to_show",
})  # fmt: skip
# Grafana's ClickHouse plugin always sends max_execution_time, which ClickHouse's docs have
# the read-only profile allow (`changeable_in_readonly`); the session's own, lower or equal,
# limit (sql_max_execution_time) is the one that applies.
CHANGEABLE_IN_READONLY = frozenset({"max_execution_time"})
# Settings a writer's INSERT may carry (the server sink's deduplication and async inserts);
# other URL settings of an INSERT are ignored, as before.
INSERT_SETTINGS = frozenset({
    "insert_deduplication_token", "insert_deduplicate", "async_insert", "wait_for_async_insert",
    "async_insert_deduplicate", "deduplicate_blocks_in_dependent_materialized_views",
    "date_time_input_format", "input_format_skip_unknown_fields",
})  # fmt: skip
# Where a writer's INSERT may go: the raw tables (another collector's server sink, `rumhouse
# simulate --days`) and the source maps (`rumhouse sourcemaps upload`).
WRITABLE = frozenset({*TABLES, "sourcemaps"})
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.I)
CONTENT_TYPES = (
    ("JSON", "application/json; charset=UTF-8"),
    ("TabSeparated", "text/tab-separated-values; charset=UTF-8"),
    ("TSV", "text/tab-separated-values; charset=UTF-8"),
    ("CSV", "text/csv; charset=UTF-8; header=absent"),
    ("Pretty", "text/plain; charset=UTF-8"),
)


def _content_type(fmt: str) -> str:
    for prefix, content_type in CONTENT_TYPES:
        if fmt.startswith(prefix):
            return content_type
    return "application/octet-stream" if fmt not in ("Vertical", "Markdown") else "text/plain"


_BODY_ERRORS = {
    "too_large": (307, "TOO_MANY_BYTES"),
    "too_slow": (209, "SOCKET_TIMEOUT"),
    "corrupt": (354, "CANNOT_DECOMPRESS"),
    "encoding": (336, "UNKNOWN_COMPRESSION_METHOD"),
}


async def _body(request: web.Request, endpoint: Endpoint) -> bytes:
    """The request body, read and decompressed within ``max_body_bytes`` and ``body_timeout``."""
    limit = endpoint.max_body_bytes
    try:
        raw = await bodies.read_bounded(request, limit, endpoint.body_timeout)
        return decode.expand(raw, request.headers.get("Content-Encoding", ""), limit)
    except decode.BodyError as error:
        code, name = _BODY_ERRORS[error.kind]
        raise ClickHouseError(code, f"{error} (sql_max_body_bytes = {limit})", name) from None


def _check_settings(request: web.Request, engine: SqlEngine) -> None:
    for name, value in request.query.items():
        if name in NOT_SETTINGS or name in CHANGEABLE_IN_READONLY or name.startswith("param_"):
            continue
        current = engine.settings.get(name)
        if current is None:
            raise ClickHouseError(115, f"Unknown setting '{name}'")
        if current != value:
            raise readonly(f"Cannot modify '{name}' setting in readonly mode")


def _insert_settings(request: web.Request) -> str:
    """The allowed settings of an INSERT as a ``SETTINGS`` clause, values quoted."""
    found = [
        f"{name} = {format_str(value)}"
        for name, value in request.query.items()
        if name in INSERT_SETTINGS
    ]
    return f"SETTINGS {', '.join(found)}" if found else ""


def _headers(result: Result, fmt: str, engine: SqlEngine, query_id: str) -> dict[str, str]:
    return {
        "Content-Type": _content_type(fmt),
        "X-ClickHouse-Format": fmt,
        "X-ClickHouse-Timezone": engine.timezone,
        "X-ClickHouse-Query-Id": query_id,
        "X-ClickHouse-Server-Display-Name": "rumhouse",
        "X-ClickHouse-Summary": orjson.dumps(result.summary()).decode(),
    }


async def _execute(request: web.Request, user: SqlUser, engine: SqlEngine) -> web.StreamResponse:
    query_id = request.query.get("query_id") or str(uuid.uuid4())
    body = await _body(request, request.app[ENDPOINT])
    url_query = request.query.get("query", "")
    found = split_insert(url_query, body) if body else None
    if found is not None:
        insert, data = found
        if user.role != "writer":
            raise readonly(f"{user.name}: Cannot execute query in readonly mode")
        if insert.table.strip('`"').removeprefix(f"{engine.database}.") not in WRITABLE:
            raise ClickHouseError(
                497, f"{user.name}: Not enough privileges to insert into {insert.table}"
            )
        result = await engine.insert(insert, data, _insert_settings(request))
        return web.Response(headers=_headers(result, insert.format, engine, query_id))
    sql = " ".join(part for part in (url_query, body.decode(errors="replace")) if part)
    parts = code_parts(sql)
    if len(parts) != 1:
        raise ClickHouseError(
            62, "Syntax error: Multi-statements are not allowed" if parts else "Empty query"
        )
    if request.query.get("database", engine.database) != engine.database:
        raise ClickHouseError(
            81, f"Database {request.query['database']} is not served here; use {engine.database}"
        )
    writer = user.role == "writer"
    if not writer:
        _check_settings(request, engine)
    match = _TRAILING_FORMAT.search(parts[0])
    fmt = match[1] if match else request.query.get("default_format", "TabSeparated")
    params = {k[6:]: v for k, v in request.query.items() if k.startswith("param_")}
    if first_keyword(parts[0]) == "INSERT":
        if not writer:
            raise readonly(f"{user.name}: Cannot execute query in readonly mode")
        result = await engine.insert_select(parts[0], params)
        return web.Response(headers=_headers(result, fmt, engine, query_id))
    result = await engine.select(user.name, parts[0], fmt, params, writer)
    headers = _headers(result, fmt, engine, query_id)
    if result.chunks is None:
        return web.Response(body=result.body, headers=headers)
    return await _stream(request, result, headers)


async def _stream(
    request: web.Request, result: Result, headers: dict[str, str]
) -> web.StreamResponse:
    """A large result, block by block. An error after the first block ends the body with
    the exception text, as ClickHouse does once the status line is sent."""
    assert result.chunks is not None
    assert result.close is not None
    response = web.StreamResponse(headers=headers)
    try:
        async for block in result.chunks:
            if not response.prepared:
                await response.prepare(request)
            await response.write(block)
    except ClickHouseError as error:
        if not response.prepared:
            raise
        await response.write(error.body().encode())
    finally:
        await result.close()
    if not response.prepared:
        await response.prepare(request)
    await response.write_eof()
    return response


def _refusal(error: ClickHouseError) -> web.Response:
    headers = {"X-ClickHouse-Exception-Code": str(error.code)}
    if error.code == 202:
        headers["Retry-After"] = "1"
    return web.Response(status=error.status, text=error.body(), headers=headers)


async def query(request: web.Request) -> web.StreamResponse:
    engine = request.app[ENGINE]
    try:
        user = authenticate(request, request.app[ENDPOINT].users)
        if request.method == "GET" and "query" not in request.query:
            return web.Response(text="Ok.\n")
        return await _execute(request, user, engine)
    except ClickHouseError as error:
        return _refusal(error)


async def ping(_: web.Request) -> web.Response:
    return web.Response(text="Ok.\n")


def _wrong_host(request: web.Request) -> web.Response:
    error = ClickHouseError(
        497,
        f"Host {request.host!r} is not a name of this endpoint: add it to sql_allowed_hosts",
        "ACCESS_DENIED",
    )
    return _refusal(error)


def create_sql_app(engine: SqlEngine, endpoint: Endpoint) -> web.Application:
    # Bodies are read by _body (bounded in size, expansion and time), not by aiohttp.
    app = web.Application(
        client_max_size=endpoint.max_body_bytes,
        handler_args={"auto_decompress": False},
        middlewares=[hosts.middleware(endpoint.allowed_hosts, _wrong_host)],
    )
    app[ENGINE] = engine
    app[ENDPOINT] = endpoint
    app.router.add_get("/ping", ping)
    app.router.add_route("GET", "/", query)
    app.router.add_route("POST", "/", query)
    return app
