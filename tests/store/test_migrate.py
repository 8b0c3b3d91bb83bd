"""Migrations on the real engine: idempotent, ordered, guarded against edits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from collector.ingest.rows import TABLES
from collector.settings import Settings
from collector.store import migrate


def test_migrate_applies_all_then_nothing(store: Any, settings: Settings) -> None:
    first = migrate.apply(store, settings.schema_dir)
    assert [m.version for m in first] == sorted(m.version for m in first)
    assert len(first) >= 3
    assert migrate.apply(store, settings.schema_dir) == []


def test_migrate_refuses_an_applied_migration_that_changed(
    store: Any, settings: Settings, tmp_path: Path
) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(settings.schema_dir / "migrations", schema / "migrations")
    migrate.apply(store, schema)
    views = schema / "migrations" / "0003_analyst_views.sql"
    views.write_text(views.read_text() + "\n-- edited\n")
    with pytest.raises(migrate.MigrationError, match="add a new migration"):
        migrate.apply(store, schema)


def test_rows_column_lists_match_the_tables(store: Any, settings: Settings) -> None:
    """rows.py fills every column but those the server computes (insert time, fingerprint)."""
    migrate.apply(store, settings.schema_dir)
    server_filled = {"inserted_at", "fingerprint"}
    for table, columns in TABLES.items():
        result = store.query(
            "SELECT name FROM system.columns WHERE database = currentDatabase() "
            "AND table = {t:String} ORDER BY position",
            parameters={"t": table},
        )
        assert sorted(columns) == sorted({r[0] for r in result.result_rows} - server_filled), table
        assert len(set(columns)) == len(columns), table


# A page view's LCP in the raw table, started in the previous hour (inside the rollup window).
_VITAL = (
    "INSERT INTO vitals_data (ts, started_at, site, page_view_id, session_id, seq, metric, value, "
    "rating, page_group, device_class, browser, country, connection, is_bot) "
    "SELECT now64(3), toStartOfHour(now()) - INTERVAL 30 MINUTE, 'shop', toString(number), 's', 0, "
    "'LCP', 100 + number * 7, 'good', ['/', '/cart'][number % 2 + 1], "
    "['mobile', 'desktop'][intDiv(number, 2) % 2 + 1], "
    "['Chrome', 'Safari', 'Firefox'][number % 3 + 1], ['DE', 'FR'][number % 5 % 2 + 1], '4g', "
    "false FROM numbers(400)"
)
# Rollup rows of an hour 200 days ago (the raw rows are gone by then), written by two refreshes.
_HISTORY = (
    "INSERT INTO vitals_hourly_data SELECT toStartOfHour(now() - INTERVAL 200 DAY), "
    "now64(3) - INTERVAL 200 DAY + INTERVAL {v:UInt8} MINUTE, 'shop', 'LCP', '/', 'mobile', "
    "['Chrome', 'Safari'][number % 2 + 1], 'DE', '4g', count(), count(), 0, 0, "
    "quantileBFloat16State(toFloat64(number)) FROM numbers({n:UInt32}) GROUP BY number % 2"
)
_BY_HOUR = (
    "SELECT hour, site, metric, page_group, device_class, sum(page_views), sum(good), "
    "quantileBFloat16Merge(0.75)(value_state) FROM {rollup} "
    "GROUP BY ALL ORDER BY hour, page_group, device_class"
)


def test_migrate_a_store_at_0004_with_data_then_all_and_again(
    store: Any, settings: Settings, tmp_path: Path
) -> None:
    """0006 on a store that ran 0001-0004 and holds data: the rollup by page group and device
    class gets every hour already rolled up (also those older than the raw retention); its
    statements run again change nothing."""
    old = tmp_path / "old" / "migrations"
    old.mkdir(parents=True)
    for path in sorted((settings.schema_dir / "migrations").glob("000[1-4]_*.sql")):
        shutil.copy(path, old)
    assert [m.version for m in migrate.apply(store, old.parent)] == [1, 2, 3, 4]
    store.command(_VITAL)
    store.command("SYSTEM REFRESH VIEW vitals_hourly_refresh")
    store.command("SYSTEM WAIT VIEW vitals_hourly_refresh")
    store.command(_HISTORY, parameters={"v": 1, "n": 1000})
    store.command(_HISTORY, parameters={"v": 2, "n": 600})  # the later refresh: 600 page views
    before = store.query(_BY_HOUR.format(rollup="vitals_hourly")).result_rows

    assert 6 in [m.version for m in migrate.apply(store, settings.schema_dir)]
    by_segment = store.query(_BY_HOUR.format(rollup="vitals_hourly")).result_rows
    by_page = store.query(_BY_HOUR.format(rollup="vitals_hourly_pages")).result_rows
    assert by_segment == before
    assert by_page == by_segment  # browser, country and connection summed up: the same p75
    assert [row[5] for row in by_page] == [600, 100, 100, 100, 100]
    # Rows only the migration writes (the refreshes cover the last 49 hours).
    rows = "SELECT count() FROM vitals_hourly_pages_data WHERE hour < now() - INTERVAL 100 DAY"
    stored = store.query(rows).result_rows
    assert stored == [(1,)]

    [fast] = [m for m in migrate.load(settings.schema_dir / "migrations") if m.version == 6]
    for statement in fast.statements():
        store.command(statement)
    assert store.query(rows).result_rows == stored, "the hours already copied are not copied again"
    assert store.query(_BY_HOUR.format(rollup="vitals_hourly_pages")).result_rows == by_page
    refreshes = store.query("SELECT view FROM system.view_refreshes ORDER BY view").result_rows
    assert refreshes == [
        ("sessions_hourly_refresh",), ("sessions_refresh",), ("vitals_hourly_pages_refresh",),
        ("vitals_hourly_refresh",),
    ]  # fmt: skip
