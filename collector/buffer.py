"""When to write: rows wait here and are inserted in batches, by size or by age.

A batch is flushed when ``flush_rows`` rows are waiting or the oldest row has waited
``flush_interval`` seconds, whichever comes first. A batch whose insert fails stays at the
head of its table's queue and is retried with backoff, so nothing acknowledged is dropped
while the process lives. (The disk spool that survives restarts comes with the server
path.) When ``max_rows`` rows are waiting, ``add`` refuses and the endpoint answers 503 with
Retry-After: back-pressure instead of unbounded memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

from collector.rows import TABLES, Row

log = logging.getLogger(__name__)


class Sink(Protocol):
    async def insert(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None: ...


class Buffer:
    def __init__(
        self,
        sink: Sink,
        *,
        flush_rows: int,
        flush_interval: float,
        max_rows: int,
        on_inserted: Callable[[str, int, float], None] = lambda table, n, seconds: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._flush_rows = flush_rows
        self._flush_interval = flush_interval
        self._max_rows = max_rows
        self._on_inserted = on_inserted
        self._clock = clock
        self._queues: dict[str, list[Row]] = {table: [] for table in TABLES}
        self._oldest: float | None = None
        self._wake = asyncio.Event()
        self._failures = 0
        self.healthy = True

    @property
    def rows(self) -> int:
        return sum(len(rows) for rows in self._queues.values())

    def add(self, rows_by_table: dict[str, list[Row]]) -> bool:
        """Queue one beacon's rows; ``False`` (nothing queued) when the buffer is full."""
        if self.rows >= self._max_rows:
            return False
        for table, rows in rows_by_table.items():
            self._queues[table].extend(rows)
        if self._oldest is None:
            self._oldest = self._clock()
            self._wake.set()  # the flusher sleeps until told that an age deadline exists
        elif self.rows >= self._flush_rows:
            self._wake.set()
        return True

    def due_in(self) -> float | None:
        """Seconds until the next flush is due (0: now), ``None`` when nothing waits."""
        if self._oldest is None:
            return None
        if self.rows >= self._flush_rows:
            return 0.0
        return max(0.0, self._oldest + self._flush_interval - self._clock())

    async def flush(self) -> bool:
        """Insert everything waiting; ``True`` when it all went in."""
        self._oldest = None
        ok = True
        for table, queue in self._queues.items():
            if not queue:
                continue
            batch = queue[:]
            started = self._clock()
            try:
                await self._sink.insert(table, TABLES[table], batch)
            except Exception:
                log.exception("insert into %s failed; %d rows kept for retry", table, len(batch))
                ok = False
                continue
            del queue[: len(batch)]
            self._on_inserted(table, len(batch), self._clock() - started)
        if not ok and self._oldest is None and self.rows:
            self._oldest = self._clock()
        self.healthy = ok
        return ok

    async def run(self) -> None:
        """Flush forever by size or age; after a failure, back off up to 30 seconds."""
        while True:
            wait = self.due_in()
            if self._failures:
                wait = max(wait or 0.0, min(30.0, 0.5 * 2**self._failures))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()
            if self.due_in() == 0.0:
                self._failures = 0 if await self.flush() else self._failures + 1
