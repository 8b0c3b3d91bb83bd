"""How posts reach a target, or fail to: retries, refusals, a target that hangs or is
gone, the bounded queue, shutdown, and URLs masked in every log line."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

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
OUTCOMES = ("sent", "rejected", "failed", "queue_full", "shutdown")  # docs/notifications.md
ONE = "firing lcp_regression on shop (1 alert)"  # how log lines name a post


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


def said(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """What the delivery logged at ``level``, in order."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "collector.alerts.delivery" and r.levelno == level
    ]


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


async def test_delivery_ignores_a_retry_after_that_is_neither_seconds_nor_a_date(
    receiver: Receiver,
) -> None:
    """``Retry-After: ²`` (a digit to Python, not to RFC 9110): the usual backoff applies, and
    the post is sent on its second try (it was once given up at once, as a ValueError)."""
    metrics, sleeps = Metrics(), Sleeps()
    sender = notifier(f"{receiver.url}/limited/%C2%B2/hook", metrics, backoff=FAST, sleep=sleeps)
    sender.publish([alert()], [])
    await wait_until(lambda: count(metrics, "sent") == 1)
    await sender.close()
    assert len(receiver.at("limited")) == 2
    assert len(sleeps.waits) == 1
    assert FAST.first / 2 <= sleeps.waits[0] <= FAST.first
    assert count(metrics, "failed") == 0


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
    # Each retry and the give-up say why: aiohttp's error for a connection that failed.
    why = said(caplog, logging.WARNING) + said(caplog, logging.ERROR)
    assert len(why) == 4
    assert all("(ClientConnectorError: " in line for line in why)


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
    receiver: Receiver, caplog: pytest.LogCaptureFixture
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
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(sender.close(), timeout=10)
    assert count(metrics, "shutdown", index=0) == 2
    assert count(metrics, "sent", index=1) == 2
    assert said(caplog, logging.WARNING) == [
        f"alerts: 2 posts to {receiver.url}/hang/hook not sent before shutdown"
    ]


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
    assert said(caplog, logging.WARNING) == [
        f"alerts: queue of {receiver.url}/gate/hook full (2 posts): dropped the oldest, "
        f"firing {name} on shop (1 alert)"
        for name in names[1:3]
    ]


async def test_delivery_close_sends_what_is_queued(receiver: Receiver) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/ok/hook", metrics)
    sender.publish([alert()], [alert("resolved", alertname="error_spike")])
    await sender.close()  # before the worker had its turn
    assert len(receiver.at("ok")) == 2
    assert count(metrics, "sent") == 2
    assert count(metrics, "shutdown") == 0  # both were sent: none is left over


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
        # Spread over the whole range, half to all of the bound: of 200 uniform draws, none
        # in its top or bottom tenth happens once in 10**9 runs.
        assert max(waits) > 0.95 * bound
        assert min(waits) < 0.55 * bound


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # RFC 5322's "UTC, zone unknown": naive
        ("\u00b2", None),  # a digit to str.isdigit(), not to RFC 9110 (DIGIT is 0-9)
        ("\u0661\u0662", None),  # Arabic-Indic 12: not delay-seconds either
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


@pytest.mark.parametrize(
    ("status", "outcome", "tries"),
    [
        (200, "sent", 1), (299, "sent", 1),
        (300, "rejected", 1), (400, "rejected", 1), (404, "rejected", 1), (499, "rejected", 1),
        (429, "failed", 3), (500, "failed", 3), (503, "failed", 3), (599, "failed", 3),
    ],
)  # fmt: skip
async def test_delivery_outcome_of_each_status_as_the_docs_table_says(
    receiver: Receiver, status: int, outcome: str, tries: int
) -> None:
    """2xx sent; 429 and 5xx tried again (FAST: 3 tries, then failed); any other refused."""
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/status/{status}/hook", metrics, backoff=FAST, sleep=Sleeps())
    sender.publish([alert()], [])
    await wait_until(lambda: count(metrics, outcome) == 1)
    await sender.close()
    assert len(receiver.at("status")) == tries
    assert sum(count(metrics, name) for name in OUTCOMES) == 1
    assert retries(metrics) == tries - 1


