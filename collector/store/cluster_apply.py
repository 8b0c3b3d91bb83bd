"""``rumhouse migrate --cluster NAME`` against a server: the plan of ``cluster.py`` applied,
adding the columns a newer migration brings to tables that exist already, and refusing a
server that holds rumhouse's single-node schema (it would need a data migration).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.store import migrate
from collector.store.client import open_client
from collector.store.cluster import ClusterError, Plan, Table, plan
from collector.store.url import ServerUrl


def _clashes(table: Table, name: str, have: Mapping[str, str]) -> list[str]:
    return [
        f"{name}.{c.name} is {have[c.name]} on the server, {c.type} in the migrations"
        for c in table.columns
        if c.name in have and have[c.name] != c.type
    ]


def _add_columns(table: Table, name: str, plan: Plan, have: Mapping[str, str]) -> str | None:
    local = name.endswith("_local")  # a Distributed table stores nothing: no codecs
    clauses, previous = [], ""
    for column in table.columns:
        if column.name not in have:
            place = f"AFTER `{previous}`" if previous else "FIRST"
            clauses.append(f"ADD COLUMN IF NOT EXISTS {column.definition(local)} {place}")
        previous = column.name
    if not clauses:
        return None
    return f"ALTER TABLE {plan.database}.{name} ON CLUSTER '{plan.cluster}' {', '.join(clauses)}"


def column_additions(plan: Plan, existing: Mapping[str, Mapping[str, str]]) -> list[str]:
    """ALTERs that give the tables already on the server (``existing``: table -> column ->
    type) the columns later migrations added. Other changes to an existing table are not
    derived; a column whose type differs stops the migration rather than pass unnoticed."""
    statements, clashes = [], []
    for table in plan.tables:
        for name in (f"{table.name}_local", table.name):
            if name in existing:
                clashes += _clashes(table, name, existing[name])
                statements.append(_add_columns(table, name, plan, existing[name]))
    if clashes:
        raise ClusterError(
            "the cluster's tables differ from the migrations; change them with ALTER TABLE "
            "... ON CLUSTER, then run migrate again:\n  " + "\n  ".join(clashes)
        )
    return [statement for statement in statements if statement]


def _server_columns(client: Client) -> dict[str, dict[str, str]]:
    rows = client.query(
        "SELECT table, name, type FROM system.columns WHERE database = currentDatabase()"
    ).result_rows
    found: dict[str, dict[str, str]] = {}
    for table, name, type_ in rows:
        found.setdefault(str(table), {})[str(name)] = str(type_)
    return found


def _refuse_single_node_schema(client: Client) -> None:
    rows = client.query(
        "SELECT engine FROM system.tables "
        "WHERE database = currentDatabase() AND name = 'schema_migrations'"
    ).result_rows
    if rows and rows[0][0] != "Distributed":
        raise ClusterError(
            "this database was migrated without --cluster: its tables are not replicated. "
            "Create the cluster schema in a new database and copy the data over"
        )


def apply(client: Client, plan: Plan, before: Callable[[str], None]) -> list[migrate.Migration]:
    """Run the plan on the server behind ``client`` (any node of the cluster), ``before``
    seeing each statement, and record the migrations; returns those new to the cluster."""
    _refuse_single_node_schema(client)
    todo = migrate.pending(client, list(plan.migrations))
    for statement in plan.statements(column_additions(plan, _server_columns(client))):
        before(statement)
        client.command(statement)
    if todo:
        client.insert(
            "schema_migrations",
            [[m.version, m.name, m.checksum] for m in todo],
            column_names=["version", "name", "checksum"],
            # On the shards before migrate returns, so that the next run reads it back.
            settings={"insert_distributed_sync": 1},
        )
    return todo


# --- the command ----------------------------------------------------------------------------


def _database(settings: Settings) -> str:
    """The database the store opens: the URL's path, else ``database`` (as ``open_client``)."""
    url = settings.clickhouse_url
    return ServerUrl.parse(url, settings.database).database if url else settings.database


def run(settings: Settings, cluster: str, print_only: bool) -> int:
    """``rumhouse migrate --cluster NAME [--print]``."""
    if print_only or settings.embedded:
        print(plan(settings.schema_dir, _database(settings), cluster).script(), end="")
        if settings.embedded:
            print(
                "rumhouse: printed, not applied: the embedded store (chDB) has no clusters.\n"
                "Set RUMHOUSE_CLICKHOUSE_URL to a server of the cluster and run this command "
                "again to apply it (and record the migrations), or run the DDL yourself.",
                file=sys.stderr,
            )
        return 0
    client = open_client(settings)
    ddl = plan(settings.schema_dir, client.database or settings.database, cluster)
    new = apply(client, ddl, lambda statement: print(f"{statement};\n", flush=True))
    for m in new:
        print(f"applied {m.version:04d}_{m.name} on cluster {cluster}")
    print(f"cluster {cluster}: schema is up to date")
    return 0
