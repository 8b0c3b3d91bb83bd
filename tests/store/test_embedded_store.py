"""The embedded store's own calls, on the real engine."""

from __future__ import annotations

from typing import Any

from collector.store.client import EmbeddedStore


async def test_ping_says_whether_the_engine_answers(store: Any) -> None:
    embedded = EmbeddedStore(store)
    assert await embedded.ping() is True
    assert await embedded.query("SELECT 1 + 1") == [(2,)]
    await embedded.close()
    assert await embedded.ping() is False, "closed: its thread takes no more calls"