async def test_delivery_logs_each_retry_and_the_give_up_naming_post_target_and_reason(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    metrics, sleeps = Metrics(), Sleeps()
    sender = notifier(f"{receiver.url}/status/503{SECRET_PATH}{SECRET_QUERY}", metrics,
                      backoff=FAST, sleep=sleeps)  # fmt: skip
    with caplog.at_level(logging.INFO):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "failed") == 1)
        await sender.close()
    shown = f"{receiver.url}/status/***?token=***"
    assert len(sleeps.waits) == 2  # FAST: 3 tries, 2 retries
    assert said(caplog, logging.WARNING) == [
        f"alerts: posting {ONE} to {shown} failed (HTTP 503); retry {n} of 2 in {wait:.1f} s"
        for n, wait in enumerate(sleeps.waits, start=1)
    ]
    assert said(caplog, logging.ERROR) == [
        f"alerts: gave up posting {ONE} to {shown} after 3 tries (HTTP 503)"
    ]
    assert said(caplog, logging.INFO) == []


async def test_delivery_logs_a_sent_post_as_info_and_a_refused_one_as_an_error(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    targets = [
        AlertWebhook(url=f"{receiver.url}/ok{SECRET_PATH}"),
        AlertWebhook(url=f"{receiver.url}/status/403{SECRET_PATH}"),
    ]
    sender = WebhookNotifier(targets, metrics)
    with caplog.at_level(logging.INFO):
        sender.publish([alert(page_group="/"), alert(page_group="/cart")], [])  # one group
        await wait_until(lambda: count(metrics, "sent") + count(metrics, "rejected", 1) == 2)
        await sender.close()
    two = "firing lcp_regression on shop (2 alerts)"
    assert said(caplog, logging.INFO) == [
        f"alerts: posted {two} to {receiver.url}/ok/*** (HTTP 200)"
    ]
    assert said(caplog, logging.ERROR) == [
        f"alerts: {receiver.url}/status/*** refused {two} with HTTP 403: invalid_payload "
        "(not retried)"
    ]
    assert said(caplog, logging.WARNING) == []


async def test_delivery_logs_the_first_200_bytes_of_a_refusal_even_cut_mid_character(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/notifications.md: the log line has the status and the start of the answer (its
    first 200 bytes). Here byte 200 is the first half of a two-byte UTF-8 character."""
    receiver.answer = b"x" * 199 + "\u00e9".encode() + b"y" * 300
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/refuse/hook", metrics)
    with caplog.at_level(logging.ERROR):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "rejected") == 1)
        await sender.close()
    assert said(caplog, logging.ERROR) == [
        f"alerts: {receiver.url}/refuse/hook refused {ONE} with HTTP 400: "
        f"{'x' * 199}\ufffd (not retried)"
    ]


async def test_delivery_gives_up_on_a_silent_target_after_timeout_seconds_per_try(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A target that accepts the connection and never answers: each try ends after the
    target's ``timeout`` (0.2 s here; without it, aiohttp's own default is 5 minutes, far
    past the deadline of ``wait_until``), is retried, then given up."""
    metrics, sleeps = Metrics(), Sleeps()
    target = AlertWebhook(url=f"{receiver.url}/hang/hook", timeout=0.2)
    sender = WebhookNotifier([target], metrics, backoff=Backoff(attempts=2), sleep=sleeps)
    with caplog.at_level(logging.WARNING):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "failed") == 1)
        await sender.close()
    assert receiver.arrived.count("/hang/hook") == 2
    assert retries(metrics) == 1
    shown = f"{receiver.url}/hang/hook"
    assert said(caplog, logging.WARNING) == [
        f"alerts: posting {ONE} to {shown} failed (no answer within 0.2 s); "
        f"retry 1 of 1 in {sleeps.waits[0]:.1f} s"
    ]
    assert said(caplog, logging.ERROR) == [
        f"alerts: gave up posting {ONE} to {shown} after 2 tries (no answer within 0.2 s)"
    ]


