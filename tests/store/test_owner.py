"""Who owns an embedded data folder, and where the running collectors are: real locks, real
files, real processes (a child that holds a folder, then dies)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collector.store import owner


@pytest.fixture(autouse=True)
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return tmp_path / "run" / "rumhouse"


def test_a_second_owner_is_told_who_holds_the_folder(tmp_path: Path) -> None:
    first = owner.acquire(tmp_path / "data", listen="http://127.0.0.1:8080")
    with pytest.raises(owner.FolderBusy) as busy:
        owner.acquire(tmp_path / "data")
    assert str(busy.value) == (
        f"the data folder {tmp_path / 'data'} is in use by a rumhouse collector"
        f" (pid {os.getpid()}, http://127.0.0.1:8080)"
    )
    first.release()
    owner.acquire(tmp_path / "data").release()


def test_a_serving_collector_is_listed_until_it_releases_its_folder(
    tmp_path: Path, runtime: Path
) -> None:
    quiet = owner.acquire(tmp_path / "quiet")  # `rumhouse migrate`: not announced
    serving = owner.acquire(tmp_path / "data", announce=True, listen="http://127.0.0.1:1")
    serving.update(sql="http://127.0.0.1:2")
    assert owner.running_collectors() == [{
        "pid": os.getpid(), "listen": "http://127.0.0.1:1", "sql": "http://127.0.0.1:2",
        "data": str((tmp_path / "data").resolve()),
    }]  # fmt: skip
    assert stat_mode(runtime) == 0o700
    serving.release()
    quiet.release()
    assert owner.running_collectors() == []
    assert list(runtime.iterdir()) == []


def test_a_collector_that_was_killed_is_not_listed_and_its_entry_goes(
    tmp_path: Path, runtime: Path
) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    gone = int(child.stdout)  # a pid that ran and exited
    runtime.mkdir(parents=True)
    (runtime / f"{gone}.json").write_text(json.dumps({"pid": gone, "data": str(tmp_path)}))
    (runtime / "junk.json").write_text("not json")
    assert owner.running_collectors() == []
    assert list(runtime.iterdir()) == []


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
