"""The HTTP figures: the collector under wrk against a bare aiohttp app answering 204 (the
floor), alternated in one run, and server mode with one and two worker processes."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import clickhouse_connect
import orjson

from bench.common import BIN, Row, free_port, verdict, wait_up
from collector.tools import simulate

FLOOR_APP = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(status=204)
app = web.Application()
app.router.add_post("/v1/beacon", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
# wrk posts simulated beacons, each with a page view id of its own so that stored rows count.
WRK_LUA = """
local bodies = {BODIES}
local n, thread_id, run = 0, 0, "0"
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args) thread_id = tid; run = args[1] or "0" end
request = function()
  n = n + 1
  local id = string.format("r%sw%02dn%010d", run, thread_id, n)
  local body = string.gsub(bodies[(n % #bodies) + 1], "__PVID__", id)
  return wrk.format("POST", "/v1/beacon", {["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36"}, body)
end
"""


def _wrk(url: str, script: Path, seconds: int, connections: int, run: int) -> dict[str, float]:
    """One wrk run; ``run`` goes into the page view ids, so every request is a new page view."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url,
         "--", str(run)],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    requests = float(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rate, "requests": requests, "errors": float(errors[1]) if errors else 0.0,
            "p50": latency("50"), "p99": latency("99")}  # fmt: skip


def _wrk_script() -> Path:
    bodies = [orjson.dumps(v.beacon).decode() for v in simulate.visits(50, seed=4)]
    bodies = [re.sub(r'"page_view_id":"[^"]+"', '"page_view_id":"__PVID__"', b) for b in bodies]
    lua = Path(tempfile.mkdtemp()) / "beacons.lua"
    lua.write_text(WRK_LUA.replace("{BODIES}", "{" + ",".join(json.dumps(b) for b in bodies) + "}"))
    return lua


def http_figures(seconds: int, log: Callable[[str], None]) -> list[Row]:
    lua = _wrk_script()
    data = Path(tempfile.mkdtemp()) / "data"
    floor_port, port, sql_port = free_port(), free_port(), free_port()
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(floor_port)])
    collector = subprocess.Popen(
        [BIN / "rumhouse", "serve", "--open", "--data", str(data), "--port", str(port),
         "--sql-port", str(sql_port), "--admin-port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    results: dict[str, list[dict[str, float]]] = {"floor": [], "collector": []}
    try:
        wait_up(f"http://127.0.0.1:{floor_port}/v1/beacon")
        wait_up(f"http://127.0.0.1:{port}/healthz")
        for round_ in range(2):  # alternate, so both see the same machine state
            for name, p in (("floor", floor_port), ("collector", port)):
                log(f"http: {name}, round {round_ + 1}: wrk -t2 -c32 -d{seconds}s ...")
                results[name].append(_wrk(f"http://127.0.0.1:{p}", lua, seconds, 32, round_))
        time.sleep(3)  # the collector flushes within its 1 s flush age
        client = clickhouse_connect.get_client(host="127.0.0.1", port=sql_port)
        stored = int(str(client.command("SELECT count() FROM page_views_data")))
    finally:
        for proc in (floor, collector):
            proc.terminate()
            proc.wait(timeout=60)
    accepted = sum(r["requests"] - r["errors"] for r in results["collector"])
    f_rps = statistics.mean(r["rps"] for r in results["floor"])
    c_rps = statistics.mean(r["rps"] for r in results["collector"])
    c_p50 = statistics.mean(r["p50"] for r in results["collector"])
    c_p99 = statistics.mean(r["p99"] for r in results["collector"])
    return [
        ("bare aiohttp 204 (floor), beacons/s", f"{f_rps:,.0f}", "", ""),
        ("collector, embedded store, beacons/s", f"{c_rps:,.0f} (p50 {c_p50:.1f} ms, p99 {c_p99:.1f} ms)",
         ">= 0.5 x floor", verdict(c_rps / f_rps, 0.5, f"{c_rps / f_rps:.2f} x floor")),
        # wrk stops counting at its deadline while up to one request per connection is still
        # in flight: those are stored too, so stored may exceed what wrk saw answered.
        ("every accepted beacon stored", f"{stored:,} stored, {accepted:,.0f} answered 204", "all",
         "met" if accepted <= stored <= accepted + 2 * 32 else "MISSED"),
    ]  # fmt: skip


WRITER_PASSWORD = "bench-writer-pw"


def _server_mode(
    workers: int, sql_port: int, lua: Path, seconds: int, log: Callable[[str], None]
) -> dict[str, float]:
    """One server-mode collector with ``workers`` processes writing to ``sql_port``."""
    port = free_port()
    env = os.environ | {
        "RUMHOUSE_CLICKHOUSE_URL": f"http://writer:{WRITER_PASSWORD}@127.0.0.1:{sql_port}/rum"
    }
    collector = subprocess.Popen(
        [BIN / "rumhouse", "serve", "--open", "--workers", str(workers), "--port", str(port),
         "--admin-port", "0", "--data", tempfile.mkdtemp()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        time.sleep(1)  # every worker is listening
        log(f"server mode: --workers {workers}: wrk -t2 -c32 -d{seconds}s ...")
        return _wrk(f"http://127.0.0.1:{port}", lua, seconds, 32, 100 + workers)
    finally:
        collector.terminate()
        collector.wait(timeout=60)


def server_figures(seconds: int, log: Callable[[str], None]) -> list[Row]:
    """Server mode with 1 and 2 worker processes. The "server" is a rumhouse process's
    ClickHouse-compatible endpoint on the same 2 cores, so it competes with the workers."""
    lua = _wrk_script()
    config = Path(tempfile.mkdtemp()) / "server.toml"
    config.write_text(
        'sql_users = [{ name = "default" }, '
        f'{{ name = "writer", password = "{WRITER_PASSWORD}", role = "writer" }}]\n'
    )
    port, sql_port = free_port(), free_port()
    server = subprocess.Popen(
        [BIN / "rumhouse", "serve", "--open", "--config", str(config), "--data",
         str(Path(tempfile.mkdtemp()) / "data"), "--port", str(port), "--sql-port", str(sql_port), "--admin-port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        one = _server_mode(1, sql_port, lua, seconds, log)
        two = _server_mode(2, sql_port, lua, seconds, log)
        client = clickhouse_connect.get_client(host="127.0.0.1", port=sql_port)
        stored = int(str(client.command("SELECT count() FROM page_views_data")))
    finally:
        server.terminate()
        server.wait(timeout=60)
    accepted = one["requests"] - one["errors"] + two["requests"] - two["errors"]
    ratio = two["rps"] / one["rps"]
    return [
        ("server mode, --workers 1, beacons/s", f"{one['rps']:,.0f} (p99 {one['p99']:.1f} ms)", "", ""),
        ("server mode, --workers 2, beacons/s", f"{two['rps']:,.0f} (p99 {two['p99']:.1f} ms)",
         ">= 1.7 x workers 1", verdict(ratio, 1.7, f"{ratio:.2f} x")),
        ("server mode: every accepted beacon stored", f"{stored:,} stored, {accepted:,.0f} answered 204",
         "all", "met" if accepted <= stored <= accepted + 4 * 32 else "MISSED"),
    ]  # fmt: skip
