"""Who sent a request: the peer, or behind trusted proxies the visitor they forward for.

X-Forwarded-For is believed only from ``trusted_proxies`` (anyone can write the header). A
load balancer left out of that list makes every visitor look like the balancer: one rate
limit and one country for the whole site, silently. So the header from an untrusted peer is
counted (``rumhouse_untrusted_forwarded_total``) and logged once per network (/24 or /64:
the operator's balancer is found without a visitor's full address entering the log).
"""

from __future__ import annotations

import ipaddress
import logging

from prometheus_client import Counter

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

log = logging.getLogger(__name__)
MAX_NETWORKS = 1024  # networks remembered for the once-only log line (memory stays bounded)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


class Peers:
    def __init__(self, proxies: tuple[Network, ...], untrusted: Counter) -> None:
        self._proxies = proxies
        self._untrusted = untrusted
        self._told: set[Network] = set()

    def trusted(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self._proxies)

    def client_address(self, peer: str, forwarded: str) -> str:
        """The peer, or behind trusted proxies the right-most X-Forwarded-For entry that is
        not itself a trusted proxy."""
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()] if forwarded else []
        if hops and not self.trusted(peer):
            self._untrusted_header(peer)
        address = peer
        while hops and self.trusted(address):
            address = hops.pop()
        return address

    def _untrusted_header(self, peer: str) -> None:
        self._untrusted.inc()
        ip = _ip(peer)
        if ip is None:
            return
        network = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)
        if network in self._told or len(self._told) >= MAX_NETWORKS:
            return
        self._told.add(network)
        log.warning(
            "X-Forwarded-For from %s, which is not in trusted_proxies, is ignored: every visitor"
            " behind it counts as one client (one rate limit, one country). If your load"
            " balancer or proxy is there, add its address to trusted_proxies",
            network,
        )
