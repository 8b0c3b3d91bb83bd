"""The ``alerts`` table (migration 0008): an alert as a row, and back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from collector.alerts.model import Alert, Finding

COLUMNS = (
    "at", "fingerprint", "alertname", "status", "severity", "site", "labels", "context",
    "value", "baseline", "threshold", "summary", "description", "starts_at", "ends_at",
)  # fmt: skip
# The state: the latest row of each fingerprint.
LATEST = f"SELECT {', '.join(COLUMNS)} FROM alerts ORDER BY at DESC LIMIT 1 BY fingerprint"


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def to_row(alert: Alert, at: datetime) -> dict[str, Any]:
    f = alert.finding
    return {
        "at": _stamp(at), "fingerprint": alert.fingerprint, "alertname": f.alertname,
        "status": alert.status, "severity": f.severity, "site": f.site,
        "labels": dict(f.labels), "context": dict(f.context or {}), "value": f.value,
        "baseline": f.baseline, "threshold": f.threshold, "summary": f.summary,
        "description": f.description, "starts_at": _stamp(alert.starts_at),
        "ends_at": _stamp(alert.ends_at),
    }  # fmt: skip


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def from_row(row: dict[str, Any]) -> Alert:
    finding = Finding(
        alertname=row["alertname"], labels=dict(row["labels"]), value=row["value"],
        baseline=row["baseline"], threshold=row["threshold"], summary=row["summary"],
        description=row["description"], severity=row["severity"],
        context=dict(row["context"]) or None,
    )  # fmt: skip
    starts_at = _utc(row["starts_at"])
    assert starts_at is not None
    return Alert(finding, row["status"], starts_at, _utc(row["ends_at"]))
