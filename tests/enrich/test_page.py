from __future__ import annotations

import pytest

from collector.enrich.page import clean_url, page_group, referrer_origin


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
