"""A bounded soak on loopback: a real collector process is hammered with good and bad
traffic for SOAK_SECONDS; its memory stays under a stated limit and every accepted beacon
is stored (what its stop spooled, once the next start has replayed it)."""

from __future__ import annotations

import asyncio
import gzip
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson

from tests.cli.test_main import listening, sql, wait_healthy
from tests.conftest import beacon

SOAK_SECONDS = float(os.environ.get("RUMHOUSE_SOAK_SECONDS", "45"))
RSS_LIMIT_MB = 800  # measured here: ~560 MB at start (chDB loaded), ~590 MB peak in 45 s
BIN = Path(sys.executable).parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def bodies(rng: random.Random, n: int) -> tuple[bytes, dict[str, str], bool]:
    """One request: mostly good beacons, the rest malformed, oversized or hostile."""
    kind = rng.random()
    if kind < 0.6:
        return orjson.dumps(beacon(page_view_id=f"soak{n:012d}")), {}, True
    if kind < 0.7:
        return rng.randbytes(rng.randint(0, 4000)), {}, False
    if kind < 0.8:
        return gzip.compress(b"[" * 2_000_000), {"Content-Encoding": "gzip"}, False
    if kind < 0.9:
        return b"x" * 70_000, {}, False
    return orjson.dumps(beacon(metrics="nope")), {}, False


async def hammer(url: str, deadline: float, accepted: list[int], worker: int) -> None:
    rng = random.Random(worker)
    async with aiohttp.ClientSession() as http:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            body, headers, good = bodies(rng, worker * 10**9 + n)
            headers = {
                "Content-Type": "text/plain",
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0",
            } | headers
            async with http.post(f"{url}/v1/beacon", data=body, headers=headers) as response:
                await response.read()
                assert response.status < 500, (response.status, body[:80])
                if response.status == 204:
                    assert good, body[:80]
                    accepted.append(1)


def serve(data: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "w") as out:
        return subprocess.Popen(
            [BIN / "rumhouse", "serve", "--open", "--data", str(data), "--port", "0",
             "--sql-port", "0", "--admin-port", "0"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def replay_what_the_stop_spooled(data: Path, log: Path, accepted: int) -> None:
    """On a busy machine the stop may pass its deadline and spool the last batches for the
    next start (its shutdown line says so): start again, and wait until they are in."""
    if not any((data / "spool").glob("*.seg")):
        return
    proc = serve(data, log)
    try:
        wait_healthy(listening(log, proc).url, proc)
        deadline = time.monotonic() + 120  # generous: the replay is not measured
        while (
            sql(data, "SELECT count() FROM page_views", "--format", "TSV").stdout.strip()
            != (str(accepted))
            and time.monotonic() < deadline
        ):
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert not any((data / "spool").glob("*.seg")), "the restart replayed the spool"


def test_soak_memory_stays_bounded_and_nothing_accepted_is_lost(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    proc = serve(data, log)
    accepted: list[int] = []
    peak = 0.0
    try:
        url = listening(log, proc).url
        wait_healthy(url, proc)

        async def run() -> float:
            deadline = time.monotonic() + SOAK_SECONDS
            workers = asyncio.gather(*(hammer(url, deadline, accepted, w) for w in range(8)))
            top = 0.0
            while not workers.done():
                top = max(top, rss_mb(proc.pid))
                await asyncio.sleep(0.5)
            await workers
            return top

        peak = asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert len(accepted) > 100
    print(f"soak: {len(accepted)} beacons accepted, peak RSS {peak:.0f} MB")
    assert peak < RSS_LIMIT_MB, f"peak RSS {peak:.0f} MB"
    replay_what_the_stop_spooled(data, tmp_path / "again.log", len(accepted))
    stored = sql(data, "SELECT count() FROM page_views", "--format", "TSV")
    assert stored.stdout.strip() == str(len(accepted)), "every accepted beacon is stored"
