"""The spool's file format and bookkeeping, on real files.

The expectations come from the format's contract (length, crc32, payload per record; a
crash leaves at most one torn record, at the end), not from the reader's code: every way a
segment can be cut is tried, and what must come back is rebuilt from the batches written.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from collector.ingest.encode import Encoded
from collector.write.spool import Spool, frame, read_segment


def batch(n: int, tables: tuple[str, ...] = ("events", "errors")) -> Encoded:
    """Distinct rows per table and per ``n`` (two rows in ``events``, one in the others)."""
    found: Encoded = {}
    for table in tables:
        rows = 2 if table == "events" else 1
        body = b"".join(f'["{table}-{n}-{i}"]\n'.encode() for i in range(rows))
        found[table] = (body, rows)
    return found


def merged(batches: list[Encoded]) -> Encoded:
    """What a segment of these batches must read back as: per table, the bodies in order."""
    found: dict[str, tuple[bytes, int]] = {}
    for b in batches:
        for table, (body, rows) in b.items():
            old_body, old_rows = found.get(table, (b"", 0))
            found[table] = (old_body + body, old_rows + rows)
    return found


def segment(tmp_path: Path, batches: list[Encoded]) -> tuple[Path, list[int]]:
    """A segment of one record per batch, and the offset where each record ends."""
    path = tmp_path / "000000000001.seg"
    data, ends = b"", []
    for b in batches:
        data += frame(b)
        ends.append(len(data))
    path.write_bytes(data)
    return path, ends


def test_a_segment_reads_back_its_records_merged_per_table_in_order(tmp_path: Path) -> None:
    batches = [batch(1), batch(2, ("events",)), batch(3, ("errors", "vitals_data"))]
    path, _ = segment(tmp_path, batches)
    assert read_segment(path) == (merged(batches), 0)


def test_a_segment_cut_anywhere_gives_its_whole_records_and_one_torn(tmp_path: Path) -> None:
    """A crash can stop a write at any byte: inside a header, inside a payload, or exactly
    between two records (then nothing is torn)."""
    batches = [batch(1), batch(2), batch(3)]
    path, ends = segment(tmp_path, batches)
    data = path.read_bytes()
    for cut in range(len(data) + 1):
        path.write_bytes(data[:cut])
        whole = sum(1 for end in ends if end <= cut)
        torn = 0 if cut in (0, *ends) else 1
        assert read_segment(path) == (merged(batches[:whole]), torn), f"cut at byte {cut}"


@pytest.mark.parametrize("where", ["header", "payload"])
def test_a_corrupted_record_of_full_length_is_torn_not_decoded(tmp_path: Path, where: str) -> None:
    batches = [batch(1), batch(2)]
    path, ends = segment(tmp_path, batches)
    data = bytearray(path.read_bytes())
    # the second record's crc (bytes 4..7 of its header), or a byte inside its payload
    data[ends[0] + (5 if where == "header" else 12)] ^= 0xFF
    path.write_bytes(bytes(data))
    assert read_segment(path) == (merged(batches[:1]), 1)


def test_segments_are_private_to_the_collector(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "data" / "spool", 1024 * 1024)  # its parents made too
    path = spool.write(batch(1))
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(spool.directory.stat().st_mode) == 0o700


def test_removing_a_segment_frees_its_bytes_and_is_safe_to_repeat(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    first, second = spool.write(batch(1)), spool.write(batch(2))
    assert first is not None
    assert second is not None
    assert spool.bytes == first.stat().st_size + second.stat().st_size
    spool.remove(first)
    assert spool.bytes == second.stat().st_size
    assert spool.pending == [second]
    assert not first.exists()
    # already gone (an operator cleaned up, or a replay after a crash): not an error
    spool.remove(first)
    second.unlink()
    spool.remove(second)
    assert spool.bytes == 0
    assert spool.pending == []


def test_a_spool_is_full_only_past_its_bound(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    spool.max_bytes = len(frame(batch(1))) + len(frame(batch(2)))  # exactly two
    assert spool.write(batch(1)) is not None
    assert spool.write(batch(2)) is not None, "a batch that fits exactly is written"
    assert not spool.full(), "at its bound, not past it"
    assert spool.full(1)


def test_a_batch_that_would_overflow_the_spool_is_not_written(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 1024 * 1024)
    spool.max_bytes = len(frame(batch(1))) + len(frame(batch(2))) - 1
    assert spool.write(batch(1)) is not None
    assert spool.write(batch(2)) is None
    assert len(spool.pending) == 1
    assert len(list(tmp_path.glob("*"))) == 1, "no file left behind"


def test_a_restart_says_what_the_spool_holds_for_replay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = Spool(tmp_path, 1024 * 1024)
    assert not caplog.records, "an empty spool says nothing"
    paths = [first.write(batch(1)), first.write(batch(2))]
    size = sum(p.stat().st_size for p in paths if p is not None)
    Spool(tmp_path, 1024 * 1024)
    assert [r.getMessage() for r in caplog.records] == [
        f"spool {tmp_path} holds 2 segment(s), {size} bytes, from an earlier run: replaying them"
    ]
