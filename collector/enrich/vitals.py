"""Web-vitals metrics: keep the five known ones with possible values, rate them server-side.

The rating is recomputed here from the CrUX thresholds rather than trusted from the client,
so every row is rated the same way whatever version of the beacon sent it.
"""

from __future__ import annotations

import math

from collector.contract import MetricIn
from collector.events import Vital
from collector.outcomes import Drops, Reason

# (good up to, needs improvement up to, largest plausible value)
THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "LCP": (2500, 4000, 3_600_000),
    "INP": (200, 500, 3_600_000),
    "CLS": (0.1, 0.25, 100),
    "FCP": (1800, 3000, 3_600_000),
    "TTFB": (800, 1800, 3_600_000),
}


def rating(name: str, value: float) -> str:
    good, poor, _ = THRESHOLDS[name]
    if value <= good:
        return "good"
    return "needs-improvement" if value <= poor else "poor"


def _plausible(value: float, ceiling: float) -> bool:
    return math.isfinite(value) and 0 <= value <= ceiling


def to_vital(metric: MetricIn, drops: Drops) -> Vital | None:
    """The enriched metric, or ``None`` (counted in ``drops``) when it cannot be kept."""
    limits = THRESHOLDS.get(metric.name)
    if limits is None:
        drops.add(Reason.UNKNOWN_METRIC)
        return None
    if not _plausible(metric.value, limits[2]):
        drops.add(Reason.INVALID_VALUE)
        return None
    phases = {k: v for k, v in metric.phases.items() if _plausible(v, 3_600_000)}
    drops.add(Reason.INVALID_VALUE, len(metric.phases) - len(phases))
    return Vital(
        name=metric.name,
        value=metric.value,
        rating=rating(metric.name, metric.value),
        target=metric.target or "",
        url=metric.url or "",
        interaction_type=metric.interaction_type or "",
        load_state=metric.load_state or "",
        phases=phases,
    )
