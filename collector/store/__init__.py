"""The ClickHouse side: one ``Store`` interface, its embedded (chDB) and server forms, the
URL of a server, ownership of the data folder, migrations and the cluster DDL. Knows
nothing of HTTP handlers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Store(Protocol):
    """What the collector needs of a store, embedded (``EmbeddedStore``) or server
    (``ServerStore``): the one interface the buffer, the pages and the readiness check use."""

    async def insert(self, table: str, columns: Sequence[str], body: bytes, token: str) -> None:
        """Insert JSON lines (``FORMAT``) into ``columns`` of ``table``."""

    async def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    async def query_table(
        self, sql: str, parameters: dict[str, Any]
    ) -> tuple[Sequence[str], list[tuple[Any, ...]]]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
