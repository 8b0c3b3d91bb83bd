"""The schema for a ClickHouse cluster: ``rumhouse migrate --cluster NAME``.

The numbered migrations stay the one source of truth. They are applied to a throw-away
embedded store (chDB in a temporary folder), the objects they leave are read back from the
engine (``SHOW CREATE TABLE``, ``system.tables``, ``system.columns``) and rewritten as
``ON CLUSTER`` DDL. Rewriting the migration files statement by statement instead would need
a translation for every kind of statement they use (CREATE, ALTER ... ADD COLUMN, MODIFY
SETTING, CREATE OR REPLACE): a second SQL parser. The engine's own account of the final
schema is exact, and a new migration needs no change here.

The statements, in an order that executes, each idempotent (a re-run is safe, and also
creates the schema on a node added to the cluster later):

1. the database;
2. per MergeTree-family table T: ``T_local``, its Replicated* twin (Keeper path
   ``/clickhouse/tables/{shard}/{database}/T_local``, replica ``{replica}``), then ``T`` as
   a Distributed table over it: every name the collector, the views and analysts use stays
   and now reads and writes the whole cluster;
3. for a server whose tables exist already, the columns later migrations added;
4. views and materialized views (``CREATE OR REPLACE``), dependencies first.

Sharding keys. A table whose engine merges rows of one sorting key (Replacing, Aggregating,
...) must keep all rows of a key on one shard, or FINAL cannot collapse them. It shards by
``page_view_id`` when that is part of its sorting key (page_views_data, vitals_data: all
beacons of a page view on one shard), else by a hash of the whole sorting key
(vitals_hourly_data, schema_migrations). Append-only tables shard by ``page_view_id`` too
when they have it (errors, events, failures), rather than ``rand()``: a page view's rows then sit on
one shard, so per-page-view questions (affected page views, joins with its vitals) are
answered shard by shard; page views are many and small, so the load stays even.

schema_migrations is made like the other tables, so ``migrate.pending`` reads through its
Distributed table what was applied on the cluster, from any node.

A plain materialized view (failures_hourly_mv) fires where an insert into the Distributed
table it reads arrives, and writes through its target's Distributed table: added once.

Refreshable materialized views run on every node (only a Replicated database coordinates
refreshes): each refresh computes the whole cluster's window through the Distributed tables
and appends to a Distributed table sharded by the target's key, so the copies meet on one
shard and ReplacingMergeTree keeps the latest: the same result, N times the work.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from collector.store import migrate

_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_.{}-]{1,128}$")  # {cluster}: a macro of the servers
_KEEPER_PATH = "/clickhouse/tables/{shard}/{database}/"
_VIEW_ENGINES = {"View": "VIEW", "MaterializedView": "MATERIALIZED VIEW"}


class ClusterError(migrate.MigrationError):
    """The schema has no cluster form, or the server's schema is not the one expected."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    default_kind: str  # DEFAULT, MATERIALIZED, ALIAS or ""
    default_expression: str
    codec: str  # "CODEC(...)" or ""

    def definition(self, with_codec: bool) -> str:
        default = f" {self.default_kind} {self.default_expression}" if self.default_kind else ""
        codec = f" {self.codec}" if with_codec and self.codec else ""
        return f"`{self.name}` {self.type}{default}{codec}"


@dataclass(frozen=True)
class Table:
    """A table that holds data (a MergeTree-family engine) in the embedded schema."""

    name: str
    engine: str
    create: str
    sorting_key: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class View:
    name: str
    engine: str
    create: str
    needs: frozenset[str]  # the objects its query reads and, for a materialized view, writes


@dataclass(frozen=True)
class Plan:
    """The cluster DDL for one database, made from the migrations in ``migrations``."""

    cluster: str
    database: str
    migrations: tuple[migrate.Migration, ...]
    tables: tuple[Table, ...]
    table_ddl: tuple[str, ...]  # the database, then the local and Distributed tables
    view_ddl: tuple[str, ...]  # views and materialized views, dependencies first

    def statements(self, additions: Iterable[str] = ()) -> list[str]:
        return [*self.table_ddl, *additions, *self.view_ddl]

    def script(self) -> str:
        first, last = self.migrations[0], self.migrations[-1]
        head = (
            f"-- rumhouse schema for ClickHouse cluster {self.cluster}, database "
            f"{self.database}: migrations {first.version:04d}_{first.name} .. "
            f"{last.version:04d}_{last.name}\n\n"
        )
        return head + "".join(f"{statement};\n\n" for statement in self.statements())


