"""Migrations on the real engine: idempotent, ordered, guarded against edits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from collector import migrate
from collector.rows import TABLES
from collector.settings import Settings


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
