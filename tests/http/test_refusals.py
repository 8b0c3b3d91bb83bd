"""Every refusal over real HTTP: its status, its Retry-After, and what /readyz says meanwhile.

The rate limits are read with a frozen clock handed to the collector's own admission (so no
token refills while the test sends); everything else is the real collector on the real engine.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from collector.app import ACCESS_LOG_FORMAT, create_app
from collector.http import keys
from collector.ingest.admission import Admission
from collector.ingest.outcomes import STATUS
from collector.settings import load_settings
from tests.conftest import Collector, beacon

ORIGIN = "https://shop.example"
SITE = {"key": "shop", "origins": [ORIGIN]}


class Frozen:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


Start = Callable[..., Any]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """``await start(**settings)``: a collector (not in open mode) whose admission reads
    ``clock``; stopped at the end of the test."""
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def started(clock: Frozen | None = None, **overrides: Any) -> Collector:
        options: dict[str, Any] = {
            "data": tmp_path / f"data{len(runners)}",
            "port": 0,
            "sql_port": 0,
            "admin_port": 0,
            "sites": [SITE],
        } | overrides
        settings = load_settings(**options)
        app = create_app(settings)
        if clock is not None:
            app[keys.ADMISSION] = Admission(settings, clock=clock)
        runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        runners.append(runner)
        sessions.append(aiohttp.ClientSession())
        return Collector(app, f"http://127.0.0.1:{port}", sessions[-1])

    yield started
    for session in sessions:
        await session.close()
    for runner in runners:
        await runner.cleanup()


async def readyz(collector: Collector) -> tuple[int, dict[str, Any]]:
    async with collector.http.get(f"{collector.url}/readyz") as response:
        return response.status, await response.json()


async def test_default_client_rate_limit_is_20_per_second_in_bursts_of_40(start: Start) -> None:
    """As documented: `client_rate_limit` 20 beacons/s from one address, bursts of twice that."""
    clock = Frozen()
    collector = await start(clock, sites=[SITE | {"rate_limit": 10_000}])
    statuses = [(await collector.post(beacon(), Origin=ORIGIN)).status for _ in range(40)]
    assert statuses == [204] * 40
    refused = await collector.post(beacon(), Origin=ORIGIN)
    assert refused.status == 429
    assert refused.body == {"error": "rate_limited", "message": "too many beacons from this client"}
    assert refused.headers["Retry-After"] == "1"  # 1/20 s, rounded up to whole seconds
    clock.now += 0.05  # one token back at 20 per second
    assert (await collector.post(beacon(), Origin=ORIGIN)).status == 204
    assert (await collector.post(beacon(), Origin=ORIGIN)).status == 429


async def test_site_rate_limit_answers_retry_after_from_the_rate(start: Start) -> None:
    clock = Frozen()
    collector = await start(clock, sites=[SITE | {"rate_limit": 0.25}], client_rate_limit=1000)
    # A burst of twice the rate, but at least one beacon: one goes through.
    assert (await collector.post(beacon(), Origin=ORIGIN)).status == 204
    refused = await collector.post(beacon(), Origin=ORIGIN)
    assert (refused.status, refused.body["error"]) == (429, "rate_limited")
    assert refused.body["message"] == "too many beacons from site 'shop'"
    assert refused.headers["Retry-After"] == "4"  # a whole token missing at 0.25 per second
    clock.now += 2.0
    assert (await collector.post(beacon(), Origin=ORIGIN)).headers["Retry-After"] == "2"
    clock.now += 2.0
    assert (await collector.post(beacon(), Origin=ORIGIN)).status == 204


async def test_full_buffer_answers_503_with_retry_after_and_readyz_503(start: Start) -> None:
    """A store that never takes a batch (no flush is due: huge interval and batch size)."""
    collector = await start(max_buffer_rows=3, flush_interval=60, flush_rows=1000)
    assert (await readyz(collector))[0] == 200
    first = await collector.post(beacon(), Origin=ORIGIN)  # a page view and one vital: 2 rows
    second = await collector.post(beacon(page_view_id="m3k2p9xxabcdef13"), Origin=ORIGIN)
    refused = await collector.post(beacon(page_view_id="m3k2p9xxabcdef14"), Origin=ORIGIN)
    assert (first.status, second.status, refused.status) == (204, 204, 503)
    assert refused.body["error"] == "buffer_full"
    assert refused.headers["Retry-After"] == "5"
    status, body = await readyz(collector)
    assert (status, body["status"]) == (503, "not ready")
    await collector.flush()
    assert (await readyz(collector))[0] == 200
    assert (
        await collector.post(beacon(page_view_id="m3k2p9xxabcdef15"), Origin=ORIGIN)
    ).status == 204


async def test_full_spool_in_durable_mode_answers_503_with_retry_after(start: Start) -> None:
    collector = await start(
        durability="durable",
        max_spool_bytes=65536,
        flush_interval=60,
        flush_rows=10**6,
        client_rate_limit=10**6,
    )
    for n in range(1000):  # each beacon's record goes into the journal's segment
        refused = await collector.post(beacon(page_view_id=f"m3k2p9xx{n:08d}"), Origin=ORIGIN)
        if refused.status != 204:
            break
    assert (refused.status, refused.body["error"]) == (503, "spool_full")
    assert collector.app[keys.BUFFER].spool_bytes > 65536 - 2048
    assert refused.headers["Retry-After"] == "5"
    assert (await readyz(collector))[0] == 503


async def test_unwritable_spool_in_durable_mode_answers_503_not_a_crash(
    start: Start, tmp_path: Path
) -> None:
    """The journal cannot open its segment (the spool folder is gone): the beacon is not
    acknowledged, the client is told to retry, and the collector keeps serving."""
    spool = tmp_path / "spool"
    collector = await start(durability="durable", spool_dir=spool)
    assert (await collector.post(beacon(), Origin=ORIGIN)).status == 204
    await collector.flush()  # seals the segment: the next beacon opens a new one
    shutil.rmtree(spool)
    refused = await collector.post(beacon(page_view_id="m3k2p9xxabcdef13"), Origin=ORIGIN)
    assert (refused.status, refused.body["error"]) == (503, "not_durable")
    assert refused.headers["Retry-After"] == "5"
    assert "spool" in refused.body["message"]
    assert (await readyz(collector))[1]["status"] in ("ready", "degraded")


def test_the_503s_of_the_contract_are_the_three_tested_here() -> None:
    assert {r.value for r, status in STATUS.items() if status == 503} == {
        "buffer_full",
        "spool_full",
        "not_durable",
    }
