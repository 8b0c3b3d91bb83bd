"""A migrated embedded store for the alert rules' tests, and a fixed evaluation time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.store import migrate
from collector.store.client import open_client


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
