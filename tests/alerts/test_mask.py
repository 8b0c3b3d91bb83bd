"""``mask_url``: the secrets of webhook URLs never shown, where they go always shown."""

from __future__ import annotations

import string
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from collector.alerts.mask import host_of, looks_secret, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # Slack: the workspace, channel and token after /services
        ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
         "https://hooks.slack.com/services/***"),
        # Discord: a numeric id, then the token
        ("https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_jkl",
         "https://discord.com/api/webhooks/***"),
        # Mattermost: one generated key
        ("https://chat.example/hooks/xj3kq8f9rbgwmc1ny5wz6h7oah", "https://chat.example/hooks/***"),
        # A receiver with a password and a token in its query
        ("https://am:s3cret@alerts.example:9093/api/v2/alerts?token=abc&verbose",
         "https://***@alerts.example:9093/api/v2/alerts?token=***&verbose"),
        ("http://user@alerts.example/hook", "http://***@alerts.example/hook"),
        # Nothing secret: shown as it is
        ("http://127.0.0.1:5001/alerts", "http://127.0.0.1:5001/alerts"),
        ("http://receiver.example", "http://receiver.example"),
        ("http://receiver.example/", "http://receiver.example/"),
        ("http://[::1]:9093/webhook", "http://[::1]:9093/webhook"),
        ("https://alerts.example/hook#frag", "https://alerts.example/hook#***"),
        ("https://alerts.example/hook?a1b2c3d4e5f6", "https://alerts.example/hook?***"),
        # An empty value is still a value: hidden, so no one learns it was empty
        ("https://alerts.example/hook?token=&v", "https://alerts.example/hook?token=***&v"),
        # Not a URL at all
        ("https://alerts.example:notaport/x", "***"),
        ("alerts.example/services/T0/B0/XYZ", "***"),
        ("", "***"),
    ],
)  # fmt: skip
def test_mask_url_shows_where_and_hides_secrets(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("segment", "secret"),
    [
        ("services", False), ("IncomingWebhook", False),  # words, up to 15 letters
        ("IncomingWebhooks", True),  # 16: too long for a word
        ("v1", False), ("api2", False), ("abc12", False),  # versions
        ("abcd1", True), ("v123", True), ("1", True), ("a1b", True),  # ids
        ("with%20space", True), ("a.b-c_d~e", False),
    ],
)  # fmt: skip
def test_mask_url_tells_ids_and_tokens_from_words(segment: str, secret: bool) -> None:
    assert looks_secret(segment) is secret


def test_mask_url_host_of_keeps_only_host_and_port() -> None:
    assert host_of("https://u:p@hooks.slack.com/services/T0/B0/X?t=1") == "hooks.slack.com"
    assert host_of("http://127.0.0.1:9093/x") == "127.0.0.1:9093"


TOKEN = st.text(string.ascii_letters + string.digits + "-_", min_size=16, max_size=40)
WORD = st.text(string.ascii_lowercase, min_size=1, max_size=10)


@dataclass(frozen=True)
class Generated:
    url: str
    where: str  # scheme://host, always shown
    words: str  # the path before the first token, shown
    secrets: tuple[str, ...]  # never shown
    name: str  # a query parameter's name, shown


@st.composite
def webhook_urls(draw: st.DrawFn) -> Generated:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from(["hooks.example", "10.0.0.7", "alerts.example:8443"]))
    user = draw(st.none() | st.text(string.ascii_letters, min_size=1, max_size=8))
    password, secret, value = draw(TOKEN), draw(TOKEN), draw(TOKEN)
    words = "".join(f"/{w}" for w in draw(st.lists(WORD, max_size=3)))
    tail = "".join(f"/{w}" for w in draw(st.lists(WORD, max_size=2)))
    name = draw(WORD)
    userinfo = f"{user}:{password}@" if user else ""
    url = f"{scheme}://{userinfo}{host}{words}/{secret}{tail}?{name}={value}"
    return Generated(url, f"{scheme}://{host}", words, (password, secret, value), name)


@settings(max_examples=300, deadline=None)  # no timing: a loaded machine is no failure
@given(webhook_urls())
def test_mask_url_never_shows_a_token_wherever_it_is(generated: Generated) -> None:
    shown = mask_url(generated.url)
    assert shown.startswith(generated.where.split("//")[0] + "//")
    assert generated.where.split("//")[1] in shown
    assert all(secret not in shown for secret in generated.secrets)
    assert f"?{generated.name}=***" in shown
    assert generated.words in shown  # the words before the token stay


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text().map(lambda tail: f"https://{tail}"))
@example("a://\x85")  # a host of whitespace, shown, then stripped on the second pass
def test_mask_url_never_raises_and_is_stable(text: str) -> None:
    shown = mask_url(text)
    assert mask_url(shown) == shown
