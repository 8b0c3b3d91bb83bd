"""The esbuild-built app, once per module, and a store holding the migrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.sourcemaps.symbolicate import QueryTable
from collector.store import migrate
from tests.sourcemaps.bundle import Bundle, build


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return build(tmp_path_factory.mktemp("app"))


@pytest.fixture
def migrated(store: Client, settings: Settings) -> Client:
    migrate.apply(store, settings.schema_dir)
    return store


def query_of(client: Client) -> QueryTable:
    """``Store.query_table`` over a synchronous client, as ``rumhouse report`` makes it."""

    async def query(
        sql: str, parameters: dict[str, Any]
    ) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
        result = client.query(sql, parameters=parameters)
        return result.column_names, [tuple(row) for row in result.result_rows]

    return query
