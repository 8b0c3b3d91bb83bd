"""Every plausibility bound of a beacon, once.

Two tiers, on purpose: the wire contract nulls (and counts) numbers so absurd that no
browser sends them (``WIRE``: beyond a billion), and enrichment then drops a timing longer
than ``DURATION_MS`` (an hour: a page does not take an hour to paint or answer), with its
own reason. A page view's age (for ``started_at``) is capped at ``MAX_AGE``.
"""

from __future__ import annotations

from datetime import timedelta

WIRE = 1e9  # |x| above this is not a measurement: nulled by the contract
DURATION_MS = 3_600_000  # the longest plausible timing: vitals, their phases, navigation
MAX_AGE = timedelta(days=7)  # the oldest page view a beacon may still report on
