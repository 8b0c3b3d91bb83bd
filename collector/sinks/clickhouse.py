"""The store: one clickhouse-connect client, embedded chDB or a ClickHouse server over HTTP.

Both modes use the same synchronous client API; every call runs on one dedicated thread so
the event loop never blocks (clickhouse-connect's async client does not support chDB, and
a chDB session must not be used from two threads at once). Inserts are column-named JSON
lines (see ``sinks/__init__.py``), so ``rows.py`` alone decides the column order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.sinks import FORMAT, INSERT_SETTINGS

T = TypeVar("T")


class StoreError(Exception):
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
    parts = urlsplit(url)
    db = parts.path.strip("/") or database
    try:
        client = clickhouse_connect.get_client(
            host=parts.hostname or "localhost",
            port=parts.port or (8443 if parts.scheme == "https" else 8123),
            username=parts.username or "default",
            password=parts.password or "",
            secure=parts.scheme == "https",
            compress=True,
        )
    except Exception as exc:
        raise StoreError(
            f"cannot reach ClickHouse at {parts.hostname}:{parts.port}: {exc}"
        ) from exc
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


class Store:
    """Async façade over the client: every call is serialised on the store's own thread."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rumhouse-store")

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def insert(self, table: str, columns: Sequence[str], body: bytes, token: str) -> None:
        settings = INSERT_SETTINGS | {"insert_deduplication_token": token}
        await self._run(
            lambda: self.client.raw_insert(table, columns, body, settings=settings, fmt=FORMAT)
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
