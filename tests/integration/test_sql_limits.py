"""Heavy analyst queries cannot endanger ingestion: a real collector process, beacons flowing
the whole time, its resident memory read from /proc, hostile queries and bodies over HTTP."""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from backports import zstd

from tests.cli.test_main import listening, wait_healthy
from tests.conftest import DESKTOP_CHROME, beacon

BIN = Path(sys.executable).parent
GIB = 1024**3
# Strings of about 1 KB each: the memory limit is reached within a few million rows, long
# before the query's time limit, even on a busy machine.
HEAVY_AGGREGATE = "SELECT length(groupArray(repeat(toString(number), 100))) FROM numbers(400000000)"
HEAVY_RESULT = "SELECT number, toString(number) FROM system.numbers LIMIT 300000000"
SLOW = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 3 = 7"


def peak_rss(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes, as the kernel counts it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """A collector with the default limits, but a short queue wait and query time."""
    env = os.environ | {"RUMHOUSE_SQL_QUEUE_TIMEOUT": "0.5", "RUMHOUSE_SQL_MAX_EXECUTION_TIME": "8"}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [BIN / "rumhouse", "serve", "--open", "--data", str(tmp_path / "data"),
             "--port", "0", "--sql-port", "0", "--admin-port", "0"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        urls = listening(log, proc)
        assert urls.sql
        wait_healthy(urls.url, proc)
        yield urls.url, urls.sql, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


async def query(http: aiohttp.ClientSession, sql_url: str, sql: str) -> tuple[int, str, str]:
    """Status, exception code and the last 4 KB of the body (read whole, kept bounded)."""
    async with http.post(sql_url, data=sql.encode()) as response:
        tail = b""
        async for chunk in response.content.iter_chunked(1024**2):
            tail = (tail + chunk)[-4096:]
        code = response.headers.get("X-ClickHouse-Exception-Code", "")
        return response.status, code, tail.decode(errors="replace")


async def post_beacons(http: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list[str]:
    """Beacons one after another until ``stop``; the ids of those answered 204."""
    acked: list[str] = []
    headers = {"Content-Type": "text/plain", "User-Agent": DESKTOP_CHROME}
    while not stop.is_set() and len(acked) < 5000:
        page_view_id = f"limits{len(acked):010d}"
        body = orjson.dumps(beacon(page_view_id=page_view_id))
        async with http.post(f"{url}/v1/beacon", data=body, headers=headers) as response:
            if response.status == 204:
                acked.append(page_view_id)
        await asyncio.sleep(0.02)
    return acked


async def stored_count(
    http: aiohttp.ClientSession, sql_url: str, expected: int
) -> tuple[int, str, str]:
    """The count of this test's page views, polled until it reaches ``expected`` (the
    collector flushes within its 1 s flush age) or a generous deadline passes."""
    sql = "SELECT count() FROM page_views WHERE page_view_id LIKE 'limits%'"
    for _ in range(300):
        answer = await query(http, sql_url, sql)
        if answer[2].strip() == str(expected):
            break
        await asyncio.sleep(0.1)
    return answer


def bomb(encoding: str, expanded: int) -> bytes:
    """A body of a few MB that expands to ``expanded`` bytes of zeros."""
    if encoding == "zstd":
        return bytes(zstd.compress(b"\0" * (64 * 1024**2)) * (expanded // (64 * 1024**2)))
    packer = zlib.compressobj(9, wbits=16 + zlib.MAX_WBITS)
    block = b"\0" * (16 * 1024**2)
    parts = [packer.compress(block) for _ in range(expanded // len(block))]
    return b"".join(parts) + packer.flush()


async def test_limits_heavy_queries_and_bombs_are_refused_and_ingestion_goes_on(
    collector: tuple[str, str, int],
) -> None:
    url, sql_url, pid = collector
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        load = asyncio.create_task(post_beacons(http, url, stop))
        aggregate = await query(http, sql_url, HEAVY_AGGREGATE)
        # Streamed, the result costs no memory; its size limit (sql_max_result_bytes) ends it.
        result = await query(http, sql_url, HEAVY_RESULT)
        together = await asyncio.gather(*(query(http, sql_url, HEAVY_AGGREGATE) for _ in range(2)))
        slow = await asyncio.gather(*(query(http, sql_url, SLOW) for _ in range(3)))
        bombs = {}
        for encoding in ("gzip", "zstd"):
            body = bomb(encoding, 2 * GIB)
            assert len(body) < 8 * 1024**2
            async with http.post(
                sql_url, data=io.BytesIO(body), headers={"Content-Encoding": encoding}
            ) as response:
                bombs[encoding] = (response.status, response.headers["X-ClickHouse-Exception-Code"])
        # A failed query's partial output must not reach the next query of its session.
        after = [await query(http, sql_url, "SELECT 'clean'") for _ in range(6)]
        stop.set()
        acked = await load
        stored = await stored_count(http, sql_url, len(acked))
    assert aggregate[:2] == (400, "241"), aggregate
    assert "memory limit exceeded" in aggregate[2].lower()
    # Sent as it is read; past sql_max_result_bytes the body ends with the error, as
    # ClickHouse ends a response whose status line has gone.
    assert result[0] == 200
    assert result[2].rstrip().endswith("(TOO_MANY_ROWS_OR_BYTES)"), result[2][-300:]
    assert "Code: 396. DB::Exception: Limit for result exceeded" in result[2]
    assert [answer[:2] for answer in together] == [(400, "241")] * 2
    assert sorted(answer[1] for answer in slow) == ["159", "159", "202"], [a[2][:300] for a in slow]
    assert bombs == {"gzip": (413, "307"), "zstd": (413, "307")}
    assert after == [(200, "", "clean\n")] * 6
    assert peak_rss(pid) < 2 * GIB, f"peak RSS {peak_rss(pid) / GIB:.2f} GiB"
    assert len(acked) > 50
    assert stored[:2] == (200, ""), stored
    assert int(stored[2]) == len(acked)


def test_limits_bomb_helper_really_expands() -> None:
    """The gzip bomb above is what it claims: a small body, gigabytes once expanded."""
    body = bomb("gzip", 64 * 1024**2)
    assert len(body) < 1024**2
    assert len(gzip.decompress(body)) == 64 * 1024**2
