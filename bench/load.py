"""The HTTP figures: the collector under wrk beside two floors, a bare aiohttp app answering
204 and the same app validating each beacon with the collector's model, alternated in one
run, with every process's CPU per request from /proc; and server mode with one and two
worker processes, their CPU summed."""

from __future__ import annotations

import functools
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

from bench import procstat
from bench.common import BIN, Row, free_port, verdict, wait_up
from collector.settings import REPO_ROOT as ROOT
from collector.tools import simulate

# The floors, on the collector's own event loop (uvloop): a bare app answering 204, and the
# same app reading and validating each beacon with the collector's pydantic model, which is
# as little as any validating collector in this stack can do.
FLOOR_APP = """
import sys
import uvloop
from aiohttp import web
from collector.ingest.contract import Beacon
VALIDATE = sys.argv[2] == "validate"
async def ok(request):
    body = await request.read()
    if VALIDATE:
        Beacon.model_validate_json(body)
    return web.Response(status=204)
app = web.Application()
app.router.add_post("/v1/beacon", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            loop=uvloop.new_event_loop())
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


APPS = ("bare floor", "validating floor", "collector")


def _start(name: str, port: int, sql_port: int) -> subprocess.Popen[bytes]:
    if name == "collector":
        data = Path(tempfile.mkdtemp()) / "data"
        return subprocess.Popen(
            [BIN / "rumhouse", "serve", "--open", "--data", str(data), "--port", str(port),
             "--sql-port", str(sql_port), "--admin-port", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    kind = "validate" if name == "validating floor" else "bare"
    return subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(port), kind], cwd=ROOT)


def _loaded(proc: subprocess.Popen[bytes], run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """One wrk run, with the CPU the process spent meanwhile (every thread) and its split."""
    before, threads = procstat.process_cpu(proc.pid), procstat.threads_cpu(proc.pid)
    result = run()
    result["cpu"] = procstat.process_cpu(proc.pid) - before
    for kind, seconds in procstat.threads_cpu(proc.pid).items():
        result[kind] = seconds - threads[kind]
    return result


def http_figures(seconds: int, log: Callable[[str], None]) -> tuple[list[Row], float]:
    """The floors and the collector under the same wrk load, alternated twice; the rows and
    the collector's beacons/s."""
    lua = _wrk_script()
    ports, sql_port = {name: free_port() for name in APPS}, free_port()
    procs = {name: _start(name, ports[name], sql_port) for name in APPS}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in APPS}
    try:
        for name in APPS:
            wait_up(f"http://127.0.0.1:{ports[name]}/v1/beacon")
        for round_ in range(2):  # alternate, so that all see the same machine state
            for name in APPS:
                log(f"http: {name}, round {round_ + 1}: wrk -t2 -c32 -d{seconds}s ...")
                url = f"http://127.0.0.1:{ports[name]}"
                run = functools.partial(_wrk, url, lua, seconds, 32, round_)
                runs[name].append(_loaded(procs[name], run))
        accepted = sum(r["requests"] - r["errors"] for r in runs["collector"])
        stored = _stored(sql_port, accepted)
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=60)
    return _http_rows(runs, stored, accepted), statistics.mean(r["rps"] for r in runs["collector"])


def _stored(sql_port: int, accepted: float) -> int:
    """Rows in page_views_data once the collector has flushed all it accepted (or 30 s)."""
    client = clickhouse_connect.get_client(host="127.0.0.1", port=sql_port)
    deadline = time.monotonic() + 30
    while True:
        stored = int(str(client.command("SELECT count() FROM page_views_data")))
        if stored >= accepted or time.monotonic() > deadline:
            return stored
        time.sleep(0.5)


def _per_request(runs: list[dict[str, float]], key: str = "cpu") -> float:
    """CPU microseconds per accepted request over the runs."""
    return sum(r.get(key, 0.0) for r in runs) / sum(r["requests"] - r["errors"] for r in runs) * 1e6


def _http_rows(runs: dict[str, list[dict[str, float]]], stored: int, accepted: float) -> list[Row]:
    rps = {name: statistics.mean(r["rps"] for r in runs[name]) for name in APPS}
    cpu = {name: _per_request(runs[name]) for name in APPS}
    c = runs["collector"]
    split = ", ".join(f"{kind} {_per_request(c, kind):.0f}"
                      for kind in ("event loop", "python threads", "engine"))  # fmt: skip
    p50, p99 = statistics.mean(r["p50"] for r in c), statistics.mean(r["p99"] for r in c)
    ratio, cpu_ratio = (
        rps["collector"] / rps["validating floor"],
        cpu["collector"] / cpu["validating floor"],
    )
    return [
        ("bare aiohttp answering 204, beacons/s (CPU per request)",
         f"{rps['bare floor']:,.0f} ({cpu['bare floor']:.0f} us)", "", ""),
        ("validating floor: aiohttp + the Beacon model, 204, beacons/s (CPU per request)",
         f"{rps['validating floor']:,.0f} ({cpu['validating floor']:.0f} us)", "", ""),
        ("collector, embedded store, everything stored, beacons/s",
         f"{rps['collector']:,.0f} (p50 {p50:.1f} ms, p99 {p99:.1f} ms)", ">= 0.6 x validating",
         verdict(ratio, 0.6, f"{ratio:.2f} x validating")),
        ("collector CPU per accepted beacon, every thread (us)", f"{cpu['collector']:.0f} ({split})",
         "<= 2 x validating", verdict(cpu_ratio, 2.0, f"{cpu_ratio:.2f} x validating", lower_is_better=True)),
        ("collector against the bare floor (information)", f"{rps['collector'] / rps['bare floor']:.2f} x", "", ""),
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
        pids = procstat.family(collector.pid)
        before = sum(procstat.process_cpu(pid) for pid in pids)
        result = _wrk(f"http://127.0.0.1:{port}", lua, seconds, 32, 100 + workers)
        result["cpu"] = sum(procstat.process_cpu(pid) for pid in pids) - before
        result["processes"] = len(pids)
        return result
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
        accepted = one["requests"] - one["errors"] + two["requests"] - two["errors"]
        stored = _stored(sql_port, accepted)
    finally:
        server.terminate()
        server.wait(timeout=60)
    cpu_one, cpu_two = _per_request([one]), _per_request([two])
    ratio = cpu_two / cpu_one
    return [
        ("server mode, --workers 1: beacons/s, CPU per beacon (the workers summed)",
         f"{one['rps']:,.0f} (p99 {one['p99']:.1f} ms), {cpu_one:.0f} us", "", ""),
        ("server mode, --workers 2: beacons/s, CPU per beacon (the workers summed)",
         f"{two['rps']:,.0f} (p99 {two['p99']:.1f} ms), {cpu_two:.0f} us", "CPU <= 1.1 x workers 1",
         verdict(ratio, 1.1, f"{ratio:.2f} x", lower_is_better=True)),
        ("server mode: every accepted beacon stored", f"{stored:,} stored, {accepted:,.0f} answered 204",
         "all", "met" if accepted <= stored <= accepted + 4 * 32 else "MISSED"),
    ]  # fmt: skip
