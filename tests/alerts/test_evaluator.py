"""The evaluator on the real engine: an alert fires once, stays firing, resolves, and a
restart reads its state back from the ``alerts`` table; custom SQL rules fire, and a
broken one is isolated. The notifier is a recorder of our own ``Notifier`` interface."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from collector.alerts.evaluator import Evaluator
from collector.alerts.loop import writer
from collector.alerts.model import Alert, Finding
from collector.alerts.query import Query, from_store
from collector.alerts.rules import Configured, configured
from collector.alerts.settings import CustomAlert
from collector.alerts.tuning import Tuning, Tunings
from collector.settings import Settings
from collector.store.client import EmbeddedStore
from tests.alerts.seed import Traffic, fill_rollups, history, seed

NORMAL = Traffic()
ROWS = "SELECT alertname, status, starts_at, ends_at FROM alerts ORDER BY at, status"


@dataclass
class Recorder:
    calls: list[tuple[list[str], list[str]]] = field(default_factory=list)

    def publish(self, firing: Sequence[Alert], resolved: Sequence[Alert]) -> None:
        self.calls.append(([a.finding.alertname for a in firing],
                           [a.finding.alertname for a in resolved]))  # fmt: skip

    async def close(self) -> None:
        pass


def incident(client: Client, now: datetime) -> None:
    history(client, NORMAL, now)
    seed(client, replace(NORMAL, lcp=4000.0, per_hour=300), now - timedelta(hours=1), now, "i")
    fill_rollups(client)


def evaluator(settings: Settings, store: EmbeddedStore, *names: str, **kw: Any) -> Evaluator:
    rules = [c for c in configured(settings) if c.rule.name in names]
    return Evaluator(rules, from_store(store), writer(store), **kw)


async def test_evaluator_fires_once_stays_firing_resolves_and_survives_a_restart(
    client: Client, settings: Settings, now: datetime
) -> None:
    incident(client, now)
    store, notifier = EmbeddedStore(client), Recorder()
    first = evaluator(settings, store, "lcp_regression", notifier=notifier)
    await first.load()
    fired = await first.evaluate(now)
    assert [a.finding.alertname for a in fired.started] == ["lcp_regression"]
    again = await first.evaluate(now + timedelta(minutes=1))
    assert again.started == []
    assert [a.status for a in again.firing] == ["firing"]
    assert notifier.calls == [(["lcp_regression"], []), (["lcp_regression"], [])]
    rows = await store.query(ROWS)
    assert [(r[0], r[1]) for r in rows] == [("lcp_regression", "firing")]

    restarted = evaluator(settings, store, "lcp_regression", notifier=Recorder())
    await restarted.load()
    assert [a.starts_at for a in restarted.state.values()] == [fired.started[0].starts_at]
    kept = await restarted.evaluate(now + timedelta(minutes=2))
    assert kept.started == []
    assert len(await store.query(ROWS)) == 1

    later = now + timedelta(hours=3)  # the slow hour has left the window: resolved
    gone = await restarted.evaluate(later)
    assert [a.finding.alertname for a in gone.resolved] == ["lcp_regression"]
    assert gone.firing == []
    assert restarted.state == {}
    rows = await store.query(ROWS)
    assert [(r[0], r[1]) for r in rows] == [("lcp_regression", "firing"),
                                            ("lcp_regression", "resolved")]  # fmt: skip
    assert rows[1][2] == rows[0][2]
    assert rows[1][3] is not None
    await store.close()


@dataclass
class Scripted:
    """A rule whose evaluations find what the test scripted: a value each (an exception is
    raised), so that the evaluator's bookkeeping is checked apart from any query."""

    outcomes: list[float | Exception]
    name: str = "scripted"
    default: Tuning = field(default_factory=Tuning)

    async def evaluate(self, query: Query, now: datetime, tunings: Tunings) -> list[Finding]:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return [Finding(self.name, {"site": "shop"}, outcome, 1.0, 2.0, "s", "d")]


