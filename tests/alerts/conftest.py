from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.alerts.receiver import Receiver, start_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    runner, receiver = await start_receiver()
    yield receiver
    receiver.release.set()
    receiver.gate.set()
    await runner.cleanup()
