"""What ``rumhouse simulate --days N --incident KIND`` breaks, in the last hour of the history.

Each incident changes beacons that ``simulate`` made as usual, drawing from its own random
generator, so the history around it is the same as without it; its shares are spread evenly
over the page views it may hit (every tenth, not a random tenth):

- ``lcp``: release ``2026.12.1`` is deployed an hour before the end: every page view of the
  last hour carries it, and on the page group ``/product/:id`` its LCP is 2.5 times as long
  (the hero image loads slower: the LCP's ``resource_load_duration`` takes the difference).
- ``errors``: a new JS error, ``TypeError: Cannot read properties of null (reading
  'variants')`` from ``https://shop.example/static/product.js`` line 88, in 10% of the page
  views of ``/product/:id`` in the last hour (it never occurs before).
- ``failures``: the endpoint ``POST /api/cart`` (an XHR from ``/product/:id``) answers 500 in
  30% of that page group's page views in the last hour (before: a 502 in 3% of them).
- ``traffic-drop``: 90% of the page views of the last 30 minutes never arrive (every page
  group, one page view in ten kept).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from collector.tools.simulate import Visit

INCIDENTS = ("lcp", "errors", "failures", "traffic-drop")
PAGE_GROUP = "/product/:id"  # the page group the lcp, errors and failures incidents hit
RELEASE = "2026.12.1"  # the release the lcp incident deploys
LCP_FACTOR = 2.5
ERROR = {
    "kind": "error", "type": "TypeError",
    "message": "Cannot read properties of null (reading 'variants')",
    "source": "https://shop.example/static/product.js", "line": 88, "column": 21, "count": 1,
    "stack": "TypeError: Cannot read properties of null (reading 'variants')\n"
             "    at renderVariants (https://shop.example/static/product.js:88:21)",
}  # fmt: skip
ERROR_SHARE = 0.10
ENDPOINT = ("POST", "/api/cart", 500)
FAILURE_SHARE = 0.30
TRAFFIC_KEPT = 0.10
WINDOW = {"traffic-drop": timedelta(minutes=30)}  # how long before the end; others: 1 hour


def check(kind: str | None) -> None:
    if kind is not None and kind not in INCIDENTS:
        raise ValueError(f"unknown incident {kind!r}: one of {', '.join(INCIDENTS)}")


def starts(kind: str, end: datetime) -> datetime:
    return end - WINDOW.get(kind, timedelta(hours=1))


def _on_product(visit: Visit) -> bool:
    return "/product/" in visit.beacon["url"]


def _slower_lcp(visit: Visit) -> None:
    for metric in visit.beacon["metrics"]:
        if metric["name"] == "LCP":
            added = round(metric["value"] * (LCP_FACTOR - 1), 1)
            metric["value"] = round(metric["value"] + added, 1)
            phases = metric["phases"]
            phases["resource_load_duration"] = round(phases["resource_load_duration"] + added, 1)


def _failure(rng: random.Random) -> dict[str, Any]:
    method, path, status = ENDPOINT
    duration = round(rng.uniform(80, 400), 1)
    return {"kind": "request", "initiator": "xhr", "method": method,
            "url": f"https://shop.example{path}", "status": status, "count": 1,
            "duration": duration}  # fmt: skip


class Spread:
    """A share of page views hit evenly rather than drawn at random: the n-th is hit when
    n x share passes a whole number (every tenth for 10%), so that an hour of the same
    traffic always has as many errors (a random tenth of 93 page views was once 4)."""

    def __init__(self, share: float) -> None:
        self.share, self.seen = share, 0

    def __call__(self) -> bool:
        self.seen += 1
        return _whole(self.seen * self.share) > _whole((self.seen - 1) * self.share)


def _whole(value: float) -> int:
    return math.floor(value + 1e-9)  # 10 x 0.1 is 0.9999999999999999


def breaker(kind: str, rng: random.Random) -> Callable[[Visit], Visit | None]:
    """What the incident does to each page view of its window, in time order: the page
    view as it makes it (changed in place), or None when it is lost."""
    share = {"traffic-drop": TRAFFIC_KEPT, "errors": ERROR_SHARE, "failures": FAILURE_SHARE}
    hit = Spread(share.get(kind, 1.0))

    def apply(visit: Visit) -> Visit | None:
        if kind == "traffic-drop":
            return visit if hit() else None
        if kind == "lcp":
            for beacon in (visit.beacon, *visit.resends):
                beacon["dims"] = dict(beacon["dims"], release=RELEASE)
            if _on_product(visit):
                _slower_lcp(visit)
        elif kind == "errors" and _on_product(visit) and hit():
            visit.beacon["errors"] = [*visit.beacon["errors"], dict(ERROR)]
        elif kind == "failures" and _on_product(visit) and hit():
            visit.beacon["failures"] = [*visit.beacon.get("failures", []), _failure(rng)]
        return visit

    return apply
