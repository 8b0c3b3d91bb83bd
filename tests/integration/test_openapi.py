"""The OpenAPI document of the public listener: in step with the contract, and honoured by
a running collector under schemathesis (no 5xx, responses as documented)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiohttp
import orjson

from collector.http.openapi import document
from collector.ingest.contract import Beacon
from collector.settings import load_settings
from tests.cli.test_main import listening, wait_healthy
from tests.conftest import Collector, beacon, start_collector

BIN = Path(sys.executable).parent


def test_openapi_beacon_schema_is_the_contract() -> None:
    doc = document()
    contract = Beacon.model_json_schema(ref_template="#/components/schemas/{model}")
    assert doc["components"]["schemas"]["Beacon"] == {
        k: v for k, v in contract.items() if k != "$defs"
    }
    assert set(contract["$defs"]) <= set(doc["components"]["schemas"])
    responses = doc["paths"]["/v1/beacon"]["post"]["responses"]
    assert sorted(responses) == ["204", "400", "403", "408", "413", "415", "429", "503"]


async def test_openapi_document_is_served(collector: Collector) -> None:
    async with collector.http.get(f"{collector.admin}/openapi.json") as response:
        served = orjson.loads(await response.read())
    assert served == orjson.loads(orjson.dumps(document(open_mode=True)))


async def test_openapi_rum_js_headers_are_those_served(collector: Collector) -> None:
    documented = document()["paths"]["/rum.js"]["get"]["responses"]
    asked = {"Accept-Encoding": "br"}
    async with collector.http.get(f"{collector.url}/rum.js", headers=asked) as reply:
        assert [h for h in documented["200"]["headers"] if h not in reply.headers] == []
        asked["If-None-Match"] = reply.headers["ETag"]
    async with collector.http.get(f"{collector.url}/rum.js", headers=asked) as reply:
        assert reply.status == 304
        assert [h for h in documented["304"]["headers"] if h not in reply.headers] == []


async def test_beacon_path_and_sampling_reach_the_snippet(tmp_path: Path) -> None:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, beacon_path="/collect",
        sites=({"key": "shop", "origins": ["*"], "sample_rate": 0.5},),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/snippet?site=shop") as response:
                snippet = await response.text()
            assert f'"{url}/collect"' in snippet
            assert '"0.5"' in snippet
            body = orjson.dumps(beacon(site="shop", session_id="m3k2p9xxaaaa0000"))
            async with http.post(
                f"{url}/collect", data=body, headers={"Content-Type": "text/plain"}
            ) as r:
                assert r.status == 204  # a session the 50% sample keeps ("0000" < 0.5)
            body = orjson.dumps(beacon(site="shop", session_id="m3k2p9xxaaaazzzz"))
            async with http.post(
                f"{url}/collect", data=body, headers={"Content-Type": "text/plain"}
            ) as r:
                assert (r.status, r.headers["X-RUM-Dropped"]) == (204, "1")  # sampled out
    finally:
        await runner.cleanup()


def test_openapi_schemathesis_finds_no_server_error_or_schema_violation(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        serve = subprocess.Popen(
            [BIN / "rumhouse", "serve", "--open", "--data", str(tmp_path / "data"), "--port", "0",
             "--sql-port", "0", "--admin-port", "0"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        urls = listening(log, serve)
        url = urls.url
        wait_healthy(url, serve)
        run = subprocess.run(
            [BIN / "schemathesis", "run", f"{urls.admin}/openapi.json",
             "--url", url, "--checks",
             "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
             "--max-examples", "40", "--generation-deterministic", "--request-timeout", "10"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "passed" in run.stdout
