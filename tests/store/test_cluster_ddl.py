"""``rumhouse migrate --cluster``: the DDL it prints, checked by the engine's own parser.

No ClickHouse cluster runs here, so the statements are not executed; chDB's formatQuery
parses each one (a syntax error raises) and a freshly migrated embedded store says which
objects the cluster schema must cover. Both run in subprocesses: a chDB process opens one
data folder only, and this pytest process may hold one already.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any

import pytest

from collector.settings import REPO_ROOT
from collector.store import migrate

CLUSTER = "c1"
SCHEMA = REPO_ROOT / "schema"
BROKEN = "CREATE TABLE rum.broken ON CLUSTER c1 (x UInt8) ENGINE = ReplicatedMergeTree("

# Runs in a fresh process. In: the printed statements and a schema folder holding only the
# migrations before 0004 (which adds started_at to two existing tables). Out: each statement
# as formatQuery reads it back (or its error), the objects a migrated store has, and the
# ALTERs `migrate --cluster` derives for a cluster still on the older schema.
ENGINE_SCRIPT = """
import json, sys
from pathlib import Path
import clickhouse_connect
from collector.store import cluster, cluster_apply
from collector.store import migrate

given = json.load(sys.stdin)
client = clickhouse_connect.get_client(dsn="chdb://" + given["data"])

def formatted(sql):
    try:
        query = client.query("SELECT formatQuery({q:String})", parameters={"q": sql})
        return query.result_rows[0][0]
    except Exception as exc:
        return "ERROR " + str(exc)

client.command("CREATE DATABASE rum")
client.database = "rum"
migrate.apply(client, Path(given["schema"]))
objects = {
    name: {"engine": engine, "sorting_key": key}
    for name, engine, key in client.query(
        "SELECT name, engine, sorting_key FROM system.tables WHERE database = 'rum'"
    ).result_rows
}
old = cluster.plan_from(client, Path(given["old_schema"]), "before_0004", "c1")
new = cluster.plan_from(client, Path(given["schema"]), "after_0004", "c1")
existing = {}
for table in old.tables:
    for name in (table.name + "_local", table.name):
        existing[name] = {c.name: c.type for c in table.columns}
additions = cluster_apply.column_additions(new, existing)
existing["vitals_data_local"]["value"] = "Float32"
try:
    cluster_apply.column_additions(new, existing)
    clash = ""
except cluster.ClusterError as exc:
    clash = str(exc)
