"""Simulated shopping, so that a new user sees conversions and revenue analysed.

The figures are made up, with one deliberate shape: a session's chance to buy falls as its
landing page is slower. It converts with a chance that depends on its device (desktop
buyers convert more often) divided by ``1 + (landing LCP - 1 s) / 2 s`` past the first
second: half the chance at a 3 s LCP, a third at 5 s. A purchase is a ``purchase`` event
(the default conversion) whose value is the order's amount, sent by the session's last
page view; when that page view sends a second beacon, the purchase is in it one time in
three (rum.js sends what is new since the previous beacon). Product pages also send an
``add_to_cart`` event now and then, which is no conversion but keeps a one-page visit from
counting as a bounce.

Draws come from a generator of their own, so the page views are the same as without them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Protocol

# The chance that a session with a fast landing page buys, by device.
BASE_CONVERSION = {"desktop": 0.12, "tablet": 0.09, "mobile": 0.07}
ORDER_MEDIAN, ORDER_SIGMA = 65.0, 0.5  # order amounts: log-normal around 65
ADD_TO_CART = 0.15  # the share of product pages that send an add_to_cart event


class Page(Protocol):
    """What commerce needs of a simulated page view (``simulate.Visit``)."""

    beacon: dict[str, Any]
    resends: list[dict[str, Any]]


def conversion_chance(device: str, landing_lcp: float) -> float:
    slower = max(landing_lcp - 1000.0, 0.0) / 2000.0
    return BASE_CONVERSION[device] / (1.0 + slower)


def _lcp(page: Page) -> float:
    return float(next(m["value"] for m in page.beacon["metrics"] if m["name"] == "LCP"))


def _add(beacon: dict[str, Any], name: str, value: float) -> None:
    beacon["events"] = [*beacon.get("events", []), {"name": name, "value": value}]


def shop(rng: random.Random, device: str, pages: Sequence[Page]) -> None:
    """Add the events of one session's page views (in order, the landing page first)."""
    for page in pages:
        if "/product/" in page.beacon["url"] and rng.random() < ADD_TO_CART:
            _add(page.beacon, "add_to_cart", round(rng.uniform(9, 120), 2))
    if not pages or rng.random() >= conversion_chance(device, _lcp(pages[0])):
        return
    amount = round(ORDER_MEDIAN * math.exp(rng.gauss(0, ORDER_SIGMA)), 2)
    last = pages[-1]
    later = last.resends and rng.random() < 1 / 3
    _add(last.resends[-1] if later else last.beacon, "purchase", amount)
