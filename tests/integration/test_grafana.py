"""The Grafana dashboard runs against the shipped schema: every panel and variable query, with
the ClickHouse plugin's macros and Grafana's variables expanded, returns rows of the shape
its panel draws, through the SQL endpoint, on simulated traffic."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import clickhouse_connect
import pytest
import pytest_asyncio
import yaml

from collector.http import keys
from collector.settings import load_settings
from collector.tools import simulate
from tests.conftest import Collector, start_collector
from tests.integration.test_rollups import refresh_rollups

pytestmark = pytest.mark.asyncio(loop_scope="module")

GRAFANA = Path(__file__).resolve().parents[2] / "schema" / "grafana"
DASHBOARD = json.loads((GRAFANA / "rumhouse-vitals.json").read_text())
WEEK = 7 * 24 * 3600
ALL = "$__all"


def balanced_args(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of a macro call whose "(" is at ``start``."""
    depth, current = 0, ""
    args: list[str] = []
    for i in range(start, len(text)):
        char = text[i]
        if char == "(":
            depth += 1
            if depth == 1:
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                return [*args, current.strip()], i + 1
        elif char == "," and depth == 1:
            args.append(current.strip())
            current = ""
            continue
        current += char
    raise ValueError(f"unbalanced macro call in {text!r}")


def call_macro(sql: str, name: str, expand: Any) -> str:
    while (at := sql.find(f"$__{name}(")) >= 0:
        args, end = balanced_args(sql, at + len(name) + 3)
        sql = sql[:at] + expand(*args) + sql[end:]
    return sql


class Grafana:
    """What Grafana and the ClickHouse plugin do to a panel's SQL before sending it: template
    variables (``$__conditionalAll`` first, as the plugin does), then the time macros."""

    def __init__(self, variables: dict[str, list[str]], start: int, end: int, interval_s: int):
        self.variables, self.start, self.end, self.interval_s = variables, start, end, interval_s

    def expand(self, sql: str) -> str:
        sql = call_macro(sql, "conditionalAll", self._conditional_all)
        for name, values in self.variables.items():
            quoted = ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
            sql = sql.replace(f"${{{name}:singlequote}}", quoted)
        sql = call_macro(
            sql,
            "timeFilter",
            lambda c: f"{c} >= toDateTime({self.start}) AND {c} <= toDateTime({self.end})",
        )
        sql = call_macro(
            sql,
            "timeInterval",
            lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {self.interval_s} second)",
        )
        sql = sql.replace("$__fromTime", f"toDateTime({self.start})").replace(
            "$__toTime", f"toDateTime({self.end})"
        )
        sql = sql.replace("$__interval_s", str(self.interval_s))
        assert "$" not in sql, f"unexpanded macro or variable in: {sql}"
        return sql

    def _conditional_all(self, condition: str, variable: str) -> str:
        return "1=1" if self.variables[variable.lstrip("$")] == [ALL] else condition


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def grafana(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Any, Grafana]]:
    data = tmp_path_factory.mktemp("grafana") / "data"
    runner, url = await start_collector(
        load_settings(data=data, port=0, sql_port=0, admin_port=0, open_mode=True)
    )
    async with aiohttp.ClientSession() as http:
        collector = Collector(runner.app, url, http)
        await simulate.post(url, 1500, seed=3, site="shop", progress=False)
        await collector.flush()
        await refresh_rollups(collector)
        await collector.query(  # one alert, firing, for the Alerts panel
            "INSERT INTO alerts (at, fingerprint, alertname, status, severity, site, labels, value,"
            " threshold, starts_at) VALUES (now64(3), 'f1', 'traffic_drop', 'firing', 'critical',"
            " 'shop', map('site', 'shop'), 12, 100, now64(3))"
        )
        parts = urlsplit(collector.app[keys.SQL_URL])
        client = await asyncio.to_thread(
            clickhouse_connect.get_client, host=parts.hostname, port=parts.port
        )
        now = int(time.time())
        expander = Grafana(
            {"site": ["shop"], "page_group": [ALL], "device_class": ["mobile", "desktop"],
             "country": [ALL], "browser": [ALL]},
            start=now - WEEK, end=now + 3600, interval_s=3600,
        )  # fmt: skip
        yield client, expander
    await runner.cleanup()


