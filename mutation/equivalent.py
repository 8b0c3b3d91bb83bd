"""Mutants that survive because they change nothing observable, each with its reason.

Read from ``equivalent.toml``: ``[python]`` and ``[beacon]`` tables of name = "reason". A
name that no longer exists (the code moved) is reported, so the file cannot go stale.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

FILE = Path(__file__).with_name("equivalent.toml")


def load(kind: str) -> dict[str, str]:
    table = tomllib.loads(FILE.read_text()).get(kind, {})
    return {str(name): str(reason) for name, reason in table.items()}
