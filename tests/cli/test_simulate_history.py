"""``rumhouse simulate --days``, in real processes, on each of its three paths into the store:
the data folder, a running collector's SQL endpoint (as a writer), a ClickHouse server (here
a collector's endpoint given as ``clickhouse_url``), and the refusal when only analysts may
use the endpoint."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.cli.test_main import RUMHOUSE, listening, sql, wait_healthy

WRITER = ("loader", "Hist0ry-loader-42")
USERS = '[[sql_users]]\nname = "default"\n'
WRITERS = (
    USERS + f'[[sql_users]]\nname = "{WRITER[0]}"\npassword = "{WRITER[1]}"\nrole = "writer"\n'
)


def simulate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUMHOUSE, "simulate", *args], capture_output=True, text=True, timeout=300,
        check=False, env=os.environ | (env or {}),
    )  # fmt: skip


def written(done: subprocess.CompletedProcess[str]) -> int:
    """The page views the command says it wrote."""
    assert done.returncode == 0, done.stderr
    found = re.match(r"(\d+) page views \(\d+ beacons\)", done.stdout)
    assert found, done.stdout
    return int(found[1])


def scalar(data: Path, query: str, *extra: str) -> int:
    done = sql(data, query, "--format", "TSV", *extra)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


OLD_HOURS = (
    "SELECT count(DISTINCT hour) FROM vitals_hourly_pages WHERE site = {site:String}"
    " AND hour < now() - INTERVAL 50 HOUR"
)  # hours that the collector's refreshes never cover


def test_simulate_days_writes_into_the_data_folder_with_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = simulate("--data", str(data), "--days", "3", "--rate", "30")
    count = written(done)
    assert f"into the data folder {data}" in done.stderr
    assert "written " in done.stderr, "progress"
    assert scalar(data, "SELECT count() FROM page_views") == count
    assert scalar(data, OLD_HOURS, "--param", "site=demo") >= 21


def test_simulate_days_goes_through_a_running_collector_as_a_writer(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    writers, analysts = tmp_path / "writers.toml", tmp_path / "analysts.toml"
    writers.write_text(WRITERS)
    analysts.write_text(USERS)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [RUMHOUSE, "serve", "--open", "--config", str(writers), "--data", str(data),
             "--port", "0", "--sql-port", "0", "--admin-port", "0"],
            stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        bound = listening(log, proc)
        wait_healthy(bound.url, proc)
        assert bound.sql is not None

        refused = simulate("--config", str(analysts), "--data", str(data), "--days", "1")
        assert refused.returncode == 2
        assert "Traceback" not in refused.stderr
        assert "in use by a rumhouse collector" in refused.stderr
        assert 'role = "writer"' in refused.stderr
        assert "[[sql_users]]" in refused.stderr

        done = simulate("--config", str(writers), "--data", str(data), "--days", "3",
                        "--rate", "30", "--site", "endpoint")  # fmt: skip
        count = written(done)
        assert f"SQL endpoint {bound.sql} (as {WRITER[0]})" in done.stderr
        site = ("--param", "site=endpoint", "--config", str(writers))
        where = "SELECT count() FROM page_views WHERE site = {site:String}"
        assert scalar(data, where, *site) == count
        assert scalar(data, OLD_HOURS, *site) >= 21

        server = f"http://{WRITER[0]}:{WRITER[1]}@{bound.sql.removeprefix('http://')}/rum"
        done = simulate("--days", "2.5", "--rate", "30", "--site", "server",
                        env={"RUMHOUSE_CLICKHOUSE_URL": server})  # fmt: skip
        count = written(done)
        site = ("--param", "site=server", "--config", str(writers))
        assert scalar(data, where, *site) == count
        assert scalar(data, OLD_HOURS, *site) >= 9
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_simulate_refuses_an_incident_without_days_and_days_beyond_retention(
    tmp_path: Path,
) -> None:
    alone = simulate("--data", str(tmp_path / "data"), "--incident", "lcp")
    assert (alone.returncode, alone.stderr) == (2, "rumhouse: --incident goes with --days N\n")
    long = simulate("--data", str(tmp_path / "data"), "--days", "91")
    assert long.returncode == 2
    assert "at most 90" in long.stderr
    assert not (tmp_path / "data").exists(), "nothing written"


def test_simulate_end_must_be_a_past_time_within_the_retention(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    cases = {
        ("--days", "1", "--end", "saturday"): "is not a time: write it as 2026-11-28T20:00",
        ("--days", "1", "--end", "2999-01-01T00:00"): "2999-01-01T00:00 is in the future",
        ("--days", "30", "--end", "2000-01-01T00:00"): "starts more than 90 days ago",
        ("--end", "2026-11-28T20:00"): "--end goes with --days N",
    }
    for args, said in cases.items():
        done = simulate("--data", data, *args)
        assert done.returncode == 2, args
        assert said in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists(), "nothing written"
