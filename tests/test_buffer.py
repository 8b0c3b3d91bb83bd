"""The buffer decides when to write; writes go to the real engine. Only the clock is fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from collector import migrate
from collector.buffer import Buffer
from collector.enrich import Client, Enricher
from collector.enrich.geo import CountryLookup
from collector.rows import rows_by_table
from collector.settings import Settings, load_settings
from collector.sinks.clickhouse import Store
from collector.validate import parse_beacon
from tests.conftest import DESKTOP_CHROME, beacon


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def real_store(store: Any) -> Iterator[Store]:
    wrapped = Store(store)
    yield wrapped
    wrapped._thread.shutdown()


def rows(n: int = 1) -> dict[str, list[tuple[Any, ...]]]:
    """One page view row and ``n`` vitals rows (distinct metrics)."""
    metrics = [{"name": name, "value": 1.0} for name in ("LCP", "FCP", "TTFB", "CLS", "INP")[:n]]
    view, _ = Enricher(CountryLookup(), load_settings(open_mode=True)).enrich(
        parse_beacon(orjson.dumps(beacon(metrics=metrics))),
        Client("203.0.113.9", DESKTOP_CHROME),
        datetime.now(UTC),
    )
    return rows_by_table(view)


def make(store: Store, clock: Clock, **kw: Any) -> Buffer:
    options: dict[str, Any] = {"flush_rows": 100, "flush_interval": 1.0, "max_rows": 1000} | kw
    return Buffer(store, clock=clock, **options)


def test_buffer_flush_due_after_flush_interval_of_oldest_row(real_store: Store) -> None:
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


def test_buffer_flush_due_at_once_when_flush_rows_reached(real_store: Store) -> None:
    buffer = make(real_store, Clock(), flush_rows=5)
    buffer.add(rows(2))
    assert buffer.due_in() == 1.0
    buffer.add(rows(2))  # 2 page views + 4 vitals rows
    assert buffer.due_in() == 0.0


def test_buffer_refuses_when_full_and_keeps_what_it_holds(real_store: Store) -> None:
    buffer = make(real_store, Clock(), max_rows=4)
    assert buffer.add(rows(3))
    assert not buffer.add(rows(1))
    assert buffer.rows == 4


async def test_buffer_keeps_rows_when_insert_fails_and_writes_them_on_retry(
    real_store: Store, settings: Settings
) -> None:
    buffer = make(real_store, Clock())
    buffer.add(rows(2))
    assert not await buffer.flush()  # no tables yet: the engine refuses the insert
    assert buffer.rows == 3
    assert not buffer.healthy
    migrate.apply(real_store.client, settings.schema_dir)
    assert await buffer.flush()
    assert buffer.rows == 0
    assert buffer.healthy
    assert await real_store.query("SELECT count() FROM vitals_data") == [(2,)]