# --- reading the embedded schema --------------------------------------------------------


def _columns(client: Client, database: str) -> dict[str, tuple[Column, ...]]:
    rows = client.query(
        "SELECT table, name, type, default_kind, default_expression, compression_codec "
        "FROM system.columns WHERE database = {db:String} ORDER BY table, position",
        parameters={"db": database},
    ).result_rows
    found: dict[str, list[Column]] = {}
    for table, *column in rows:
        found.setdefault(str(table), []).append(Column(*(str(value) for value in column)))
    return {table: tuple(columns) for table, columns in found.items()}


def _reads(client: Client, database: str, query: str) -> set[str]:
    """The tables a query names, as the engine's own parser sees them (``EXPLAIN AST``)."""
    if not query:
        return set()
    lines = client.query(f"EXPLAIN AST {query}").result_rows
    names = re.findall(r"TableIdentifier (\S+)", "\n".join(str(row[0]) for row in lines))
    return {name.removeprefix(f"{database}.").strip("`") for name in names}


def _objects(client: Client, database: str) -> tuple[list[Table], list[View]]:
    columns = _columns(client, database)
    rows = client.query(
        "SELECT name, engine, sorting_key, as_select, target_table FROM system.tables "
        "WHERE database = {db:String} AND NOT is_temporary ORDER BY name",
        parameters={"db": database},
    ).result_rows
    tables, views = [], []
    for name, engine, sorting_key, as_select, target in rows:
        create = str(client.query(f"SHOW CREATE TABLE {database}.{name}").result_rows[0][0])
        if engine in _VIEW_ENGINES:
            needs = _reads(client, database, as_select) | ({target} if target else set())
            views.append(View(name, engine, create, frozenset(needs - {name})))
        else:
            tables.append(Table(name, engine, create, sorting_key, columns[name]))
    return tables, views


# --- rewriting it for a cluster -----------------------------------------------------------


def _retitle(create: str, old: str, new: str) -> str:
    """Replace the ``CREATE <kind> db.name`` that opens a SHOW CREATE statement."""
    if not re.match(rf"{re.escape(old)}\s", create):
        raise ClusterError(f"unexpected definition, not {old!r}: {create[:80]}")
    return new + create[len(old) :]


def _replicated(table: Table, database: str, cluster: str) -> str:
    if not table.engine.endswith("MergeTree") or table.engine.startswith("Replicated"):
        raise ClusterError(
            f"{table.name}: no cluster form for engine {table.engine} (use a MergeTree engine)"
        )
    engine = re.search(rf"^ENGINE = {table.engine}(?:\((.*)\))?$", table.create, re.MULTILINE)
    if engine is None:
        raise ClusterError(f"{table.name}: no ENGINE line in its definition")
    args = [f"'{_KEEPER_PATH}{table.name}_local'", "'{replica}'"]
    args += [engine[1]] if engine[1] else []
    create = (
        f"{table.create[: engine.start()]}ENGINE = Replicated{table.engine}({', '.join(args)})"
        f"{table.create[engine.end() :]}"
    )
    return _retitle(
        create,
        f"CREATE TABLE {database}.{table.name}",
        f"CREATE TABLE IF NOT EXISTS {database}.{table.name}_local ON CLUSTER '{cluster}'",
    )


