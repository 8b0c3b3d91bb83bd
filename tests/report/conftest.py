"""Fixtures shared by the report's tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def tokyo_machine() -> Iterator[None]:
    """The machine's own time zone set to UTC+9 (POSIX ``JST-9``) for the test: what the
    report shows must not depend on it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "JST-9")
        time.tzset()
        yield
    time.tzset()
