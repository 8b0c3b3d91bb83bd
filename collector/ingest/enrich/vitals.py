"""Web-vitals metrics: keep the five known ones with possible values, rate them server-side.

The rating is recomputed here from the CrUX thresholds rather than trusted from the client,
so every row is rated the same way whatever version of the beacon sent it.
"""

from __future__ import annotations

from collector.ingest.contract import MetricIn
from collector.ingest.events import Vital
from collector.ingest.limits import DURATION_MS
from collector.ingest.outcomes import Drops, ItemDrop

# (good up to, needs improvement up to, largest plausible value)
THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "LCP": (2500, 4000, DURATION_MS),
    "INP": (200, 500, DURATION_MS),
    "CLS": (0.1, 0.25, 100),
    "FCP": (1800, 3000, DURATION_MS),
    "TTFB": (800, 1800, DURATION_MS),
}
PHASE_CEILING = DURATION_MS


def rating(name: str, value: float) -> str:
    good, poor, _ = THRESHOLDS[name]
    if value <= good:
        return "good"
    return "needs-improvement" if value <= poor else "poor"


def to_vital(metric: MetricIn, drops: Drops) -> Vital | None:
    """The enriched metric, or ``None`` (counted in ``drops``) when it cannot be kept.

    A value is plausible when ``0 <= value <= ceiling``: with a finite ceiling that also
    rules out NaN and infinities, as every comparison with NaN is false."""
    limits = THRESHOLDS.get(metric.name)
    if limits is None:
        drops.add(ItemDrop.UNKNOWN_METRIC)
        return None
    value = metric.value
    if not 0 <= value <= limits[2]:
        drops.add(ItemDrop.INVALID_VALUE)
        return None
    phases = _plausible_phases(metric.phases, drops)
    # Positional: eight keyword arguments made this call 2.5x slower, five times a beacon.
    return Vital(
        metric.name,
        value,
        rating(metric.name, value),
        metric.target or "",
        metric.url or "",
        metric.interaction_type or "",
        metric.load_state or "",
        phases,
        (metric.script_url or "") if metric.name == "INP" else "",
        (metric.script_function or "") if metric.name == "INP" else "",
    )


def _plausible_phases(phases: dict[str, float], drops: Drops) -> dict[str, float]:
    """The phases without impossible values (counted in ``drops``). Nearly always all are
    plausible, and the parsed dict is then kept as it is, not copied: nothing changes it."""
    for value in phases.values():
        if not 0 <= value <= PHASE_CEILING:
            break
    else:
        return phases
    kept = {k: v for k, v in phases.items() if 0 <= v <= PHASE_CEILING}
    drops.add(ItemDrop.INVALID_VALUE, len(phases) - len(kept))
    return kept
