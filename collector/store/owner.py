"""Who owns an embedded data folder.

chDB lets one process open a data folder. A serving collector holds an exclusive ``flock``
on ``<data>/rumhouse.lock`` and writes its pid and addresses there, so that ``rumhouse sql``
can say clearly that a collector owns the data (and, later, query through it) instead of
failing inside chDB.

A serving collector also announces itself in a per-user runtime folder
(``$XDG_RUNTIME_DIR/rumhouse`` or ``/tmp/rumhouse-<uid>``), so that a command run from
another directory, which finds no store where it looks, can say where the running one is.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from collector.errors import RumhouseError, UsageError

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


def runtime_folder() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    return (
        Path(base) / "rumhouse" if base else Path(tempfile.gettempdir()) / f"rumhouse-{os.getuid()}"
    )


@dataclass
class Ownership:
    path: Path
    handle: IO[str]
    announced: Path | None = None  # this collector's entry in the runtime folder

    def update(self, **info: Any) -> None:
        """Record more about the holder (the SQL endpoint's address once it is bound)."""
        holder = _read_holder(self.path) | info
        self.handle.seek(0)
        self.handle.truncate(0)
        self.handle.write(json.dumps(holder))
        self.handle.flush()
        if self.announced is not None:
            _announce(self.announced, self.path.parent, holder)

    def release(self) -> None:
        if self.announced is not None:
            self.announced.unlink(missing_ok=True)
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _announce(entry: Path, data: Path, holder: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # a courtesy to other commands: never fatal
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        entry.write_text(json.dumps({**holder, "data": str(data.resolve())}))


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def running_collectors() -> list[dict[str, Any]]:
    """The collectors of this user that announced themselves and still run, by pid."""
    found = []
    for entry in sorted(runtime_folder().glob("*.json")):
        holder = _read_holder(entry)
        if _alive(holder.get("pid")) and isinstance(holder.get("data"), str):
            found.append(holder)
        else:  # a collector that was killed left its entry behind
            entry.unlink(missing_ok=True)
    return found


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def acquire(data: Path, announce: bool = False, **info: Any) -> Ownership:
    """Take the folder for this process, or raise ``FolderBusy`` naming the holder;
    ``announce``: a serving collector, listed for other commands (see above)."""
    if data.exists() and not data.is_dir():
        raise UsageError(f"the data folder {data} is a file: give --data a folder")
    data.mkdir(parents=True, exist_ok=True)
    path = data / LOCK_NAME
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FolderBusy(data, _read_holder(path)) from None
    holder = {"pid": os.getpid(), **info}
    handle.truncate(0)
    handle.write(json.dumps(holder))
    handle.flush()
    ownership = Ownership(path, handle)
    if announce:
        ownership.announced = runtime_folder() / f"{os.getpid()}.json"
        _announce(ownership.announced, data, holder)
    return ownership
