from __future__ import annotations

import gzip

import orjson
import pytest

from collector.ingest import validate
from collector.ingest.outcomes import Drops, ItemDrop, Refusal, Rejection
from tests.conftest import beacon

LIMIT = 64 * 1024


def reason_of(call: object) -> Refusal:
    assert callable(call)
    with pytest.raises(Rejection) as caught:
        call()
    return caught.value.reason


def test_validate_rejects_media_type_when_not_text_or_json() -> None:
    assert (
        reason_of(lambda: validate.check_headers("multipart/form-data", ""))
        == Refusal.UNSUPPORTED_MEDIA_TYPE
    )


def test_validate_rejects_encoding_when_not_gzip() -> None:
    assert (
        reason_of(lambda: validate.check_headers("text/plain", "br"))
        == Refusal.UNSUPPORTED_ENCODING
    )


def test_validate_accepts_text_json_and_no_content_type() -> None:
    for media_type in ("text/plain", "application/json", "", "TEXT/PLAIN"):
        validate.check_headers(media_type, "gzip")


def test_validate_rejects_too_large_when_body_exceeds_limit() -> None:
    assert (
        reason_of(lambda: validate.decode_body(b"x" * (LIMIT + 1), "", LIMIT)) == Refusal.TOO_LARGE
    )


def test_validate_rejects_too_large_when_gzip_expands_past_limit() -> None:
    bomb = gzip.compress(b"\0" * (100 * LIMIT))
    assert reason_of(lambda: validate.decode_body(bomb, "gzip", LIMIT)) == Refusal.TOO_LARGE


def test_validate_rejects_invalid_json_when_gzip_is_corrupt() -> None:
    assert (
        reason_of(lambda: validate.decode_body(b"\x1f\x8bnot gzip", "gzip", LIMIT))
        == Refusal.INVALID_JSON
    )


def test_validate_expands_gzip_within_limit() -> None:
    body = orjson.dumps(beacon())
    assert validate.decode_body(gzip.compress(body), "GZIP", LIMIT) == body


def test_validate_rejects_invalid_json_when_body_is_not_json() -> None:
    for body in (b"", b"{", b"\xff\xfe\x00", b"{'single': 'quotes'}"):
        assert reason_of(lambda body=body: validate.parse_beacon(body)) == Refusal.INVALID_JSON


def test_validate_names_every_bad_field_when_types_are_wrong() -> None:
    body = orjson.dumps(beacon(session_id="short", nav={"dns": "slow"}, errors=[{"line": "ten"}]))
    with pytest.raises(Rejection) as caught:
        validate.parse_beacon(body)
    assert caught.value.status == 400
    assert {f["field"] for f in caught.value.fields} == {"session_id", "nav.dns", "errors.0.line"}


def test_validate_rejects_non_finite_numbers() -> None:
    body = orjson.dumps(beacon()).replace(b'"value":1800.0', b'"value":Infinity')
    assert reason_of(lambda: validate.parse_beacon(body)) in (
        Refusal.INVALID_JSON,
        Refusal.INVALID_BEACON,
    )


def test_validate_turns_absurd_numbers_into_nulls_counted_as_dropped() -> None:
    drops = Drops()
    body = orjson.dumps(beacon(nav={"dns": 1e300, "tls": 12.0}, context={"cpu_cores": -4}))
    parsed = validate.parse_beacon(body, drops)
    assert parsed.nav is not None
    assert (parsed.nav.dns, parsed.nav.tls, parsed.context.cpu_cores) == (None, 12.0, None)
    assert drops.counts == {ItemDrop.INVALID_VALUE: 2}
