"""What ``rumhouse simulate`` adds to a page view besides its load: SPA routes with soft
navigations, failed requests and resources, and long animation frames.

Everything here draws from its own random generator (``simulate`` makes one per run from
the seed), so the page views ``simulate`` made before these existed keep their values for
the same seed: the same pages, vitals, errors and resends, with these fields added.
"""

from __future__ import annotations

import math
import random
from typing import Any

# SPA routes of the app at /app/: (path template, weight). A visit lands on one of them
# (a hard navigation) and moves between them with history.pushState (soft navigations).
ROUTES = [
    ("/app/", 30), ("/app/orders", 25), ("/app/orders/{id}", 30), ("/app/settings", 8),
    ("/app/reports/{id}", 7),
]  # fmt: skip
# Failed requests: (method, path template, initiator, status, rate per page view, pages).
# Status 0 is a network error; 404s are counted apart from the failures by the queries.
REQUESTS = [
    ("GET", "/api/orders/{id}", "fetch", 500, 0.08, "/app/"),
    ("GET", "/api/orders/{id}", "fetch", 0, 0.04, "/app/"),
    ("GET", "/api/orders", "fetch", 503, 0.03, "/app/orders"),
    ("POST", "/api/cart", "xhr", 502, 0.03, "/product/"),
    ("GET", "/api/recommendations/{id}", "fetch", 404, 0.05, "/product/"),
    ("GET", "/api/search", "xhr", 0, 0.05, "/search"),
]  # fmt: skip
# Failed resources: (initiator, path, status, rate per page view).
RESOURCES = [
    ("img", "/static/img/hero-banner.webp", 404, 0.02),
    ("script", "/static/chat-widget.js", 0, 0.01),
]
# Scripts that run in long animation frames: (path, function, invoker, weight).
SCRIPTS = [
    ("/static/app.js", "hydrate", "classic-script", 30),
    ("/static/app.js", "onAddToCart", "event-listener", 20),
    ("/static/app.js", "renderOrders", "event-listener", 20),
    ("/static/analytics.js", "flushQueue", "user-callback", 15),
    ("/static/vendor.js", "", "resolve-promise", 15),
    ("/static/reviews.js", "loadReviews", "user-callback", 8),
]


def chromium(agent: str) -> bool:
    """Only Chromium browsers report long animation frames. (Soft navigations get their
    LCP and FCP in every browser here, as every page view gets every vital in ``simulate``.)"""
    return "Chrome/" in agent


def route(rng: random.Random) -> str:
    template = rng.choices([r[0] for r in ROUTES], weights=[r[1] for r in ROUTES])[0]
    return template.format(id=rng.randint(1, 900))


def soft_vitals(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A soft navigation's vitals from a hard one's: no TTFB (no document request), and
    FCP and LCP measured from the route change, so without the time to first byte."""
    ttfb = next(m["value"] for m in metrics if m["name"] == "TTFB")
    soft = [m for m in metrics if m["name"] != "TTFB"]
    for n, metric in enumerate(soft):
        if metric["name"] in ("FCP", "LCP"):
            value = round(metric["value"] - ttfb, 1)
            phases = dict(metric["phases"], time_to_first_byte=0.0)
            if metric["name"] == "FCP":
                phases["first_byte_to_fcp"] = value
            soft[n] = dict(metric, value=value, phases=phases)
    return soft


def failures(rng: random.Random, host: str, path: str) -> list[dict[str, Any]]:
    """The requests and resources of one page view that failed, each with a count."""
    found = []
    for method, template, initiator, status, rate, pages in REQUESTS:
        if path.startswith(pages) and rng.random() < rate:
            url = f"https://{host}{template.format(id=rng.randint(1, 900))}"
            if template == "/api/search":
                url += f"?q=shoes&session_token=t{rng.getrandbits(32):08x}"
            duration = round(math.exp(rng.gauss(math.log(300), 0.8)), 1)
            found.append({"kind": "request", "initiator": initiator, "method": method,
                          "url": url, "status": status, "count": rng.choice([1, 1, 1, 2, 3]),
                          "duration": duration})  # fmt: skip
    for initiator, resource, status, rate in RESOURCES:
        if rng.random() < rate:
            found.append({"kind": "resource", "initiator": initiator, "url": f"https://{host}{resource}",
                          "status": status, "count": 1})  # fmt: skip
    return found


def loaf(rng: random.Random, host: str, scale: float) -> dict[str, Any]:
    """Long animation frames of one page view: each frame of 50 ms or more runs one script,
    which takes its share of the frame's blocking time in proportion to its time."""
    frames = min(40, int(rng.expovariate(1 / (3 * scale))))
    scripts: dict[tuple[str, str, str], list[float]] = {}
    blocking, longest = 0.0, 0.0
    for _ in range(frames):
        duration = 50 + math.exp(rng.gauss(math.log(40 * scale), 0.7))
        path, function, invoker, _ = rng.choices(SCRIPTS, weights=[s[3] for s in SCRIPTS])[0]
        spent = duration * rng.uniform(0.4, 0.9)
        totals = scripts.setdefault((f"https://{host}{path}", function, invoker), [0.0, 0.0])
        totals[0] += spent
        totals[1] += (duration - 50) * spent / duration
        blocking, longest = blocking + duration - 50, max(longest, duration)
    top = sorted(scripts.items(), key=lambda s: -s[1][0])[:8]
    return {
        "count": frames, "blocking": round(blocking, 1), "longest": round(longest, 1) or None,
        "scripts": [{"url": url, "function": function, "invoker": invoker,
                     "duration": round(spent, 1), "blocking": round(share, 1)}
                    for (url, function, invoker), (spent, share) in top],
    }  # fmt: skip


def attach(rng: random.Random, beacon: dict[str, Any], host: str, agent: str, scale: float) -> None:
    """Add a page view's failures, and in Chromium its long animation frames."""
    beacon["failures"] = failures(rng, host, beacon["url"].split(host, 1)[1])
    if chromium(agent):
        beacon["loaf"] = loaf(rng, host, scale)
        attribute_inp(beacon["metrics"], beacon["loaf"])


def attribute_inp(metrics: list[dict[str, Any]], frames: dict[str, Any]) -> None:
    """INP carries the longest script of the page view's long frames (the beacon takes it
    from the interaction's own frames; here, the page view's stand in for them)."""
    if frames["scripts"]:
        inp = next(m for m in metrics if m["name"] == "INP")
        inp["script_url"] = frames["scripts"][0]["url"]
        inp["script_function"] = frames["scripts"][0]["function"]
