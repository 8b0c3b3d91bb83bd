"""npm's @clickhouse/client against the SQL endpoint (clickhouse-connect: test_sql_endpoint)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson

from collector.http import keys
from tests.conftest import IPHONE, Collector, beacon

CLIENTS = Path(__file__).resolve().parents[1] / "clients"


async def node_query(url: str, queries: list[dict[str, Any]], **auth: str) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        "node", "query.mjs", cwd=CLIENTS,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    request = orjson.dumps({"url": url, "queries": queries, **auth})
    out, _ = await asyncio.wait_for(proc.communicate(request), timeout=60)
    assert proc.returncode == 0
    result: dict[str, Any] = orjson.loads(out)
    return result


async def test_sql_clickhouse_js_client_runs_parameterised_queries(collector: Collector) -> None:
    await collector.post(beacon(metrics=[{"name": "LCP", "value": 3000}]), **{"User-Agent": IPHONE})
    await collector.post(
        beacon(page_view_id="anotherpageview", metrics=[{"name": "LCP", "value": 1000}])
    )
    await collector.flush()
    sql = (
        "SELECT device_class, count() AS n, max(value) AS worst FROM vitals "
        "WHERE metric = {metric:String} GROUP BY device_class ORDER BY device_class"
    )
    answer = await node_query(
        collector.app[keys.SQL_URL], [{"sql": sql, "params": {"metric": "LCP"}}]
    )
    assert answer.get("ping") is True, answer
    assert answer["results"] == [[
        {"device_class": "desktop", "n": 1, "worst": 1000},
        {"device_class": "mobile", "n": 1, "worst": 3000},
    ]]  # fmt: skip


async def test_sql_clickhouse_js_client_sees_clickhouse_errors(collector: Collector) -> None:
    answer = await node_query(collector.app[keys.SQL_URL], [{"sql": "DROP TABLE vitals_data"}])
    assert answer["code"] == "164"
    assert "readonly" in answer["error"]
    answer = await node_query(
        collector.app[keys.SQL_URL], [{"sql": "SELECT 1"}], username="default", password="x"
    )
    assert answer["code"] == "516"
