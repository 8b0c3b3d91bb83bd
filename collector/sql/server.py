"""The SQL listener: ClickHouse's HTTP interface, the subset that standard clients use.

The query comes from ``?query=`` and/or the POST body (concatenated, as ClickHouse does);
the output format from a ``FORMAT`` clause, else ``default_format``, else TabSeparated;
``param_*`` are query parameters. Other URL parameters are settings: in the read-only session
a setting can only be "changed" to the value it already has. A writer's INSERT streams the
body into one of rumhouse's tables, with the deduplication and async-insert settings it
carries; a writer's other queries run read-only (readonly = 2) and ignore URL settings.
Responses carry the headers clients read (``X-ClickHouse-Summary``, ``-Format``,
``-Timezone``, ``-Query-Id``) and errors look like ClickHouse's.
"""

from __future__ import annotations

import re
import uuid
import zlib

import lz4.frame
import orjson
from aiohttp import web
from backports import zstd
from clickhouse_connect.driver.binding import format_str

from collector.rows import TABLES
from collector.settings import SqlUser
from collector.sql.auth import authenticate
from collector.sql.engine import Result, SqlEngine
from collector.sql.errors import ClickHouseError, readonly
from collector.sql.statements import code_parts, first_keyword, split_insert

ENGINE = web.AppKey("sql_engine", SqlEngine)
USERS = web.AppKey("sql_users", tuple)
MAX_BODY = 64 * 1024 * 1024

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


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding in ("gzip", "deflate"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    if encoding == "lz4":
        return bytes(lz4.frame.decompress(body))
    if encoding == "zstd":
        return bytes(zstd.decompress(body))
    if encoding not in ("", "identity"):
        raise ClickHouseError(
            336, f"Unknown HTTP compression method: {encoding}", "UNKNOWN_COMPRESSION_METHOD"
        )
    return body


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


async def _execute(request: web.Request, user: SqlUser, engine: SqlEngine) -> web.Response:
    query_id = request.query.get("query_id") or str(uuid.uuid4())
    body = _decode(await request.read(), request.headers.get("Content-Encoding", ""))
    url_query = request.query.get("query", "")
    found = split_insert(url_query, body) if body else None
    if found is not None:
        insert, data = found
        if user.role != "writer":
            raise readonly(f"{user.name}: Cannot execute query in readonly mode")
        if insert.table.split(".")[-1].strip('`"') not in TABLES:
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
    if first_keyword(parts[0]) == "INSERT" and not writer:
        raise readonly(f"{user.name}: Cannot execute query in readonly mode")
    result = await engine.select(parts[0], fmt, params, writer)
    return web.Response(body=result.body, headers=_headers(result, fmt, engine, query_id))


async def query(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    try:
        user = authenticate(request, request.app[USERS])
        if request.method == "GET" and "query" not in request.query:
            return web.Response(text="Ok.\n")
        return await _execute(request, user, engine)
    except ClickHouseError as error:
        return web.Response(
            status=error.status,
            text=error.body(),
            headers={"X-ClickHouse-Exception-Code": str(error.code)},
        )


async def ping(_: web.Request) -> web.Response:
    return web.Response(text="Ok.\n")


def create_sql_app(engine: SqlEngine, users: tuple[SqlUser, ...]) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, handler_args={"auto_decompress": False})
    app[ENGINE] = engine
    app[USERS] = users
    app.router.add_get("/ping", ping)
    app.router.add_route("GET", "/", query)
    app.router.add_route("POST", "/", query)
    return app