def panel_queries() -> list[tuple[str, str, str]]:
    return [
        (p["title"], t["queryType"], t["rawSql"]) for p in DASHBOARD["panels"] for t in p["targets"]
    ]


async def query(client: Any, sql: str) -> Any:
    return await asyncio.to_thread(client.query, sql)


async def test_grafana_dashboard_has_the_panels_and_variables_of_the_issue() -> None:
    titles = " ".join(title for title, _, _ in panel_queries()).lower()
    for needed in ("p75 lcp", "cls", "good", "page group", "device class", "country", "browser",
                   "ttfb breakdown", "errors", "page views", "failed requests",
                   "long-animation-frame", "spa routes"):  # fmt: skip
        assert needed in titles, needed
    names = {v["name"] for v in DASHBOARD["templating"]["list"]}
    assert {"site", "page_group", "device_class", "country", "browser"} <= names
    for panel in DASHBOARD["panels"]:
        for target in panel["targets"]:
            assert target["datasource"]["type"] == "grafana-clickhouse-datasource"
            assert target["editorType"] == "sql"


@pytest.mark.parametrize(
    ("title", "kind", "sql"), panel_queries(), ids=[t for t, _, _ in panel_queries()]
)
async def test_grafana_panel_query_returns_rows_of_its_panel_shape(
    grafana: tuple[Any, Grafana], title: str, kind: str, sql: str
) -> None:
    client, expander = grafana
    result = await query(client, expander.expand(sql))
    assert result.result_rows, f"{title}: no rows"
    numeric = [i for i, t in enumerate(result.column_types) if "Int" in t.name or "Float" in t.name]
    assert numeric, f"{title}: nothing to plot in {result.column_names}"
    if kind == "timeSeries":
        assert result.column_names[0] == "time"
        assert "DateTime" in result.column_types[0].name
    else:
        assert len(result.column_names) >= 2


async def tables_read(client: Any, sql: str) -> set[str]:
    """The tables a query reads granules of, as the engine plans it (``EXPLAIN ESTIMATE``)."""
    rows = (await query(client, "EXPLAIN ESTIMATE " + sql)).result_rows
    return {f"{database}.{table}" for database, table, _parts, _rows, marks in rows if marks}


TRENDS = [q for q in panel_queries() if q[1] == "timeSeries"]


@pytest.mark.parametrize(("title", "kind", "sql"), TRENDS, ids=[t for t, _, _ in TRENDS])
async def test_grafana_trend_panels_read_the_rollups_not_the_raw_tables(
    grafana: tuple[Any, Grafana], title: str, kind: str, sql: str
) -> None:
    """Without a browser or country filter, the rollup by page group and device class; with
    one, the rollup by every segment, and the filter applies."""
    client, expander = grafana
    read = await tables_read(client, expander.expand(sql))
    assert read == {"rum.vitals_hourly_pages_data"}, f"{title} reads {read}"

    [(country, views)] = (
        await query(
            client,
            "SELECT country, sum(page_views) FROM rum.vitals_hourly WHERE metric = 'TTFB' "
            "GROUP BY country ORDER BY count() DESC, country LIMIT 1",
        )
    ).result_rows
    by_country = Grafana(
        {**expander.variables, "device_class": [ALL], "country": [country]},
        expander.start, expander.end, expander.interval_s,
    )  # fmt: skip
    filtered = by_country.expand(sql)
    assert await tables_read(client, filtered) == {"rum.vitals_hourly_data"}, title
    assert (await query(client, filtered)).result_rows, f"{title}: no rows for {country}"
    if title == "Page views":
        total = sum(row[1] for row in (await query(client, filtered)).result_rows)
        assert total == views, "the country filter applies"


async def test_grafana_variable_queries_list_values(grafana: tuple[Any, Grafana]) -> None:
    client, expander = grafana
    for variable in DASHBOARD["templating"]["list"]:
        if variable["type"] != "query":
            continue
        rows = (await query(client, expander.expand(variable["query"]))).result_rows
        assert rows, variable["name"]


async def test_grafana_provisioning_points_the_plugin_at_the_sql_endpoint_over_http() -> None:
    provisioning = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "rumhouse.yaml").read_text()
    )
    [source] = provisioning["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    assert source["jsonData"]["protocol"] == "http"
    assert (source["jsonData"]["port"], source["jsonData"]["defaultDatabase"]) == (8123, "rum")
