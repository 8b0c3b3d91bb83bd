"""``rumhouse alerts`` and ``rumhouse alerts check`` on a data folder holding a slow last
hour: the check prints what would fire, with its figures and attribution, and writes no
alert; the list shows what the evaluator recorded."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.alerts.evaluator import Evaluator
from collector.alerts.loop import writer
from collector.alerts.query import from_store
from collector.alerts.rules import configured
from collector.settings import Settings, load_settings
from collector.store import migrate
from collector.store.client import EmbeddedStore, open_client
from tests.alerts.seed import Traffic, fill_rollups, history, p75, seed

RUMHOUSE = str(Path(sys.executable).with_name("rumhouse"))


def rumhouse(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUMHOUSE, *args, "--data", str(data)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def slow_last_hour(settings: Settings, record: bool) -> None:
    """A week as usual, the last hour's LCP 2.5 times as long under a new release; with
    ``record``, one evaluation records it in ``alerts``."""
    now = datetime.now(UTC)
    client = open_client(settings)
    migrate.apply(client, settings.schema_dir)
    history(client, Traffic(), now)
    slow = replace(Traffic(), lcp=4000.0, per_hour=300, release="2026.12.1")
    seed(client, slow, now - timedelta(hours=1), now, "i")
    fill_rollups(client)
    if record:
        store = EmbeddedStore(client)
        rules = [c for c in configured(settings) if c.rule.name == "lcp_regression"]
        evaluator = Evaluator(rules, from_store(store), writer(store))
        asyncio.run(evaluator.evaluate(now))
        asyncio.run(store.close())
    else:
        client.close()


def test_cli_alerts_check_prints_what_would_fire_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    slow_last_hour(load_settings(data=data), record=False)
    run = rumhouse(data, "alerts", "check")
    assert run.returncode == 0, run.stderr
    assert "lcp_regression: 1 would fire" in run.stdout
    assert "device_class=mobile, page_group=/product/:id, site=shop" in run.stdout
    assert "attribution: release=2026.12.1" in run.stdout
    figures = re.search(r"value (\S+), baseline (\S+), threshold (\S+);", run.stdout)
    assert figures is not None, run.stdout
    value, baseline, threshold = (float(n.replace(",", "")) for n in figures.groups())
    assert value == pytest.approx(p75(4000.0), rel=0.02)  # the slow hour's seeded spread
    assert baseline == pytest.approx(p75(1600.0), rel=0.02)
    assert threshold == 2500  # the good threshold, above 1.2 x the baseline
    assert "traffic_drop: nothing fires" in run.stdout
    count = rumhouse(data, "sql", "SELECT count() FROM alerts", "--format", "TSV")
    assert count.stdout.strip() == "0"
    before = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    earlier = rumhouse(data, "alerts", "check", "--at", before.strftime("%Y-%m-%dT%H:%M"))
    assert earlier.returncode == 0, earlier.stderr
    assert f"as at {before:%F %R} UTC" in earlier.stdout
    assert "lcp_regression: nothing fires" in earlier.stdout, "three hours ago, all was well"
    listed = rumhouse(data, "alerts", "--at", before.strftime("%Y-%m-%dT%H:%M"))
    assert (listed.returncode, listed.stderr.strip()) == (
        2,
        "rumhouse: --at goes with `rumhouse alerts check`",
    ), listed.stderr


def test_cli_alerts_lists_the_alerts_firing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    slow_last_hour(load_settings(data=data), record=True)
    run = rumhouse(data, "alerts")
    assert run.returncode == 0, run.stderr
    assert "rumhouse alerts: 1 firing, 0 resolved in 7 days" in run.stdout
    assert "FIRING   lcp_regression [device_class=mobile, page_group=/product/:id, site=shop]" in (
        run.stdout
    )
    assert "attribution: release=2026.12.1" in run.stdout
    older = rumhouse(data, "alerts", "--days", "0")  # firing shows, however long ago it began
    assert "rumhouse alerts: 1 firing, 0 resolved in 0 days" in older.stdout
