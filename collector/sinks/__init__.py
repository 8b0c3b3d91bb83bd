"""Where rows go: ClickHouse, embedded (chDB) or a server, through clickhouse-connect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class StoreLike(Protocol):
    """What the collector needs of a store, embedded (``Store``) or server (``ServerStore``)."""

    async def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], token: str = ""
    ) -> None: ...

    async def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    async def query_table(
        self, sql: str, parameters: dict[str, Any]
    ) -> tuple[Sequence[str], list[tuple[Any, ...]]]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
