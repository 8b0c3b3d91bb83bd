"""The server sink: a ClickHouse server (or cluster) over HTTP, with the async client.

clickhouse-connect's async client runs on aiohttp in the collector's own event loop:
connections are reused, inserts (JSON lines) are compressed with lz4, and every call has a
timeout. The
client is created on first use and again after a failure, so a collector starts, and keeps
accepting beacons into its spool, while ClickHouse is down.

Every insert carries its batch's deduplication token; with ``async_insert`` the server
buffers small inserts itself and answers only once they are written
(``wait_for_async_insert=1``), so acknowledgement semantics do not change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import clickhouse_connect
import lz4.frame
from clickhouse_connect.driver.asyncclient import AsyncClient

from collector.ingest.encode import FORMAT, INSERT_SETTINGS
from collector.settings import Settings
from collector.store.url import ServerUrl

log = logging.getLogger(__name__)


class ServerStore:
    def __init__(self, settings: Settings) -> None:
        assert settings.clickhouse_url is not None
        server = ServerUrl.parse(settings.clickhouse_url, settings.database)
        self._connect: dict[str, Any] = {
            **server.client_args(),
            "database": server.database,
            "compress": "lz4",
            "connect_timeout": min(10.0, settings.sink_timeout),
            "send_receive_timeout": settings.sink_timeout,
            "query_retries": 0,  # the buffer and the spool decide about retries
        }
        self.where = server.where
        self._timeout = settings.sink_timeout
        self._insert_settings: dict[str, Any] = {}
        if settings.async_insert:
            self._insert_settings = {
                "async_insert": 1,
                "wait_for_async_insert": 1,
                "async_insert_deduplicate": 1,
            }
        self._client: AsyncClient | None = None

    async def _get(self) -> AsyncClient:
        if self._client is None:
            self._client = await clickhouse_connect.get_async_client(**self._connect)
        return self._client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:  # a broken connection may fail to close: it is gone anyway
                log.debug("closing the client failed", exc_info=True)  # pragma: no mutate

    async def insert(self, table: str, columns: Sequence[str], body: bytes, token: str) -> None:
        settings = INSERT_SETTINGS | self._insert_settings | {"insert_deduplication_token": token}
        packed = await asyncio.to_thread(lz4.frame.compress, body)  # ~10x smaller on the wire
        try:
            async with asyncio.timeout(self._timeout):
                client = await self._get()
                await client.raw_insert(
                    table, columns, packed, settings=settings, fmt=FORMAT, compression="lz4"
                )
        except BaseException:
            await self._drop()
            raise

    async def query(self, sql: str) -> list[tuple[Any, ...]]:
        return (await self.query_table(sql, {}))[1]

    async def query_table(
        self, sql: str, parameters: dict[str, Any]
    ) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
        async with asyncio.timeout(self._timeout):
            client = await self._get()
            result = await client.query(sql, parameters=parameters)
        return result.column_names, [tuple(row) for row in result.result_rows]

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(min(2.0, self._timeout)):
                return bool(await (await self._get()).ping())
        except Exception:
            await self._drop()
            return False

    async def close(self) -> None:
        await self._drop()
