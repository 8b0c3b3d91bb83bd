"""Request bodies decompressed within a bound (gzip, deflate, lz4, zstd), for every listener.

A body is refused as soon as its expansion passes its limit: decompression asks each codec
for at most ``limit + 1`` bytes, so a few megabytes that would expand to gigabytes cost a
few megabytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import lz4.frame
from backports import zstd


class BodyError(Exception):
    """A body refused: ``kind`` is ``too_large``, ``too_slow``, ``corrupt`` or ``encoding``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def too_large(limit: int) -> BodyError:
    return BodyError("too_large", f"the body is larger than {limit} bytes")


def _frames(body: bytes, most: int, new: Callable[[], Any]) -> bytes:
    """Every frame (gzip member, zstd frame) of ``body``, at most ``most`` bytes in all."""
    out = bytearray()
    while body and len(out) < most:
        decompressor = new()
        out += decompressor.decompress(body, most - len(out))
        if not decompressor.eof:
            break
        body = decompressor.unused_data
    return bytes(out)


def _gzip(body: bytes, most: int) -> bytes:
    return _frames(body, most, lambda: zlib.decompressobj(wbits=16 + zlib.MAX_WBITS))


def _deflate(body: bytes, most: int) -> bytes:
    return zlib.decompressobj().decompress(body, most)


def _lz4(body: bytes, most: int) -> bytes:
    return bytes(lz4.frame.LZ4FrameDecompressor().decompress(body, max_length=most))


def _zstd(body: bytes, most: int) -> bytes:
    return _frames(body, most, zstd.ZstdDecompressor)


_CODECS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gzip, "deflate": _deflate, "lz4": _lz4, "zstd": _zstd,
}  # fmt: skip


def expand(body: bytes, encoding: str, limit: int) -> bytes:
    """Undo ``encoding`` (gzip, deflate, lz4, zstd or none), refusing an expansion past
    ``limit``."""
    encoding = encoding.lower().strip()
    if encoding in ("", "identity"):
        return body
    codec = _CODECS.get(encoding)
    if codec is None:
        raise BodyError("encoding", f"unknown Content-Encoding {encoding!r}")
    try:
        expanded = codec(body, limit + 1)
    except (zlib.error, RuntimeError, zstd.ZstdError) as exc:
        raise BodyError("corrupt", f"the {encoding} body is corrupt: {exc}") from exc
    if len(expanded) > limit:
        raise too_large(limit)
    return expanded
