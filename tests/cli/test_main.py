"""The ``rumhouse`` command as an operator and an analyst use it, in real processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import DESKTOP_CHROME, beacon

RUMHOUSE = str(Path(sys.executable).with_name("rumhouse"))


@dataclass(frozen=True)
class Listening:
    """Where a `rumhouse serve` started with port 0 listens, as its banner says."""

    url: str
    admin: str
    sql: str | None


def listening(log: Path, proc: subprocess.Popen[Any], offset: int = 0) -> Listening:
    """Wait for the banner in ``log`` after ``offset`` (printed once the ports are bound: no
    port is picked by the test and raced for), and read the addresses from it."""
    deadline = time.monotonic() + 60
    while True:
        text = log.read_bytes()[offset:].decode(errors="replace") if log.exists() else ""
        if found := re.search(r"collecting on (http://\S+)", text):
            admin = re.search(r"  report +(http://\S+)/report", text)
            sql = re.search(r"  SQL endpoint +(http://\S+)", text)
            assert admin, text
            return Listening(found[1], admin[1], sql[1] if sql else None)
        assert proc.poll() is None, f"rumhouse exited at start-up: {text[-2000:]}"
        assert time.monotonic() < deadline, "no banner within 60 s"
        time.sleep(0.05)


def sql(data: Path, query: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUMHOUSE, "sql", "--data", str(data), *extra, query],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def wait_healthy(url: str, proc: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the collector exited during start-up"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the collector did not start within 30 s")


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        f"{url}/v1/beacon", data=body, method="POST",
        headers={"Content-Type": "text/plain", "User-Agent": DESKTOP_CHROME},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


def test_cli_sql_reads_through_a_running_collector_and_directly_after_it_stops(
    tmp_path: Path,
) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [RUMHOUSE, "serve", "--open", "--data", str(data), "--port", "0", "--sql-port", "0",
             "--admin-port", "0"],
            stdout=out, stderr=subprocess.STDOUT, text=True,
            env=os.environ | {"RUMHOUSE_ACCESS_LOG": "true"},
        )  # fmt: skip
    try:
        url = listening(log, proc).url
        wait_healthy(url, proc)
        assert post(url, orjson.dumps(beacon())) == 204
        live = sql(data, "SELECT count() FROM page_views", "--format", "TSV")
        deadline = time.monotonic() + 10
        while live.stdout != "1\n" and time.monotonic() < deadline:  # flushed within ~1 s
            live = sql(data, "SELECT count() FROM page_views", "--format", "TSV")
        assert live.returncode == 0, live.stderr
        assert live.stdout == "1\n", "rumhouse sql reads through the running collector"
        shop = "SELECT count() FROM page_views WHERE site = {site:String}"
        assert sql(data, shop, "--param", "site=shop", "--format", "TSV").stdout == "1\n"
        busy = sql(data, "DROP TABLE vitals_data", "--write")
        assert busy.returncode == 1, "a runtime failure: the same command works once it stops"
        assert "in use by a rumhouse collector" in busy.stderr
        assert "read-only" in busy.stderr
        lost = sql(tmp_path / "elsewhere", "SELECT count() FROM page_views")
        assert (lost.returncode, lost.stdout) == (2, "")
        assert lost.stderr == (
            f"rumhouse: there is no rumhouse store in {tmp_path / 'elsewhere'}\n"
            f"A collector (pid {proc.pid}) is running with its data in {data}: add --data {data}\n"
        )
        assert not (tmp_path / "elsewhere").exists(), "a read-only command creates no store"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    output = log.read_text()
    assert proc.returncode == 0, output
    assert f"{url}/demo" in output
    assert f"{url}/snippet" in output
    assert f'rumhouse sql --data {data} "SELECT page_group' in output, "the folder, named"
    assert '"POST /v1/beacon HTTP/1.1" 204' in output, "the access log is on"
    assert "127.0.0.1" not in output.split("rumhouse sql")[-1], "no client address in logs"
    done = sql(data, "SELECT page_group, metric, value FROM vitals", "--format", "TSV")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "/product/:id\tLCP\t1800\n"
    shown = subprocess.run(
        [RUMHOUSE, "report", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "By page group" in shown.stdout
    assert "/product/:id" in shown.stdout
    assert "1800" in shown.stdout, "the p75 LCP of the one page view"


def test_cli_sql_prints_a_table_and_refuses_writes_by_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run([RUMHOUSE, "migrate", "--data", str(data)], check=True, capture_output=True)
    table = sql(data, "SELECT 1 AS answer")
    assert table.returncode == 0, table.stderr
    assert "answer" in table.stdout
    assert "│" in table.stdout
    refused = sql(data, "DROP TABLE vitals_data")
    assert refused.returncode == 1
    assert "readonly" in refused.stderr.lower()
    assert "vitals_data" in sql(data, "SHOW TABLES", "--format", "TSV").stdout
    typed = "SELECT {site:String} AS s, {n:UInt8} + 1 AS m"
    both = sql(data, typed, "--param", "site=a=b", "--param", "n=41", "--format", "TSV")
    assert both.stdout == "a=b\t42\n", both.stderr
    bad = sql(data, typed, "--param", "site")
    assert bad.returncode == 2
    assert "argument --param: 'site' is not NAME=VALUE (for {NAME:Type})" in bad.stderr


def test_cli_sql_and_report_on_a_folder_without_a_store_say_so_and_create_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nosuch"
    hint = (
        "Pass --data with the folder the collector uses (`rumhouse serve --data FOLDER`),"
        " or create a store here with `rumhouse migrate`."
    )
    for command in (["sql", "SELECT 1"], ["report"]):
        run = subprocess.run(
            [RUMHOUSE, command[0], "--data", str(missing), *command[1:]],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert (run.returncode, run.stdout) == (2, ""), run.stderr
        assert run.stderr == f"rumhouse: there is no rumhouse store in {missing}\n{hint}\n"
        assert not missing.exists()


def test_a_second_sigterm_does_not_cut_the_stop_short(tmp_path: Path) -> None:
    """Supervisors often send SIGTERM twice: the stop runs once, to its end, and says what
    became of the beacon it held (flush_interval 30 s: it is still in memory)."""
    data, log = tmp_path / "data", tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [RUMHOUSE, "serve", "--open", "--data", str(data), "--port", "0", "--sql-port", "0",
             "--admin-port", "0", "--flush-interval", "30"],
            stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        url = listening(log, proc).url
        wait_healthy(url, proc)
        assert post(url, orjson.dumps(beacon())) == 204
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    output = log.read_text()
    assert proc.returncode == 0, output
    assert "shutdown: 2 rows written, 0 spooled" in output, output[-2000:]
    stored = sql(data, "SELECT count() FROM page_views", "--format", "TSV")
    assert stored.stdout == "1\n", stored.stderr


def test_cli_migrate_is_idempotent(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = subprocess.run(
        [RUMHOUSE, "migrate", "--data", data], capture_output=True, text=True, check=True
    )
    assert "applied 0002_raw_tables" in first.stdout
    again = subprocess.run(
        [RUMHOUSE, "migrate", "--data", data], capture_output=True, text=True, check=True
    )
    assert "schema is up to date" in again.stdout


def test_cli_serve_refuses_sql_endpoint_off_loopback_without_passwords(tmp_path: Path) -> None:
    refused = subprocess.run(
        [RUMHOUSE, "serve", "--data", str(tmp_path / "data"), "--sql-host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "give every user in sql_users a password" in refused.stderr
    assert not (tmp_path / "data").exists(), "refused before touching anything"


def test_cli_serve_without_sites_says_how_to_add_one(tmp_path: Path) -> None:
    refused = subprocess.run(
        [RUMHOUSE, "serve", "--data", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "no site may send beacons" in refused.stderr
    assert "--open" in refused.stderr
