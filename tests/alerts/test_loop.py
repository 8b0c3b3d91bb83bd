"""The alert loop in a real collector: it evaluates every ``alert_interval`` seconds off
the beacon path, records a firing alert in the ``alerts`` table, counts its evaluations,
and keeps accepting beacons meanwhile."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from collector.settings import Settings, load_settings
from collector.store import migrate
from collector.store.client import open_client
from tests.alerts.seed import Traffic, fill_rollups, history, seed
from tests.conftest import Collector, beacon, start_collector

FIRING = "SELECT alertname, status, labels['page_group'] FROM alerts"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        alerts=True, alert_interval=5,
    )  # fmt: skip


def seed_incident(settings: Settings) -> None:
    """A week of normal LCP, and a slow last hour, before the collector opens the folder."""
    from datetime import UTC, datetime  # noqa: PLC0415

    now = datetime.now(UTC)
    client = open_client(settings)
    migrate.apply(client, settings.schema_dir)
    history(client, Traffic(), now)
    seed(client, replace(Traffic(), lcp=4000.0, per_hour=300), now - timedelta(hours=1), now, "i")
    fill_rollups(client)
    client.close()


async def test_alert_loop_records_a_firing_alert_and_counts_evaluations(settings: Settings) -> None:
    seed_incident(settings)
    runner, url = await start_collector(settings)
    try:
        async with aiohttp.ClientSession() as http:
            collector = Collector(runner.app, url, http)
            rows = await collector.wait_for(FIRING, bool, timeout=120)
            assert rows == [("lcp_regression", "firing", "/product/:id")]
            reply = await collector.post(beacon())  # the loop never stands in the way
            assert reply.status == 204
            await collector.wait_metric('rumhouse_alert_evaluations_total{outcome="ok"}', 2)
            assert await collector.metric("rumhouse_alerts_firing") == 1
            assert await collector.query("SELECT count() FROM alerts") == [(1,)]  # fired once
    finally:
        await runner.cleanup()
