"""Fixtures of the write path's tests."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def temp_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spools made by ``make`` (and any temp file the buffer writes) go under pytest's
    tmp_path, which pytest prunes, rather than piling up in /tmp run after run."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
