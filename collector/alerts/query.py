"""How rules read the store: one async call that returns rows as dicts, the same over the
collector's ``Store`` (its own thread, never the event loop) and over a command's
clickhouse-connect client (``rumhouse alerts check``)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from clickhouse_connect.driver.client import Client

from collector.store import Store

Row = dict[str, Any]


class Query(Protocol):
    async def __call__(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Row]:
        """The rows of one parameterised (``{name:Type}``) query."""


def from_store(store: Store) -> Query:
    async def run(sql: str, parameters: Mapping[str, Any] | None = None) -> list[Row]:
        columns, rows = await store.query_table(sql, dict(parameters or {}))
        return [dict(zip(columns, row, strict=True)) for row in rows]

    return run


def from_client(client: Client, settings: Mapping[str, Any] | None = None) -> Query:
    """``settings``: what makes the client's queries read-only where it may set that."""

    def call(sql: str, parameters: Mapping[str, Any] | None) -> list[Row]:
        result = client.query(
            sql, parameters=dict(parameters or {}), settings=dict(settings) if settings else None
        )
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    async def run(sql: str, parameters: Mapping[str, Any] | None = None) -> list[Row]:
        return await asyncio.to_thread(call, sql, parameters)

    return run
