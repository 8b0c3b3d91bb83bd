"""The disk spool: batches that could not be written yet, kept in order until they are.

A segment is one file ``NNNNNNNNNNNN.seg`` holding framed records; a record is the JSON
lines of one or more tables, exactly as they are sent to ClickHouse (``ingest/encode.py``).
Segments are replayed oldest first, a whole segment at a time, and deleted once every
table's rows are in the store. A record is ``length, crc32, payload`` so one torn by a crash
is recognised and ignored (in durable mode it was never acknowledged: acknowledgement waits
for its fsync). The payload is lz4-compressed (JSON lines shrink about 3x per beacon, 6x per
batch) and holds, per table, ``name length, name, rows, body length, body``.
Rows hold no IP address; the folder is private to the collector.

The spool is bounded by ``max_bytes``; what happens when it is full is the caller's policy
(see ``buffer.py`` and docs/deploy.md: new beacons are refused with 503, never old ones lost).
"""

from __future__ import annotations

import logging
import os
import re
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import lz4.block

from collector.ingest.encode import Encoded

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<II")  # payload length, crc32
_TABLE = struct.Struct("<HII")  # name length, rows, body length
_NAME = re.compile(r"^(\d{12})\.seg$")


def frame(batch: Encoded) -> bytes:
    parts = []
    for table, (body, rows) in batch.items():
        name = table.encode()
        parts += [_TABLE.pack(len(name), rows, len(body)), name, body]
    payload = bytes(lz4.block.compress(b"".join(parts)))
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def _tables(payload: bytes) -> Encoded:
    found: Encoded = {}
    offset = 0
    while offset < len(payload):
        name_length, rows, body_length = _TABLE.unpack_from(payload, offset)
        offset += _TABLE.size
        name = payload[offset : offset + name_length].decode()
        offset += name_length
        found[name] = (payload[offset : offset + body_length], rows)
        offset += body_length
    return found


def read_segment(path: Path) -> tuple[Encoded, int]:
    """The segment's rows merged per table, in record order, and how many torn records
    were skipped (a crash can leave at most one, at the end)."""
    data = path.read_bytes()
    bodies: dict[str, list[bytes]] = {}
    counts: dict[str, int] = {}
    offset, torn = 0, 0
    while offset < len(data):
        if offset + _HEADER.size > len(data):
            torn += 1
            break
        length, crc = _HEADER.unpack_from(data, offset)
        payload = data[offset + _HEADER.size : offset + _HEADER.size + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            torn += 1
            break
        for table, (body, rows) in _tables(lz4.block.decompress(payload)).items():
            bodies.setdefault(table, []).append(body)
            counts[table] = counts.get(table, 0) + rows
        offset += _HEADER.size + length
    return {table: (b"".join(parts), counts[table]) for table, parts in bodies.items()}, torn


def fsync_dir(path: Path) -> None:
    """Make a file's creation or removal durable (the directory entry is data too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """The ordered segments waiting for the store, and the next segment number."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see above
        self.directory = directory
        self.max_bytes = max_bytes
        found = sorted(p for p in directory.iterdir() if _NAME.match(p.name))
        self._pending: list[Path] = found
        self._sizes: dict[Path, int] = {p: p.stat().st_size for p in found}
        self._next = int(_NAME.match(found[-1].name)[1]) + 1 if found else 1  # type: ignore[index]
        if found:
            log.warning(
                "spool %s holds %d segment(s), %d bytes, from an earlier run: replaying them",
                directory, len(found), self.bytes,
            )  # fmt: skip

    def new_path(self) -> Path:
        path = self.directory / f"{self._next:012d}.seg"
        self._next += 1
        return path

    @property
    def pending(self) -> Sequence[Path]:
        """The segments waiting for replay, oldest first (read-only)."""
        return self._pending

    @property
    def bytes(self) -> int:
        """Bytes on disk: pending segments and any the journal is writing."""
        return sum(self._sizes.values())

    def full(self, extra: int = 0) -> bool:
        return self.bytes + extra > self.max_bytes

    def track(self, path: Path, size: int) -> None:
        """Count a file being written (the durable journal's current segment)."""
        self._sizes[path] = size

    def write(self, batch: Encoded) -> Path | None:
        """Spool ``batch`` as a new segment, fsynced; ``None`` when it would not fit."""
        data = frame(batch)
        if self.full(len(data)):
            return None
        path = self.new_path()
        tmp = path.with_suffix(".tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        tmp.rename(path)
        fsync_dir(self.directory)
        self.adopt(path)
        return path

    def adopt(self, path: Path) -> None:
        """Queue a segment already on disk (a sealed journal segment) for replay."""
        self._sizes[path] = path.stat().st_size
        self._pending.append(path)

    def remove(self, path: Path) -> None:
        """Forget and delete a segment whose rows are all in the store."""
        self._sizes.pop(path, None)
        if path in self._pending:
            self._pending.remove(path)
        path.unlink(missing_ok=True)
