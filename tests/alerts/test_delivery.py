"""How posts reach a target, or fail to: retries, refusals, a target that hangs or is
gone, the bounded queue, shutdown, and URLs masked in every log line."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from collector.alerts.delivery import Backoff, parse_retry_after
from collector.alerts.notify import WebhookNotifier
from collector.alerts.settings import AlertWebhook
from collector.metrics import Metrics
from tests.alerts.receiver import Receiver, alert, wait_until

# The secret parts of a webhook URL, as Slack and token-carrying receivers have them.
SECRET_PATH = "/T0AAAA1111/B0BBBB2222/xoxbSecretValue123456"
SECRET_QUERY = "?token=hunter2-topsecret"
FAST = Backoff(first=0.01, cap=0.04, attempts=3)


class Sleeps:
    """Records each wait between retries and returns at once (a fake clock for backoff)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def samples(metrics: Metrics, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples that carry ``labels``."""
    return sum(
        sample.value
        for metric in metrics.registry.collect()
        for sample in metric.samples
        if sample.name == name and sample.labels.items() >= labels.items()
    )


def count(metrics: Metrics, outcome: str, index: int = 0) -> float:
    return samples(metrics, "rumhouse_alert_notifications_total", index=str(index), outcome=outcome)


def retries(metrics: Metrics) -> float:
    return samples(metrics, "rumhouse_alert_notification_retries_total", index="0")


def notifier(url: str, metrics: Metrics, **options: object) -> WebhookNotifier:
    return WebhookNotifier([AlertWebhook(url=url)], metrics, **options)  # type: ignore[arg-type]


async def test_delivery_retries_after_a_503_and_then_sends(receiver: Receiver) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/flaky/1/hook", metrics, backoff=FAST)
    sender.publish([alert()], [])
    await wait_until(lambda: count(metrics, "sent") == 1)
    await sender.close()
    first, second = receiver.at("flaky")
    assert first == second  # the same post, tried again
    assert count(metrics, "failed") == 0
    assert retries(metrics) == 1


async def test_delivery_waits_as_long_as_retry_after_says_on_429(receiver: Receiver) -> None:
    metrics, sleeps = Metrics(), Sleeps()
    sender = notifier(f"{receiver.url}/limited/7/hook", metrics, backoff=FAST, sleep=sleeps)
    sender.publish([alert()], [])
    await wait_until(lambda: count(metrics, "sent") == 1)
    await sender.close()
    assert sleeps.waits == [7.0]
    assert len(receiver.at("limited")) == 2


async def test_delivery_backs_off_exponentially_then_gives_up_on_a_refused_port(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    metrics, sleeps = Metrics(), Sleeps()
    backoff = Backoff(first=2.0, cap=5.0, attempts=4)
    url = f"http://admin:pa55word@127.0.0.1:{port}{SECRET_PATH}{SECRET_QUERY}"
    sender = notifier(url, metrics, backoff=backoff, sleep=sleeps)
    with caplog.at_level(logging.INFO):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "failed") == 1)
        await sender.close()
    # The n-th wait lies between half and all of min(cap, first * 2**(n-1)): 2, 4, then 5.
    bounds = [2.0, 4.0, 5.0]
    assert len(sleeps.waits) == 3
    assert all(b / 2 <= w <= b for w, b in zip(sleeps.waits, bounds, strict=True))
    assert count(metrics, "sent") == 0
    assert f"127.0.0.1:{port}/***" in caplog.text
    for secret in ("pa55word", "admin:", "xoxbSecretValue", "B0BBBB2222", "hunter2"):
        assert secret not in caplog.text


async def test_delivery_does_not_retry_a_400_and_logs_its_status_masked(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    url = f"{receiver.url}/status/400{SECRET_PATH}{SECRET_QUERY}"
    sender = notifier(url, metrics, backoff=FAST)
    with caplog.at_level(logging.INFO):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "rejected") == 1)
        # A second alert goes through the same queue: a retry of the first would come before.
        sender.publish([alert(alertname="error_spike")], [])
        await wait_until(lambda: count(metrics, "rejected") == 2)
        await sender.close()
    assert [b["groupLabels"]["alertname"] for b in receiver.at("status")] == [
        "lcp_regression", "error_spike",
    ]  # fmt: skip
    assert "HTTP 400" in caplog.text
    assert f"{receiver.url}/status/***?token=***" in caplog.text
    assert "xoxbSecretValue" not in caplog.text
    assert "hunter2" not in caplog.text


async def test_delivery_a_hanging_target_delays_neither_publish_nor_other_targets(
    receiver: Receiver,
) -> None:
    metrics = Metrics()
    targets = [
        AlertWebhook(url=f"{receiver.url}/hang/hook", timeout=120),
        AlertWebhook(url=f"{receiver.url}/ok/hook"),
    ]
    sender = WebhookNotifier(targets, metrics, close_timeout=0.05)
    sender.publish([alert()], [])
    await wait_until(lambda: "/hang/hook" in receiver.arrived)  # in flight, unanswered
    sender.publish([alert(alertname="error_spike")], [])  # returns: queued behind the hang
    await wait_until(lambda: len(receiver.at("ok")) == 2)
    assert receiver.at("hang") == []
    # close() is bounded: the hanging post and the one queued behind it are given up.
    await asyncio.wait_for(sender.close(), timeout=10)
    assert count(metrics, "shutdown", index=0) == 2
    assert count(metrics, "sent", index=1) == 2


async def test_delivery_full_queue_drops_the_oldest_post(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/gate/hook", metrics, max_queued=2)
    names = [f"rule_{n}" for n in range(5)]
    sender.publish([alert(alertname=names[0])], [])
    await wait_until(lambda: len(receiver.arrived) == 1)  # the first post is in flight
    for name in names[1:]:
        sender.publish([alert(alertname=name)], [])
    assert count(metrics, "queue_full") == 2
    receiver.gate.set()
    await wait_until(lambda: count(metrics, "sent") == 3)
    await sender.close()
    sent = [b["groupLabels"]["alertname"] for b in receiver.at("gate")]
    assert sent == [names[0], names[3], names[4]]
    assert "dropped the oldest" in caplog.text


async def test_delivery_close_sends_what_is_queued(receiver: Receiver) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/ok/hook", metrics)
    sender.publish([alert()], [alert("resolved", alertname="error_spike")])
    await sender.close()  # before the worker had its turn
    assert len(receiver.at("ok")) == 2
    assert count(metrics, "sent") == 2


async def test_delivery_close_cuts_the_backoff_and_tries_once_more(receiver: Receiver) -> None:
    metrics = Metrics()
    hour = Backoff(first=3600, attempts=6)
    sender = notifier(f"{receiver.url}/status/503/hook", metrics, backoff=hour)
    sender.publish([alert()], [])
    await wait_until(lambda: retries(metrics) == 1)  # tried once, now waiting about an hour
    await asyncio.wait_for(sender.close(), timeout=10)
    assert len(receiver.at("status")) == 2  # one last try, not the four left
    assert count(metrics, "failed") == 1


def test_delivery_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = Backoff(first=1.0, cap=10.0)
    for retry, bound in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)]:
        waits = {backoff.delay(retry) for _ in range(200)}
        assert all(bound / 2 <= w <= bound for w in waits)
        assert len(waits) > 1  # jittered, not the same instant for every collector


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_delivery_reads_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


async def test_delivery_labels_its_metrics_with_the_host_only(receiver: Receiver) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/status/404{SECRET_PATH}{SECRET_QUERY}", metrics)
    sender.publish([alert()], [])
    await wait_until(lambda: count(metrics, "rejected") == 1)
    await sender.close()
    targets = {
        sample.labels["target"]
        for metric in metrics.registry.collect()
        for sample in metric.samples
        if "target" in sample.labels
    }
    assert targets == {receiver.url.removeprefix("http://")}
