"""A writer rolls up hours through the SQL endpoint (as ``rumhouse simulate --days`` does
while a collector holds the folder), and may do nothing else with INSERT ... SELECT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from collector.access import SqlUser
from collector.settings import load_settings
from collector.store import rollups
from tests.conftest import Collector, beacon, start_collector
from tests.integration.test_sql_endpoint import WRITER, client


@pytest.fixture
async def sql(tmp_path: Path) -> AsyncIterator[Collector]:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        sql_users=(SqlUser(name="default"), WRITER),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def test_sql_writer_rolls_up_hours_and_nothing_else(sql: Collector) -> None:
    await sql.post(beacon(metrics=[{"name": "LCP", "value": 2000}]))
    await sql.flush()
    writer = await client(sql, username=WRITER.name, password=WRITER.password)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    params = {"start": hour, "end": hour + timedelta(hours=1)}
    for statement in (rollups.BY_SEGMENT, rollups.BY_PAGE, rollups.SESSIONS, rollups.BY_SESSION):
        await asyncio.to_thread(writer.command, statement, parameters=params)
    assert await sql.query(
        "SELECT page_views FROM vitals_hourly_pages WHERE metric = 'LCP'"
        " AND version > now() - INTERVAL 1 HOUR"
    ) == [(1,)]
    assert await sql.query(
        "SELECT sessions, landing_lcp_rating FROM sessions_hourly"
        " WHERE version > now() - INTERVAL 1 HOUR"
    ) == [(1, "good")]
    refused = {
        "another table": "INSERT INTO events (ts, site, name) SELECT now(), 'x', 'y'",
        "settings": f"{rollups.BY_PAGE} SETTINGS max_memory_usage = 0",
        "settings in a subquery": "INSERT INTO vitals_hourly_pages_data (site) SELECT site FROM"
        " vitals WHERE site IN (SELECT site FROM vitals SETTINGS max_memory_usage = 0)",
        "a file": "INSERT INTO FUNCTION file('/tmp/out.csv', 'CSV', 'a UInt8') SELECT 1",
        "a read outside": "INSERT INTO vitals_hourly_data (site) SELECT * FROM file('/etc/passwd')",
        "another database": "INSERT INTO system.one SELECT 1",
    }
    for why, statement in refused.items():
        with pytest.raises(DatabaseError, match="497"):  # noqa: PT012 (the reason, if not)
            await asyncio.to_thread(writer.command, statement, parameters=params)
            pytest.fail(why)
    analyst = await client(sql)
    with pytest.raises(DatabaseError, match="164"):
        await asyncio.to_thread(analyst.command, rollups.BY_PAGE, parameters=params)
