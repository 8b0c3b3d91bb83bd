"""The store: one clickhouse-connect client, embedded chDB or a ClickHouse server over HTTP.

Both modes use the same synchronous client API; every call runs on one dedicated thread so
the event loop never blocks (clickhouse-connect's async client does not support chDB, and
a chDB session must not be used from two threads at once). Inserts are column-named JSON
lines (see ``sinks/__init__.py``), so ``rows.py`` alone decides the column order.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import clickhouse_connect
from clickhouse_connect.driver.binding import format_str
from clickhouse_connect.driver.client import Client

from collector.errors import RumhouseError
from collector.ingest.encode import FORMAT, INSERT_SETTINGS
from collector.settings import Settings
from collector.store.url import ServerUrl

T = TypeVar("T")


class StoreError(RumhouseError):
    """The store could not be opened or did not answer; the message says what to do."""


def _chdb_client(data: Path, database: str) -> Client:
    data.mkdir(parents=True, exist_ok=True)
    dsn = f"chdb://{data.resolve()}"
    try:
        bootstrap = clickhouse_connect.get_client(dsn=dsn)
    except Exception as exc:
        raise StoreError(
            f"cannot open the embedded store in {data}: {exc}. Only one process can open a "
            "data folder: is a collector running on it? Query through it, or stop it."
        ) from exc
    bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    bootstrap.database = database
    return bootstrap


def _server_client(url: str, database: str) -> Client:
    server = ServerUrl.parse(url, database)
    db = server.database
    try:
        # compressed both ways: clickhouse-connect's default (lz4 inserts, any answer codec)
        client = clickhouse_connect.get_client(**server.client_args())
    except Exception as exc:
        raise StoreError(f"cannot reach ClickHouse at {server.where}: {exc}") from exc
    # A writer user may not run DDL (a rumhouse SQL endpoint's writer cannot): only create
    # the database when it is missing.
    exists = client.query(
        "SELECT count() FROM system.databases WHERE name = {db:String}", parameters={"db": db}
    )
    if not exists.result_rows[0][0]:
        client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    client.database = db
    return client


def open_client(settings: Settings) -> Client:
    """A client for the configured store, with the rumhouse database created and selected."""
    if settings.clickhouse_url is None:
        return _chdb_client(settings.data, settings.database)
    return _server_client(settings.clickhouse_url, settings.database)


# ClickHouse's text parsers read a LowCardinality(String) value by building a column for
# each value (about 0.5 us each: 35 of the 55 us that parsing one beacon's rows cost).
# Parsed as plain String and converted a whole column at once by the INSERT ... SELECT, the
# same rows cost a third of that.
_LOW_CARDINALITY = re.compile(r"LowCardinality\(((?:[^()]|\([^()]*\))*)\)")


def staging_structure(columns: Sequence[tuple[str, str]]) -> str:
    """The structure to parse a table's rows with: its types, LowCardinality unwrapped."""
    return ", ".join(name + " " + _LOW_CARDINALITY.sub(r"\1", kind) for name, kind in columns)


def table_structure(client: Client, table: str, columns: Sequence[str]) -> str:
    """``staging_structure`` of ``columns`` of ``table``, as the engine describes them."""
    kinds = {row[0]: row[1] for row in client.query(f"DESCRIBE TABLE {table}").result_rows}
    return staging_structure([(c, kinds[c]) for c in columns])


def insert_settings(token: str) -> str:
    """The insert's SETTINGS clause. In the statement rather than as the client's per-call
    settings, which clickhouse-connect applies to chDB's session with SET, after reading
    their values from system.settings, and restores after: seven more engine calls per
    insert, a third of the store thread's time under load."""
    chosen = INSERT_SETTINGS | {"insert_deduplication_token": token}
    return "SETTINGS " + ", ".join(
        f"{name} = {format_str(str(value))}" for name, value in chosen.items()
    )


def insert_file(
    client: Client, table: str, columns: Sequence[str], *, structure: str, body: bytes, token: str
) -> None:
    """Insert JSON lines into chDB: parsed from a private temporary file with ``file()``."""
    fd, path = tempfile.mkstemp(prefix="rumhouse-insert-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(body)
        client.command(
            f"INSERT INTO {table} ({', '.join(columns)}) {insert_settings(token)} SELECT * FROM "
            f"file({format_str(path)}, {FORMAT}, {format_str(structure)})"
        )
    finally:
        os.unlink(path)


class EmbeddedStore:
    """Async façade over the embedded client: every call is serialised on the store's own
    thread. Inserts parse the JSON lines from a private temporary file with ``file()``."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rumhouse-store")
        self._structures: dict[tuple[str, tuple[str, ...]], str] = {}

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def insert(self, table: str, columns: Sequence[str], body: bytes, token: str) -> None:
        await self._run(lambda: self._insert(table, tuple(columns), body, token))

    def _insert(self, table: str, columns: tuple[str, ...], body: bytes, token: str) -> None:
        key = (table, columns)
        if key not in self._structures:
            self._structures[key] = table_structure(self.client, table, columns)
        insert_file(
            self.client, table, columns, structure=self._structures[key], body=body, token=token
        )

    async def query(self, sql: str) -> list[tuple[Any, ...]]:
        return (await self.query_table(sql, {}))[1]

    async def query_table(
        self, sql: str, parameters: dict[str, Any]
    ) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
        """Column names and rows of one (parameterised) query."""

        def call() -> tuple[Sequence[str], list[tuple[Any, ...]]]:
            result = self.client.query(sql, parameters=parameters)
            return result.column_names, [tuple(row) for row in result.result_rows]

        return await self._run(call)

    async def ping(self) -> bool:
        try:
            return await self._run(self.client.ping)
        except Exception:
            return False

    async def close(self) -> None:
        await asyncio.to_thread(self._thread.shutdown, wait=True)
        self.client.close()
