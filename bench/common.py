"""What every figure of the bench shares: its row, its verdict, ports and waiting."""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
Row = tuple[str, str, str, str]  # figure, value, target, verdict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if "405" in str(exc) or "404" in str(exc):
                return
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def verdict(value: float, target: float, text: str, lower_is_better: bool = False) -> str:
    ok = value <= target if lower_is_better else value >= target
    return f"{text}: {'met' if ok else 'MISSED'}"
