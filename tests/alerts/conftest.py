"""Fixtures of the alert tests: a migrated embedded store and a fixed evaluation time (the
rules), a webhook receiver on loopback (the notifications)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.store import migrate
from collector.store.client import open_client
from tests.alerts.receiver import Receiver, start_receiver


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    client = open_client(settings)
    migrate.apply(client, settings.schema_dir)
    yield client
    client.close()


@pytest.fixture
def now() -> datetime:
    """Evaluation time: the current minute (the rows' TTL is relative to the real clock)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    runner, receiver = await start_receiver()
    yield receiver
    receiver.release.set()
    receiver.gate.set()
    await runner.cleanup()
