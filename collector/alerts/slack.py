"""The Slack-compatible incoming-webhook body for one group of alerts: a ``text`` line that
notifications show (``[FIRING:2] lcp_regression on shop``) and one coloured attachment per
alert (red while firing, green once resolved) saying what, where, value against baseline,
since when, and which release, browser or country dominates it.

Attachments (``color``, ``title``, ``text``, ``fields``, ``footer``, ``ts``) rather than
blocks: Slack shows both, and the Slack-compatible endpoints of Mattermost, Rocket.Chat and
Discord (``/slack``) read attachments only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from collector.alerts import payloads
from collector.alerts.model import Alert


def escape(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as markup (``<url|label>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def title(alerts: Sequence[Alert]) -> str:
    group = payloads.group_labels(alerts)
    firing = sum(a.status == "firing" for a in alerts)
    state = f"FIRING:{firing}" if firing else f"RESOLVED:{len(alerts)}"
    return f"[{state}] {group['alertname']} on {group['site']}"


def moment(when: datetime) -> str:
    return payloads.utc(when).strftime("%Y-%m-%d %H:%M UTC")


def figures(alert: Alert) -> str:
    """``3200 (baseline 1250, +156%; threshold 2500)``."""
    finding = alert.finding
    parts = []
    if finding.baseline is not None:
        change = ""
        if finding.baseline:
            change = f", {finding.value / finding.baseline - 1:+.0%}"
        parts.append(f"baseline {payloads.number(finding.baseline)}{change}")
    parts.append(f"threshold {payloads.number(finding.threshold)}")
    return f"{payloads.number(finding.value)} ({'; '.join(parts)})"


def fields(alert: Alert) -> list[dict[str, Any]]:
    where = " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in alert.finding.labels.items())
    when = f"since {moment(alert.starts_at)}"
    if alert.status == "resolved":
        when = f"{moment(alert.starts_at)} to {moment(alert.ends_at or alert.starts_at)}"
    shown = [("Where", where), ("Value", figures(alert)), ("Firing", when)]
    context = alert.finding.context or {}
    if context:
        shown.append(("Mostly from", ", ".join(f"{k} {v}" for k, v in context.items())))
    return [{"title": name, "value": escape(value), "short": False} for name, value in shown]


def attachment(alert: Alert, external_url: str) -> dict[str, Any]:
    finding = alert.finding
    heading = f"{alert.status.upper()}: {finding.summary or finding.alertname}"
    body: dict[str, Any] = {
        "color": payloads.COLOURS[alert.status],
        "fallback": f"{heading} ({finding.site})",
        "title": escape(heading),
        "text": escape(finding.description),
        "fields": fields(alert),
        "footer": f"rumhouse · {finding.alertname} · {alert.fingerprint}",
        "ts": int(payloads.utc(alert.ends_at or alert.starts_at).timestamp()),
    }
    link = payloads.generator_url(alert, external_url)
    if link:
        body["title_link"] = link
    return body


def slack(alerts: Sequence[Alert], external_url: str) -> dict[str, Any]:
    """The incoming-webhook body for one group of alerts."""
    shown = [attachment(a, external_url) for a in alerts[: payloads.MAX_ATTACHMENTS]]
    text = escape(title(alerts))
    if len(alerts) > len(shown):
        text += f" (the first {len(shown)} shown)"
    return {"text": text, "attachments": shown}
