from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.enrich.page import clean_url
from collector.ingest.enrich.scrub import scrub
from collector.ingest.events import JsError
from collector.ingest.outcomes import Drops
from collector.ingest.validate import parse_beacon
from collector.settings import load_settings
from tests.conftest import beacon

ENRICHER = Enricher(CountryLookup(), load_settings(open_mode=True))


def test_scrub_replaces_emails_tokens_and_long_numbers() -> None:
    text = "user jane.doe@example.com token=eyJhbGciOiJIUzI1NiJ9abc123XYZ card 4111111111111111"
    assert scrub(text) == "user [email] token=[token] card [number]"


def test_scrub_keeps_line_numbers_and_ordinary_words() -> None:
    stack = "TypeError: x is undefined\n    at render (https://shop.example/app.js:1204:17)"
    assert scrub(stack) == stack


def test_url_keeps_only_allowlisted_query_parameters() -> None:
    url, _, _ = clean_url(
        "https://shop.example/p?utm_source=news&email=a@b.example&session=abc#x", ("utm_source",)
    )
    assert url == "https://shop.example/p?utm_source=news"


def test_url_path_is_scrubbed() -> None:
    url, _, path = clean_url("https://shop.example/users/jane@example.com/orders/123456789012")
    assert path == "/users/[email]/orders/[number]"
    assert "jane" not in url


def test_url_with_a_broken_port_is_dropped_not_raised() -> None:
    assert clean_url("https://shop.example:99999/")[0] == ""


# Generated personal data, each kind by its own definition: the expectations come from how a
# value was built, not from the scrubber's patterns.
LOCAL = st.text("abcdefghijklmnopqrstuvwxyz0123456789._%+-", min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum()
)
LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
TLD = st.sampled_from(["de", "uk", "io", "fr", "com", "info", "travel", "museum"])
EMAILS = st.builds("{}@{}.{}".format, LOCAL, LABEL, TLD)
# A token: 24 or more of [A-Za-z0-9_-], with at least one digit and one letter.
TOKENS = st.builds(
    lambda head, digit, letter, tail: head + digit + letter + tail,
    st.text("ABCXYZabcxyz0123456789_-", min_size=22, max_size=40),
    st.sampled_from("0123456789"),
    st.sampled_from("aZk"),
    st.text("ABCabc789_-", max_size=8),
)
LONG_NUMBERS = st.integers(10**8, 10**20).map(str)  # nine digits or more
SHORT_NUMBERS = st.integers(0, 10**8 - 1).map(str)  # at most eight: line numbers, prices
WORDS = st.sampled_from(["at render", "TypeError:", "failed for", "(app.js:", "), line", "x"])


@st.composite
def text_with_secrets(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A message, source or stack: secrets and harmless short numbers between words."""
    secrets, kept, parts = [], [], []
    for _ in range(draw(st.integers(1, 4))):
        secret = draw(EMAILS | TOKENS | LONG_NUMBERS)
        number = draw(SHORT_NUMBERS)
        secrets.append(secret)
        kept.append(number)
        parts += [draw(WORDS), " ", secret, " :", number, " "]
    return "".join(parts), secrets, kept


def _enriched_error(message: str, source: str, stack: str) -> JsError:
    body = beacon(errors=[{"kind": "error", "type": "TypeError", "message": message,
                           "source": source, "stack": stack, "line": 3, "column": 7}])  # fmt: skip
    view, _ = ENRICHER.enrich(
        parse_beacon(orjson.dumps(body), Drops()), Client("203.0.113.1", ""), datetime.now(UTC)
    )
    [error] = view.errors
    return error


@settings(max_examples=300, deadline=None)
@given(text_with_secrets(), text_with_secrets(), text_with_secrets())
def test_error_message_source_and_stack_lose_every_secret_and_keep_short_numbers(
    message: tuple[str, list[str], list[str]],
    source: tuple[str, list[str], list[str]],
    stack: tuple[str, list[str], list[str]],
) -> None:
    error = _enriched_error(message[0], source[0], stack[0])
    for stored, (_, secrets, kept) in zip(
        (error.message, error.source, error.stack), (message, source, stack), strict=True
    ):
        for secret in secrets:
            assert secret not in stored
        for number in kept:
            assert f":{number} " in stored, (number, stored)
        assert stored.count("[") == len(secrets), stored


@pytest.mark.parametrize("tld", ["de", "uk", "fr", "io"])
def test_an_email_with_a_two_letter_domain_is_scrubbed(tld: str) -> None:
    assert scrub(f"sent to jane@shop.{tld} today") == "sent to [email] today"


def test_nine_digits_are_a_number_to_scrub_and_eight_are_not() -> None:
    assert scrub("order 123456789 line 12345678") == "order [number] line 12345678"
