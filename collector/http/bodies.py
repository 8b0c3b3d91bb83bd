"""Request bodies read within bounds, for every listener: refused as soon as they pass
their limit, cut off when they trickle in for longer than ``timeout`` seconds. Undoing their
encoding, equally bounded, is ``ingest.decode``."""

from __future__ import annotations

import asyncio

from aiohttp import web

from collector.ingest.decode import BodyError, too_large


async def read_bounded(request: web.Request, limit: int, timeout: float) -> bytes:
    """The body, refused as soon as it passes ``limit``: never buffers more."""
    if (request.content_length or 0) > limit:
        raise too_large(limit)
    if request.content.is_eof():  # received whole already: no timer to arm
        body = request.content.read_nowait(limit + 1)
    else:
        try:
            async with asyncio.timeout(timeout):
                body = await _read_chunks(request, limit)
        except TimeoutError:
            raise BodyError("too_slow", "the body arrived too slowly") from None
    if len(body) > limit:
        raise too_large(limit)
    return body


async def _read_chunks(request: web.Request, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes as they arrive: reading stops once the limit is passed."""
    chunks, size = [], 0
    while size <= limit and (chunk := await request.content.read(limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
