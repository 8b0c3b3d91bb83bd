"""Who owns an embedded data folder.

chDB lets one process open a data folder. A serving collector holds an exclusive ``flock``
on ``<data>/rumhouse.lock`` and writes its pid and addresses there, so that ``rumhouse sql``
can say clearly that a collector owns the data (and, later, query through it) instead of
failing inside chDB.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from collector.errors import RumhouseError

LOCK_NAME = "rumhouse.lock"


class FolderBusy(RumhouseError):
    hint = (
        ".\nOnly one process can open an embedded data folder: stop the collector (Ctrl-C) "
        "and run this command again."
    )

    def __init__(self, data: Path, holder: dict[str, Any]) -> None:
        self.data = data
        self.holder = holder
        pid = holder.get("pid", "?")
        where = holder.get("listen", "")
        at = f", {where}" if where else ""
        super().__init__(
            f"the data folder {data} is in use by a rumhouse collector (pid {pid}{at})"
        )


@dataclass
class Ownership:
    path: Path
    handle: IO[str]

    def update(self, **info: Any) -> None:
        """Record more about the holder (the SQL endpoint's address once it is bound)."""
        holder = _read_holder(self.path) | info
        self.handle.seek(0)
        self.handle.truncate(0)
        self.handle.write(json.dumps(holder))
        self.handle.flush()

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def acquire(data: Path, **info: Any) -> Ownership:
    """Take the folder for this process, or raise ``FolderBusy`` naming the holder."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / LOCK_NAME
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FolderBusy(data, _read_holder(path)) from None
    handle.truncate(0)
    handle.write(json.dumps({"pid": os.getpid(), **info}))
    handle.flush()
    return Ownership(path, handle)