async def test_evaluator_keeps_the_latest_figures_of_a_firing_alert_and_logs_a_failed_rule(
    client: Client, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    store = EmbeddedStore(client)
    rule = Scripted([3.0, 5.0, RuntimeError("no such table")])
    ev = Evaluator([Configured(rule, Tunings(Tuning(), {}))], from_store(store), writer(store))
    first = await ev.evaluate(now)
    second = await ev.evaluate(now + timedelta(minutes=1))
    assert [(a.finding.value, a.starts_at) for a in second.firing] == [(5.0, now)]
    assert second.started == []
    with caplog.at_level(logging.ERROR, logger="collector.alerts.evaluator"):
        third = await ev.evaluate(now + timedelta(minutes=2))
    assert third.failed == ["scripted"]
    assert [a.fingerprint for a in third.firing] == [first.started[0].fingerprint]
    assert [r.getMessage() for r in caplog.records] == ["alert rule scripted failed: no such table"]
    await store.close()


def custom(name: str, sql: str, threshold: float, **kw: Any) -> CustomAlert:
    return CustomAlert(name=name, sql=sql, threshold=threshold, **kw)


POOR_LCP = (  # seeded as poor when over 2,500 ms
    "SELECT site, page_group, count() AS value FROM vitals_data "
    "WHERE metric = 'LCP' AND rating = 'poor' GROUP BY site, page_group"
)


async def test_custom_rule_fires_per_row_crossing_its_threshold_and_a_broken_one_is_isolated(
    client: Client, settings: Settings, now: datetime
) -> None:
    incident(client, now)
    rules = (
        custom("busy_pages", POOR_LCP, 100),
        custom("quiet_pages", POOR_LCP, 10, direction="below"),
        custom("broken", "SELECT no_such_column AS value FROM page_views_data", 1),
        custom("writes", "INSERT INTO alerts (fingerprint) VALUES ('x')", 1),
        custom("reads_files", "SELECT count() AS value FROM file('/etc/hostname')", 0),
        custom("no_value", "SELECT 'shop' AS site, 'x' AS what", 0),
    )
    failed: list[str] = []
    store = EmbeddedStore(client)
    ev = evaluator(
        settings.model_copy(update={"custom_alerts": rules}), store,
        "lcp_regression", *(r.name for r in rules), on_rule_error=failed.append,
    )  # fmt: skip
    outcome = await ev.evaluate(now)
    assert sorted(outcome.failed) == sorted(failed) == ["broken", "no_value", "reads_files",
                                                        "writes"]  # fmt: skip
    started = {a.finding.alertname: a.finding for a in outcome.started}
    assert set(started) == {"lcp_regression", "busy_pages"}
    busy = started["busy_pages"]
    assert busy.labels == {"site": "shop", "page_group": "/product/:id"}
    poor = sum(1 for n in range(300) if 4000.0 * (0.5 + (n % 100) / 100) > 2500)  # the incident's
    assert busy.value == poor
    assert busy.threshold == 100
    assert await store.query("SELECT count() FROM alerts WHERE fingerprint = 'x'") == [(0,)]
    await store.close()


@pytest.mark.parametrize(
    ("alerts", "webhooks", "on"), [(None, False, False), (None, True, True), (True, False, True),
                                   (False, True, False)],
)  # fmt: skip
def test_alerting_on_when_asked_or_when_a_webhook_is_set(
    settings: Settings, alerts: bool | None, webhooks: bool, on: bool
) -> None:
    from collector.alerts.loop import enabled  # noqa: PLC0415

    hooks = [{"url": "http://127.0.0.1:9/hook"}] if webhooks else []
    given = Settings.model_validate({**settings.model_dump(), "alerts": alerts,
                                     "alert_webhooks": hooks})  # fmt: skip
    assert enabled(given) is on
