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
    """A chDB session must not be used from two threads: all calls share one thread."""
    embedded = EmbeddedStore(store)
    names = {await embedded._run(lambda: threading.current_thread().name) for _ in range(3)}
    await embedded.close()
    [name] = names
    assert name.startswith("rumhouse-store")


async def test_close_waits_for_the_call_in_flight(store: Any) -> None:
    """The client is closed only after the engine's last call has returned."""
    embedded = EmbeddedStore(store)
    running = asyncio.ensure_future(embedded.query("SELECT sleep(0.5)"))
    await asyncio.sleep(0)  # the query is handed to the store's thread
    await embedded.close()
    assert running.done()
    assert running.result() == [(0,)]
