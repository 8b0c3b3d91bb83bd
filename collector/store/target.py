"""Where a command that writes into the store (``rumhouse simulate --days``, ``rumhouse
sourcemaps upload``) writes: the configured ClickHouse server (``clickhouse_url``); else the
embedded data folder, opened here when no collector holds it; else the collector that holds
it, through its SQL endpoint as a user with role ``writer`` from ``sql_users`` (a collector
only lets writers insert).
"""

from __future__ import annotations

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from collector.errors import RumhouseError, UsageError
from collector.settings import Settings
from collector.store import migrate, owner
from collector.store.client import open_client
from collector.store.url import ServerUrl


class NoWriter(UsageError):
    """The folder's collector takes inserts from writers only, and none is configured."""


class EndpointDown(RumhouseError):
    """The collector that holds the folder does not answer on its SQL endpoint."""


def open_target(settings: Settings) -> tuple[Client, str]:
    """A client on the store that may insert, and where that is, in words."""
    if not settings.embedded:
        assert settings.clickhouse_url is not None
        return open_client(settings), ServerUrl.parse(
            settings.clickhouse_url, settings.database
        ).where
    try:
        owner.acquire(settings.data)  # held until this process ends
    except owner.FolderBusy as busy:
        return _through(busy, settings)
    client = open_client(settings)
    migrate.apply(client, settings.schema_dir)
    return client, f"the data folder {settings.data.resolve()}"


def _through(busy: owner.FolderBusy, settings: Settings) -> tuple[Client, str]:
    url = busy.holder.get("sql")
    writer = next((u for u in settings.sql_users if u.role == "writer"), None)
    if not url:
        raise busy
    if writer is None:
        error = NoWriter(f"{busy}, and its SQL endpoint takes inserts only from a writer")
        error.hint = (
            ".\nAdd a writer to the settings the collector and this command read, restart the"
            ' collector, and run this again:\n\n[[sql_users]]\nname = "loader"\npassword ='
            ' "<a password>"\nrole = "writer"\n\nor stop the collector and run this again.'
        )
        raise error
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        client = clickhouse_connect.get_client(
            host=host, port=int(port), username=writer.name, password=writer.password,
            database=settings.database,
        )  # fmt: skip
    except Exception as exc:  # refused, reset, timed out: the collector is gone or stuck
        raise EndpointDown(
            f"{busy}, but its SQL endpoint {url} does not answer ({type(exc).__name__}: {exc})."
            " Is it still starting or stopping? Run this again once `rumhouse serve` is up,"
            " or stop it and run this again"
        ) from exc
    return client, f"the collector's SQL endpoint {url} (as {writer.name})"
