"""Request bytes → a ``Beacon``, or a ``Rejection`` that says why.

Cheap checks come first (media type, encoding, size) so that a hostile body costs little;
then pydantic parses the JSON straight from bytes (no intermediate dicts).
"""

from __future__ import annotations

from pydantic import ValidationError

from collector.ingest import decode
from collector.ingest.contract import Beacon
from collector.ingest.outcomes import Drops, Refusal, Rejection

ACCEPTED_TYPES = frozenset({"text/plain", "application/json", ""})
ACCEPTED_ENCODINGS = frozenset({"", "identity", "gzip"})


def check_headers(content_type: str, content_encoding: str) -> None:
    """Refuse a media type or encoding the beacon never sends (415)."""
    if content_type.lower() not in ACCEPTED_TYPES:
        raise Rejection(
            Refusal.UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type {content_type!r} is not accepted; send text/plain or application/json",
        )
    if content_encoding.lower() not in ACCEPTED_ENCODINGS:
        raise Rejection(
            Refusal.UNSUPPORTED_ENCODING,
            f"Content-Encoding {content_encoding!r} is not accepted; send gzip or none",
        )


def too_large(limit: int) -> Rejection:
    return Rejection(Refusal.TOO_LARGE, f"the body is larger than {limit} bytes")


def decode_body(body: bytes, content_encoding: str, limit: int) -> bytes:
    """Undo gzip, refusing any body whose expansion passes ``limit`` (no decompression bomb)."""
    if len(body) > limit:
        raise too_large(limit)
    try:
        return decode.expand(body, content_encoding, limit)
    except decode.BodyError as error:
        if error.kind == "too_large":
            raise too_large(limit) from None
        raise Rejection(Refusal.INVALID_JSON, str(error)) from None


def parse_beacon(body: bytes, drops: Drops | None = None) -> Beacon:
    """Parse and validate one beacon; a 400 ``Rejection`` names every bad field. Absurd
    numbers become null and are counted in ``drops``."""
    try:
        return Beacon.model_validate_json(body, context={"drops": drops})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise Rejection(Refusal.INVALID_JSON, "the body is not valid JSON") from exc
        fields = [
            {"field": ".".join(str(part) for part in error["loc"]), "error": error["msg"]}
            for error in errors
        ]
        raise Rejection(
            Refusal.INVALID_BEACON, "the body is not a valid beacon", fields[:50]
        ) from exc
