"""The server path through outages, SIGTERM, SIGKILL and overload, with real processes.

No modern ClickHouse server can be installed here, so "the server" is a second rumhouse
process: its ClickHouse-compatible endpoint, with a writer user, over clickhouse-connect's
async HTTP client. Outages are made by stopping and restarting that process. Every beacon
carries one custom event, which lands in ``events`` (a plain MergeTree: nothing merges
duplicates away), so "stored exactly once" is counted there per page view.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import clickhouse_connect
import orjson
import pytest

from tests.cli.test_main import listening
from tests.conftest import DESKTOP_CHROME, beacon

BIN = Path(sys.executable).parent
# The password has an "@" and a ":", written %40 and %3A in the URL: every command must
# decode them the same way.
WRITER = ("collector_writer", "w@secret:42")
WRITER_URL = f"http://{WRITER[0]}:{quote(WRITER[1], safe='')}@127.0.0.1:{{port}}/rum"
RSS_LIMIT_MB = 300  # a server-mode collector (no chDB loaded): ~115 MB idle here
DRAIN_SECONDS = 90
VISITOR = "203.0.113.77"  # the visitor's address, behind the (trusted, loopback) proxy
HEADERS = {
    "Content-Type": "text/plain;charset=UTF-8",
    "User-Agent": DESKTOP_CHROME,
    "X-Forwarded-For": VISITOR,
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


STARTED: list[subprocess.Popen[bytes]] = []
T = TypeVar("T")


def until(check: Callable[[], T | None], seconds: float = 60.0) -> T:
    """Poll ``check`` until it returns something; the deadline only bounds a broken run."""
    deadline = time.monotonic() + seconds
    while (found := check()) is None:
        assert time.monotonic() < deadline, f"not reached within {seconds:.0f} s"
        time.sleep(0.05)
    return found


def acked(load: Load, more: int) -> Callable[[], int | None]:
    """A check for ``until``: ``more`` beacons acknowledged beyond the count now."""
    target = len(load.acked) + more
    return lambda: len(load.acked) if len(load.acked) >= target else None


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    """Whatever a test started is gone after it, even when an assertion failed half-way."""
    yield
    while STARTED:
        popen = STARTED.pop()
        if popen.poll() is None:
            popen.kill()
            popen.wait(timeout=30)


@dataclass
class Proc:
    """One rumhouse process, restartable with the same arguments (same ports, same data)."""

    args: list[str]
    env: dict[str, str]
    log: Path
    url: str = ""
    admin: str = ""
    sql: str | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until healthy. Started with port 0, it reads the bound ports from
        its banner and keeps them, so that a restart listens where clients expect it."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:
            self.popen = subprocess.Popen(
                [str(BIN / "rumhouse"), *self.args], stdout=log, stderr=log,
                env=os.environ | self.env,
            )  # fmt: skip
        STARTED.append(self.popen)
        bound = listening(self.log, self.popen, offset)
        self.url, self.admin, self.sql = bound.url, bound.admin, bound.sql
        for flag, url in (("--port", bound.url), ("--admin-port", bound.admin),
                          ("--sql-port", bound.sql)):  # fmt: skip
            if url and flag in self.args:
                self.args[self.args.index(flag) + 1] = url.rsplit(":", 1)[1]
        until(self._healthy)

    def _healthy(self) -> bool | None:
        assert self.popen is not None
        assert self.popen.poll() is None, f"exited at start-up: {self.log.read_text()[-2000:]}"
        try:
            return _get(f"{self.url}/healthz")[0] == 200 or None
        except OSError:  # not listening yet (workers start after the banner)
            return None

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``sig``; the exit code and the seconds it took to exit."""
        assert self.popen is not None
        started = time.monotonic()
        self.popen.send_signal(sig)
        code = self.popen.wait(timeout=60)
        return code, time.monotonic() - started

    def metrics(self) -> dict[str, float]:
        """Each series of /metrics, and each metric summed over its labels."""
        _, body = _get(f"{self.admin}/metrics")
        found: dict[str, float] = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                series, value = line.rsplit(" ", 1)
                names = {series, series.split("{")[0]}
                for name in names:
                    found[name] = found.get(name, 0.0) + float(value)
        return found


