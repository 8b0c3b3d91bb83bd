"""Numbered, idempotent schema migrations from ``schema/migrations/NNNN_name.sql``.

Each file is applied once, in order, and recorded in ``schema_migrations``. Every statement
is itself idempotent (``IF NOT EXISTS``), so a run that stopped half-way can be repeated.
A file already applied whose content changed is reported, not re-applied: write a new
migration instead of editing an old one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client

from collector.errors import RumhouseError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RumhouseError):
    """A migration folder or file that cannot be applied."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def statements(self) -> list[str]:
        """The file's statements: split on ``;`` at the end of a line, comments removed."""
        text = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [
            part.strip() for part in re.split(r";\s*$", text, flags=re.MULTILINE) if part.strip()
        ]


def load(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"no migrations folder at {directory}")
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number in {directory}")
    return found


def applied(client: Client) -> dict[int, str]:
    exists = client.command("EXISTS TABLE schema_migrations")
    if not int(str(exists)):
        return {}
    rows = client.query("SELECT version, checksum FROM schema_migrations FINAL").result_rows
    return {int(version): str(checksum) for version, checksum in rows}


def pending(client: Client, migrations: list[Migration]) -> list[Migration]:
    done = applied(client)
    for migration in migrations:
        if migration.version in done and done[migration.version] != migration.checksum:
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} changed after it was "
                "applied; add a new migration instead of editing an applied one"
            )
    return [m for m in migrations if m.version not in done]


def apply(client: Client, schema_dir: Path) -> list[Migration]:
    """Apply what is missing, in order; returns the migrations applied by this call."""
    todo = pending(client, load(schema_dir / "migrations"))
    for migration in todo:
        for statement in migration.statements():
            client.command(statement)
        client.insert(
            "schema_migrations",
            [[migration.version, migration.name, migration.checksum]],
            column_names=["version", "name", "checksum"],
        )
    return todo
