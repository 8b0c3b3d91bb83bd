"""A page view's start is when it began, not when its last beacon arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.outcomes import Drops
from collector.ingest.validate import parse_beacon
from collector.settings import load_settings
from tests.conftest import beacon

ENRICHER = Enricher(CountryLookup(), load_settings(open_mode=True))
RECEIVED = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def started_at(elapsed: float | None) -> datetime:
    body = parse_beacon(orjson.dumps(beacon(elapsed=elapsed)), Drops())
    view, _ = ENRICHER.enrich(body, Client("203.0.113.1", ""), RECEIVED)
    return view.started_at


@pytest.mark.parametrize(
    ("elapsed", "age"),
    [
        (None, timedelta(0)),
        (0.0, timedelta(0)),
        (5200.0, timedelta(seconds=5.2)),
        (2 * 3600 * 1000.0, timedelta(hours=2)),  # a tab left open: the next hour's rollup
        (7 * 86400 * 1000.0, timedelta(days=7)),  # the oldest a beacon may report on
    ],
)
def test_started_at_is_received_minus_the_page_views_age(
    elapsed: float | None, age: timedelta
) -> None:
    assert started_at(elapsed) == RECEIVED - age


def test_every_beacon_of_a_page_view_dates_it_alike() -> None:
    """The first beacon after 1 s and a later one after an hour give the same start."""
    first = started_at(1000.0)
    later = ENRICHER.enrich(
        parse_beacon(orjson.dumps(beacon(seq=1, elapsed=3_601_000.0)), Drops()),
        Client("203.0.113.1", ""),
        RECEIVED + timedelta(hours=1),
    )[0].started_at
    assert first == later == RECEIVED - timedelta(seconds=1)
