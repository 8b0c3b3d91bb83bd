"""Endpoint queries on chDB sessions of their own, never on the ingestion session.

chDB lets one process open a data folder, but that process may hold several sessions on it.
Reader sessions are locked down once at start-up, the way ClickHouse's ``readonly`` profile
is: the limits are set, then ``allow_ddl = 0`` and ``readonly = 1``, after which no query,
SETTINGS clause or URL parameter can change anything (the engine refuses with READONLY).
The writer session only ever receives INSERTs into rumhouse's tables (and roll-ups of hours).
Each session runs on its own thread, so a slow analyst query delays neither ingestion nor a
writer.

Every query is bounded, because it shares the process with ingestion:
- ``guard.py`` confines it to rumhouse's data before it runs;
- memory: ``max_memory_usage`` per query, and ``max_memory_usage_for_user`` for all of
  them together (chDB counts every query of the process as one user, so an endpoint query
  fails with 241 once the engine as a whole would pass the bound, while ingestion, which
  does not carry the setting, keeps its room);
- time: ``max_execution_time``; result size: ``max_result_bytes``;
- concurrency: a pool of reader sessions, one query each, and a per-user bound
  (``slots.py``).
chDB builds a result whole in memory outside its memory accounting, so a result is first
read whole only up to ``WHOLE_RESULT_BYTES``; a larger one is read again as a stream of
blocks and sent as it comes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import chdb

from collector.sql.errors import ClickHouseError
from collector.sql.guard import Guard
from collector.sql.limits import Limits
from collector.sql.slots import Slots, too_many
from collector.sql.statements import Insert

T = TypeVar("T")
WHOLE_RESULT_BYTES = 8 * 1024 * 1024
RESULT_TOO_LARGE = 396


@dataclass
class Result:
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = None  # a large result, sent as it is read
    close: Callable[[], Awaitable[None]] | None = None  # ends the stream, always called
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
            return await loop.run_in_executor(self._thread, lambda: self._clean_after(call))
        except ClickHouseError:
            raise
        except Exception as exc:
            raise ClickHouseError.from_engine(exc) from exc

    def _clean_after(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except Exception:
            self.drain()
            raise

    def drain(self) -> None:
        """After a failed query, chDB hands the part of its output written before the error
        to the session's next query, in front of that query's own: another user's rows.
        Reading a known answer until it comes back alone empties that leftover."""
        for _ in range(3):
            if bytes(self.conn.query("SELECT 1", "TSV").bytes()) == b"1\n":
                return
        raise RuntimeError("a chDB session kept output of a failed query")

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


def _read_only(database: str, limits: Limits, readonly: int, result_bytes: int) -> list[str]:
    return [
        f"USE {database}",
        *limits.statements(result_bytes),
        "SET allow_ddl = 0",
        f"SET readonly = {readonly}",
    ]


class SqlEngine:
    def __init__(self, data: Path, database: str, limits: Limits) -> None:
        path = str(data.resolve())
        self.database, self.limits = database, limits
        whole = min(WHOLE_RESULT_BYTES, limits.max_result_bytes)
        self._readers = [
            _Session(path, _read_only(database, limits, 1, whole), f"rumhouse-sql-{i}")
            for i in range(limits.max_concurrent)
        ]
        # A reader session for results larger than a whole read takes.
        self._streamer = _Session(
            path, _read_only(database, limits, 1, limits.max_result_bytes), "rumhouse-sql-stream"
        )
        self._writer = _Session(
            path, [f"USE {database}", *limits.statements()], "rumhouse-sql-writer"
        )
        # A writer's own queries (a client's start-up SELECTs) run with readonly = 2: data
        # stays read-only, but system.settings shows insert settings as changeable, as a
        # real server shows them to a user allowed to insert.
        self._writer_reads = _Session(
            path, _read_only(database, limits, 2, whole), "rumhouse-sql-writer-reads"
        )
        self.slots = Slots(self._readers, limits)
        conn = self._readers[0].conn
        rows = conn.query("SELECT name, value FROM system.settings", "TSV").bytes()
        self.settings = dict(
            line.split("\t", 1) for line in rows.decode().splitlines() if "\t" in line
        )
        self.timezone = conn.query("SELECT timezone()", "TSV").bytes().decode().strip()
        self.guard = Guard(
            database,
            conn.query("SELECT name FROM system.table_functions", "TSV").bytes().decode().split(),
            conn.query("SELECT name FROM system.databases", "TSV").bytes().decode().split(),
        )
        self._stream_lock = asyncio.Lock()
        self._streams = limits.max_result_bytes > WHOLE_RESULT_BYTES

    async def select(
        self, user: str, sql: str, fmt: str, params: dict[str, str], writer: bool = False
    ) -> Result:
        """Check ``sql`` against the guard, then run it within the limits."""
        self.guard.check_names(sql, params)
        async with self.slots.take(user) as reader:
            session = self._writer_reads if writer else reader
            self.guard.check(await session.run(lambda: _explain(session.conn, sql, params)))
            try:
                return await session.run(lambda: _whole(session.conn, sql, fmt, params))
            except ClickHouseError as error:
                if error.code != RESULT_TOO_LARGE or not self._streams:
                    raise
        return await self._stream(sql, fmt, params)

    async def _stream(self, sql: str, fmt: str, params: dict[str, str]) -> Result:
        """A result too large to read whole, as blocks: one such stream at a time."""
        try:
            await asyncio.wait_for(self._stream_lock.acquire(), self.limits.queue_timeout)
        except TimeoutError:
            raise too_many("a large result is being sent already") from None
        session = self._streamer
        try:
            stream = await session.run(lambda: session.conn.send_query(sql, fmt, params=params))
        except BaseException:
            self._stream_lock.release()
            raise

        async def blocks() -> AsyncIterator[bytes]:
            while (block := await session.run(lambda: _next_block(stream))) is not None:
                yield block

        async def close() -> None:
            try:
                await asyncio.shield(session.run(lambda: _end(session, stream)))
            finally:
                self._stream_lock.release()

        return Result(chunks=blocks(), close=close)

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

    async def insert_select(self, sql: str, params: dict[str, str]) -> Result:
        """A writer's rollup of hours (``Guard.check_rollup``), in the writer's session."""
        self.guard.check_names(sql, params)
        session = self._writer
        self.guard.check_rollup(await session.run(lambda: _explain(session.conn, sql, params)))
        return await session.run(lambda: _whole(session.conn, sql, "TSV", params))

    def close(self) -> None:
        for session in (*self._readers, self._streamer, self._writer, self._writer_reads):
            session.close()


def _explain(conn: Any, sql: str, params: dict[str, str]) -> str:
    _parse_alone(conn, sql)
    return str(conn.query(f"EXPLAIN AST {sql}", "TSVRaw", params=params).bytes().decode())


# Query parameters are read in the escaped text format: a backslash, tab or line break in the
# value must be written as its escape.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _parse_alone(conn: Any, sql: str) -> None:
    """Parse the statement on its own before ``EXPLAIN AST`` runs with it. EXPLAIN takes an
    ``INTO OUTFILE`` of its own: after a statement that takes none (SET, USE, BEGIN, an
    INSERT ... SELECT), a trailing ``INTO OUTFILE`` would go to the EXPLAIN, which writes the
    file before the guard sees the tree. Parsed alone, such a clause is a syntax error."""
    try:
        conn.query(
            "SELECT formatQuerySingleLine({statement:String})",
            "TSVRaw",
            params={"statement": sql.translate(_ESCAPES)},
        )
    except Exception as exc:
        error = ClickHouseError.from_engine(exc)
        # the engine names the scope of the function: the analyst wrote none of it
        error.message = error.message.split(": In scope SELECT formatQuerySingleLine", 1)[0]
        raise error from exc


def _whole(conn: Any, sql: str, fmt: str, params: dict[str, str]) -> Result:
    started = time.monotonic()
    return _result(conn.query(sql, fmt, params=params), started)


def _end(session: _Session, stream: Any) -> None:
    """Close a stream, read whole or not, and leave nothing of it in the session."""
    stream.close()
    session.drain()


def _next_block(stream: Any) -> bytes | None:
    chunk = stream.fetch()
    return None if chunk is None else bytes(chunk.bytes())
