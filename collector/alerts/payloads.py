"""What a webhook receives: one post per group of alerts (same ``alertname`` and ``site``),
as Alertmanager's webhook JSON (version 4) or as a Slack-compatible incoming-webhook body.

Alertmanager's fields (its ``webhook_config`` documentation): ``version``, ``groupKey``,
``truncatedAlerts``, ``status`` (``firing`` when any alert of the post fires), ``receiver``,
``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``externalURL`` and ``alerts[]``,
each with ``status``, ``labels``, ``annotations``, ``startsAt``, ``endsAt`` (RFC 3339;
``0001-01-01T00:00:00Z`` while firing, as Alertmanager sends it), ``generatorURL`` and
``fingerprint``. Labels are the finding's identity plus ``severity``; annotations carry
``summary``, ``description``, ``value``, ``baseline``, ``threshold`` and the attribution
(``release``, ``browser``, ``country``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from collector.alerts.model import Alert

RECEIVER = "rumhouse"
ZERO_TIME = "0001-01-01T00:00:00Z"
COLOURS = {"firing": "#d93025", "resolved": "#2e7d32"}
MAX_ATTACHMENTS = 20  # Slack shows at most 100; a long list is read nowhere


def utc(moment: datetime) -> datetime:
    """A naive time (as ClickHouse returns it) is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """UTC, ``Z``-suffixed."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def number(value: float) -> str:
    """A figure as a person reads it: ``2500``, ``0.25``, ``0.1235``."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def labels_of(alert: Alert) -> dict[str, str]:
    finding = alert.finding
    return {"alertname": finding.alertname, **finding.labels, "severity": finding.severity}


def annotations_of(alert: Alert) -> dict[str, str]:
    finding = alert.finding
    figures = {"value": number(finding.value), "threshold": number(finding.threshold)}
    if finding.baseline is not None:
        figures["baseline"] = number(finding.baseline)
    own = {"summary": finding.summary, "description": finding.description, **figures}
    return {**(finding.context or {}), **own}


def generator_url(alert: Alert, external_url: str) -> str:
    """The report of the alert's site, when the collector's report URL is known."""
    if not external_url:
        return ""
    joiner = "&" if "?" in external_url else "?"
    return external_url + joiner + urlencode({"site": alert.finding.site})


def group_labels(alerts: Sequence[Alert]) -> dict[str, str]:
    first = alerts[0].finding
    return {"alertname": first.alertname, "site": first.site}


def group_key(alerts: Sequence[Alert]) -> str:
    """As Alertmanager writes it for its root route: ``{}:{alertname="x", site="y"}``."""
    pairs = ", ".join(f'{k}="{v}"' for k, v in sorted(group_labels(alerts).items()))
    return "{}:{" + pairs + "}"


def common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The pairs every map holds with the same value."""
    first, *others = maps
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in others)}


def status(alerts: Sequence[Alert]) -> str:
    return "firing" if any(a.status == "firing" for a in alerts) else "resolved"


def alert_item(alert: Alert, external_url: str) -> dict[str, str | dict[str, str]]:
    """One entry of ``alerts[]``."""
    return {
        "status": alert.status,
        "labels": labels_of(alert),
        "annotations": annotations_of(alert),
        "startsAt": rfc3339(alert.starts_at),
        "endsAt": rfc3339(alert.ends_at) if alert.ends_at else ZERO_TIME,
        "generatorURL": generator_url(alert, external_url),
        "fingerprint": alert.fingerprint,
    }


def alertmanager(alerts: Sequence[Alert], external_url: str) -> dict[str, Any]:
    """Alertmanager's webhook JSON, version 4, for one group of alerts."""
    return {
        "version": "4",
        "groupKey": group_key(alerts),
        "truncatedAlerts": 0,
        "status": status(alerts),
        "receiver": RECEIVER,
        "groupLabels": group_labels(alerts),
        "commonLabels": common([labels_of(a) for a in alerts]),
        "commonAnnotations": common([annotations_of(a) for a in alerts]),
        "externalURL": external_url,
        "alerts": [alert_item(a, external_url) for a in alerts],
    }
