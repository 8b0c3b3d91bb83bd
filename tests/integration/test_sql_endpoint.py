"""The ClickHouse-compatible endpoint, through real ClickHouse clients and plain HTTP."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import clickhouse_connect
import orjson
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from collector.access import SqlUser
from collector.http import keys
from collector.settings import load_settings
from tests.conftest import Collector, beacon, start_collector

WRITER = SqlUser(name="ingest", password="correct-horse-battery", role="writer")


@pytest.fixture
async def sql(tmp_path: Path) -> AsyncIterator[Collector]:
    """A collector with a writer user and a 2-second query limit."""
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, sql_max_execution_time=2,
        open_mode=True,
        sql_users=(SqlUser(name="default"), WRITER),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def client(collector: Collector, **kw: Any) -> Any:
    """clickhouse-connect's HTTP client (created off the loop: it talks to this loop's server)."""
    parts = urlsplit(collector.app[keys.SQL_URL])
    return await asyncio.to_thread(
        clickhouse_connect.get_client,
        host=parts.hostname, port=parts.port, send_receive_timeout=30, **kw,
    )  # fmt: skip


async def with_data(collector: Collector) -> None:
    await collector.post(
        beacon(metrics=[{"name": "LCP", "value": 2000}, {"name": "INP", "value": 90}])
    )
    await collector.flush()


async def raw(collector: Collector, sql: str, **params: str) -> tuple[int, dict[str, str], str]:
    url = collector.app[keys.SQL_URL]
    async with collector.http.post(url, data=sql.encode(), params=params) as response:
        return response.status, dict(response.headers), await response.text()


async def test_sql_endpoint_answers_ping_and_root_like_clickhouse(sql: Collector) -> None:
    for path in ("/ping", "/"):
        async with sql.http.get(sql.app[keys.SQL_URL] + path) as response:
            assert (response.status, await response.text()) == (200, "Ok.\n")


async def test_sql_clickhouse_connect_runs_parameterised_queries(sql: Collector) -> None:
    await with_data(sql)
    ch = await client(sql)
    result = await asyncio.to_thread(
        ch.query,
        "SELECT metric, value FROM vitals WHERE site = {site:String} ORDER BY metric",
        parameters={"site": "shop"},
    )
    assert result.result_rows == [("INP", 90.0), ("LCP", 2000.0)]
    assert result.summary["read_rows"] != "0"


async def test_sql_formats_and_headers_follow_the_clickhouse_interface(sql: Collector) -> None:
    await with_data(sql)
    status, headers, body = await raw(
        sql, "SELECT metric FROM vitals ORDER BY metric", default_format="JSONCompact"
    )
    assert status == 200
    assert orjson.loads(body)["data"] == [["INP"], ["LCP"]]
    assert headers["X-ClickHouse-Format"] == "JSONCompact"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-ClickHouse-Timezone"]
    assert headers["X-ClickHouse-Query-Id"]
    assert "read_rows" in orjson.loads(headers["X-ClickHouse-Summary"])
    status, headers, body = await raw(sql, "SELECT 1 AS one FORMAT CSVWithNames")
    assert (status, body, headers["X-ClickHouse-Format"]) == (200, '"one"\n1\n', "CSVWithNames")
    status, _, body = await raw(sql, "SELECT {n:UInt8} * 2", param_n="21")
    assert (status, body) == (200, "42\n")


@pytest.mark.parametrize(
    ("statement", "params", "code"),
    [
        ("INSERT INTO vitals_data (site) VALUES ('x')", {}, 164),
        ("DROP TABLE vitals_data", {}, 164),
        ("ALTER TABLE vitals_data DELETE WHERE 1", {}, 164),
        ("TRUNCATE TABLE errors", {}, 164),
        ("SET readonly = 0", {}, 164),
        ("SELECT count() FROM vitals SETTINGS readonly = 0", {}, 164),
        ("SELECT count() FROM vitals", {"readonly": "0"}, 164),
        ("SELECT count() FROM vitals", {"allow_ddl": "1"}, 164),
        ("SELECT * FROM file('/etc/passwd', 'LineAsString')", {}, 497),
        ("SELECT 1; DROP TABLE vitals_data", {}, 62),
        ("CREATE TABLE x (a UInt8) ENGINE = Memory", {}, 164),
    ],
)
async def test_sql_analyst_cannot_escape_read_only(
    sql: Collector, statement: str, params: dict[str, str], code: int
) -> None:
    await with_data(sql)
    status, headers, body = await raw(sql, statement, **params)
    assert headers["X-ClickHouse-Exception-Code"] == str(code), body
    assert body.startswith(f"Code: {code}. DB::Exception: ")
    assert status >= 400
    assert await sql.query("SELECT count() FROM vitals") == [(2,)]
    assert len(await sql.query("SHOW TABLES")) >= 7


async def test_sql_wrong_credentials_get_the_authentication_error(sql: Collector) -> None:
    url = sql.app[keys.SQL_URL]
    attempts: list[dict[str, Any]] = [
        {"headers": {"Authorization": "Basic " + base64.b64encode(b"ingest:wrong").decode()}},
        {"headers": {"X-ClickHouse-User": "nobody", "X-ClickHouse-Key": ""}},
        {"params": {"user": "default", "password": "guess"}},
    ]
    for attempt in attempts:
        async with sql.http.post(url, data=b"SELECT 1", **attempt) as response:
            assert response.headers["X-ClickHouse-Exception-Code"] == "516"
            assert "Authentication failed" in await response.text()
    with pytest.raises(DatabaseError, match="516"):
        await client(sql, username="ingest", password="nope")


async def test_sql_writer_inserts_with_clickhouse_connect(sql: Collector) -> None:
    writer = await client(sql, username=WRITER.name, password=WRITER.password)
    now = datetime.now(UTC)
    rows = [[now, "shop", "add_to_cart", 49.9], [now, "shop", "checkout", None]]
    summary = await asyncio.to_thread(
        writer.insert, "events", rows, column_names=["ts", "site", "name", "value"]
    )
    assert summary.written_rows == 2
    assert await sql.query("SELECT name, value FROM events ORDER BY name") == [
        ("add_to_cart", 49.9), ("checkout", None),
    ]  # fmt: skip
    with pytest.raises(DatabaseError, match="497"):
        await asyncio.to_thread(
            writer.insert,
            "schema_migrations",
            [[9, "x", "y"]],
            column_names=["version", "name", "checksum"],
        )
    with pytest.raises(DatabaseError, match="164"):
        await asyncio.to_thread(
            (await client(sql)).insert, "events", rows, column_names=["ts", "site", "name", "value"]
        )


async def test_sql_query_time_is_limited_and_does_not_stall_ingestion(sql: Collector) -> None:
    slow = asyncio.create_task(
        raw(sql, "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 3 = 7")
    )
    # Until the engine runs it: one of the endpoint's query slots is taken.
    running = sql.app[keys.SQL_RUNNING]
    deadline = time.monotonic() + 30  # bounds a broken run only
    while not running():
        assert time.monotonic() < deadline, "the slow query never started"
        await asyncio.sleep(0.01)
    assert (await sql.post(beacon(page_view_id="duringslowquery"))).status == 204
    await sql.flush()
    assert not slow.done(), "the insert finished while the analyst query was still running"
    status, headers, body = await slow
    assert headers["X-ClickHouse-Exception-Code"] == "159", body
    assert status == 408
    assert await sql.query("SELECT count() FROM page_views") == [(1,)]


async def test_sql_accepts_max_execution_time_as_grafana_sends_it(sql: Collector) -> None:
    status, _, body = await raw(sql, "SELECT 1", max_execution_time="60")
    assert (status, body) == (200, "1\n")


async def test_sql_writer_inserts_a_large_batch_in_one_request(sql: Collector) -> None:
    writer = await client(sql, username=WRITER.name, password=WRITER.password, compress=False)
    now = datetime.now(UTC)
    rows = [[now, "shop", f"event-{i % 50}", float(i)] for i in range(50_000)]
    summary = await asyncio.to_thread(
        writer.insert, "events", rows, column_names=["ts", "site", "name", "value"]
    )
    assert summary.written_rows == 50_000
    assert await sql.query("SELECT count(), sum(value) FROM events") == [
        (50_000, sum(range(50_000)))
    ]
