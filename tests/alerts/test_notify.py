"""What the notifier posts and when, as a real receiver on 127.0.0.1 sees it."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from collector.alerts import payloads
from collector.alerts.model import Alert
from collector.alerts.notify import WebhookNotifier
from collector.alerts.settings import AlertWebhook
from collector.metrics import Metrics
from tests.alerts.receiver import ENDS, STARTS, Receiver, alert, wait_until

# Alertmanager's documentation (configuration, <webhook_config>): the body it posts.
DOCUMENTED_FIELDS = {
    "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
    "commonLabels", "commonAnnotations", "externalURL", "alerts",
}  # fmt: skip
DOCUMENTED_ALERT_FIELDS = {
    "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint",
}  # fmt: skip
REPORT = "http://127.0.0.1:8081/report"
HOUR = 3600.0


class Clock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def notifier_for(
    receiver: Receiver, clock: Clock
) -> AsyncIterator[Callable[..., WebhookNotifier]]:
    made: list[WebhookNotifier] = []

    def make(path: str = "/ok/hook", **webhook: Any) -> WebhookNotifier:
        target = AlertWebhook(url=receiver.url + path, **webhook)
        made.append(WebhookNotifier([target], Metrics(), external_url=REPORT, clock=clock))
        return made[-1]

    yield make
    for notifier in made:
        await notifier.close()


def parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_notify_posts_alertmanager_json_when_an_alert_starts_firing(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier]
) -> None:
    home, product = alert(page_group="/"), alert(page_group="/product/*")
    notifier_for().publish([home, product], [])
    await wait_until(lambda: len(receiver.posts) == 1)
    post = receiver.posts[0]
    assert post.headers["Content-Type"].startswith("application/json")
    body = post.body
    assert set(body) == DOCUMENTED_FIELDS
    assert body["version"] == "4"
    assert body["status"] == "firing"
    assert body["externalURL"] == REPORT
    assert isinstance(body["receiver"], str)
    # docs/notifications.md, as Alertmanager writes the key of its root route's groups
    assert body["groupKey"] == '{}:{alertname="lcp_regression", site="shop"}'
    assert body["truncatedAlerts"] == 0
    assert body["groupLabels"] == {"alertname": "lcp_regression", "site": "shop"}
    assert body["commonLabels"] == {
        "alertname": "lcp_regression", "site": "shop", "device_class": "mobile",
        "severity": "warning",
    }  # fmt: skip
    assert body["commonAnnotations"]["description"] == home.finding.description
    assert "summary" not in body["commonAnnotations"]  # the two summaries differ
    sent = {a["labels"]["page_group"]: a for a in body["alerts"]}
    assert set(sent) == {"/", "/product/*"}
    first = sent["/"]
    assert set(first) == DOCUMENTED_ALERT_FIELDS
    assert first["status"] == "firing"
    assert first["labels"] == {
        "alertname": "lcp_regression", "site": "shop", "page_group": "/",
        "device_class": "mobile", "severity": "warning",
    }  # fmt: skip
    notes = first["annotations"]
    assert notes["summary"] == home.finding.summary
    assert notes["description"] == home.finding.description
    # the figures as the docs' example shows them: no "3200.0", no "3200."
    assert (notes["value"], notes["baseline"], notes["threshold"]) == ("3200", "1250", "2500")
    assert (notes["release"], notes["browser"]) == ("v2.3.1", "Chrome")
    assert first["startsAt"] == "2026-12-02T13:00:00Z"  # STARTS, as the docs' example has it
    assert first["endsAt"] == "0001-01-01T00:00:00Z"
    assert first["fingerprint"] == home.fingerprint
    assert first["generatorURL"] == f"{REPORT}?site=shop"


async def test_notify_posts_resolved_with_its_end_when_an_alert_resolves(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier]
) -> None:
    notifier_for().publish([], [alert("resolved", baseline=None)])
    await wait_until(lambda: len(receiver.posts) == 1)
    body = receiver.posts[0].body
    assert body["status"] == "resolved"
    (sent,) = body["alerts"]
    assert sent["status"] == "resolved"
    assert parse_rfc3339(sent["startsAt"]) == STARTS
    assert parse_rfc3339(sent["endsAt"]) == ENDS
    assert "baseline" not in sent["annotations"]  # a rule without a baseline says so


async def test_notify_posts_one_group_per_rule_and_site(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier]
) -> None:
    alerts = [alert(site="shop"), alert(site="blog"), alert(alertname="error_spike")]
    notifier_for().publish(alerts[:2], alerts[2:])
    await wait_until(lambda: len(receiver.posts) == 3)
    keys = {
        (p.body["groupLabels"]["alertname"], p.body["groupLabels"]["site"]) for p in receiver.posts
    }
    assert keys == {("lcp_regression", "shop"), ("lcp_regression", "blog"), ("error_spike", "shop")}
    assert len({p.body["groupKey"] for p in receiver.posts}) == 3


async def test_notify_posts_a_slack_body_with_a_colour_per_status(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier]
) -> None:
    firing = alert(page_group="/checkout/<step>")
    notifier_for(format="slack").publish([firing], [alert("resolved", alertname="error_spike")])
    await wait_until(lambda: len(receiver.posts) == 2)
    bodies = [p.body for p in receiver.posts]
    assert all(set(b) == {"text", "attachments"} for b in bodies)
    fired = next(b for b in bodies if "lcp_regression" in b["text"])
    gone = next(b for b in bodies if "error_spike" in b["text"])
    assert "FIRING" in fired["text"]
    assert "shop" in fired["text"]
    assert "RESOLVED" in gone["text"]
    colours = {fired["attachments"][0]["color"], gone["attachments"][0]["color"]}
    assert len(colours) == 2
    shown = " ".join(
        [fired["attachments"][0]["title"], fired["attachments"][0]["text"]]
        + [f"{f['title']}: {f['value']}" for f in fired["attachments"][0]["fields"]]
    )
    # where, value against baseline, since when, attribution; Slack's markup escaped
    for expected in (
        "/checkout/&lt;step&gt;",
        "shop",
        "3200",
        "1250",
        "2500",
        "2026-12-02 13:00",
        "v2.3.1",
        "Chrome",
        firing.finding.description,
    ):
        assert expected in shown  # fmt: skip
    assert "<step>" not in shown
    gone_fields = " ".join(f["value"] for f in gone["attachments"][0]["fields"])
    assert "2026-12-02 14:30" in gone_fields  # when it ended


async def test_notify_repeats_a_firing_alert_only_after_the_repeat_interval(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier], clock: Clock
) -> None:
    notifier = notifier_for(repeat_interval=HOUR)
    lcp = alert()
    notifier.publish([lcp], [])
    clock.now = HOUR - 1
    notifier.publish([lcp], [])
    # A marker behind it on the same queue: once it arrives, an early reminder would have too.
    notifier.publish([lcp, alert(alertname="marker")], [])
    await wait_until(lambda: len(receiver.posts) == 2)
    assert [p.body["groupLabels"]["alertname"] for p in receiver.posts] == [
        "lcp_regression", "marker",
    ]  # fmt: skip
    clock.now = HOUR
    notifier.publish([lcp, alert(alertname="marker")], [])
    await wait_until(lambda: len(receiver.posts) == 3)
    reminder = receiver.posts[2].body
    assert reminder["groupLabels"]["alertname"] == "lcp_regression"
    assert reminder["status"] == "firing"
    assert parse_rfc3339(reminder["alerts"][0]["startsAt"]) == STARTS  # the same alert


async def test_notify_sends_a_resolved_alert_once_and_a_new_firing_at_once(
    receiver: Receiver, notifier_for: Callable[..., WebhookNotifier], clock: Clock
) -> None:
    notifier = notifier_for(repeat_interval=HOUR)
    notifier.publish([alert()], [])
    clock.now = 60
    notifier.publish([], [alert("resolved")])
    clock.now = 120
    notifier.publish([], [])
    clock.now = 180
    notifier.publish([alert()], [])  # fires again: new, so sent without waiting an hour
    await wait_until(lambda: len(receiver.posts) == 3)
    assert [p.body["status"] for p in receiver.posts] == ["firing", "resolved", "firing"]


async def test_notify_sends_each_target_its_own_format_and_schedule(
    receiver: Receiver, clock: Clock
) -> None:
    targets = [
        AlertWebhook(url=f"{receiver.url}/ok/am", repeat_interval=HOUR),
        AlertWebhook(url=f"{receiver.url}/ok/slack", format="slack", repeat_interval=60),
    ]
    notifier = WebhookNotifier(targets, Metrics(), clock=clock)
    notifier.publish([alert()], [])
    clock.now = 60
    notifier.publish([alert()], [])
    await wait_until(lambda: len(receiver.posts) == 3)
    await notifier.close()
    by_path = [p.path for p in receiver.posts]
    assert sorted(by_path) == ["/ok/am", "/ok/slack", "/ok/slack"]
    assert all("attachments" in p.body for p in receiver.posts if p.path == "/ok/slack")
    assert all(p.body["version"] == "4" for p in receiver.posts if p.path == "/ok/am")
    # No external_url given: the report's address is unknown, and the docs say empty.
    (am,) = [p.body for p in receiver.posts if p.path == "/ok/am"]
    assert am["externalURL"] == ""
    assert [a["generatorURL"] for a in am["alerts"]] == [""]


def test_notify_figures_keep_the_digits_a_person_writes() -> None:
    """CLS-sized figures: 0.25, not 0.2500; 0.1, the good threshold; 0.0625."""
    cls = alert(alertname="cls_regression", value=0.25, baseline=0.0625, threshold=0.1)
    (item,) = payloads.alertmanager([cls], REPORT)["alerts"]
    notes = item["annotations"]
    assert (notes["value"], notes["baseline"], notes["threshold"]) == ("0.25", "0.0625", "0.1")


def test_notify_generator_url_adds_the_site_to_a_report_url_with_a_query() -> None:
    report = "http://127.0.0.1:8081/report?bots=include"
    (item,) = payloads.alertmanager([alert(site="shop")], report)["alerts"]
    assert item["generatorURL"] == "http://127.0.0.1:8081/report?bots=include&site=shop"


@pytest.fixture
def local_zone_east_of_utc() -> Iterator[None]:
    """The process's local time three hours east of UTC (a POSIX TZ: no zone files needed),
    so that a time taken as local instead of UTC shows."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "RUM-3"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("local_zone_east_of_utc")
def test_notify_times_are_utc_with_z_whatever_the_zone_they_come_in() -> None:
    """A naive time is UTC (ClickHouse returns them so), an aware one is converted; both are
    written in RFC 3339 with ``Z``, as the docs' example has them."""
    naive_start = datetime(2026, 12, 2, 13, 0)
    end_at_plus_two = datetime(2026, 12, 2, 16, 30, tzinfo=timezone(timedelta(hours=2)))
    gone = Alert(alert().finding, "resolved", naive_start, end_at_plus_two)
    (item,) = payloads.alertmanager([gone], REPORT)["alerts"]
    assert (item["startsAt"], item["endsAt"]) == ("2026-12-02T13:00:00Z", "2026-12-02T14:30:00Z")
