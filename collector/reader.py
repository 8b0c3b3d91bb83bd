"""A ClickHouse client for the analyst's commands (``rumhouse sql``, ``rumhouse report``).

In embedded mode the data folder belongs to whichever process opened it first: when no
collector runs, the command opens it directly; when one does, the command goes through that
collector's SQL endpoint (read-only), so the analyst never has to know which.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from collector import migrate, owner
from collector.settings import Settings
from collector.sinks.clickhouse import open_client


class ReadOnlyHere(Exception):
    """A statement that changes data was asked for while a collector owns the folder."""


@dataclass
class Reader:
    client: Client
    direct: bool

    def settings(self, write: bool) -> dict[str, int] | None:
        # Direct access is read-only unless asked otherwise; the endpoint is read-only anyway.
        return {"readonly": 1} if self.direct and not write else None


def open_reader(settings: Settings, write: bool = False) -> Reader:
    if settings.embedded:
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
            return Reader(
                clickhouse_connect.get_client(host=parts.hostname, port=parts.port), False
            )
    client = open_client(settings)
    if settings.embedded and not migrate.applied(client):
        migrate.apply(client, settings.schema_dir)
    return Reader(client, True)
