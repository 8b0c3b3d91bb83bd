"""A point in time given on the command line (``simulate --end``, ``alerts check --at``):
ISO 8601, UTC unless it says otherwise, never in the future."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


def moment(text: str) -> datetime:
    """An argparse ``type``: ``2026-11-28T20:00`` (UTC), ``2026-11-28 21:00+01:00``..."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: write it as 2026-11-28T20:00 (UTC) or with an offset"
        ) from None
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at > datetime.now(UTC):
        raise argparse.ArgumentTypeError(f"{text} is in the future")
    return at
