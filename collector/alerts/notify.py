"""The ``Notifier`` that posts alerts to the webhooks of ``settings.alert_webhooks``.

Use (the collector's alert loop)::

    notifier = WebhookNotifier(settings.alert_webhooks, metrics, external_url=report_url)
    notifier.publish(firing, resolved)   # after each evaluation, from the event loop
    await notifier.close()               # at shutdown

``publish`` only decides and queues; each target has its own bounded queue and worker
(``delivery.Delivery``), started by the first ``publish`` (or ``await start()``), so a target
that is down or slow delays neither the caller nor the other targets. Per target: an alert
that starts firing is sent at once, a reminder goes every ``repeat_interval`` seconds while
it fires, and a resolved alert is sent once. Alerts are posted in groups of the same
``alertname`` and ``site``, as Alertmanager's webhook JSON or Slack's body (``payloads``,
``slack``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

import orjson

from collector.alerts import payloads, slack
from collector.alerts.delivery import Backoff, Delivery, Post, Sleep
from collector.alerts.model import Alert
from collector.alerts.settings import AlertWebhook
from collector.metrics import Metrics

BACKOFF = Backoff()  # 1, 2, 4, 8, 16 s (with jitter): six tries in about half a minute
FORMATS = {"alertmanager": payloads.alertmanager, "slack": slack.slack}


class Reminders:
    """When each firing alert was last sent to one target, to send it again only once
    ``repeat_interval`` has passed. Holds the alerts firing now, nothing older."""

    def __init__(self, repeat_interval: float) -> None:
        self.repeat_interval = repeat_interval
        self._sent: dict[str, float] = {}

    def due(self, firing: Sequence[Alert], resolved: Sequence[Alert], now: float) -> list[Alert]:
        """The alerts to post now: new ones, reminders, and every resolved one."""
        due = [
            alert
            for alert in firing
            if alert.fingerprint not in self._sent
            or now - self._sent[alert.fingerprint] >= self.repeat_interval
        ]
        sent_now = {alert.fingerprint for alert in due}
        self._sent = {
            a.fingerprint: now if a.fingerprint in sent_now else self._sent[a.fingerprint]
            for a in firing
        }
        return [*due, *resolved]


def groups(alerts: Sequence[Alert]) -> list[list[Alert]]:
    """Alerts of the same rule on the same site, in the order they came."""
    found: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        found.setdefault((alert.finding.alertname, alert.finding.site), []).append(alert)
    return list(found.values())


def describe(alerts: Sequence[Alert]) -> str:
    """For log lines: ``firing lcp_regression on shop (2 alerts)``."""
    group = payloads.group_labels(alerts)
    return (
        f"{payloads.status(alerts)} {group['alertname']} on {group['site']} "
        f"({len(alerts)} alert{'s' * (len(alerts) != 1)})"
    )


class WebhookNotifier:
    """Posts alerts to ``targets``; see the module's docstring.

    ``external_url`` is the collector's ``/report`` URL (``externalURL`` and each alert's
    ``generatorURL``), ``""`` when unknown. ``clock`` (monotonic seconds) times the
    reminders; ``backoff``, ``max_queued`` (posts waiting per target), ``close_timeout``
    and ``sleep`` bound the retries and the shutdown."""

    def __init__(
        self,
        targets: Sequence[AlertWebhook],
        metrics: Metrics,
        *,
        external_url: str = "",
        clock: Callable[[], float] = time.monotonic,
        backoff: Backoff = BACKOFF,
        max_queued: int = 100,
        close_timeout: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.external_url = external_url
        self._clock = clock
        self._close_timeout = close_timeout
        self._targets = [
            (
                Reminders(target.repeat_interval),
                Delivery(
                    target, index, metrics, backoff=backoff, max_queued=max_queued, sleep=sleep
                ),
            )
            for index, target in enumerate(targets)
        ]

    async def start(self) -> None:
        """Start each target's worker (the first ``publish`` does it too)."""
        for _, delivery in self._targets:
            delivery.start()

    def publish(self, firing: Sequence[Alert], resolved: Sequence[Alert]) -> None:
        """Queue what is due for each target; never waits. Call it from the event loop."""
        now = self._clock()
        for reminders, delivery in self._targets:
            delivery.start()
            build = FORMATS[delivery.target.format]
            for group in groups(reminders.due(firing, resolved, now)):
                body = orjson.dumps(build(group, self.external_url))
                delivery.put(Post(body, describe(group)))

    async def close(self) -> None:
        """Give queued posts one last try each, all targets within ``close_timeout``."""
        await asyncio.gather(*(d.close(self._close_timeout) for _, d in self._targets))
