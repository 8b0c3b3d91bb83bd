"""What the buffer reports and where its work runs: the shutdown line's counts, the sink
error counter and warning, the deadline of a shutdown write, a durable batch spilled behind
older ones. The store is the real engine; only the clock is fake."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from collector.metrics import Metrics
from collector.settings import Settings
from collector.store import migrate
from collector.store.client import EmbeddedStore
from collector.write.spool import Spool, frame, read_segment
from tests.write.test_buffer import Clock, Outage, durable, make, real_store, rows, said

__all__ = ["real_store"]  # the fixture, imported so that pytest finds it here


def shutdown_line(caplog: pytest.LogCaptureFixture) -> str:
    [line] = [m for m in said(caplog) if m.startswith("shutdown:")]
    return line


async def test_flush_of_nothing_reports_success(real_store: EmbeddedStore) -> None:
    assert await make(real_store, Clock()).flush()


async def test_shutdown_counts_only_the_rows_it_spooled_itself(
    real_store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows spooled while running were reported then; the shutdown line says what became
    of the rows in memory at the stop: 3 spooled earlier, then 2 at the stop."""
    buffer = make(real_store, Clock(), Spool(tmp_path, 1024 * 1024))  # no tables: inserts fail
    buffer.add(rows(2, view_id=1))  # a page view row and 2 vitals rows
    assert not await buffer.flush()
    buffer.add(rows(1, view_id=2))
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await buffer.close(deadline=Clock().now + 5)
    size = sum(p.stat().st_size for p in tmp_path.glob("*.seg"))
    assert shutdown_line(caplog) == (
        f"shutdown: 0 rows written, 2 spooled; the spool keeps 2 segment(s), {size} bytes,"
        " for the next start"
    )


