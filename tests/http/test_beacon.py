from __future__ import annotations

import ipaddress

from collector.http.beacon import client_address

PROXIES = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8"))


def test_receive_client_is_the_peer_when_not_behind_a_trusted_proxy() -> None:
    assert client_address("203.0.113.7", "8.8.8.8", PROXIES) == "203.0.113.7"


def test_receive_client_is_right_most_untrusted_forwarded_address() -> None:
    assert client_address("127.0.0.1", "8.8.8.8", PROXIES) == "8.8.8.8"
    # A visitor cannot smuggle an address: only hops added by trusted proxies are skipped.
    assert client_address("127.0.0.1", "1.2.3.4, 81.2.69.160, 10.0.0.5", PROXIES) == "81.2.69.160"


def test_receive_client_stays_the_proxy_when_nothing_is_forwarded() -> None:
    assert client_address("127.0.0.1", "", PROXIES) == "127.0.0.1"
