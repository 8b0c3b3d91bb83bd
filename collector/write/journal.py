"""Durable mode: every accepted beacon is on disk, fsynced, before its 204.

Each beacon's rows (JSON lines, encoded once) are appended as one record to the current
spool segment (a plain write into the page cache, microseconds). ``append`` returns a future
that completes after the next fsync; one committer task runs the fsyncs back to back on a
thread, so one fsync serves every request that arrived while the previous one ran (group
commit).

When the buffer flushes it ``seal``s the current segment: that segment holds exactly the
beacons of the batch being inserted. If the insert succeeds the segment is deleted; if not,
the spool adopts it and replays it later. A crash leaves segments behind; the next start
replays them, and the batches' deduplication tokens make a repeat harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from collector.ingest.encode import Encoded
from collector.write.spool import Spool, frame, fsync_dir


@dataclass
class _Segment:
    path: Path
    fd: int
    size: int = 0
    waiting: list[asyncio.Future[None]] = field(default_factory=list)
    sealed: bool = False


class JournalError(Exception):
    """The journal could not write or fsync: the beacon was not acknowledged."""


class Journal:
    def __init__(self, spool: Spool, on_fsync: Callable[[], None] = lambda: None) -> None:
        self._spool = spool
        self._on_fsync = on_fsync
        self._current: _Segment | None = None
        self._unsynced: list[_Segment] = []
        self._wake = asyncio.Event()

    def append(self, batch: Encoded) -> asyncio.Future[None]:
        """Write one beacon's rows; the future completes once they are fsynced."""
        data = frame(batch)
        try:
            segment = self._current or self._open()
            written = os.write(segment.fd, data)
        except OSError as exc:
            raise JournalError(f"cannot write to the spool: {exc}") from exc
        if written != len(data):  # a short write means the disk is full
            raise JournalError("cannot write to the spool: short write (disk full?)")
        segment.size += written
        self._spool.track(segment.path, segment.size)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        segment.waiting.append(future)
        if segment not in self._unsynced:
            self._unsynced.append(segment)
        self._wake.set()
        return future

    def seal(self) -> Path | None:
        """Close the current segment to new records; its path, or ``None`` if none was open."""
        segment, self._current = self._current, None
        if segment is None:
            return None
        segment.sealed = True
        # The committer closes it after one more fsync: a commit may be using the fd now.
        if segment not in self._unsynced:
            self._unsynced.append(segment)
        self._wake.set()
        return segment.path

    def _open(self) -> _Segment:
        path = self._spool.new_path()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fsync_dir(path.parent)  # the file must still be there after a crash
        self._current = _Segment(path, fd)  # the spool counts it from its first record
        return self._current

    async def run(self) -> None:
        """The committer: fsync whatever was written, then release its requests."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.commit()

    async def commit(self) -> None:
        batch, self._unsynced = self._unsynced, []
        # The futures to release are those registered before this fsync starts.
        release = [(s, s.waiting[:]) for s in batch]
        for segment in batch:
            segment.waiting.clear()
        error = await asyncio.to_thread(_fsync_all, [s.fd for s in batch])
        self._on_fsync()
        for segment, futures in release:
            if segment.sealed and segment not in self._unsynced:
                os.close(segment.fd)
            for future in futures:
                if future.done():
                    continue
                if error:
                    future.set_exception(JournalError(f"cannot fsync the spool: {error}"))
                else:
                    future.set_result(None)

    async def close(self) -> None:
        """Fsync and close everything (shutdown)."""
        await self.commit()
        if self._current is not None:
            with contextlib.suppress(OSError):
                os.close(self._current.fd)
            self._current = None


def _fsync_all(fds: list[int]) -> str | None:
    for fd in fds:
        try:
            os.fsync(fd)
        except OSError as exc:
            return str(exc)
    return None
