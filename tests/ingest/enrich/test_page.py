from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.ingest.enrich.page import clean_url, page_group, referrer_origin
from collector.ingest.enrich.scrub import scrub


@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("/product/123", "/product/:id"),
        ("/", "/"),
        ("/blog/2024/hello-world", "/blog/:id/hello-world"),
        ("/order/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items", "/order/:id/items"),
        ("/u/5f1d7a2b9c8e4f6a", "/u/:id"),
        ("/reset/abcDEF123ghiJKL456", "/reset/:id"),
        ("/user/jane@example.com", "/user/:id"),
        ("/about-us", "/about-us"),
    ],
)
def test_page_group_templates_ids_in_the_path(path: str, group: str) -> None:
    assert page_group(path, None) == group


def test_page_group_uses_the_explicit_label_when_given() -> None:
    assert page_group("/product/123", "Product detail") == "Product detail"
    assert page_group("/product/123", "  ") == "/product/:id"


def test_clean_url_removes_query_string_and_fragment() -> None:
    url, host, path = clean_url("https://Shop.Example:8443/cart?token=s3cr3t&email=a@b.c#top")
    assert (url, host, path) == ("https://shop.example:8443/cart", "shop.example", "/cart")


def test_clean_url_keeps_nothing_from_other_schemes() -> None:
    assert clean_url("javascript:alert(1)")[0] == ""
    assert clean_url("http://[broken")[0] == ""


def test_referrer_keeps_only_the_origin() -> None:
    assert referrer_origin("https://search.example/q?query=private") == "https://search.example"
    assert referrer_origin("android-app://com.example") == ""
    assert referrer_origin(None) == ""


# The definition ``page_group`` implements in one substitution over the whole path: each
# segment that looks like an id, as a whole, becomes ``:id``.
ID_SEGMENT = re.compile(
    r"""^(
        \d+
      | [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
      | [0-9a-f]{12,}
      | (?=[a-z0-9_-]*\d)[a-z0-9_-]{16,}
      | [^@/]+@[^@/]+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def _page_group_by_segment(path: str) -> str:
    segments = [":id" if ID_SEGMENT.match(part) else part for part in path.split("/")]
    return "/".join(segments) or "/"


SEGMENTS = st.sampled_from([
    "", "product", "123", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "5f1d7a2b9c8e4f6a",
    "abcDEF123ghiJKL456", "jane@example.com", "a@b", "@", "about-us", "12\n", "x\n", "é",
])  # fmt: skip
PATHS = st.lists(SEGMENTS, max_size=6).map("/".join) | st.text("/09af-_@.\n xé", max_size=40)


@settings(max_examples=500, deadline=None)
@given(PATHS)
def test_page_group_templates_whole_segments_as_the_per_segment_definition(path: str) -> None:
    assert page_group(path, None) == _page_group_by_segment(path)


def _clean_url_by_urllib(url: str, allowlist: tuple[str, ...]) -> tuple[str, str, str]:
    """``clean_url`` with urllib's own host and port accessors (``clean_url`` caches what
    it reads from each netloc)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "", "", "/"
    path = scrub(parts.path or "/")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "", host, path
    kept = [(k, scrub(v)) for k, v in parse_qsl(parts.query) if k in allowlist]
    query = f"?{urlencode(kept)}" if kept else ""
    return f"{parts.scheme}://{host}{port}{path}{query}", host, path


def _referrer_origin_by_urllib(referrer: str) -> str:
    try:
        parts = urlsplit(referrer)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


NETLOCS = st.sampled_from([
    "shop.example", "Shop.Example:8443", "h:0", "h:", "h:080", "h:99999", "h:x", "[::1]:80",
    "[broken", "u:p@h.example:81", "", "[fe80::1%tESt]:1234", "h:65535", "h:٣",
])  # fmt: skip
URLS = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "//", "", " https://"]),
    NETLOCS,
    PATHS,
    st.sampled_from(["", "?lang=en&x=1", "?page=123456789012#top", "#frag"]),
)


@settings(max_examples=500, deadline=None)
@given(URLS, st.sampled_from([(), ("lang",), ("lang", "page")]))
def test_clean_url_and_referrer_read_hosts_and_ports_as_urllib_does(
    url: str, allowlist: tuple[str, ...]
) -> None:
    assert clean_url(url, allowlist) == _clean_url_by_urllib(url, allowlist)
    assert referrer_origin(url) == _referrer_origin_by_urllib(url)
