"""A webhook that hangs and one that is gone, in a real collector: beacons keep being
accepted and stored, the rules keep being evaluated, and shutdown stays bounded."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import aiohttp

from collector.settings import load_settings
from tests.alerts.receiver import Receiver, wait_until
from tests.conftest import Collector, beacon, start_collector

ALWAYS = "SELECT 'shop' AS site, 1 AS value"  # a rule that fires at every evaluation


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def evaluations(collector: Collector) -> float:
    async with collector.http.get(f"{collector.admin}/metrics") as response:
        text = await response.text()
    wanted = 'rumhouse_alert_evaluations_total{outcome="ok"}'
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(wanted)
    )


async def test_webhooks_down_delay_neither_beacons_nor_evaluations(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        alert_interval=5,
        alert_webhooks=[
            {"url": f"{receiver.url}/hang/hook", "timeout": 120},
            {"url": f"http://127.0.0.1:{closed_port()}/hook"},
        ],
        custom_alerts=[{"name": "always", "sql": ALWAYS, "threshold": 0}],
    )  # fmt: skip
    runner, url = await start_collector(settings)
    try:
        async with aiohttp.ClientSession() as http:
            collector = Collector(runner.app, url, http)
            await wait_until(lambda: "/hang/hook" in receiver.arrived, timeout=60)  # held open
            ids = [f"m3k2p9xxhang{n:04d}" for n in range(5)]
            for page_view_id in ids:
                assert (await collector.post(beacon(page_view_id=page_view_id))).status == 204
            await collector.flush()
            stored = await collector.query(
                "SELECT count() FROM page_views WHERE page_view_id LIKE 'm3k2p9xxhang%'"
            )
            assert stored == [(len(ids),)]
            deadline = time.monotonic() + 60
            while await evaluations(collector) < 2:  # the loop goes on past the first post
                assert time.monotonic() < deadline, "no second evaluation"
                await asyncio.sleep(0.2)
            assert receiver.at("hang") == []  # still unanswered all along
    finally:
        # The notifier's close is bounded: the hanging post does not hold the shutdown.
        await asyncio.wait_for(runner.cleanup(), timeout=60)
