"""The sessions table on the real engine: each refresh recomputes the sessions that received
rows since the previous one, whole, and leaves the others alone; the first refresh of an
empty table reads every session kept; later ones only the last 48 hours, where an older
history is the history writer's (``rollups.roll_up``) to add.

Rows are written straight into the raw tables, with ``inserted_at`` set where a test needs
rows that arrived long ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collector.report.page import REFRESH
from collector.settings import Settings
from collector.store import migrate, rollups

SESSIONS = tuple(s for s in REFRESH if "VIEW sessions_" in s)
COLUMNS = "session_id, page_views, landing_lcp, landing_lcp_rating, bounced, converted, revenue"


@pytest.fixture
def sessions_store(store: Any, settings: Settings) -> Any:
    migrate.apply(store, settings.schema_dir)
    return store


def page_view(store: Any, session: str, view: str, started: datetime, lcp: float | None,
              *, arrived: datetime | None = None) -> None:  # fmt: skip
    """A page view (and its LCP) as the collector stores it; ``arrived``: its inserted_at."""
    at = {"ts": started, "started_at": started, "inserted_at": arrived or datetime.now(UTC)}
    common = {"site": "shop", "page_view_id": view, "session_id": session, **at}
    store.insert("page_views_data", [list(common.values())], column_names=list(common))
    if lcp is not None:
        rating = "good" if lcp <= 2500 else "poor"
        row = common | {"metric": "LCP", "value": lcp, "rating": rating}
        store.insert("vitals_data", [list(row.values())], column_names=list(row))


def purchase(store: Any, session: str, view: str, value: float, seq: int = 1) -> None:
    row = {"ts": datetime.now(UTC), "site": "shop", "page_view_id": view, "session_id": session,
           "name": "purchase", "value": value, "seq": seq, "position": 0,
           "conversion": True}  # fmt: skip
    store.insert("events", [list(row.values())], column_names=list(row))


def refresh(store: Any) -> None:
    for statement in SESSIONS:
        store.command(statement)


def sessions(store: Any) -> dict[str, tuple[Any, ...]]:
    rows = store.query(f"SELECT {COLUMNS} FROM sessions ORDER BY session_id").result_rows
    return {row[0]: tuple(row[1:]) for row in rows}


def versions(store: Any, session: str) -> int:
    sql = "SELECT count() FROM sessions_data WHERE session_id = {s:String}"
    return int(store.query(sql, parameters={"s": session}).result_rows[0][0])


def test_a_refresh_recomputes_the_sessions_that_received_rows_and_only_those(
    sessions_store: Any,
) -> None:
    store, hour_ago = sessions_store, datetime.now(UTC) - timedelta(hours=1)
    # Arrived an hour ago, before any refresh (the collector's own refresh runs every minute
    # too: whenever it runs, the first refresh of the empty table reads every session).
    page_view(store, "s-old", "pv-9", hour_ago, 5000.0, arrived=hour_ago)
    page_view(store, "s-new", "pv-1", hour_ago, 1800.0)
    refresh(store)
    assert sessions(store) == {"s-new": (1, 1800.0, "good", 1, 0, 0.0),
                               "s-old": (1, 5000.0, "poor", 1, 0, 0.0)}  # fmt: skip

    page_view(store, "s-new", "pv-2", hour_ago + timedelta(minutes=3), 4200.0)
    purchase(store, "s-new", "pv-2", 40.0)
    purchase(store, "s-new", "pv-2", 40.0)  # the same beacon received twice
    refresh(store)
    assert sessions(store) == {"s-new": (2, 1800.0, "good", 0, 1, 40.0),
                               "s-old": (1, 5000.0, "poor", 1, 0, 0.0)}  # fmt: skip
    assert versions(store, "s-old") == 1, "a session that received nothing is not rewritten"

    purchase(store, "s-old", "pv-9", 10.0, seq=2)  # only an event: a page view's later beacon
    refresh(store)
    assert sessions(store)["s-old"] == (1, 5000.0, "poor", 0, 1, 10.0)


def test_the_first_refresh_reads_every_session_later_ones_the_last_48_hours(
    sessions_store: Any,
) -> None:
    store, now = sessions_store, datetime.now(UTC)
    page_view(store, "s-march", "pv-1", now - timedelta(days=10), 3000.0)
    refresh(store)
    assert sessions(store) == {"s-march": (1, 3000.0, "poor", 1, 0, 0.0)}, "an upgraded store"

    page_view(store, "s-april", "pv-2", now - timedelta(days=9), 1000.0)
    page_view(store, "s-today", "pv-3", now - timedelta(hours=47), 1000.0)
    refresh(store)
    assert set(sessions(store)) == {"s-march", "s-today"}, "9 days old: the refresh's no more"

    rollups.roll_up(store, now - timedelta(days=9, hours=1), now - timedelta(days=8))
    assert set(sessions(store)) == {"s-march", "s-april", "s-today"}, "the history writer's"
    hourly = (
        "SELECT hour, sum(sessions) FROM sessions_hourly WHERE hour < now() - INTERVAL 2 DAY"
        " GROUP BY hour"
    )
    april = (now - timedelta(days=9)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    assert store.query(hourly).result_rows == [(april, 1)], "the hours it rolled up"
