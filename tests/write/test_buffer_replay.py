"""The replayer: it drains the spool oldest first, backs off while the store fails (0.5 s,
doubling, at most 30 s; back to 0.5 s after a success), and says when the store takes writes
again and when the spool is drained. The store is the real engine behind a planned outage;
the backoff's sleep is recorded instead of waited."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from collector.settings import Settings
from collector.store import migrate
from collector.store.client import EmbeddedStore
from collector.write.buffer import Buffer
from collector.write.spool import Spool
from tests.write.test_buffer import Clock, make, real_store, rows, said

__all__ = ["real_store"]  # the fixture, imported so that pytest finds it here


class Planned:
    """The real store; each batch's first insert (its page view) fails or goes in as
    ``plan`` says, in order; once the plan is used up, everything goes in."""

    def __init__(self, store: EmbeddedStore, plan: list[bool]) -> None:
        self.store = store
        self.plan = plan
        self.views: list[str] = []

    async def insert(self, table: str, columns: Any, body: bytes, token: str) -> None:
        if table == "page_views_data":
            if self.plan and not self.plan.pop(0):
                raise ConnectionRefusedError("the store is down")
            self.views.append(body.split(b'"pv', 1)[1][:14].decode())
        await self.store.insert(table, columns, body, token)


class Delays(list[float]):
    """The backoff's sleeps, recorded; each yields to the loop once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


async def replay_until_drained(buffer: Buffer) -> None:
    """Runs the replayer until nothing waits, then stops it (it would wait for more)."""
    replaying = asyncio.ensure_future(buffer.replay())
    async with asyncio.timeout(60):  # bounds a broken run only
        while buffer.degraded and not replaying.done():
            await asyncio.sleep(0.01)
    replaying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await replaying


async def spooled(store: Planned, folder: Path, views: int, delays: Delays) -> Buffer:
    """A buffer whose spool holds one batch per page view, oldest first."""
    spool = Spool(folder, 1024 * 1024)
    for view in range(1, views + 1):
        spool.write(rows(1, view_id=view))
    return make(store, Clock(), Spool(folder, 1024 * 1024), sleep=delays)  # type: ignore[arg-type]


async def test_replay_backs_off_doubling_up_to_30_s_and_starts_over_after_a_success(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migrate.apply(real_store.client, settings.schema_dir)
    store = Planned(real_store, [False] * 8 + [True, False, True])
    delays = Delays()
    buffer = await spooled(store, tmp_path, 2, delays)
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await replay_until_drained(buffer)
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 0.5]
    assert store.views == ["00000000000001", "00000000000002"]
    assert said(caplog) == ["the store takes writes again", "spool drained"]
    assert await real_store.query("SELECT count() FROM page_views_data") == [(2,)]


async def test_replay_without_a_failure_says_once_that_the_spool_is_drained(
    real_store: EmbeddedStore, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migrate.apply(real_store.client, settings.schema_dir)
    store = Planned(real_store, [])
    delays = Delays()
    buffer = await spooled(store, tmp_path, 2, delays)
    with caplog.at_level("INFO", logger="collector.write.buffer"):
        await replay_until_drained(buffer)
    assert delays == []
    assert store.views == ["00000000000001", "00000000000002"]
    assert said(caplog) == ["spool drained"]


def test_buffer_flush_due_at_once_at_exactly_flush_rows(real_store: EmbeddedStore) -> None:
    buffer = make(real_store, Clock(), flush_rows=6)
    buffer.add(rows(2))
    buffer.add(rows(2))  # 2 page views + 4 vitals rows: exactly 6
    assert buffer.due_in() == 0.0
