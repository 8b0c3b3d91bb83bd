"""When and where to write: rows wait here and are inserted in batches, or spooled.

A batch is flushed when ``flush_rows`` rows are waiting or the oldest row has waited
``flush_interval`` seconds, whichever comes first. Each table's batch carries a
deduplication token derived from its content.

A batch whose insert fails or times out goes to the disk spool (``spool.py``); while the
spool is not empty, new batches go there too, so the order is kept, and the replayer writes
the segments back oldest first, with backoff, once the store answers. A replay repeats the
original tokens, so a batch that did reach the store before its timeout is not stored twice.

Policy when the spool is full: the batch stays in memory (``held``) and is retried from
there; the rows it holds count against ``max_rows``, so soon ``add`` refuses and the
endpoint answers 503 with Retry-After. New beacons are refused; nothing accepted is dropped.
In durable mode the journal has already put each beacon in a spool segment before its 204,
so a failed batch only has to hand that segment to the spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from collector.ingest.encode import Encoded, dedup_token
from collector.ingest.outcomes import Refusal, Rejection
from collector.ingest.rows import TABLES
from collector.metrics import Metrics
from collector.store import Store
from collector.write.journal import Journal, JournalError
from collector.write.spool import Spool, read_segment

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class Buffer:
    def __init__(
        self,
        sink: Store,
        spool: Spool,
        *,
        flush_rows: int,
        flush_interval: float,
        max_rows: int,
        sink_timeout: float = 10.0,
        journal: Journal | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sink = sink
        self.spool = spool
        self.journal = journal
        self._flush_rows = flush_rows
        self._flush_interval = flush_interval
        self._max_rows = max_rows
        self._sink_timeout = sink_timeout
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._sleep = sleep  # the replayer's backoff (a test counts the delays)
        self._spooled = 0  # rows this buffer sent to the spool (the shutdown line reports them)
        self._written = 0  # rows it inserted (idem)
        self._queues: dict[str, list[bytes]] = {table: [] for table in TABLES}
        self._counts = dict.fromkeys(TABLES, 0)
        self._queued = 0
        self._held: list[Encoded] = []  # batches the full spool could not take
        self._oldest: float | None = None
        self._wake = asyncio.Event()
        self._backlog = asyncio.Event()  # set when the spool or ``held`` has work
        if spool.pending:
            self._backlog.set()

    @property
    def rows(self) -> int:
        """Rows in memory: queued, and held back by a full spool."""
        return self._queued + sum(n for batch in self._held for _, n in batch.values())

    @property
    def degraded(self) -> bool:
        """Something waits in the spool or in memory for a store that did not take it."""
        return bool(self.spool.pending or self._held)

    def room(self) -> bool:
        return self.rows < self._max_rows and not (self.journal and self.spool.full())

    async def accept(self, beacon: Encoded) -> Rejection | None:
        """Take one accepted beacon's rows, or say why not (503 with Retry-After). In memory
        mode the rows are queued; in durable mode they are also in the journal, and this
        returns once the journal's group commit has fsynced them."""
        if not self.room():
            full = Refusal.SPOOL_FULL if self.journal and self.spool.full() else Refusal.BUFFER_FULL
            message = "the collector cannot store more right now; retry later"
            return Rejection(full, message, retry_after=5)
        if self.journal is None:
            self.add(beacon)
            return None
        try:
            committed = self.journal.append(beacon)
            self.add(beacon)
            await committed
        except JournalError as exc:
            return Rejection(Refusal.NOT_DURABLE, f"{exc}; retry later", retry_after=5)
        return None

    @property
    def spool_bytes(self) -> int:
        return self.spool.bytes

    @property
    def spool_segments(self) -> int:
        return len(self.spool.pending)

    def add(self, beacon: Encoded) -> bool:
        """Queue one beacon's rows; ``False`` (nothing queued) when the buffer is full."""
        if self.rows >= self._max_rows:
            return False
        for table, (body, rows) in beacon.items():
            self._queues[table].append(body)
            self._counts[table] += rows
            self._queued += rows
        if self._oldest is None:
            self._oldest = self._clock()
            self._wake.set()  # the flusher sleeps until told that an age deadline exists
        elif self._queued >= self._flush_rows:
            self._wake.set()
        return True

    def due_in(self) -> float | None:
        """Seconds until the next flush is due (0: now), ``None`` when nothing waits."""
        if self._oldest is None:
            return None
        if self._queued >= self._flush_rows:
            return 0.0
        return max(0.0, self._oldest + self._flush_interval - self._clock())

    def _take(self) -> tuple[Encoded, Path | None]:
        """Everything queued, and (durable mode) the journal segment holding exactly it."""
        batch = {t: (b"".join(q), self._counts[t]) for t, q in self._queues.items() if q}
        self._queues = {table: [] for table in TABLES}
        self._counts = dict.fromkeys(TABLES, 0)
        self._queued, self._oldest = 0, None
        return batch, self.journal.seal() if self.journal else None

    async def flush(self, deadline: float | None = None) -> bool:
        """Write everything queued, or spool it; ``True`` when it all went into the store."""
        batch, segment = self._take()
        if not batch:
            return True
        if self.degraded:  # keep the order: older batches are still waiting
            await self._spill(batch, segment)
            return False
        try:
            failed = await self._write(batch, deadline)
        except asyncio.CancelledError:  # shutdown cancelled this flush: the batch must survive
            self._keep(batch, segment)
            raise
        if not failed:
            if segment:
                self.spool.remove(segment)
            return True
        await self._spill(failed, segment)
        return False

    async def _write(self, batch: Encoded, deadline: float | None = None) -> Encoded:
        """Insert each table's rows; the tables not written (after the first failure the
        rest are not tried: a store that failed once will most likely fail again)."""
        for n, (table, (body, rows)) in enumerate(batch.items()):
            timeout = self._sink_timeout
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - self._clock()))
            started = self._clock()
            try:
                async with asyncio.timeout(timeout):
                    await self._sink.insert(table, TABLES[table], body, dedup_token(table, body))
            except Exception as exc:
                self._metrics.sink_errors.labels(table).inc()
                log.warning("insert of %d rows into %s failed: %r", rows, table, exc)
                return dict(list(batch.items())[n:])
            self._metrics.inserted(table, rows, self._clock() - started)
            self._written += rows
        return {}

    def _keep(self, batch: Encoded, segment: Path | None) -> None:
        """A batch whose write was cut short: its journal segment (durable mode) goes to the
        spool, or the batch is held in memory, which ``close`` spools."""
        if segment is not None:
            self.spool.adopt(segment)
        else:
            self._held.append(batch)
        self._backlog.set()

    async def _spill(self, batch: Encoded, segment: Path | None) -> None:
        rows = sum(n for _, n in batch.values())
        if segment is not None:  # durable: the beacons are already on disk
            self.spool.adopt(segment)
        elif await asyncio.to_thread(self.spool.write, batch) is None:  # fsyncs: off the loop
            self._metrics.spool_full.inc()
            log.error(
                "the spool is full (%d bytes): %d rows held in memory", self.spool.bytes, rows
            )
            self._held.append(batch)
            self._backlog.set()
            return
        self._metrics.spooled_rows.inc(rows)
        self._spooled += rows
        self._backlog.set()

    async def replay_once(self, deadline: float | None = None) -> bool:
        """Write the oldest waiting batch; ``True`` when it went in (or nothing waited)."""
        if self.spool.pending:
            path = self.spool.pending[0]
            batch, torn = await asyncio.to_thread(read_segment, path)  # file I/O: off the loop
            if torn:
                log.warning("%s: skipped a torn record (never acknowledged)", path.name)
            if await self._write(batch, deadline):
                return False
            self.spool.remove(path)
        elif self._held:
            if await self._write(self._held[0], deadline):
                return False
            self._held.pop(0)
        else:
            return True
        self._metrics.replays.inc()
        return True

    async def run(self) -> None:
        """Flush forever by size or age."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.due_in())
            self._wake.clear()
            if self.due_in() == 0.0:
                await self.flush()

    async def replay(self) -> None:
        """Drain the spool, oldest first; after a failure, back off up to 30 seconds."""
        failures = 0
        while True:
            if not self.degraded:
                self._backlog.clear()
                await self._backlog.wait()
            if await self.replay_once():
                if failures or not self.degraded:
                    log.info("the store takes writes again" if self.degraded else "spool drained")
                failures = 0
            else:
                failures += 1
                await self._sleep(min(MAX_BACKOFF, 0.25 * 2**failures))

    async def close(self, deadline: float) -> None:
        """Shutdown: write or spool what is in memory before ``deadline`` (monotonic), and
        say in one line what became of it."""
        spooled, written = self._spooled, self._written
        # First what the store has not taken yet, oldest first: the batch of a flush that the
        # shutdown cancelled mid-insert is in the spool; while the store takes writes, it
        # and what waits behind it are written now rather than at the next start.
        while self.degraded and self._clock() < deadline and await self.replay_once(deadline):
            pass
        await self.flush(deadline)  # spills instead while older batches wait (degraded)
        for batch in list(self._held):  # the spool may have room again
            if self.spool.write(batch) is not None:
                self._held.remove(batch)
                self._spooled += sum(n for _, n in batch.values())
        if self.journal:
            await self.journal.close()
        spooled = self._spooled - spooled
        log.info(
            "shutdown: %d rows written, %d spooled; the spool keeps %d segment(s), %d bytes,"
            " for the next start",
            self._written - written, spooled, len(self.spool.pending), self.spool.bytes,
        )  # fmt: skip
        if self.rows:  # a counter would die with the process: the log line is the record
            log.error(
                "shutting down with %d rows neither written nor spooled (spool full)", self.rows
            )