print(json.dumps({
    "formatted": [formatted(sql) for sql in given["statements"]],
    "objects": objects,
    "additions": [formatted(sql) for sql in additions],
    "clash": clash,
}))
"""

CREATED = re.compile(
    r"^CREATE (?:OR REPLACE )?(TABLE|VIEW|MATERIALIZED VIEW|DATABASE)(?: IF NOT EXISTS)? "
    r"(?:rum\.)?(\w+) ON CLUSTER"
)


def _env() -> dict[str, str]:
    """No RUMHOUSE_* from the caller's shell: the embedded store, the default database."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RUMHOUSE_")}


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    folder = tmp_path_factory.mktemp("cli")
    return subprocess.run(
        [sys.executable, "-m", "collector", "migrate", "--cluster", CLUSTER,
         "--data", str(folder / "data")],
        capture_output=True, text=True, timeout=120, check=False, cwd=folder, env=_env(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def statements(printed: subprocess.CompletedProcess[str]) -> list[str]:
    assert printed.returncode == 0, printed.stderr
    # The same splitter as the migration files: the output can be applied the same way.
    return migrate.Migration(0, "cluster", printed.stdout).statements()


@pytest.fixture(scope="module")
def engine(statements: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    old_schema = tmp_path_factory.mktemp("old") / "schema"
    (old_schema / "migrations").mkdir(parents=True)
    for path in sorted((SCHEMA / "migrations").glob("*.sql")):
        if path.name < "0004":
            shutil.copy(path, old_schema / "migrations")
    given = {"statements": [*statements, BROKEN], "schema": str(SCHEMA)}
    given["old_schema"] = str(old_schema)
    given["data"] = str(tmp_path_factory.mktemp("engine"))  # pytest removes old runs' folders
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_SCRIPT], input=json.dumps(given),
        capture_output=True, text=True, timeout=120, check=False, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["formatted"].pop().startswith("ERROR "), "formatQuery must reject bad SQL"
    return result


def _by_name(engine: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Object name -> (kind, formatted statement) for every CREATE in the output."""
    found = {}
    for statement in engine["formatted"]:
        match = CREATED.match(statement)
        assert match, f"not a CREATE ... ON CLUSTER: {statement[:100]}"
        assert match[2] not in found, f"{match[2]} is created twice"
        found[match[2]] = (match[1], statement)
    return found


def test_embedded_store_prints_and_says_it_applies_only_to_a_server(
    printed: subprocess.CompletedProcess[str],
) -> None:
    assert printed.returncode == 0, printed.stderr
    assert "not applied" in printed.stderr
    assert "RUMHOUSE_CLICKHOUSE_URL" in printed.stderr
    assert printed.stdout.startswith("-- rumhouse schema for ClickHouse cluster c1")


def test_every_statement_parses_runs_on_the_cluster_and_is_idempotent(
    engine: dict[str, Any],
) -> None:
    assert len(engine["formatted"]) >= 10
    for statement in engine["formatted"]:
        assert not statement.startswith("ERROR"), statement
        assert re.search(rf" ON CLUSTER {CLUSTER}\b", statement), statement
        assert "IF NOT EXISTS" in statement or "CREATE OR REPLACE" in statement, statement


def test_every_object_of_the_embedded_schema_has_its_cluster_form(engine: dict[str, Any]) -> None:
    created = _by_name(engine)
    storage = {n for n, o in engine["objects"].items() if o["engine"].endswith("MergeTree")}
    others = set(engine["objects"]) - storage
    assert {"page_views_data", "vitals_data", "schema_migrations"} <= storage
    assert {"page_views", "vitals", "vitals_hourly_refresh"} <= others
    expected = {"rum"} | storage | {f"{name}_local" for name in storage} | others
    assert set(created) == expected
    for name in others:
        kind = {"View": "VIEW", "MaterializedView": "MATERIALIZED VIEW"}
        assert created[name][0] == kind[engine["objects"][name]["engine"]], name


def test_mergetree_tables_become_replicated_behind_distributed_tables(
    engine: dict[str, Any],
) -> None:
    created = _by_name(engine)
    for name, found in engine["objects"].items():
        if not found["engine"].endswith("MergeTree"):
            continue
        path = f"'/clickhouse/tables/{{shard}}/{{database}}/{name}_local', '{{replica}}'"
        assert f"ENGINE = Replicated{found['engine']}({path}" in created[f"{name}_local"][1]
        distributed = re.search(
            rf"ENGINE = Distributed\('c1', 'rum', '{name}_local', (.+)\)$", created[name][1]
        )
        assert distributed, created[name][1]


def _sharding_key(engine: dict[str, Any], table: str) -> str:
    statement = _by_name(engine)[table][1]
    match = re.search(r"ENGINE = Distributed\([^,]+, [^,]+, [^,]+, (.+)\)$", statement)
    assert match, statement
    return match[1]


def test_rows_that_final_collapses_are_on_one_shard(engine: dict[str, Any]) -> None:
    assert _sharding_key(engine, "page_views_data") == "cityHash64(page_view_id)"
    assert _sharding_key(engine, "vitals_data") == "cityHash64(page_view_id)"
    for name, found in engine["objects"].items():
        if found["engine"].endswith("MergeTree") and found["engine"] != "MergeTree":
            key = _sharding_key(engine, name)
            hashed = re.fullmatch(r"cityHash64\((.+)\)", key)
            assert hashed, f"{name} shards by {key}"
            sorting = set(found["sorting_key"].split(", "))
            assert set(hashed[1].split(", ")) <= sorting, f"{name}: {key} vs its ORDER BY"


def test_statements_come_after_what_they_read(engine: dict[str, Any]) -> None:
    created: set[str] = set()
    for statement in engine["formatted"]:
        match = CREATED.match(statement)
        assert match
        reads = set(re.findall(r"\brum\.(\w+)", statement)) - {match[2]}
        assert reads <= created, f"{match[2]} needs {reads - created} first"
        created.add(match[2])
    refresh = _by_name(engine)["vitals_hourly_refresh"][1]
    assert "REFRESH EVERY 1 MINUTE APPEND TO rum.vitals_hourly_data" in refresh
    assert "DEFINER = CURRENT_USER" in refresh, "chDB's own user does not exist on servers"


def test_a_cluster_on_an_older_schema_gets_the_new_columns(engine: dict[str, Any]) -> None:
    additions = engine["additions"]
    touched = {re.findall(r"^ALTER TABLE after_0004\.(\w+) ", a)[0]: a for a in additions}
    assert set(touched) == {
        "page_views_data_local", "page_views_data", "vitals_data_local", "vitals_data",
        "events_local", "events",
    }  # fmt: skip
    for name, statement in touched.items():
        if name.startswith("events"):  # 0010: what names an event, its conversion mark
            for column, after in (("seq", "value"), ("position", "seq"),
                                  ("conversion", "position")):  # fmt: skip
                assert f"ADD COLUMN IF NOT EXISTS `{column}`" in statement, statement
                assert re.search(rf"`{column}` \w+ AFTER {after}\b", statement), statement
            continue
        assert "ADD COLUMN IF NOT EXISTS `started_at`" in statement, statement
        assert "AFTER ts" in statement, statement
        assert ("CODEC" in statement) == name.endswith("_local"), statement
    assert "vitals_data_local.value is Float32 on the server, Float64" in engine["clash"]
