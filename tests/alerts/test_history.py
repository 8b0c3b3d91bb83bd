"""No false positives on realistic history: 14 days of ``rumhouse simulate --days 14``
traffic (daily and weekly cycles, no incident), every built-in rule evaluated at its
defaults at hours across the last three days, peaks and nights alike, finds nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

from collector.alerts.model import Finding
from collector.alerts.query import from_client
from collector.alerts.rules import configured
from collector.settings import Settings
from collector.tools.history import write_history


async def everything(client: Client, settings: Settings, now: datetime) -> list[Finding]:
    query, found = from_client(client), []
    for rule in configured(settings):
        found += await rule.rule.evaluate(query, now, rule.tunings)
    return found


def test_no_alert_fires_on_14_days_of_history_without_an_incident(
    client: Client, settings: Settings
) -> None:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    summary = write_history(client, days=14, now=end)
    assert summary.page_views > 50_000  # the default rate: about 5,000 a day
    times = [end - timedelta(hours=h) for h in range(0, 72, 5)]  # 15 hours of the day
    found = {t: asyncio.run(everything(client, settings, t)) for t in times}
    assert {t: f for t, f in found.items() if f} == {}
