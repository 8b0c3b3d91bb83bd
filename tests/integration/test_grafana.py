"""The Grafana dashboard runs against the shipped schema: every panel and variable query, with
the ClickHouse plugin's macros and Grafana's variables expanded, returns rows of the shape
its panel draws, through the SQL endpoint, on simulated traffic. The store here is not named
`rum`: the queries name no database and read the data source's default one."""

from __future__ import annotations

import asyncio
import copy
import json
import re
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
from clickhouse_connect.driver.exceptions import DatabaseError

from collector.http import keys
from collector.ingest.enrich.vitals import THRESHOLDS
from collector.settings import Settings, load_settings
from collector.tools import simulate
from tests.conftest import Collector, start_collector
from tests.integration.test_rollups import refresh_rollups

pytestmark = pytest.mark.asyncio(loop_scope="module")

GRAFANA = Path(__file__).resolve().parents[2] / "schema" / "grafana"
DASHBOARD = json.loads((GRAFANA / "rumhouse-vitals.json").read_text())
WEEK = 7 * 24 * 3600
ALL = "$__all"
DATABASE = "web"  # rumhouse's `database` setting here, and the data source's default database


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
        load_settings(
            data=data, port=0, sql_port=0, admin_port=0, open_mode=True, database=DATABASE
        )
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
        # As the plugin connects: the data source's default database, sent with each query.
        client = await asyncio.to_thread(
            clickhouse_connect.get_client, host=parts.hostname, port=parts.port, database=DATABASE
        )
        now = int(time.time())
        expander = Grafana(
            {"site": ["shop"], "page_group": [ALL], "device_class": ["mobile", "desktop"],
             "country": [ALL], "browser": [ALL], "release": [ALL]},
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
    for needed in ("p75 lcp", "p75 inp", "p75 cls", "p75 fcp", "p75 ttfb", "releases", "good",
                   "page group", "device class", "country", "browser", "ttfb breakdown",
                   "errors", "page views", "failed requests", "long-animation-frame",
                   "spa routes"):  # fmt: skip
        assert needed in titles, needed
    names = {v["name"] for v in DASHBOARD["templating"]["list"]}
    assert {"site", "page_group", "device_class", "country", "browser", "release"} <= names
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


def with_values(expander: Grafana, **values: list[str]) -> Grafana:
    return Grafana(
        {**expander.variables, **values}, expander.start, expander.end, expander.interval_s
    )


@pytest.mark.parametrize(("title", "kind", "sql"), TRENDS, ids=[t for t, _, _ in TRENDS])
async def test_grafana_trend_panels_read_the_rollups_not_the_raw_tables(
    grafana: tuple[Any, Grafana], title: str, kind: str, sql: str
) -> None:
    """Without a browser or country filter, the rollup by page group and device class; with
    one, the rollup by every segment, and the filter applies. With a release, which the
    rollups do not keep, the raw vitals, and that filter applies too."""
    client, expander = grafana
    read = await tables_read(client, expander.expand(sql))
    assert read == {f"{DATABASE}.vitals_hourly_pages_data"}, f"{title} reads {read}"

    # A country is in the rollup by segment; a release only in the raw vitals.
    for variable, table in (("country", "vitals_hourly_data"), ("release", "vitals_data")):
        source = "vitals_hourly" if variable == "country" else "vitals"
        count = "sum(page_views)" if variable == "country" else "count()"
        [(value, views)] = (
            await query(
                client,
                f"SELECT {variable}, {count} FROM {source} WHERE metric = 'TTFB'"
                f"{'' if variable == 'country' else ' AND NOT is_bot'}"
                f" GROUP BY {variable} ORDER BY count() DESC, {variable} LIMIT 1",
            )
        ).result_rows
        filtered = with_values(expander, device_class=[ALL], **{variable: [value]}).expand(sql)
        assert await tables_read(client, filtered) == {f"{DATABASE}.{table}"}, title
        rows = (await query(client, filtered)).result_rows
        assert rows, f"{title}: no rows for {value}"
        if title == "Page views":
            assert sum(row[1] for row in rows) == views, f"the {variable} filter applies"


async def test_grafana_variable_queries_list_values(grafana: tuple[Any, Grafana]) -> None:
    client, expander = grafana
    for variable in DASHBOARD["templating"]["list"]:
        if variable["type"] != "query":
            continue
        rows = (await query(client, expander.expand(variable["query"]))).result_rows
        assert rows, variable["name"]


async def test_grafana_release_variable_lists_the_latest_releases_first(
    grafana: tuple[Any, Grafana],
) -> None:
    client, expander = grafana
    [variable] = [v for v in DASHBOARD["templating"]["list"] if v["name"] == "release"]
    assert (variable["multi"], variable["includeAll"], variable["sort"]) == (True, True, 0)
    listed = [r[0] for r in (await query(client, expander.expand(variable["query"]))).result_rows]
    firsts = (
        await query(client, "SELECT release, min(ts) FROM page_views WHERE NOT is_bot GROUP BY 1")
    ).result_rows
    want = [r for r, _ in sorted(firsts, key=lambda row: row[1], reverse=True) if r]
    assert len(want) >= 2, firsts
    assert listed == want


def all_queries() -> list[str]:
    variables = [v.get("query", "") for v in DASHBOARD["templating"]["list"]]
    annotations = [a["target"]["rawSql"] for a in DASHBOARD["annotations"]["list"]]
    return [sql for _, _, sql in panel_queries()] + variables + annotations


async def test_grafana_queries_name_no_database_and_the_source_defaults_to_rumhouses() -> None:
    """The queries read the data source's default database, which the provisioned data source
    sets to rumhouse's default `database`: a store under another name needs only that line."""
    for sql in all_queries():
        assert not re.search(r"\b(rum|default)\.\w", sql), sql
    provisioning = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "rumhouse.yaml").read_text()
    )
    [source] = provisioning["datasources"]
    assert source["jsonData"]["defaultDatabase"] == Settings.model_fields["database"].default