async def test_shutdown_counts_held_batches_it_spooled_after_earlier_spills(
    real_store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    first = rows(1, view_id=1)  # 2 rows
    spool.max_bytes = len(frame(first)) + 10  # room for the first batch only
    buffer = make(real_store, Clock(), spool)  # no tables: inserts fail
    buffer.add(first)
    assert not await buffer.flush()
    buffer.add(rows(3, view_id=3))  # 4 rows: the spool is full, they are held
    assert not await buffer.flush()
    assert buffer.rows == 4
    spool.max_bytes = 1024 * 1024
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await buffer.close(deadline=Clock().now + 5)
    assert shutdown_line(caplog).startswith("shutdown: 0 rows written, 4 spooled;")
    assert buffer.rows == 0


async def test_a_failed_insert_is_counted_and_logged_with_its_table(
    real_store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    buffer = make(real_store, Clock(), Spool(tmp_path, 1024 * 1024), metrics=metrics)
    buffer.add(rows(2))
    with caplog.at_level("WARNING", logger="collector.write.buffer"):
        assert not await buffer.flush()  # no tables: the first insert fails, the rest wait
    sample = metrics.registry.get_sample_value
    assert sample("rumhouse_sink_errors_total", {"table": "page_views_data"}) == 1
    [warning] = said(caplog, "WARNING")
    assert warning.startswith("insert of 1 rows into page_views_data failed: ")


class SlowStore:
    """The real store, answering each insert a moment late (a busy server)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.inserts = 0

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        answered = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, answered.set)
        await answered.wait()
        await self.store.insert(table, columns, body, token)
        self.inserts += 1


async def test_shutdown_past_its_deadline_spools_without_waiting_for_the_store(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """At the deadline there is no time left: the batch goes to the spool at once, even to a
    store that would have answered a moment later."""
    migrate.apply(real_store.client, settings.schema_dir)
    clock = Clock()
    slow = SlowStore(real_store)
    buffer = make(slow, clock, Spool(tmp_path, 1024 * 1024), sink_timeout=3600)  # type: ignore[arg-type]
    buffer.add(rows(2))
    await buffer.close(deadline=clock.now)
    assert slow.inserts == 0
    [segment] = tmp_path.glob("*.seg")
    assert read_segment(segment)[0]["vitals_data"][1] == 2


async def test_in_durable_mode_a_batch_behind_older_ones_hands_over_its_own_segment(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """While the spool holds an older batch, the next durable batch is queued behind it as
    the journal segment that already holds it, not as a second copy of its rows."""
    migrate.apply(real_store.client, settings.schema_dir)
    outage = Outage(real_store)
    buffer, journal = await durable(outage, tmp_path, view_id=1)
    outage.down = True
    assert not await buffer.flush()
    [older] = buffer.spool.pending
    outage.down = False
    assert journal is buffer.journal
    committed = journal.append(rows(1, view_id=2))
    buffer.add(rows(1, view_id=2))
    await journal.commit()
    await committed
    assert not await buffer.flush(), "queued behind the older batch"
    assert buffer.spool.pending[0] == older
    assert sorted(tmp_path.glob("*.seg")) == sorted(buffer.spool.pending)
    assert len(buffer.spool.pending) == 2
    assert await buffer.replay_once()
    assert await buffer.replay_once()
    assert outage.views == ["pv00000000000001", "pv00000000000002"]
    await journal.close()


class TimedStore:
    """The real store; each insert takes a quarter of a second on the fake clock."""

    def __init__(self, store: EmbeddedStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        await self.store.insert(table, columns, body, token)
        self.clock.now += 0.25


async def test_the_insert_metrics_count_every_beacons_rows_per_table_and_time_each_insert(
    real_store: EmbeddedStore, settings: Settings
) -> None:
    """Two beacons of 2 and 3 vitals: the counters must say what the store holds."""
    migrate.apply(real_store.client, settings.schema_dir)
    metrics, clock = Metrics(), Clock()
    buffer = make(TimedStore(real_store, clock), clock, metrics=metrics)  # type: ignore[arg-type]
    buffer.add(rows(2, view_id=1))
    buffer.add(rows(3, view_id=2))
    assert await buffer.flush()
    stored = await real_store.query("SELECT count() FROM vitals_data")
    sample = metrics.registry.get_sample_value
    for table, expected in (("page_views_data", 2), ("vitals_data", stored[0][0])):
        assert sample("rumhouse_rows_inserted_total", {"table": table}) == expected
        assert sample("rumhouse_insert_seconds_sum", {"table": table}) == 0.25
    assert stored[0][0] == 5


async def test_the_flusher_writes_at_once_when_exactly_flush_rows_wait(
    real_store: EmbeddedStore, settings: Settings
) -> None:
    """flush_rows = 6 and an hour's flush interval: the second beacon makes 6 rows, and the
    flusher must be woken for them, not left waiting for the age deadline."""
    migrate.apply(real_store.client, settings.schema_dir)
    buffer = make(real_store, Clock(), flush_rows=6, flush_interval=3600.0)
    flusher = asyncio.create_task(buffer.run())
    try:
        buffer.add(rows(2, view_id=1))  # 3 rows: the flusher learns of an age deadline
        for _ in range(20):  # it does no I/O before it waits again: a few turns of the loop
            await asyncio.sleep(0)
        assert buffer.due_in() == 3600.0
        buffer.add(rows(2, view_id=2))  # 6 rows
        assert buffer.due_in() == 0.0
        async with asyncio.timeout(30):  # generous: the write itself is not measured
            while (await real_store.query("SELECT count() FROM page_views_data"))[0][0] < 2:
                await asyncio.sleep(0.05)
    finally:
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)


async def test_a_failed_insert_logs_what_the_store_said(
    real_store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = make(real_store, Clock(), Spool(tmp_path, 1024 * 1024))
    buffer.add(rows(1))
    with caplog.at_level("WARNING", logger="collector.write.buffer"):
        assert not await buffer.flush()  # no tables: the engine says so
    [warning] = said(caplog, "WARNING")
    assert "page_views_data" in warning.split(" failed: ", 1)[1]  # the engine's own words
