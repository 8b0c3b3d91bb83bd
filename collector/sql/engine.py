"""Endpoint queries on chDB sessions of their own, never on the ingestion session.

chDB lets one process open a data folder, but that process may hold several sessions on it.
The reader session is locked down once at start-up, the way ClickHouse's ``readonly``
profile is: ``allow_ddl = 0`` then ``readonly = 1``, after which no query, SETTINGS clause or
URL parameter can change anything (the engine refuses with READONLY). The writer session
only ever receives INSERTs into rumhouse's tables. Each session runs on its own thread, so
a slow analyst query delays neither ingestion nor a writer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import chdb

from collector.sql.errors import ClickHouseError
from collector.sql.statements import Insert

T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    body: bytes
    read_rows: int = 0
    read_bytes: int = 0
    written_rows: int = 0
    written_bytes: int = 0
    elapsed: float = 0.0

    def summary(self) -> dict[str, str]:
        return {
            "read_rows": str(self.read_rows),
            "read_bytes": str(self.read_bytes),
            "written_rows": str(self.written_rows),
            "written_bytes": str(self.written_bytes),
            "total_rows_to_read": str(self.read_rows),
            "result_rows": "0",
            "result_bytes": str(len(self.body)),
            "elapsed_ns": str(int(self.elapsed * 1e9)),
        }


class _Session:
    """One chDB connection and the single thread that uses it."""

    def __init__(self, path: str, setup: list[str], name: str) -> None:
        self.conn: Any = chdb.connect(path)  # type: ignore[no-untyped-call]
        for statement in setup:
            self.conn.query(statement)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._thread, call)
        except ClickHouseError:
            raise
        except Exception as exc:
            raise ClickHouseError.from_engine(exc) from exc

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.conn.close()


def _result(raw: Any, started: float) -> Result:
    return Result(
        body=raw.bytes(),
        read_rows=int(raw.rows_read()),
        read_bytes=int(raw.bytes_read()),
        elapsed=time.monotonic() - started,
    )


class SqlEngine:
    def __init__(self, data: Path, database: str, max_execution_time: float) -> None:
        path = str(data.resolve())
        limit = f"SET max_execution_time = {max_execution_time:g}"
        self.database = database
        self._reader = _Session(
            path,
            [f"USE {database}", limit, "SET allow_ddl = 0", "SET readonly = 1"],
            "rumhouse-sql",
        )
        self._writer = _Session(path, [f"USE {database}", limit], "rumhouse-sql-writer")
        # A writer's own queries (a client's start-up SELECTs) run with readonly = 2: data
        # stays read-only, but system.settings shows insert settings as changeable, as a
        # real server shows them to a user allowed to insert.
        self._writer_reads = _Session(
            path,
            [f"USE {database}", limit, "SET allow_ddl = 0", "SET readonly = 2"],
            "rumhouse-sql-writer-reads",
        )
        rows = self._reader.conn.query("SELECT name, value FROM system.settings", "TSV").bytes()
        self.settings = dict(
            line.split("\t", 1) for line in rows.decode().splitlines() if "\t" in line
        )
        self.timezone = self._reader.conn.query("SELECT timezone()", "TSV").bytes().decode().strip()

    async def select(
        self, sql: str, fmt: str, params: dict[str, str], writer: bool = False
    ) -> Result:
        session = self._writer_reads if writer else self._reader

        def call() -> Result:
            started = time.monotonic()
            return _result(session.conn.query(sql, fmt, params=params), started)

        return await session.run(call)

    async def insert(self, insert: Insert, data: bytes, settings: str = "") -> Result:
        """Stream ``data`` (Native, RowBinary, JSONEachRow, ...) into one table; ``settings``
        is a ``SETTINGS`` clause (deduplication token, async insert)."""

        def call() -> Result:
            started = time.monotonic()
            with self._writer.conn.send_insert(
                f"INSERT INTO {insert.table} {insert.columns} {settings}", insert.format
            ) as ins:
                ins.append(data)
                done = ins.finish()
            rows = int(getattr(done, "rows_written", 0) or 0)
            return Result(
                b"", written_rows=rows, written_bytes=len(data), elapsed=time.monotonic() - started
            )

        return await self._writer.run(call)

    def close(self) -> None:
        self._reader.close()
        self._writer.close()
        self._writer_reads.close()
