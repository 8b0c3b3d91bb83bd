"""Every URL a beacon carries is cleaned as the page URL is: the single URLs (``clean_link``)
and each URL inside free text (``clean_text``), with a stack frame's ``:line:column`` and
the words around the URL kept. Expectations are built from the generated parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.enrich.page import clean_link, clean_text
from collector.ingest.outcomes import Drops
from collector.ingest.validate import parse_beacon
from collector.settings import load_settings
from tests.conftest import beacon

ALLOW = ("utm_source",)
LOWER = "abcdefghijklmnopqrstuvwxyz"
WORD = st.text(LOWER, min_size=1, max_size=8)
# A secret is marked, so that its absence is checked without matching ordinary words.
SECRET = st.text(LOWER + LOWER.upper() + "0123456789", min_size=1, max_size=30).map(
    lambda s: "S3cr" + s
)
SECRET_KEYS = st.sampled_from(["token", "session", "auth", "code", "id", "sig"])


@dataclass(frozen=True)
class Url:
    """A generated URL: what is sent, what must be stored, and the secrets in it."""

    sent: str
    stored: str
    secrets: tuple[str, ...]
    kept: str  # the allowlisted value, or ""


@st.composite
def urls(draw: st.DrawFn) -> Url:
    scheme = draw(st.sampled_from(["https", "http"]))
    host = ".".join(draw(st.lists(WORD, min_size=1, max_size=3))) + ".example"
    port = draw(st.sampled_from(["", ":8443", ":81"]))
    path = "/" + "/".join(draw(st.lists(WORD, max_size=3))) + draw(st.sampled_from(["", ".js"]))
    params = [(k, v) for k, v in draw(st.lists(st.tuples(SECRET_KEYS, SECRET), max_size=3))]
    kept = draw(st.one_of(st.just(""), WORD))
    if kept:
        params.append(("utm_source", kept))
    params = draw(st.permutations(params))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.one_of(st.just(""), SECRET))
    sent = f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "")
    sent += f"#{fragment}" if fragment else ""
    stored = f"{scheme}://{host}{port}{path}" + (f"?utm_source={kept}" if kept else "")
    secrets = tuple(v for k, v in params if k != "utm_source") + ((fragment,) if fragment else ())
    return Url(sent, stored, secrets, kept)


POSITIONS = st.one_of(
    st.just(""),
    st.integers(1, 99999).map(":{}".format),
    st.builds(":{}:{}".format, st.integers(1, 99999), st.integers(1, 9999)),
)
# Where a URL appears in text, as browsers write it: a Chromium frame, a Firefox or Safari
# frame, a message ending a sentence, a message quoting it.
FORMS = st.sampled_from(
    ["    at {fn} ({url}{pos})", "{fn}@{url}{pos}", "Failed to fetch {url}.", "load '{url}' {fn}"]
)


@st.composite
def texts(draw: st.DrawFn) -> tuple[str, str, list[Url]]:
    """Lines holding URLs: the text sent, the text to be stored, the URLs."""
    sent, stored, found = [], [], []
    for _ in range(draw(st.integers(1, 4))):
        url, pos, fn, form = draw(urls()), draw(POSITIONS), draw(WORD), draw(FORMS)
        sent.append(form.format(fn=fn, url=url.sent, pos=pos))
        stored.append(form.format(fn=fn, url=url.stored, pos=pos))
        found.append(url)
    return "\n".join(sent), "\n".join(stored), found


@settings(max_examples=400, deadline=None)
@given(texts())
def test_urls_in_stacks_and_messages_lose_secrets_and_keep_positions_and_words(
    text: tuple[str, str, list[Url]],
) -> None:
    sent, expected, found = text
    stored = clean_text(sent, ALLOW)
    assert stored == expected
    for url in found:
        for secret in url.secrets:
            assert secret not in stored
        assert url.kept in stored


@settings(max_examples=300, deadline=None)
@given(urls())
def test_a_single_url_field_keeps_only_allowlisted_parameters(url: Url) -> None:
    stored = clean_link(url.sent, "https://shop.example/page?token=S3crpage", ALLOW)
    assert stored == url.stored
    assert clean_text(url.sent, ALLOW) == url.stored  # an error's source is such a field


def test_a_relative_url_is_read_against_the_page_url() -> None:
    page = "https://shop.example/cart/?token=S3crpage#top"
    assert clean_link("/api/orders/9?token=S3cr1", page) == "https://shop.example/api/orders/9"
    assert clean_link("items?utm_source=x", page, ALLOW) == (
        "https://shop.example/cart/items?utm_source=x"
    )


def test_an_empty_url_stays_empty_and_is_not_the_page_url() -> None:
    assert clean_link("", "https://shop.example/p") == ""


@pytest.mark.parametrize(
    "url", ["data:image/png;base64,iVBORw0KGgo=", "chrome-extension://abc/x.js", "blob:x"]
)
def test_a_url_that_is_not_a_web_url_is_not_stored(url: str) -> None:
    assert clean_link(url, "https://shop.example/p") == ""


def test_a_page_url_urllib_cannot_read_gives_an_empty_link() -> None:
    assert clean_link("/a.js", "http://[broken/") == ""


def test_text_without_a_url_is_only_scrubbed() -> None:
    assert clean_text("mail jane@shop.example failed at 12:30") == "mail [email] failed at 12:30"


def test_a_url_in_text_has_its_path_scrubbed_and_host_lowercased() -> None:
    text = "at f (HTTPS://Shop.Example/u/jane@shop.example/app.js?token=S3cr:3:4)"
    assert clean_text(text) == "at f (https://shop.example/u/[email]/app.js:3:4)"


def test_sentence_punctuation_after_a_url_stays_in_the_text() -> None:
    text = "Failed to fetch https://api.example/v1?token=S3cr1, then https://api.example/v2?x=1!"
    assert (
        clean_text(text) == "Failed to fetch https://api.example/v1, then https://api.example/v2!"
    )


def test_the_digits_after_a_bare_host_are_its_port_not_a_position() -> None:
    # A URL without a path is stored with "/", as the page URL is.
    assert clean_text("fetch https://api.example:8080 failed") == (
        "fetch https://api.example:8080/ failed"
    )
    assert clean_text("at https://api.example:8080/a.js:10:5") == (
        "at https://api.example:8080/a.js:10:5"
    )


def test_a_url_that_cannot_be_read_becomes_a_placeholder_keeping_its_position() -> None:
    assert clean_text("at (https://shop.example:99999/a.js?token=S3cr:1:2)") == "at ([url]:1:2)"
    assert clean_text("at https:///a.js?token=S3cr:1:2 x") == "at [url]:1:2 x"


ENRICHER = Enricher(CountryLookup(), load_settings(open_mode=True, url_query_allowlist=ALLOW))


@settings(max_examples=100, deadline=None)
@given(texts(), texts(), urls())
def test_an_errors_message_stack_and_source_keep_no_secret_of_their_urls(
    message: tuple[str, str, list[Url]], stack: tuple[str, str, list[Url]], source: Url
) -> None:
    error = {"type": "TypeError", "message": message[0], "stack": stack[0], "source": source.sent}
    body = orjson.dumps(beacon(errors=[error]))
    view, _ = ENRICHER.enrich(
        parse_beacon(body, Drops()), Client("203.0.113.1", ""), datetime.now(UTC)
    )
    [stored] = view.errors
    assert (stored.message, stored.stack, stored.source) == (message[1], stack[1], source.stored)
