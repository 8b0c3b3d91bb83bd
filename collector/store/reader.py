"""A ClickHouse client for the analyst's commands (``rumhouse sql``, ``rumhouse report``).

In embedded mode the data folder belongs to whichever process opened it first: when no
collector runs, the command opens it directly; when one does, the command goes through that
collector's SQL endpoint (read-only), so the analyst never has to know which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from collector.errors import RumhouseError, UsageError
from collector.settings import Settings
from collector.store import migrate, owner
from collector.store.client import open_client


class ReadOnlyHere(RumhouseError):
    """A statement that changes data was asked for while a collector owns the folder."""


class NoStore(UsageError):
    """An analyst's command pointed at a folder that holds no store: it creates none
    (it would answer 0 rows from an empty store, silently)."""

    def __init__(self, data: Path) -> None:
        super().__init__(f"there is no rumhouse store in {data.resolve()}")
        elsewhere = [c for c in owner.running_collectors() if Path(c["data"]) != data.resolve()]
        if elsewhere:
            self.hint = "".join(
                f"\nA collector (pid {c.get('pid')}) is running with its data in {c['data']}:"
                f" add --data {c['data']}"
                for c in elsewhere
            )
        else:
            self.hint = (
                "\nPass --data with the folder the collector uses (`rumhouse serve --data"
                " FOLDER`), or create a store here with `rumhouse migrate`."
            )


def holds_store(data: Path) -> bool:
    """A folder the engine has opened (a collector or `rumhouse migrate` made it)."""
    return (data / "metadata").is_dir()


@dataclass
class Reader:
    client: Client
    direct: bool  # the embedded folder, opened by this command: no collector refreshes it
    read_only: dict[str, int] | None  # what makes a query read-only, where it may be set

    def settings(self, write: bool) -> dict[str, int] | None:
        return None if write else self.read_only


def _read_only(client: Client) -> dict[str, int] | None:
    """``readonly = 1``, unless the server's user is read-only already and may not set it
    (a ClickHouse user with ``readonly = 2``, or rumhouse's SQL endpoint)."""
    row = client.query("SELECT readonly FROM system.settings WHERE name = 'readonly'")
    return None if row.result_rows[0][0] else {"readonly": 1}


def open_reader(settings: Settings, write: bool = False) -> Reader:
    if settings.embedded:
        if not holds_store(settings.data):
            raise NoStore(settings.data)
        try:
            owner.acquire(settings.data)
        except owner.FolderBusy as busy:
            url = busy.holder.get("sql")
            if not url:
                raise
            if write:
                raise ReadOnlyHere(
                    f"{busy}; its SQL endpoint ({url}) is read-only. Stop the collector to run "
                    "statements that change data."
                ) from None
            parts = urlsplit(url)
            client = clickhouse_connect.get_client(host=parts.hostname, port=parts.port)
            return Reader(client, False, None)  # the endpoint is read-only anyway
    client = open_client(settings)
    if not settings.embedded:
        return Reader(client, False, _read_only(client))
    if not migrate.applied(client):
        migrate.apply(client, settings.schema_dir)
    return Reader(client, True, {"readonly": 1})
