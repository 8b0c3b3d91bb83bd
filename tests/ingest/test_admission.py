from __future__ import annotations

import random
import string
from typing import Any

import pytest

from collector.ingest.admission import Admission, TokenBuckets, sampled
from collector.ingest.outcomes import Refusal, Rejection
from collector.settings import load_settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_admission_bucket_allows_a_burst_of_twice_the_rate_then_waits() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock=clock)
    assert [buckets.take("k", 5.0) for _ in range(10)] == [0.0] * 10
    wait = buckets.take("k", 5.0)
    assert wait == pytest.approx(0.2)
    clock.now += 0.2
    assert buckets.take("k", 5.0) == 0.0


def test_admission_bucket_state_is_bounded() -> None:
    buckets = TokenBuckets(max_keys=100, clock=Clock())
    for i in range(1000):
        buckets.take(f"client-{i}", 1.0)
    assert len(buckets) == 100


def test_admission_bucket_table_forgets_the_least_recently_seen_client() -> None:
    """Full table: the client seen longest ago goes (its next beacon starts a fresh burst);
    a busy client, seen just now, keeps its spent bucket."""
    buckets = TokenBuckets(max_keys=2, clock=Clock())
    assert buckets.take("old", 0.5) == 0.0  # a burst of one beacon: now empty
    assert buckets.take("busy", 0.5) == 0.0
    assert buckets.take("old", 0.5) == 2.0  # limited, and now the most recently seen
    assert buckets.take("busy", 0.5) == 2.0
    assert buckets.take("new", 0.5) == 0.0  # a third client: "old" is forgotten
    assert len(buckets) == 2
    assert buckets.take("busy", 0.5) == 2.0, "the recent client is still limited"
    assert buckets.take("old", 0.5) == 0.0, "the forgotten client starts afresh"


def test_admission_sampling_keeps_whole_sessions() -> None:
    rng = random.Random(1)  # rum.js ends its ids with random base-36 digits
    ids = [
        "m3k2p9xx" + "".join(rng.choices(string.digits + string.ascii_lowercase, k=8))
        for _ in range(4000)
    ]
    kept = [i for i in ids if sampled(i, 0.25)]
    assert 0.2 < len(kept) / len(ids) < 0.3
    assert all(sampled(i, 0.25) for i in kept), "the same session is always kept"
    assert not any(sampled(i, 0.0) for i in ids)
    assert all(sampled(i, 1.0) for i in ids)


def base36(value: int) -> str:
    """Four base-36 digits, as rum.js ends a session id with."""
    digits = string.digits + string.ascii_lowercase
    return "".join(digits[value // 36**power % 36] for power in (3, 2, 1, 0))


def test_sampling_keeps_a_session_whose_last_four_digits_fall_below_the_rate() -> None:
    """rate 0.5 keeps the ids ending below half of 36**4 = 1,679,616: 839,807, not 839,808."""
    assert sampled("m3k2p9xx" + base36(839_807), 0.5)
    assert not sampled("m3k2p9xx" + base36(839_808), 0.5)
    assert sampled("m3k2p9xx" + base36(0), 0.000001)
    assert not sampled("m3k2p9xx" + base36(1), 1 / 36**4)
    # An id rum.js did not make (not base 36 at its end) is kept: no session is cut in two.
    assert sampled("visitor-id__", 0.01)


def admission(**overrides: Any) -> Admission:
    sites = ({"key": "shop", "origins": ["https://shop.example"], "rate_limit": 1},)
    return Admission(load_settings(sites=sites, client_rate_limit=1, **overrides), clock=Clock())


def reason(call: object) -> Rejection:
    assert callable(call)
    with pytest.raises(Rejection) as caught:
        call()
    return caught.value


def test_admission_refuses_unknown_site_with_403() -> None:
    refused = reason(lambda: admission().site("blog", "https://shop.example"))
    assert (refused.reason, refused.status) == (Refusal.UNKNOWN_SITE, 403)
    assert refused.message == "site key 'blog' is not configured here"


def test_each_site_has_its_own_rate_limit() -> None:
    sites = (
        {"key": "shop", "origins": ["*"], "rate_limit": 1},
        {"key": "blog", "origins": ["*"], "rate_limit": 1},
    )
    gate = Admission(load_settings(sites=sites), clock=Clock())
    gate.site("shop", None)
    gate.site("shop", None)  # a burst of two
    assert reason(lambda: gate.site("shop", None)).reason == Refusal.RATE_LIMITED
    assert gate.site("blog", None).key == "blog", "another site's traffic does not count"


def test_admission_refuses_foreign_or_missing_origin_with_403() -> None:
    gate = admission()
    for origin in ("https://evil.example", None, "http://shop.example"):
        assert reason(lambda o=origin: gate.site("shop", o)).reason == Refusal.FORBIDDEN_ORIGIN
    assert gate.site("shop", "HTTPS://SHOP.EXAMPLE").key == "shop"
    assert reason(lambda: gate.site("shop", "https://evil.example")).message == (
        "origin 'https://evil.example' may not send for site 'shop': add it to the site's origins"
    )
    assert reason(lambda: gate.site("shop", None)).message == (
        "site 'shop' accepts beacons from its origins only, and this request has no Origin"
        " header (browsers send one; a proxy must pass it on)"
    )


def test_admission_rate_limits_a_client_with_retry_after() -> None:
    gate = admission()
    gate.client("203.0.113.7")
    gate.client("203.0.113.7")
    refused = reason(lambda: gate.client("203.0.113.7"))
    assert (refused.reason, refused.status, refused.retry_after) == (Refusal.RATE_LIMITED, 429, 1)
    gate.client("198.51.100.1")  # another client has its own bucket


def test_admission_rate_limits_a_site() -> None:
    gate = admission()
    gate.site("shop", "https://shop.example")
    gate.site("shop", "https://shop.example")
    assert reason(lambda: gate.site("shop", "https://shop.example")).status == 429


def test_admission_open_mode_accepts_any_site_and_origin_without_limits() -> None:
    gate = admission(open_mode=True)
    for _ in range(100):
        gate.client("203.0.113.7")
        assert gate.site("anything", None).key == "open"


def test_a_cors_preflight_is_allowed_only_for_an_origin_some_site_lists() -> None:
    sites = (
        {"key": "shop", "origins": ["https://shop.example"]},
        {"key": "blog", "origins": ["https://blog.example"]},
    )
    admission = Admission(load_settings(sites=sites), clock=Clock())
    assert admission.any_site_allows("https://blog.example")
    assert admission.any_site_allows("HTTPS://SHOP.EXAMPLE"), "origins compare case-insensitively"
    assert not admission.any_site_allows("https://evil.example")
    assert not admission.any_site_allows(None)
    assert Admission(load_settings(open_mode=True), clock=Clock()).any_site_allows(
        "https://x.example"
    )