async def test_delivery_closed_without_posts_counts_nothing_then_refuses_a_late_post(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/ok{SECRET_PATH}{SECRET_QUERY}", metrics)
    with caplog.at_level(logging.INFO):
        await sender.close()
        assert sum(count(metrics, name) for name in OUTCOMES) == 0
        assert said(caplog, logging.WARNING) == []  # nothing was left unsent
        sender.publish([alert()], [])  # after shutdown began: not posted, counted, logged
        await sender.close()
    assert count(metrics, "shutdown") == 1
    assert sum(count(metrics, name) for name in OUTCOMES) == 1
    assert said(caplog, logging.WARNING) == [
        f"alerts: closing; not posting {ONE} to {receiver.url}/ok/***?token=***"
    ]
    assert receiver.posts == []


class BrokenBackoff(Backoff):
    """A backoff with a bug: asked for a wait, it raises."""

    def delay(self, retry: int) -> float:
        raise RuntimeError("a bug")


async def test_delivery_a_bug_while_posting_loses_that_post_only(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """The first post meets a 503, and the bug on its retry: it is counted failed and logged;
    the target's worker goes on with the next post."""
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/flaky/1{SECRET_PATH}", metrics, backoff=BrokenBackoff())
    with caplog.at_level(logging.WARNING):
        sender.publish([alert()], [])
        await wait_until(lambda: count(metrics, "failed") == 1)
        sender.publish([alert(alertname="error_spike")], [])
        await wait_until(lambda: count(metrics, "sent") == 1)
        await sender.close()
    assert [b["groupLabels"]["alertname"] for b in receiver.at("flaky")] == [
        "lcp_regression", "error_spike",
    ]  # fmt: skip
    assert said(caplog, logging.ERROR) == [
        f"alerts: posting to {receiver.url}/flaky/*** failed: RuntimeError"
    ]


async def test_delivery_queue_holds_100_posts_by_default(receiver: Receiver) -> None:
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/gate/hook", metrics)
    sender.publish([alert(alertname="in_flight")], [])
    await wait_until(lambda: len(receiver.arrived) == 1)
    names = [f"rule_{n}" for n in range(101)]
    for name in names[:100]:
        sender.publish([alert(alertname=name)], [])
    assert count(metrics, "queue_full") == 0
    sender.publish([alert(alertname=names[100])], [])
    assert count(metrics, "queue_full") == 1
    receiver.gate.set()
    await wait_until(lambda: count(metrics, "sent") == 101)
    await sender.close()
    sent = [b["groupLabels"]["alertname"] for b in receiver.at("gate")]
    assert sent == ["in_flight", *names[1:]]  # rule_0, the oldest queued, was dropped


async def turns(done: Callable[[], bool], most: int) -> bool:
    """Run the event loop, a turn at a time, until ``done`` holds or ``most`` turns passed."""
    for _ in range(most):
        if done():
            return True
        await asyncio.sleep(0)  # a turn: ready callbacks and I/O, no time (the clock is frozen)
    return done()


async def test_delivery_close_gives_queued_posts_5_seconds_by_default(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/notifications.md: at shutdown, queued posts get one last try, all targets
    together within 5 seconds. The event loop's clock is frozen once the post is in flight,
    and moved by the test alone."""
    metrics = Metrics()
    sender = notifier(f"{receiver.url}/hang/hook", metrics)  # timeout 10 s: never reached
    sender.publish([alert()], [])
    await wait_until(lambda: "/hang/hook" in receiver.arrived)
    loop = asyncio.get_running_loop()
    frozen, ahead = loop.time(), [0.0]
    monkeypatch.setattr(loop, "time", lambda: frozen + ahead[0])
    closing = asyncio.ensure_future(sender.close())
    assert not await turns(closing.done, 100)  # close() set its deadline, and waits
    ahead[0] = 4.9
    assert not await turns(closing.done, 100)
    ahead[0] = 5.1
    assert await turns(closing.done, 1000)  # a few turns: cancel the post, count it
    assert count(metrics, "shutdown") == 1
