"""Whom a request is from: X-Forwarded-For believed from trusted proxies only, and the
header from any other peer counted and logged once per network, over real HTTP too."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, Counter

from collector.http import keys
from collector.http.peers import MAX_NETWORKS, Peers
from collector.settings import load_settings
from tests.conftest import Collector, beacon, start_collector
from tests.http.test_rum_js import version

PROXIES = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8"))


def peers() -> tuple[Peers, CollectorRegistry]:
    registry = CollectorRegistry()
    return Peers(PROXIES, Counter("untrusted_forwarded", "test", registry=registry)), registry


def count(registry: CollectorRegistry) -> float:
    return registry.get_sample_value("untrusted_forwarded_total") or 0.0


def test_the_client_is_the_peer_when_not_behind_a_trusted_proxy() -> None:
    found, _ = peers()
    assert found.client_address("203.0.113.7", "8.8.8.8") == "203.0.113.7"


def test_the_client_is_the_right_most_untrusted_forwarded_address() -> None:
    found, counter = peers()
    assert found.client_address("127.0.0.1", "8.8.8.8") == "8.8.8.8"
    # A visitor cannot smuggle an address: only hops added by trusted proxies are skipped.
    assert found.client_address("127.0.0.1", "1.2.3.4, 81.2.69.160, 10.0.0.5") == "81.2.69.160"
    assert found.client_address("127.0.0.1", "") == "127.0.0.1"
    assert count(counter) == 0, "trusted peers: nothing to report"


def test_the_header_from_an_untrusted_peer_is_counted_and_logged_once_per_network(
    caplog: pytest.LogCaptureFixture,
) -> None:
    found, counter = peers()
    for peer in ("198.51.100.7", "198.51.100.8", "2001:db8::1", "198.51.100.7", "nonsense"):
        assert found.client_address(peer, "8.8.8.8") == peer
    assert count(counter) == 5
    said = [r.getMessage() for r in caplog.records if r.name == "collector.http.peers"]
    assert [line.split(",")[0] for line in said] == [
        "X-Forwarded-For from 198.51.100.0/24",
        "X-Forwarded-For from 2001:db8::/64",
    ]
    assert said[0].endswith("add its address to trusted_proxies")
    assert "198.51.100.7" not in " ".join(said), "no visitor's full address in the log"


def test_the_once_only_memory_is_bounded() -> None:
    found, counter = peers()
    for n in range(MAX_NETWORKS + 10):
        found.client_address(f"198.{n // 256}.{n % 256}.1", "8.8.8.8")
    assert count(counter) == MAX_NETWORKS + 10
    assert len(found._told) == MAX_NETWORKS  # the bound is the promise


async def test_over_http_an_untrusted_balancer_shows_in_the_metrics(tmp_path: Path) -> None:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        trusted_proxies=[],
    )  # fmt: skip
    runner, url = await start_collector(settings)
    try:
        async with aiohttp.ClientSession() as http:
            collector = Collector(runner.app, url, http)
            forwarded = {"X-Forwarded-For": "81.2.69.160"}
            assert (await collector.post(beacon(), **forwarded)).status == 204
        registry = runner.app[keys.METRICS].registry
        assert registry.get_sample_value("rumhouse_untrusted_forwarded_total") == 1
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("trusted", "headers", "base"),
    [
        (
            True,
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rum.example"},
            "https://rum.example",
        ),
        (True, {"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": 'a"b'}, "http://{host}"),
        (False, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rum.example"}, "http://{host}"),
    ],
    ids=["behind-tls-proxy", "nonsense-ignored", "untrusted-peer"],
)
async def test_the_snippet_names_the_scheme_and_host_browsers_use(
    tmp_path: Path, trusted: bool, headers: dict[str, str], base: str
) -> None:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        trusted_proxies=["127.0.0.0/8"] if trusted else [],
    )  # fmt: skip
    runner, url = await start_collector(settings)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{url}/snippet?site=demo", headers=headers) as reply,
        ):
            snippet = await reply.text()
        expected = base.format(host=url.removeprefix("http://"))
        src = f"{expected}/rum.js?v={version()}"
        assert f'"{src}","demo","{expected}/v1/beacon"' in snippet, snippet
    finally:
        await runner.cleanup()


PROXY_WARNING = "reached through a proxy and public_url is not set"


@pytest.mark.parametrize(
    ("settings", "trusted", "warned"),
    [
        ({"open_mode": True}, True, "load rum.js from https://rum.example, from the proxy's"),
        ({"open_mode": True}, False, "load rum.js from http://127.0.0.1:"),
        ({"open_mode": True, "public_url": "https://rum.example"}, True, None),
        ({"sites": [{"key": "demo", "origins": ["*"]}]}, True, None),
    ],
    ids=["open-trusted-proxy", "open-untrusted-proxy", "public-url-set", "sites-configured"],
)
async def test_an_open_collector_behind_a_proxy_without_public_url_says_so_once(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    settings: dict[str, Any],
    trusted: bool,
    warned: str | None,
) -> None:
    runner, url = await start_collector(
        load_settings(
            data=tmp_path / "data", port=0, sql_port=0, admin_port=0,
            trusted_proxies=["127.0.0.0/8"] if trusted else [], **settings,
        )
    )  # fmt: skip
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rum.example"}
    try:
        async with aiohttp.ClientSession() as http:
            requests = [("/snippet?site=demo", {}), ("/snippet?site=demo", forwarded),
                        ("/demo", forwarded), ("/snippet?site=demo", forwarded)]  # fmt: skip
            for path, headers in requests:
                async with http.get(url + path, headers=headers) as reply:
                    assert reply.status in (200, 404)  # /demo is for open mode only
    finally:
        await runner.cleanup()
    told = [r.getMessage() for r in caplog.records if PROXY_WARNING in r.getMessage()]
    if warned is None:
        assert told == []
    else:
        [line] = told  # once, not once per request
        assert warned in line, line
        assert "set public_url (RUMHOUSE_PUBLIC_URL)" in line
        assert ("not in trusted_proxies" in line) is not trusted