def server(tmp: Path) -> tuple[Proc, int]:
    """A rumhouse process whose SQL endpoint plays the ClickHouse server, started; and its
    SQL port."""
    config = tmp / "server.toml"
    config.write_text(
        'sql_users = [{ name = "default" }, '
        f'{{ name = "{WRITER[0]}", password = "{WRITER[1]}", role = "writer" }}]\n'
    )
    args = ["serve", "--open", "--config", str(config), "--data", str(tmp / "server-data"),
            "--port", "0", "--sql-port", "0", "--admin-port", "0"]  # fmt: skip
    store = Proc(args, {}, tmp / "server.log")
    store.start()
    assert store.sql
    return store, int(store.sql.rsplit(":", 1)[1])


def collector(tmp: Path, sql_port: int, *extra: str, **env: str) -> Proc:
    settings = {
        "RUMHOUSE_CLICKHOUSE_URL": WRITER_URL.format(port=sql_port),
        "RUMHOUSE_FLUSH_INTERVAL": "0.2",
        "RUMHOUSE_SINK_TIMEOUT": "3",
        "RUMHOUSE_SHUTDOWN_TIMEOUT": "6",
    } | {f"RUMHOUSE_{k.upper()}": v for k, v in env.items()}
    args = ["serve", "--open", "--data", str(tmp / "collector-data"), "--port", "0",
            "--admin-port", "0", "--log-format", "json", *extra]  # fmt: skip
    return Proc(args, settings, tmp / "collector.log")


def start_both(tmp: Path, *extra: str, **env: str) -> tuple[Proc, int, Proc]:
    """The server, then a collector writing to it; both running."""
    store, sql_port = server(tmp)
    rum = collector(tmp, sql_port, *extra, **env)
    rum.start()
    return store, sql_port, rum


