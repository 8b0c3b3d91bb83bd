"""The embedded store's own calls, on the real engine."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from collector.settings import REPO_ROOT, load_settings
from collector.store.client import EmbeddedStore, StoreError, open_client

# Runs in its own process: holds the data folder argv[1] open until its stdin closes.
HOLDER = """
import sys
from collector.settings import load_settings
from collector.store.client import open_client
client = open_client(load_settings(data=sys.argv[1], open_mode=True))
print("open", flush=True)
sys.stdin.read()
"""


async def test_ping_says_whether_the_engine_answers(store: Any) -> None:
    embedded = EmbeddedStore(store)
    assert await embedded.ping() is True
    assert await embedded.query("SELECT 1 + 1") == [(2,)]
    await embedded.close()
    assert await embedded.ping() is False, "closed: its thread takes no more calls"


async def test_every_engine_call_runs_on_the_store_s_own_thread(store: Any) -> None:
    """A chDB session must not be used from two threads: calls made at once still run one
    after the other, on one thread."""
    embedded = EmbeddedStore(store)
    lock, all_in = threading.Lock(), threading.Event()
    running, most, names = 0, 0, set()

    def call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            names.add(threading.current_thread().name)
            if running == 4:
                all_in.set()
        all_in.wait(timeout=0.2)  # a pool of several threads would have all four in here
        with lock:
            running -= 1

    await asyncio.gather(*(embedded._run(call) for _ in range(4)))
    await embedded.close()
    [name] = names
    assert (name.startswith("rumhouse-store"), most) == (True, 1)


async def test_close_waits_for_the_call_in_flight(store: Any) -> None:
    """The client is closed only after the engine's last call has returned."""
    embedded = EmbeddedStore(store)
    running = asyncio.ensure_future(embedded.query("SELECT sleep(0.5)"))
    await asyncio.sleep(0)  # the query is handed to the store's thread
    await embedded.close()
    assert running.done()
    assert running.result() == [(0,)]


def test_a_data_folder_and_its_missing_parents_are_created(tmp_path: Path) -> None:
    data = tmp_path / "new" / "rumhouse" / "data"
    client = open_client(load_settings(data=data, open_mode=True))
    try:
        assert client.command("SELECT currentDatabase()") == "rum"
    finally:
        client.close()
    assert data.is_dir()


def test_a_folder_another_process_holds_says_to_query_through_it(tmp_path: Path) -> None:
    """An operator running a command beside the collector is told why and what to do."""
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data)], cwd=REPO_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(StoreError) as refused:
            open_client(load_settings(data=data, open_mode=True))
    finally:
        holder.communicate(timeout=60)  # closes its stdin: it exits and lets the folder go
    assert str(refused.value).startswith(f"cannot open the embedded store in {data}: ")
    assert str(refused.value).endswith(
        "Only one process can open a data folder: is a collector running on it? "
        "Query through it, or stop it."
    )
