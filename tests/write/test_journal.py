"""Durable mode's promise: a beacon is acknowledged only once its record is fsynced.

``os.fsync`` is wrapped in this process (the real call still runs) to see which file was
synced, and how long it was then; a failing fsync is the same wrapper raising.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from pathlib import Path

import pytest

from collector.ingest.encode import Encoded
from collector.write.journal import Journal, JournalError
from collector.write.spool import Spool, frame, read_segment


def batch(n: int) -> Encoded:
    return {"events": (f'["row-{n}"]\n'.encode(), 1)}


class Fsyncs:
    """Every fsync in this process: the path of the file (or folder) and its size then."""

    def __init__(self) -> None:
        self.calls: list[tuple[Path, int]] = []
        self.fail = False

    def __call__(self, fd: int) -> None:
        if self.fail:
            raise OSError(5, "Input/output error")
        self.calls.append((Path(os.readlink(f"/proc/self/fd/{fd}")), os.fstat(fd).st_size))
        REAL_FSYNC(fd)

    def synced(self, path: Path) -> int:
        """The largest size of ``path`` an fsync saw (0: never synced)."""
        return max((size for p, size in self.calls if p == path), default=0)


REAL_FSYNC = os.fsync


def open_files() -> set[str]:
    """What this process's file descriptors point at."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
    return found


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> Fsyncs:
    seen = Fsyncs()
    monkeypatch.setattr(os, "fsync", seen)
    return seen


async def test_a_record_is_acknowledged_after_an_fsync_that_covered_it(
    fsyncs: Fsyncs, tmp_path: Path
) -> None:
    spool = Spool(tmp_path, 1 << 20)
    synced: list[int] = []
    journal = Journal(spool, on_fsync=lambda: synced.append(len(fsyncs.calls)))
    futures = [journal.append(batch(n)) for n in range(5)]
    [segment] = tmp_path.glob("*.seg")
    assert fsyncs.calls == [(tmp_path, fsyncs.calls[0][1])], "the new segment's folder first"
    assert not any(f.done() for f in futures), "nothing is acknowledged before an fsync"
    await journal.commit()
    assert all(f.done() and f.exception() is None for f in futures)
    assert fsyncs.synced(segment) == segment.stat().st_size == 5 * len(frame(batch(0)))
    assert synced == [len(fsyncs.calls)], "on_fsync is told after the fsync"
    late = journal.append(batch(5))
    assert not late.done()
    await journal.commit()
    assert late.done()
    assert fsyncs.synced(segment) == 6 * len(frame(batch(0)))
    await journal.close()


async def test_the_committer_groups_appends_into_few_fsyncs(fsyncs: Fsyncs, tmp_path: Path) -> None:
    journal = Journal(Spool(tmp_path, 1 << 20))
    committer = asyncio.create_task(journal.run())
    futures = [journal.append(batch(n)) for n in range(50)]
    await asyncio.gather(*futures)
    [segment] = tmp_path.glob("*.seg")
    segment_syncs = [size for path, size in fsyncs.calls if path == segment]
    assert 1 <= len(segment_syncs) < 50
    assert max(segment_syncs) == segment.stat().st_size
    committer.cancel()
    await journal.close()


async def test_a_failed_fsync_fails_the_waiting_records(fsyncs: Fsyncs, tmp_path: Path) -> None:
    journal = Journal(Spool(tmp_path, 1 << 20))
    future = journal.append(batch(1))
    fsyncs.fail = True
    await journal.commit()
    with pytest.raises(JournalError, match=r"cannot fsync the spool: .*Input/output error"):
        future.result()
    fsyncs.fail = False
    await journal.close()


async def test_seal_closes_the_segment_after_its_last_fsync_and_starts_a_new_one(
    fsyncs: Fsyncs, tmp_path: Path
) -> None:
    spool = Spool(tmp_path, 1 << 20)
    journal = Journal(spool)
    assert journal.seal() is None, "nothing open: nothing to seal"
    first = journal.append(batch(1))
    sealed = journal.seal()
    assert sealed is not None
    second = journal.append(batch(2))  # goes to a new segment
    await journal.commit()
    assert first.done()
    assert second.done()
    assert fsyncs.synced(sealed) == sealed.stat().st_size
    segments = sorted(tmp_path.glob("*.seg"))
    assert segments[0] == sealed
    assert len(segments) == 2
    assert read_segment(sealed)[0] == batch(1)
    assert read_segment(segments[1])[0] == batch(2)
    assert str(sealed) not in open_files(), "the sealed segment's file is closed"
    assert str(segments[1]) in open_files()
    assert spool.bytes == sum(p.stat().st_size for p in segments)
    await journal.close()
    assert str(segments[1]) not in open_files(), "close() closes the current segment"
    await journal.close()  # shutdown paths may close twice: harmless


async def test_a_journal_reopened_after_close_writes_a_new_segment(tmp_path: Path) -> None:
    journal = Journal(Spool(tmp_path, 1 << 20))
    first = journal.append(batch(1))
    await journal.close()
    assert first.done()
    second = journal.append(batch(2))
    await journal.commit()
    assert second.done()
    segments = sorted(tmp_path.glob("*.seg"))
    assert [read_segment(p)[0] for p in segments] == [batch(1), batch(2)]
    await journal.close()
    assert not {str(p) for p in segments} & open_files()


def test_spool_write_fsyncs_the_segment_and_its_folder(fsyncs: Fsyncs, tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1 << 20)
    path = spool.write(batch(1))
    assert path is not None
    data_size = len(frame(batch(1)))
    tmp = path.with_suffix(".tmp")
    assert (tmp, data_size) in fsyncs.calls, "the data, before the rename"
    assert fsyncs.calls[-1][0] == tmp_path, "then the folder, after the rename"
    assert spool.pending == [path]
    assert read_segment(path) == (batch(1), 0)


async def test_a_cancelled_request_does_not_hold_back_the_others(tmp_path: Path) -> None:
    """A visitor that went away cancels its future: the records after it are released."""
    journal = Journal(Spool(tmp_path, 1 << 20))
    futures = [journal.append(batch(n)) for n in range(3)]
    futures[0].cancel()
    await journal.commit()
    assert [f.cancelled() for f in futures] == [True, False, False]
    assert all(f.done() for f in futures)
    await journal.close()


async def test_a_short_write_refuses_the_beacon_and_says_the_disk_may_be_full(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The kernel wrote only part of the record (a full disk): the write is real, but cut."""
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    journal = Journal(Spool(tmp_path, 1 << 20))
    with pytest.raises(
        JournalError, match=r"^cannot write to the spool: short write \(disk full\?\)$"
    ):
        journal.append(batch(1))
    monkeypatch.undo()
    await journal.close()


async def test_journal_segments_are_private_to_the_collector(tmp_path: Path) -> None:
    journal = Journal(Spool(tmp_path, 1 << 20))
    await asyncio.gather(journal.append(batch(1)), journal.commit())
    [segment] = tmp_path.glob("*.seg")
    assert stat.S_IMODE(segment.stat().st_mode) == 0o600
    await journal.close()


async def test_a_close_error_after_the_last_fsync_is_not_fatal(
    fsyncs: Fsyncs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close(2) may report a deferred error (EIO on some file systems); by then the records
    are fsynced, so shutdown goes on."""
    journal = Journal(Spool(tmp_path, 1024 * 1024))
    journal.append(batch(1))
    [segment] = tmp_path.glob("*.seg")
    real_close = os.close

    def failing_close(fd: int) -> None:
        real_close(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "close", failing_close)
    await journal.close()
    assert fsyncs.synced(segment) == segment.stat().st_size > 0