@dataclass
class Load:
    """Beacons posted from a thread until stopped; remembers which ones got a 204."""

    url: str
    workers: int = 8
    pause: float = 0.01
    acked: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    refused_connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Load:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
            await asyncio.gather(*(self._worker(http, w) for w in range(self.workers)))

    async def _worker(self, http: aiohttp.ClientSession, worker: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            view = f"w{worker:02d}n{n:011d}"
            body = orjson.dumps(beacon(page_view_id=view, events=[{"name": "probe"}]))
            try:
                async with http.post(
                    f"{self.url}/v1/beacon", data=body, headers=HEADERS
                ) as response:
                    await response.read()
                    self.statuses[response.status] += 1
                    if response.status == 204:
                        self.acked.append(view)
            except (aiohttp.ClientError, TimeoutError):
                self.refused_connections += 1
            await asyncio.sleep(self.pause)


def stored_events(sql_port: int) -> Counter[str]:
    client = clickhouse_connect.get_client(host="127.0.0.1", port=sql_port, database="rum")
    try:
        rows = client.query("SELECT page_view_id, count() FROM events GROUP BY page_view_id")
        return Counter({str(view): int(n) for view, n in rows.result_rows})
    finally:
        client.close()


def wait_stored(sql_port: int, acked: list[str]) -> Counter[str]:
    """Poll until every acknowledged beacon is in the store (bounded), then return counts."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        counts = stored_events(sql_port)
        if set(acked) <= set(counts) or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def assert_exactly_once(counts: Counter[str], acked: list[str]) -> None:
    assert len(acked) > 50, "the load did not run"
    missing = set(acked) - set(counts)
    assert not missing, f"{len(missing)} acknowledged beacons are not stored"
    twice = {view: n for view, n in counts.items() if n > 1}
    assert not twice, f"{len(twice)} beacons stored more than once"


def test_outage_then_every_accepted_beacon_is_stored_once(tmp_path: Path) -> None:
    store, sql_port, rum = start_both(tmp_path)
    try:
        with Load(rum.url) as load:
            until(acked(load, 100))
            assert store.stop()[0] == 0  # the outage
            # Beacons are still taken, into the spool, while the store does not answer.
            until(lambda: _get(f"{rum.url}/readyz")[1].startswith(b'{"status": "degraded"') or None)
            until(acked(load, 100))
            store.start()
            until(acked(load, 100))
        counts = wait_stored(sql_port, load.acked)
        assert_exactly_once(counts, load.acked)
        assert set(load.statuses) == {204}, load.statuses  # the outage cost no beacon a 5xx
        # The replayer deletes its last segment just after the insert.
        until(lambda: rum.metrics()["rumhouse_spool_segments"] == 0 or None)
        m = rum.metrics()
        assert m["rumhouse_beacons_received_total"] == sum(load.statuses.values())
        assert m["rumhouse_beacons_accepted_total"] == len(load.acked)
        assert m['rumhouse_rows_inserted_total{table="events"}'] >= len(load.acked)
        assert m["rumhouse_sink_errors_total"] > 0
        assert m["rumhouse_spooled_rows_total"] > 0
        assert m["rumhouse_spool_replays_total"] > 0
        assert m["rumhouse_spool_segments"] == 0
        assert m["rumhouse_spool_bytes"] == 0
        assert _get(f"{rum.url}/readyz")[1].startswith(b'{"status": "ready"')
    finally:
        rum.stop()
        store.stop()
    log = (tmp_path / "collector.log").read_text()
    assert VISITOR not in log
    records = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r["level"] == "WARNING" and "failed" in r["message"] for r in records)
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


@pytest.mark.parametrize("server_up", [True, False], ids=["server-up", "server-down"])
def test_sigterm_under_load_exits_in_time_and_loses_nothing(
    tmp_path: Path, server_up: bool
) -> None:
    store, sql_port, rum = start_both(tmp_path)
    with Load(rum.url) as load:
        until(acked(load, 100))
        if not server_up:
            store.stop()
        code, _ = rum.stop(signal.SIGTERM)  # stop() waits: a collector that hangs fails it
    assert code == 0
    if not server_up:
        assert list((tmp_path / "collector-data" / "spool").glob("*.seg")), "nothing spooled"
        store.start()
    rum.start()  # the restart replays what was spooled
    try:
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
    finally:
        rum.stop()
        store.stop()


def test_durable_mode_survives_sigkill_under_load(tmp_path: Path) -> None:
    store, sql_port, rum = start_both(tmp_path, "--durability", "durable")
    with Load(rum.url, workers=16) as load:
        until(acked(load, 300))
        m = rum.metrics()
        assert rum.stop(signal.SIGKILL)[0] == -signal.SIGKILL
    # Group commit: one fsync acknowledged many beacons.
    assert 0 < m["rumhouse_journal_fsyncs_total"] < m["rumhouse_beacons_accepted_total"]
    segments = list((tmp_path / "collector-data" / "spool").glob("*.seg"))
    assert segments, "no journal on disk"
    for segment in segments:  # the spool holds rows, and rows hold no IP address
        assert VISITOR.encode() not in segment.read_bytes()
    rum.start()
    try:
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
    finally:
        rum.stop()
        store.stop()


def test_spool_and_memory_stay_bounded_while_the_server_is_down(tmp_path: Path) -> None:
    store, sql_port = server(tmp_path)
    store.stop()  # down from the start; its port is known for the restart below
    spool = tmp_path / "collector-data" / "spool"
    bound = 256 * 1024
    rum = collector(tmp_path, sql_port, max_spool_bytes=str(bound), max_buffer_rows="4000")
    rum.start()
    assert rum.popen is not None
    peak_rss, peak_spool = 0.0, 0
    try:
        with Load(rum.url, workers=8, pause=0.0) as load:

            def full() -> bool | None:
                """Sample the peaks until the spool is full and new beacons are refused."""
                nonlocal peak_rss, peak_spool
                assert rum.popen is not None
                peak_rss = max(peak_rss, rss_mb(rum.popen.pid))
                peak_spool = max(peak_spool, sum(p.stat().st_size for p in spool.glob("*.seg")))
                spool_full = rum.metrics().get("rumhouse_spool_full_total", 0.0) > 0
                return (spool_full and load.statuses[503] > 0) or None

            until(full)
        print(f"bounded: peak RSS {peak_rss:.0f} MB, spool {peak_spool} B, {load.statuses}")
        assert peak_spool <= bound
        assert peak_spool > bound / 2, "the spool was used"
        assert peak_rss < RSS_LIMIT_MB
        assert load.statuses[503] > 0, "the collector should have refused once full"
        assert set(load.statuses) <= {204, 503}
        m = rum.metrics()
        assert m["rumhouse_spool_full_total"] > 0
        assert m['rumhouse_beacons_rejected_total{reason="buffer_full"}'] == load.statuses[503]
        store.start()  # everything held in memory and spooled now goes in, once
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
    finally:
        rum.stop()
        if store.popen:
            store.stop()


def test_async_insert_mode_stores_every_beacon_once(tmp_path: Path) -> None:
    store, sql_port, rum = start_both(tmp_path, async_insert="true")
    try:
        with Load(rum.url) as load:
            until(acked(load, 200))
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
        m = rum.metrics()
        assert m.get("rumhouse_sink_errors_total", 0.0) == 0
        assert m['rumhouse_rows_inserted_total{table="events"}'] == len(load.acked)
    finally:
        rum.stop()
        store.stop()


def test_two_workers_share_one_port_and_all_rows_land(tmp_path: Path) -> None:
    store, sql_port, rum = start_both(tmp_path, "--workers", "2")
    assert rum.popen is not None
    children = [
        pid
        for pid in Path(f"/proc/{rum.popen.pid}/task/{rum.popen.pid}/children").read_text().split()
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()  # not the resource tracker
    ]
    try:
        with Load(rum.url, workers=16) as load:
            until(acked(load, 300))
        assert len(children) == 2
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
        m = rum.metrics()  # summed over both workers, whichever one answers
        assert m["rumhouse_beacons_accepted_total"] == len(load.acked)
    finally:
        code, _ = rum.stop()
        store.stop()
    assert code == 0


def worker_pids(parent: int) -> set[str]:
    return {
        pid
        for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()  # not the resource tracker
    }


def listens(pid: str, port: int) -> bool:
    """Whether process ``pid`` has a socket listening on ``port`` (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port and fields[9] in inodes:
            return True
    return False


def test_a_worker_that_dies_is_restarted_and_the_port_keeps_serving(tmp_path: Path) -> None:
    store, sql_port, rum = start_both(tmp_path, "--workers", "2")
    assert rum.popen is not None
    parent = rum.popen.pid
    try:
        port = int(rum.url.rsplit(":", 1)[1])

        def workers(without: str = "") -> set[str] | None:
            """Both workers, once each listens (one killed before would count as failing
            to start, and stop everything)."""
            pids = worker_pids(parent)
            ready = len(pids) == 2 and without not in pids and all(listens(p, port) for p in pids)
            return pids if ready else None

        first = until(workers)
        victim = min(first)
        os.kill(int(victim), signal.SIGKILL)
        after = until(lambda: workers(without=victim))  # the supervisor started a new one
        assert len(after - first) == 1, "one new worker process"
        assert "restarting it" in rum.log.read_text()
        with Load(rum.url, workers=4) as load:
            until(acked(load, 100))
        assert_exactly_once(wait_stored(sql_port, load.acked), load.acked)
    finally:
        code, _ = rum.stop()
        store.stop()
    assert code == 0


def test_workers_that_cannot_start_stop_everything_instead_of_restarting(tmp_path: Path) -> None:
    """A port already taken: the workers die at start-up, the parent exits 1, no restart loop."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        url = WRITER_URL.format(port=9)  # nothing listens there: the workers die first
        done = subprocess.run(
            [str(BIN / "rumhouse"), "serve", "--open", "--workers", "2", "--port", str(port),
             "--admin-port", "0", "--data", str(tmp_path)],
            env=os.environ | {"RUMHOUSE_CLICKHOUSE_URL": url, "RUMHOUSE_SINK_TIMEOUT": "1"},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    assert "died starting" in done.stderr
    assert "restarting it" not in done.stderr


def test_every_command_decodes_the_password_in_the_url(tmp_path: Path) -> None:
    """serve (every test above), migrate, sql and report reach the server with a password
    that holds "@" and ":" (written %40 and %3A), parsed by the one ServerUrl."""
    _, sql_port = server(tmp_path)  # stopped by _no_process_left
    env = os.environ | {"RUMHOUSE_CLICKHOUSE_URL": WRITER_URL.format(port=sql_port)}

    def rumhouse(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "rumhouse"), *args], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    migrated = rumhouse("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "schema is up to date" in migrated.stdout
    answered = rumhouse("sql", "SELECT count() FROM page_views", "--format", "TSV")
    assert (answered.returncode, answered.stdout) == (0, "0\n"), answered.stderr  # 516 if wrong
    shown = rumhouse("report", "--days", "1")
    assert shown.returncode == 0, shown.stderr
    assert "By page group" in shown.stdout
