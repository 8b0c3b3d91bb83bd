"""The alert settings: webhook targets, the tuning of the built-in rules (per site too),
and rules written in SQL. Part of ``Settings`` (``alert_webhooks``, ``alert_rules``,
``custom_alerts``)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AlertWebhook(BaseModel):
    """Where alerts are posted: Alertmanager's webhook JSON (version 4), which many
    receivers accept, or a Slack-compatible incoming webhook (``format = "slack"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="http(s) URL; a secret in it is masked in logs")
    format: Literal["alertmanager", "slack"] = "alertmanager"
    repeat_interval: float = Field(
        default=4 * 3600, gt=0, description="seconds between reminders while an alert fires"
    )
    timeout: float = Field(default=10.0, gt=0, le=120, description="seconds one post may take")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value) or not _host_and_port(value):
            raise ValueError("must be an address like https://alerts.example/hook")
        return value


def _host_and_port(url: str) -> bool:
    """Whether ``url`` names a host, and a port from 1 to 65535 if any (``:notaport``,
    ``:99999`` or ``http://:80/`` would fail every post, and show no host in the metrics)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError unless a number from 0 to 65535
    except ValueError:
        return False
    return bool(parts.hostname) and port != 0


class RuleTuning(BaseModel):
    """What a user may change of a built-in alert rule; unset fields keep the rule's default
    (README, "Alerts")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = None
    worse_by: float | None = Field(
        default=None, gt=0, description="share above the baseline that fires (0.2: 20% worse)"
    )
    below: float | None = Field(
        default=None, gt=0, lt=1, description="traffic_drop: share of the baseline that fires"
    )
    min_samples: int | None = Field(
        default=None, ge=1, description="page views (or requests) needed in the window"
    )
    min_sessions: int | None = Field(
        default=None, ge=1, description="new_error: sessions that must have seen it"
    )
    window_minutes: int | None = Field(default=None, ge=5, le=24 * 60)


class RuleSettings(RuleTuning):
    """A built-in rule's tuning, and per site (``[alert_rules.lcp_regression.sites.shop]``)."""

    sites: dict[str, RuleTuning] = Field(default_factory=dict)


class CustomAlert(BaseModel):
    """A named SQL query returning label columns and a numeric ``value`` column; each row
    whose value crosses ``threshold`` is an alert with those labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    sql: str = Field(min_length=1)
    threshold: float
    direction: Literal["above", "below"] = "above"
    summary: str = ""


# The built-in rules (``rules.py`` holds them, a test keeps the two in step).
RULE_NAMES = (
    "lcp_regression", "inp_regression", "cls_regression", "error_spike", "new_error",
    "failed_requests", "traffic_drop",
)  # fmt: skip


class AlertFields(BaseModel):
    """The alert fields of ``Settings`` (same names in the TOML file, the environment and
    flags)."""

    alerts: bool | None = Field(
        default=None,
        description="evaluate the alert rules in the collector; default: when alert_webhooks "
        "are set (without them, alerts are still recorded and shown on /report)",
    )
    alert_interval: float = Field(
        default=60.0, ge=5, le=3600, description="seconds between evaluations of the alert rules"
    )
    alert_webhooks: tuple[AlertWebhook, ...] = Field(
        default=(), description="where alerts are posted (Alertmanager JSON or Slack)"
    )
    alert_rules: dict[str, RuleSettings] = Field(
        default_factory=dict, description="tuning of the built-in rules, by rule name"
    )
    custom_alerts: tuple[CustomAlert, ...] = Field(default=(), description="rules written in SQL")

    @field_validator("alert_rules")
    @classmethod
    def _known_rules(cls, value: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        unknown = sorted(set(value) - set(RULE_NAMES))
        if unknown:
            raise ValueError(
                f"no built-in rule {unknown[0]!r} (the rules: {', '.join(RULE_NAMES)})"
            )
        return value