def _key_parts(sorting_key: str) -> list[str]:
    """The top-level expressions of a sorting key such as ``site, toStartOfHour(ts)``."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(sorting_key):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(sorting_key[start:i].strip())
            start = i + 1
    tail = sorting_key[start:].strip()
    return [*parts, tail] if tail else parts


def sharding_key(table: Table) -> str:
    """Where a row goes; see the module's docstring for why."""
    key = _key_parts(table.sorting_key)
    if "page_view_id" in key:
        return "cityHash64(page_view_id)"
    if table.engine == "MergeTree":  # rows never merge: any placement is correct
        has_page_view = any(c.name == "page_view_id" for c in table.columns)
        return "cityHash64(page_view_id)" if has_page_view else "rand()"
    if not key:
        raise ClusterError(f"{table.name}: a {table.engine} needs a sorting key to shard by")
    return f"cityHash64({table.sorting_key})"


def _distributed(table: Table, database: str, cluster: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {database}.{table.name} ON CLUSTER '{cluster}' "
        f"AS {database}.{table.name}_local ENGINE = Distributed('{cluster}', '{database}', "
        f"'{table.name}_local', {sharding_key(table)})"
    )


def _view(view: View, database: str, cluster: str) -> str:
    kind = _VIEW_ENGINES[view.engine]
    if view.engine == "MaterializedView" and not re.search(r"\bTO \S+", view.create):
        # Its inner table would be neither replicated nor sharded, and a REPLACE drops it.
        raise ClusterError(f"{view.name}: give the materialized view a TO table")
    create = _retitle(
        view.create,
        f"CREATE {kind} {database}.{view.name}",
        f"CREATE OR REPLACE {kind} {database}.{view.name} ON CLUSTER '{cluster}'",
    )
    # The embedded definer (chDB's own user) does not exist on the servers: the view runs
    # as the user who migrates.
    return re.sub(r"\bDEFINER = \S+ SQL SECURITY", "DEFINER = CURRENT_USER SQL SECURITY", create)


def _dependencies_first(views: list[View]) -> list[View]:
    """Views in an order where each comes after the views it reads (tables come first)."""
    by_name = {view.name: view for view in views}
    order = TopologicalSorter({v.name: v.needs & by_name.keys() for v in views})
    try:
        order.prepare()
    except CycleError as exc:
        raise ClusterError(f"views that read each other: {exc.args[1]}") from exc
    found: list[View] = []
    while order.is_active():
        ready = sorted(order.get_ready())
        found += [by_name[name] for name in ready]
        order.done(*ready)
    return found


def _formatted(client: Client, statement: str) -> str:
    """The statement as the engine's parser reads it back: a syntax error fails here."""
    result = client.query("SELECT formatQuery({q:String})", parameters={"q": statement})
    return str(result.result_rows[0][0])


def plan_from(client: Client, schema_dir: Path, database: str, cluster: str) -> Plan:
    """Apply the migrations to ``database`` of an embedded store and derive the cluster DDL."""
    if not _CLUSTER_NAME.match(cluster):
        raise ClusterError(f"{cluster!r} is not a cluster name")
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.database = database
    applied = migrate.apply(client, schema_dir)
    if not applied:
        raise ClusterError(f"no migrations in {schema_dir / 'migrations'}")
    client.command("SYSTEM STOP VIEWS")  # this store is read, never refreshed
    tables, views = _objects(client, database)
    table_ddl = [f"CREATE DATABASE IF NOT EXISTS {database} ON CLUSTER '{cluster}'"]
    table_ddl += [_replicated(t, database, cluster) for t in tables]
    table_ddl += [_distributed(t, database, cluster) for t in tables]
    view_ddl = [_view(v, database, cluster) for v in _dependencies_first(views)]
    return Plan(
        cluster,
        database,
        tuple(applied),
        tuple(tables),
        tuple(_formatted(client, s) for s in table_ddl),
        tuple(_formatted(client, s) for s in view_ddl),
    )


def plan(schema_dir: Path, database: str, cluster: str) -> Plan:
    """The cluster DDL, derived in a throw-away embedded store. A chDB process opens one data
    folder only: call this in a process that has not opened another (the CLI does)."""
    with tempfile.TemporaryDirectory(prefix="rumhouse-cluster-") as folder:
        client = clickhouse_connect.get_client(dsn=f"chdb://{folder}")
        try:
            return plan_from(client, schema_dir, database, cluster)
        finally:
            client.close()
