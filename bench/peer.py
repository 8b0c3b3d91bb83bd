"""The peer a team would write in an afternoon, under the same wrk load: aiohttp validating
each beacon with the same pydantic model and storing it with one clickhouse-connect insert
into chDB, before answering 204."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common import Row, free_port, verdict, wait_up
from bench.load import _wrk, _wrk_script
from collector.settings import REPO_ROOT

PEER_APP = """
import asyncio
import sys
import clickhouse_connect
import uvloop
from aiohttp import web
from collector.ingest.contract import Beacon
client = clickhouse_connect.get_client(dsn="chdb://" + sys.argv[2])
client.command("CREATE TABLE IF NOT EXISTS beacons (received DateTime64(3) DEFAULT now64(3), "
               "site String, page_view_id String, body String) ENGINE = MergeTree ORDER BY received")
async def beacon(request):
    body = await request.read()
    parsed = Beacon.model_validate_json(body)
    row = [[parsed.site, parsed.page_view_id, body.decode()]]
    await asyncio.to_thread(client.insert, "beacons", row, column_names=["site", "page_view_id", "body"])
    return web.Response(status=204)
async def stored(request):
    return web.Response(text=str(client.command("SELECT count() FROM beacons")))
app = web.Application()
app.router.add_post("/v1/beacon", beacon)
app.router.add_get("/stored", stored)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            loop=uvloop.new_event_loop())
"""


def peer_figure(seconds: int, collector_rps: float, log: Callable[[str], None]) -> list[Row]:
    """The peer's beacons/s beside the collector's (measured by http_figures)."""
    port, data = free_port(), Path(tempfile.mkdtemp()) / "peer"
    proc = subprocess.Popen([sys.executable, "-c", PEER_APP, str(port), str(data)], cwd=REPO_ROOT)
    try:
        wait_up(f"http://127.0.0.1:{port}/stored")
        log(
            f"peer: aiohttp + one clickhouse-connect insert per beacon, wrk -t2 -c32 -d{seconds}s ..."
        )
        runs = [
            _wrk(f"http://127.0.0.1:{port}", _wrk_script(), seconds, 32, 200 + i) for i in range(2)
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    rps = statistics.mean(r["rps"] for r in runs)
    ratio = collector_rps / rps
    return [("the peer: aiohttp validating, one insert per beacon into chDB, beacons/s",
             f"{rps:,.1f} (collector {collector_rps:,.0f})", "collector >= 100 x",
             verdict(ratio, 100, f"{ratio:,.0f} x"))]  # fmt: skip
