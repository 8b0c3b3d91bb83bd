"""Property tests: whatever bytes or JSON arrive, validation answers a 4xx or a beacon, and
enrichment of any valid beacon does not raise."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.ingest import validate
from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.outcomes import Rejection
from collector.settings import load_settings
from tests.conftest import beacon

ENRICHER = Enricher(CountryLookup(), load_settings(open_mode=True))
LIMIT = 64 * 1024

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def outcome(body: bytes, encoding: str = "") -> int:
    """The HTTP status the endpoint would answer for ``body`` (204 when accepted)."""
    try:
        beacon_ = validate.parse_beacon(validate.decode_body(body, encoding, LIMIT))
    except Rejection as rejection:
        return rejection.status
    ENRICHER.enrich(beacon_, Client("203.0.113.9", "Mozilla/5.0"), datetime.now(UTC))
    return 204


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_validate_arbitrary_bytes_never_raise_and_never_5xx(body: bytes) -> None:
    assert outcome(body) in (204, 400, 413)
    assert outcome(body, "gzip") in (204, 400, 413)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_validate_arbitrary_json_never_raises_and_never_5xx(value: Any) -> None:
    assert outcome(json.dumps(value).encode()) in (204, 400)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(beacon())), json_values, max_size=6))
def test_validate_beacon_with_arbitrary_field_values_never_raises(fields: dict[str, Any]) -> None:
    assert outcome(json.dumps(beacon(**fields)).encode()) in (204, 400)