async def test_grafana_source_on_another_database_is_told_which_one_to_use(
    grafana: tuple[Any, Grafana],
) -> None:
    client, _ = grafana
    parts = urlsplit(client.url)
    with pytest.raises(DatabaseError, match=f"Database rum is not served here; use {DATABASE}"):
        await asyncio.to_thread(
            clickhouse_connect.get_client, host=parts.hostname, port=parts.port, database="rum"
        )


async def test_grafana_dashboard_requires_the_plugin_grafana_and_its_panel_types() -> None:
    requires = {(r["type"], r["id"]): r for r in DASHBOARD["__requires"]}
    plugin = requires[("datasource", "grafana-clickhouse-datasource")]
    # 4.0 is the plugin whose settings the provisioned data source uses (host, protocol).
    assert plugin["version"] == ">=4.0.0"
    assert requires[("grafana", "grafana")]["version"].startswith(">=")
    panels = {id for kind, id in requires if kind == "panel"}
    assert panels == {p["type"] for p in DASHBOARD["panels"]}
    assert set(requires) == {("grafana", "grafana"), ("datasource", plugin["id"])} | {
        ("panel", id) for id in panels
    }


async def test_grafana_data_source_variable_defaults_to_the_provisioned_source() -> None:
    provisioning = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "rumhouse.yaml").read_text()
    )
    [source] = provisioning["datasources"]
    [variable] = [v for v in DASHBOARD["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == source["type"]
    assert variable["current"]["value"] == source["uid"] == "rumhouse"
    for panel in DASHBOARD["panels"]:
        for target in [panel, *panel["targets"]]:
            assert target["datasource"] == {"type": source["type"], "uid": "${datasource}"}


VITAL_COLUMN = re.compile(r"(lcp|inp|cls|fcp|ttfb)_p75")


def field_config(panel: dict[str, Any], column: str) -> dict[str, Any]:
    """What Grafana applies to ``column``: the panel's defaults, then each override whose
    matcher names it (property ids are dotted paths)."""
    config: dict[str, Any] = copy.deepcopy(panel["fieldConfig"]["defaults"])
    for override in panel["fieldConfig"]["overrides"]:
        assert override["matcher"]["id"] == "byName", "this test resolves byName matchers only"
        if override["matcher"]["options"] != column:
            continue
        for prop in override["properties"]:
            *path, last = prop["id"].split(".")
            at = config
            for key in path:
                at = at.setdefault(key, {})
            at[last] = prop["value"]
    return config


PANELS = DASHBOARD["panels"]


@pytest.mark.parametrize("panel", PANELS, ids=[p["title"] for p in PANELS])
async def test_grafana_every_vital_is_coloured_by_its_core_web_vitals_thresholds(
    grafana: tuple[Any, Grafana], panel: dict[str, Any]
) -> None:
    """Every p75 column a panel's query returns is a vital's, with the thresholds the
    collector rates by (good up to the first, poor above the second) colouring it."""
    client, expander = grafana
    columns: list[str] = []
    for target in panel["targets"]:
        columns += (await query(client, expander.expand(target["rawSql"]))).column_names
    vitals = [c for c in columns if "p75" in c]
    assert all(VITAL_COLUMN.fullmatch(c) for c in vitals), vitals
    if "p75" in panel["title"].lower() and "breakdown" not in panel["title"].lower():
        assert vitals, f"{panel['title']} shows a vital under another name: {columns}"
    for column in vitals:
        good, poor, _ceiling = THRESHOLDS[column.removesuffix("_p75").upper()]
        config = field_config(panel, column)
        steps = [(s["color"], s["value"]) for s in config["thresholds"]["steps"]]
        assert steps == [("green", None), ("orange", good), ("red", poor)], (column, steps)
        assert config["color"]["mode"] == "thresholds", column
        if panel["type"] == "table":
            assert config["custom"]["cellOptions"]["type"] in ("color-text", "color-background")
        if panel["type"] == "timeseries":
            assert config["custom"]["thresholdsStyle"]["mode"] != "off"


async def test_grafana_provisioning_points_the_plugin_at_the_sql_endpoint_over_http() -> None:
    provisioning = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "rumhouse.yaml").read_text()
    )
    [source] = provisioning["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    assert source["jsonData"]["protocol"] == "http"
    assert (source["jsonData"]["port"], source["jsonData"]["defaultDatabase"]) == (8123, "rum")
