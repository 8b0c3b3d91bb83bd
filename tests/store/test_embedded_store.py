"""The embedded store's own calls, on the real engine."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from collector.store.client import EmbeddedStore


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
