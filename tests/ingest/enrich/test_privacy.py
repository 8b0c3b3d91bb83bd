from __future__ import annotations

from collector.ingest.enrich.page import clean_url
from collector.ingest.enrich.scrub import scrub


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
