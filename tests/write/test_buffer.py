"""The buffer decides when to write; writes go to the real engine. Only the clock is fake."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.ingest.encode import Encoded, encode
from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.pipeline import Facts, Pipeline
from collector.ingest.rows import TABLES, rows_by_table
from collector.ingest.validate import parse_beacon
from collector.metrics import Metrics
from collector.settings import Settings, load_settings
from collector.store import migrate
from collector.store.client import EmbeddedStore, staging_structure
from collector.write.buffer import Buffer
from collector.write.journal import Journal
from collector.write.spool import Spool, frame, read_segment
from tests.conftest import DESKTOP_CHROME, beacon


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def real_store(store: Any) -> Iterator[EmbeddedStore]:
    wrapped = EmbeddedStore(store)
    yield wrapped
    wrapped._thread.shutdown()


COUNTRIES = CountryLookup()


def exported(metrics: Metrics, counter: str) -> float:
    """A counter as /metrics exports it (the registry's public reading, not its internals)."""
    return metrics.registry.get_sample_value(f"{counter}_total") or 0.0


def rows(n: int = 1, view_id: int = 0, **fields: Any) -> Encoded:
    """One page view row and ``n`` vitals rows (distinct metrics) of page view ``view_id``."""
    metrics = [{"name": name, "value": 1.0} for name in ("LCP", "FCP", "TTFB", "CLS", "INP")[:n]]
    body = beacon(metrics=metrics, page_view_id=f"pv{view_id:014d}", **fields)
    facts = Facts(Client("203.0.113.9", DESKTOP_CHROME))
    accepted = Pipeline.build(load_settings(open_mode=True), COUNTRIES).run(
        facts, orjson.dumps(body), datetime.now(UTC)
    )
    assert accepted.rows is not None
    return accepted.rows


def make(store: EmbeddedStore, clock: Clock, spool: Spool | None = None, **kw: Any) -> Buffer:
    options: dict[str, Any] = {"flush_rows": 100, "flush_interval": 1.0, "max_rows": 1000} | kw
    spool = spool or Spool(Path(tempfile.mkdtemp(prefix="rumhouse-spool-")), 10 * 1024 * 1024)
    return Buffer(store, spool, clock=clock, **options)


def test_buffer_flush_due_after_flush_interval_of_oldest_row(real_store: EmbeddedStore) -> None:
    clock = Clock()
    buffer = make(real_store, clock)
    assert buffer.due_in() is None
    buffer.add(rows())
    assert buffer.due_in() == 1.0
    clock.now += 0.4
    buffer.add(rows())  # a younger row does not move the deadline
    assert buffer.due_in() == pytest.approx(0.6)
    clock.now += 0.6
    assert buffer.due_in() == 0.0


def test_buffer_flush_due_at_once_when_flush_rows_reached(real_store: EmbeddedStore) -> None:
    buffer = make(real_store, Clock(), flush_rows=5)
    buffer.add(rows(2))
    assert buffer.due_in() == 1.0
    buffer.add(rows(2))  # 2 page views + 4 vitals rows
    assert buffer.due_in() == 0.0


def test_buffer_refuses_when_full_and_keeps_what_it_holds(real_store: EmbeddedStore) -> None:
    buffer = make(real_store, Clock(), max_rows=4)
    assert buffer.add(rows(3))
    assert not buffer.add(rows(1))
    assert buffer.rows == 4


async def test_failed_batch_goes_to_the_spool_and_is_replayed_once(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    metrics = Metrics()
    buffer = make(real_store, Clock(), Spool(tmp_path, 10 * 1024 * 1024), metrics=metrics)
    buffer.add(rows(2))
    assert not await buffer.flush()  # no tables yet: the engine refuses the insert
    assert buffer.rows == 0
    assert buffer.degraded
    assert len(list(tmp_path.glob("*.seg"))) == 1
    buffer.add(rows(1))
    assert not await buffer.flush()  # the spool is not empty: the order is kept
    assert len(buffer.spool.pending) == 2
    assert not await buffer.replay_once()  # still no tables
    migrate.apply(real_store.client, settings.schema_dir)
    assert await buffer.replay_once()
    assert await buffer.replay_once()
    assert not buffer.degraded
    assert not list(tmp_path.glob("*.seg"))
    assert await real_store.query("SELECT count() FROM vitals_data") == [(3,)]
    assert exported(metrics, "rumhouse_spool_replays") == 2
    assert exported(metrics, "rumhouse_spooled_rows") == 5


async def test_a_replayed_batch_that_already_went_in_is_not_stored_twice(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """An insert that timed out may have reached the store: its replay carries the same
    token and the table keeps one copy (non_replicated_deduplication_window)."""
    migrate.apply(real_store.client, settings.schema_dir)
    buffer = make(real_store, Clock(), Spool(tmp_path, 10 * 1024 * 1024))
    failure = {"url": "/api/cart", "status": 502, "count": 3}
    batch = rows(2, failures=[failure])
    buffer.add(batch)
    assert await buffer.flush()
    buffer.spool.write(batch)  # as if the insert had timed out after arriving
    assert await buffer.replay_once()
    assert await real_store.query("SELECT count() FROM errors") == [(0,)]
    assert await real_store.query("SELECT count() FROM vitals_data") == [(2,)]
    assert await real_store.query("SELECT count() FROM page_views_data") == [(1,)]
    assert await real_store.query("SELECT count() FROM failures") == [(1,)]
    # The rollup is fed by the inserts into failures: the replay is not added to it either.
    assert await real_store.query("SELECT sum(failures) FROM failures_hourly") == [(3,)]


async def test_staged_insert_keeps_every_character_and_the_column_types(
    real_store: EmbeddedStore, settings: Settings
) -> None:
    """Rows are parsed with LowCardinality unwrapped (``staging_structure``), then converted
    by the INSERT ... SELECT: the stored values and the table's types are unchanged."""
    migrate.apply(real_store.client, settings.schema_dir)
    awkward = "it's \\ \"quoted\" 'x' \u00e9\u4e2d\U0001f600\ttab\nline"
    body = orjson.dumps(
        {
            "page_view_id": "pv-awkward-00001",
            "url": f"https://shop.example/{awkward}",
            "label": awkward,
            "dims": {awkward: awkward},
        }
    )
    view, _ = Enricher(CountryLookup(), load_settings(open_mode=True)).enrich(
        parse_beacon(orjson.dumps(beacon() | orjson.loads(body))),
        Client("203.0.113.9", DESKTOP_CHROME),
        datetime.now(UTC),
    )
    assert view.dims == {awkward: awkward}  # the awkward text reaches the rows unchanged
    for table, (lines, _) in encode(rows_by_table(view)).items():
        await real_store.insert(table, TABLES[table], lines, f"awkward-{table}")
    got = await real_store.query(
        "SELECT page_group, dims, toTypeName(page_group), toTypeName(dims) FROM page_views_data"
    )
    assert got == [
        (
            view.page_group,
            view.dims,
            "LowCardinality(String)",
            "Map(LowCardinality(String), String)",
        )
    ]


def test_staging_structure_unwraps_low_cardinality_only() -> None:
    columns = [
        ("site", "LowCardinality(String)"),
        ("dims", "Map(LowCardinality(String), String)"),
        ("label", "LowCardinality(Nullable(String))"),
        ("ts", "DateTime64(3, 'UTC')"),
    ]
    assert staging_structure(columns) == (
        "site String, dims Map(String, String), label Nullable(String), ts DateTime64(3, 'UTC')"
    )


async def test_full_spool_holds_batches_in_memory_and_refuses_new_beacons(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    metrics = Metrics()
    spool = Spool(tmp_path, 1024 * 1024)
    spool.max_bytes = 100  # smaller than one batch
    buffer = make(real_store, Clock(), spool, max_rows=6, metrics=metrics)
    assert buffer.add(rows(2))
    assert not await buffer.flush()
    assert exported(metrics, "rumhouse_spool_full") == 1
    assert buffer.rows == 3
    assert buffer.add(rows(2))
    assert not buffer.add(rows(1))
    migrate.apply(real_store.client, settings.schema_dir)
    assert await buffer.replay_once()
    assert not buffer.degraded
    assert await real_store.query("SELECT count() FROM vitals_data") == [(2,)]


def test_spool_survives_a_restart_and_ignores_a_torn_record(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    first = spool.write(rows(1))
    second = spool.write(rows(2))
    assert first
    assert second
    with open(second, "ab") as file:  # a crash in the middle of the next record
        file.write(frame(rows(3))[:40])
    again = Spool(tmp_path, 1024 * 1024)
    assert again.pending == [first, second]
    assert again.new_path().name == "000000000003.seg"
    batch, torn = read_segment(second)
    assert torn == 1
    assert len(batch["vitals_data"]) == 2


async def test_durable_journal_acknowledges_after_fsync_and_seals_per_flush(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    migrate.apply(real_store.client, settings.schema_dir)
    metrics = Metrics()
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    journal = Journal(spool, metrics.fsyncs.inc)
    buffer = make(real_store, Clock(), spool, journal=journal, metrics=metrics)
    committer = asyncio.create_task(journal.run())
    beacons = [rows(1, view_id=i) for i in range(20)]
    futures = [journal.append(b) for b in beacons]
    for b in beacons:
        buffer.add(b)
    await asyncio.gather(*futures)  # acknowledged: every record is on disk
    # group commit: one fsync served many
    assert 1 <= exported(metrics, "rumhouse_journal_fsyncs") < 20
    [segment] = tmp_path.glob("*.seg")
    assert read_segment(segment)[0]["page_views_data"][1] == 20
    assert await buffer.flush()
    assert not segment.exists()  # written: the segment is no longer needed
    assert await real_store.query("SELECT count() FROM page_views_data") == [(20,)]
    committer.cancel()
    await journal.close()


class Outage:
    """The real store behind a switch: while ``down``, inserts fail as a dead server's do.
    Records the page views of the inserts that went through, in order."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.down = False
        self.views: list[str] = []

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        if self.down:
            raise ConnectionRefusedError("the store is down")
        await self.store.insert(table, columns, body, token)
        if table == "page_views_data":
            column = columns.index("page_view_id")
            self.views += [row[column] for row in orjson.loads(b"[" + body.rstrip() + b"]")]

    async def query(self, sql: str) -> list[tuple[Any, ...]]:
        return await self.store.query(sql)


async def test_while_the_spool_holds_a_batch_newer_ones_queue_behind_it(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """The store is back, with every table in place, but an older batch still waits in the
    spool: the new batch goes behind it, so the store receives them in order."""
    migrate.apply(real_store.client, settings.schema_dir)
    outage = Outage(real_store)
    buffer = make(outage, Clock(), Spool(tmp_path, 10 * 1024 * 1024))  # type: ignore[arg-type]
    buffer.add(rows(1, view_id=1))
    outage.down = True
    assert not await buffer.flush()
    outage.down = False
    buffer.add(rows(1, view_id=2))
    assert not await buffer.flush(), "spooled behind the older batch, not written"
    assert await real_store.query("SELECT count() FROM page_views_data") == [(0,)]
    assert len(buffer.spool.pending) == 2
    assert await buffer.replay_once()
    assert await buffer.replay_once()
    assert outage.views == ["pv00000000000001", "pv00000000000002"]
    assert not buffer.degraded
    buffer.add(rows(1, view_id=3))
    assert await buffer.flush(), "the spool is empty again: straight to the store"
    assert outage.views[-1] == "pv00000000000003"


class Stalled:
    """The real store, but an insert waits until ``release`` is set (a slow server)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        self.entered.set()
        await self.release.wait()
        await self.store.insert(table, columns, body, token)


async def cancelled_mid_insert(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> tuple[Buffer, Stalled]:
    """A buffer whose flush SIGTERM cancelled while the (stalled) store had its batch."""
    migrate.apply(real_store.client, settings.schema_dir)
    stalled = Stalled(real_store)
    buffer = make(stalled, Clock(), Spool(tmp_path, 10 * 1024 * 1024))  # type: ignore[arg-type]
    buffer.add(rows(2, view_id=7))
    flushing = asyncio.create_task(buffer.flush())
    await stalled.entered.wait()
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    return buffer, stalled


async def test_a_flush_cancelled_by_shutdown_loses_nothing(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """SIGTERM cancels the flusher while an insert is in flight, and the store still hangs:
    the batch it had taken is spooled by ``close`` and stored by the next start's replay."""
    buffer, _ = await cancelled_mid_insert(real_store, settings, tmp_path)
    await buffer.close(deadline=Clock().now + 5)
    assert len(list(tmp_path.glob("*.seg"))) == 1, "the batch in flight is in the spool"
    restarted = make(real_store, Clock(), Spool(tmp_path, 10 * 1024 * 1024))
    assert await restarted.replay_once()
    assert await real_store.query("SELECT count() FROM vitals_data") == [(2,)]
    assert not list(tmp_path.glob("*.seg"))


async def test_shutdown_writes_the_batch_of_a_cancelled_flush_while_the_store_takes_writes(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGTERM cancels the flusher mid-insert, then the store answers again: ``close``
    writes that batch, and what was queued behind it, rather than leaving them to the next
    start (whose spool folder a replaced machine may not have)."""
    buffer, stalled = await cancelled_mid_insert(real_store, settings, tmp_path)
    buffer.add(rows(1, view_id=8))  # queued behind it
    stalled.release.set()
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await buffer.close(deadline=Clock().now + 5)
    assert await real_store.query("SELECT count() FROM vitals_data") == [(3,)]
    assert not list(tmp_path.glob("*.seg")), "nothing left for the next start"
    assert said(caplog) == [
        "shutdown: 5 rows written, 0 spooled; the spool keeps 0 segment(s), 0 bytes,"
        " for the next start"
    ]


async def durable(store: Any, folder: Path, view_id: int) -> tuple[Buffer, Journal]:
    """A durable-mode buffer over ``store`` holding one beacon, acknowledged (fsynced)."""
    spool = Spool(folder, 10 * 1024 * 1024)
    journal = Journal(spool)
    buffer = make(store, Clock(), spool, journal=journal)
    committed = journal.append(rows(1, view_id=view_id))
    buffer.add(rows(1, view_id=view_id))
    await journal.commit()
    await committed
    return buffer, journal


async def test_in_durable_mode_a_cancelled_flush_hands_its_segment_to_the_spool(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    migrate.apply(real_store.client, settings.schema_dir)
    stalled = Stalled(real_store)
    buffer, journal = await durable(stalled, tmp_path, view_id=9)
    flushing = asyncio.create_task(buffer.flush())
    await stalled.entered.wait()
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    [segment] = tmp_path.glob("*.seg")
    assert buffer.spool.pending == [segment], "the sealed segment, not a copy of its rows"
    assert buffer.degraded
    await journal.close()
    restarted = make(real_store, Clock(), Spool(tmp_path, 10 * 1024 * 1024))
    assert await restarted.replay_once()
    assert await real_store.query("SELECT count() FROM page_views_data") == [(1,)]


async def test_held_batches_wait_while_the_store_is_down_and_go_in_first_when_it_is_back(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A full spool keeps batches in memory: a replay while the store is still down keeps
    them (and says so), the next one after the outage stores them in order."""
    migrate.apply(real_store.client, settings.schema_dir)
    outage = Outage(real_store)
    spool = Spool(tmp_path, 1024 * 1024)
    spool.max_bytes = 100  # smaller than one batch
    buffer = make(outage, Clock(), spool)  # type: ignore[arg-type]
    outage.down = True
    for view in (1, 2):
        buffer.add(rows(1, view_id=view))
        with caplog.at_level("ERROR", logger="collector.write.buffer"):
            assert not await buffer.flush()
    assert caplog.messages.count("the spool is full (0 bytes): 2 rows held in memory") == 2
    assert not await buffer.replay_once(), "still down: nothing went in"
    assert buffer.degraded
    outage.down = False
    assert await buffer.replay_once()
    assert await buffer.replay_once()
    assert outage.views == ["pv00000000000001", "pv00000000000002"]
    assert not buffer.degraded
    assert await buffer.replay_once(), "nothing waits: done"


async def test_a_torn_record_is_skipped_with_a_warning_naming_its_segment(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migrate.apply(real_store.client, settings.schema_dir)
    spool = Spool(tmp_path, 1024 * 1024)
    path = spool.write(rows(2))
    assert path is not None
    with open(path, "ab") as file:  # the crash came in the middle of the next record
        file.write(frame(rows(3))[:40])
    buffer = make(real_store, Clock(), Spool(tmp_path, 1024 * 1024))
    with caplog.at_level("WARNING", logger="collector.write.buffer"):
        assert await buffer.replay_once()
    said = [r.getMessage() for r in caplog.records if r.name == "collector.write.buffer"]
    assert said == [f"{path.name}: skipped a torn record (never acknowledged)"]
    assert await real_store.query("SELECT count() FROM vitals_data") == [(2,)]


async def test_in_durable_mode_a_failed_flush_replays_the_journal_segment_itself(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """The beacons are already on disk in the sealed segment: that file is queued for replay,
    no second copy of its rows is written."""
    migrate.apply(real_store.client, settings.schema_dir)
    outage = Outage(real_store)
    buffer, journal = await durable(outage, tmp_path, view_id=4)
    outage.down = True
    assert not await buffer.flush()
    [segment] = tmp_path.glob("*.seg")
    assert buffer.spool.pending == [segment]
    outage.down = False
    assert await buffer.replay_once()
    assert outage.views == ["pv00000000000004"]
    assert not segment.exists()
    await journal.close()


async def test_a_full_buffer_refuses_with_503_reasons_and_retry_after(
    real_store: EmbeddedStore, tmp_path: Path
) -> None:
    """Memory mode: a full spool alone does not refuse (the buffer still has room); a full
    buffer does, as buffer_full, whatever the spool holds."""
    spool = Spool(tmp_path, 1024 * 1024)
    spool.write(rows(5))
    spool.max_bytes = 1  # and full
    buffer = make(real_store, Clock(), spool, max_rows=3)
    assert await buffer.accept(rows(2)) is None, "3 rows: exactly the limit"
    refused = await buffer.accept(rows(1))
    assert refused is not None
    assert (refused.status, refused.retry_after) == (503, 5)
    assert refused.body() == {
        "error": "buffer_full",
        "message": "the collector cannot store more right now; retry later",
    }
    assert buffer.rows == 3


def said(caplog: pytest.LogCaptureFixture, level: str = "INFO") -> list[str]:
    """What the buffer logged at ``level``."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "collector.write.buffer" and r.levelname == level
    ]


async def test_shutdown_with_the_store_up_writes_what_is_queued(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The log line counts the rows written at shutdown, not those written before it."""
    migrate.apply(real_store.client, settings.schema_dir)
    buffer = make(real_store, Clock(), Spool(tmp_path, 1024 * 1024))
    buffer.add(rows(4, view_id=1))  # 5 rows, written before the shutdown
    assert await buffer.flush()
    buffer.add(rows(2))
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await buffer.close(deadline=Clock().now + 5)
    assert await real_store.query("SELECT count() FROM vitals_data") == [(6,)]
    assert not list(tmp_path.glob("*.seg")), "written, not spooled"
    assert said(caplog) == [
        "shutdown: 3 rows written, 0 spooled; the spool keeps 0 segment(s), 0 bytes,"
        " for the next start"
    ]


async def test_shutdown_spools_at_its_deadline_while_the_store_hangs(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path
) -> None:
    """The store would take an hour: the deadline, not the sink timeout, ends the insert."""
    migrate.apply(real_store.client, settings.schema_dir)
    clock = Clock()
    buffer = make(Stalled(real_store), clock, Spool(tmp_path, 1024 * 1024), sink_timeout=3600)  # type: ignore[arg-type]
    buffer.add(rows(2))
    closing = asyncio.ensure_future(buffer.close(deadline=clock.now))
    done, _ = await asyncio.wait([closing], timeout=30)  # a deadline for the test only
    assert done, "close() waited for the hanging store past its deadline"
    assert len(list(tmp_path.glob("*.seg"))) == 1


class DownThenStalled(Stalled):
    """Down (inserts refused) until ``down`` is cleared, then as slow as ``Stalled``."""

    def __init__(self, store: EmbeddedStore) -> None:
        super().__init__(store)
        self.down = True

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        if self.down:
            raise ConnectionRefusedError("the store is down")
        await super().insert(table, columns, body, token)


@pytest.mark.parametrize("where", ["spool", "memory"])
async def test_shutdown_stops_replaying_older_batches_at_its_deadline_while_the_store_hangs(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, where: str
) -> None:
    """A batch waits from an outage (in the spool, or in memory when the spool is full); the
    store comes back too slow to answer: shutdown's replay ends at its deadline, not the sink
    timeout's hour, and the batch is still there."""
    migrate.apply(real_store.client, settings.schema_dir)
    clock, sink = Clock(), DownThenStalled(real_store)
    spool = Spool(tmp_path, 1024 * 1024)
    if where == "memory":
        spool.max_bytes = 100  # smaller than one batch
    buffer = make(sink, clock, spool, sink_timeout=3600)  # type: ignore[arg-type]
    buffer.add(rows(2))
    assert not await buffer.flush()
    waiting = (len(spool.pending), buffer.rows)  # (1, 0) spooled, or (0, n) held
    sink.down = False
    closing = asyncio.ensure_future(buffer.close(deadline=clock.now + 1))
    done, _ = await asyncio.wait([closing], timeout=30)  # a deadline for the test only
    assert done, "close() waited for the hanging store past its deadline"
    assert sink.entered.is_set(), "the replay was tried"
    assert waiting[1 if where == "memory" else 0] > 0
    assert (len(spool.pending), buffer.rows) == waiting, "still waiting, nothing lost"


async def test_shutdown_spools_held_batches_once_the_spool_has_room_and_logs_what_it_cannot(
    real_store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    spool.max_bytes = 100  # smaller than one batch
    buffer = make(real_store, Clock(), spool)  # no tables: every insert fails
    for view in (1, 3):  # a batch of 2 rows, one of 4
        buffer.add(rows(view, view_id=view))
        assert not await buffer.flush()
    assert buffer.rows == 6, "two batches held in memory"
    spool.max_bytes = len(frame(rows(1, view_id=1))) + 10  # room for one of them
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await buffer.close(deadline=Clock().now + 5)
    [segment] = tmp_path.glob("*.seg")
    assert read_segment(segment)[0]["page_views_data"][1] == 1
    assert said(caplog) == [
        "shutdown: 0 rows written, 2 spooled; the spool keeps 1 segment(s),"
        f" {segment.stat().st_size} bytes, for the next start"
    ]
    assert said(caplog, "ERROR")[-1] == (
        "shutting down with 4 rows neither written nor spooled (spool full)"
    )
