"""Alerting end to end, as a user tries it: ``rumhouse simulate --days N --incident KIND``
writes the history, a collector with a webhook configured (a real receiver on loopback)
posts the firing alert within two evaluations, and posts ``resolved`` within two more once
the next hour, as usual, has arrived; nothing else fires. (14 days without an incident fire
nothing at any hour: ``test_history``.)

The one thing faked is the passing of an hour. The history ends at the busiest hour of the
week, Saturday 20:00 UTC, of the last week (``--end``: the same figures at whatever hour
the tests run), and the collector's alert loop is given that time before it starts; then
``simulate`` writes the next hour through the running collector's SQL endpoint, as a
writer, and the clock moves on an hour."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from collector.settings import Settings, load_settings
from tests.alerts.receiver import Receiver, wait_until
from tests.cli.test_main import RUMHOUSE
from tests.conftest import Collector, start_collector

HOUR = timedelta(hours=1)
WRITER = ("loader", "Hist0ry-loader-42")


def busiest_hour() -> datetime:
    """The last Saturday 20:00 UTC that an hour after it is in the past: its last hour has
    the most traffic of the week (``collector.tools.history``)."""
    now = datetime.now(UTC)
    end = now.replace(hour=20, minute=0, second=0, microsecond=0)
    while end.weekday() != 5 or end + HOUR > now:
        end -= timedelta(days=1)
    return end


@dataclass(frozen=True)
class Case:
    incident: str
    alertname: str
    expect: dict[str, str]  # labels and annotations the alert carries


CASES = [
    Case("lcp", "lcp_regression",
         {"page_group": "/product/:id", "release": "2026.12.1"}),
    Case("errors", "new_error",
         {"page_group": "/product/:id",
          "error": "TypeError: Cannot read properties of null (reading 'variants')"}),
    Case("failures", "failed_requests", {"endpoint": "/api/cart"}),
    Case("traffic-drop", "traffic_drop", {"site": "demo"}),
]  # fmt: skip


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver) -> Path:
    """A webhook (so alerting is on) and a writer for ``simulate`` to go through."""
    path = tmp_path / "rumhouse.toml"
    path.write_text(
        f'alert_interval = 5\n[[alert_webhooks]]\nurl = "{receiver.url}/ok/hook"\n'
        f'[[sql_users]]\nname = "default"\n[[sql_users]]\nname = "{WRITER[0]}"\n'
        f'password = "{WRITER[1]}"\nrole = "writer"\n'
    )
    return path


async def simulate(config: Path, data: Path, *args: str) -> str:
    """``rumhouse simulate``; its own process, the event loop free for the collector."""
    proc = await asyncio.create_subprocess_exec(
        RUMHOUSE, "simulate", "--config", str(config), "--data", str(data), *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def posted(receiver: Receiver) -> list[dict[str, Any]]:
    return [alert for body in receiver.at("ok") for alert in body["alerts"]]


EVALUATIONS = 'rumhouse_alert_evaluations_total{outcome="ok"}'


def carries(alert: dict[str, Any], expect: dict[str, str]) -> bool:
    said = {**alert["annotations"], **alert["labels"]}
    return all(said.get(key) == value for key, value in expect.items())


@pytest.mark.parametrize("case", CASES, ids=[c.incident for c in CASES])
async def test_an_incident_fires_then_resolves_through_a_webhook(
    case: Case, config: Path, receiver: Receiver, tmp_path: Path
) -> None:
    data, end = tmp_path / "data", busiest_hour()
    at = end.isoformat()
    await simulate(config, data, "--days", "14", "--incident", case.incident, "--end", at)
    settings: Settings = load_settings(
        config, data=data, port=0, sql_port=0, admin_port=0, open_mode=True
    )
    now = [end]  # the alert loop's clock, from its first evaluation on
    runner, url = await start_collector(settings, alert_clock=lambda: now[0])
    try:
        async with aiohttp.ClientSession() as http:
            collector = Collector(runner.app, url, http)
            await wait_until(lambda: bool(posted(receiver)), timeout=120)
            assert await collector.metric(EVALUATIONS) <= 2, "fired within two evaluations"
            firing = posted(receiver)
            assert {(a["status"], a["labels"]["alertname"]) for a in firing} == {
                ("firing", case.alertname)
            }
            assert all(carries(a, case.expect) for a in firing), firing
            fingerprints = {a["fingerprint"] for a in firing}

            # The next hour, as usual, written through the collector; then an hour passes.
            await simulate(config, data, "--days", "0.042", "--end", (end + HOUR).isoformat())
            before = await collector.metric(EVALUATIONS)
            now[0] = end + HOUR
            await wait_until(lambda: resolved(receiver) == fingerprints, timeout=120)
            assert await collector.metric(EVALUATIONS) <= before + 2, "resolved within two"
            seen = len(posted(receiver))
            await collector.wait_metric(EVALUATIONS, await collector.metric(EVALUATIONS) + 1)
            assert len(posted(receiver)) == seen == 2 * len(firing), "nothing else fires"
    finally:
        await runner.cleanup()


def resolved(receiver: Receiver) -> set[str]:
    return {a["fingerprint"] for a in posted(receiver) if a["status"] == "resolved"}
