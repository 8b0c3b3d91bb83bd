"""How many endpoint queries run at once: a pool of reader sessions and a bound per user.

A query waits up to ``queue_timeout`` seconds for a free session (and for its user to be
under the per-user bound), then is refused with ClickHouse's code 202, which clients know
to retry later. A bounded number of queries, each bounded in memory, is what keeps the
total bounded.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from collector.sql.errors import ClickHouseError
from collector.sql.limits import Limits

S = TypeVar("S")


def too_many(why: str) -> ClickHouseError:
    return ClickHouseError(
        202, f"Too many simultaneous queries: {why}; retry later", "TOO_MANY_SIMULTANEOUS_QUERIES"
    )


class Slots(Generic[S]):
    def __init__(self, sessions: Sequence[S], limits: Limits) -> None:
        self._free: asyncio.Queue[S] = asyncio.Queue()
        for session in sessions:
            self._free.put_nowait(session)
        self._per_user = limits.max_concurrent_per_user
        self._total = len(sessions)
        self._timeout = limits.queue_timeout
        self._running: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def take(self, user: str) -> AsyncIterator[S]:
        """A free session for one query of ``user``, given back when the query is done."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._enter(user)
        except TimeoutError:
            raise too_many(
                f"{user} may run {self._per_user} at once, all users {self._total}"
            ) from None
        try:
            session = await self._session(user)
            try:
                yield session
            finally:
                self._free.put_nowait(session)
        finally:
            await self._leave(user)

    @property
    def running(self) -> int:
        """Queries holding or waiting for a session now (the tests wait on it)."""
        return sum(self._running.values())

    async def _enter(self, user: str) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._running[user] < self._per_user)
            self._running[user] += 1

    async def _session(self, user: str) -> S:
        try:
            return await asyncio.wait_for(self._free.get(), self._timeout)
        except TimeoutError:
            raise too_many(f"all {self._total} query slots are busy") from None

    async def _leave(self, user: str) -> None:
        async with self._changed:
            self._running[user] -= 1
            self._changed.notify_all()
