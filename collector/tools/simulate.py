"""Realistic traffic for demos, tests and benchmarks: ``rumhouse simulate``.

``visits`` generates page views as rum.js would report them: pages with ids in their paths,
phones, tablets and desktops with their real user agents, visitors from a dozen countries (as
addresses in ``X-Forwarded-For``, which a collector believes from loopback), connection
types, two releases, an A/B dimension, JS errors, and some page views that send a second
beacon with a changed CLS and INP. Values follow log-normal distributions whose medians
depend on device, connection, page and variant, so dashboards show real differences. Some
sessions go on to a single-page app; page views carry failed requests and resources and
long animation frames (``problems``); some sessions buy, fewer after a slow landing page
(``commerce``). ``post`` sends them to a collector, showing progress.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import aiohttp
import orjson

from collector.tools import commerce, problems
from collector.tools.population import (
    AGENTS,
    CONNECTIONS,
    COUNTRIES,
    DEVICES,
    ERRORS,
    INP_TARGETS,
    LCP_TARGETS,
    PAGES,
    RELEASES,
)

Json = dict[str, Any]
APP_SESSIONS = 0.2  # the share of sessions that go on to the single-page app


def _pick(rng: random.Random, options: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(options, weights=[o[1] for o in options])[0]


@dataclass
class Visit:
    """One beacon and the request headers a browser would send with it."""

    beacon: dict[str, Any]
    headers: dict[str, str]
    device: str
    country: str
    resends: list[dict[str, Any]] = field(default_factory=list)

    @property
    def final(self) -> dict[str, Any]:
        """The beacon as the store keeps it: the latest value of every metric."""
        metrics = {m["name"]: m for m in self.beacon["metrics"]}
        for later in self.resends:
            metrics |= {m["name"]: m for m in later["metrics"]}
        return self.beacon | {"metrics": list(metrics.values())}

    @property
    def events(self) -> list[dict[str, Any]]:
        """The custom events of every beacon of the page view (each beacon sends new ones)."""
        return [e for beacon in (self.beacon, *self.resends) for e in beacon.get("events", [])]


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return round(median * math.exp(rng.gauss(0, sigma)), 1)


def _vitals(rng: random.Random, scale: float, variant: str, release: str) -> list[dict[str, Any]]:
    ttfb = _lognormal(rng, 280 * scale, 0.5)
    fcp = round(ttfb + _lognormal(rng, 700 * scale, 0.45), 1)
    lcp = round(fcp + _lognormal(rng, 500 * scale * (0.85 if variant == "B" else 1.0), 0.6), 1)
    inp = _lognormal(rng, 110 * scale * (1.3 if release == "2026.11.2" else 1.0), 0.7)
    cls = round(rng.choice([0.0, 0.0, 0.01, 0.03]) + rng.expovariate(14), 4)
    load_delay = round((lcp - ttfb) * rng.uniform(0.05, 0.3), 1)
    load_duration = round((lcp - ttfb - load_delay) * rng.uniform(0.3, 0.7), 1)
    target, kind = rng.choice(INP_TARGETS)
    input_delay = round(inp * rng.uniform(0.05, 0.3), 1)
    return [
        {"name": "TTFB", "value": ttfb, "phases": {"waiting_duration": 1.0, "dns_duration": round(ttfb * 0.1, 1),
         "connection_duration": round(ttfb * 0.2, 1), "request_duration": round(ttfb * 0.6, 1)}},
        {"name": "FCP", "value": fcp, "load_state": "dom-interactive",
         "phases": {"time_to_first_byte": ttfb, "first_byte_to_fcp": round(fcp - ttfb, 1)}},
        {"name": "LCP", "value": lcp, "target": rng.choice(LCP_TARGETS), "phases": {
            "time_to_first_byte": ttfb, "resource_load_delay": load_delay,
            "resource_load_duration": load_duration,
            "element_render_delay": round(lcp - ttfb - load_delay - load_duration, 1)}},
        {"name": "INP", "value": inp, "target": target, "interaction_type": kind, "load_state": "complete",
         "phases": {"input_delay": input_delay, "processing_duration": round(inp * 0.5, 1),
                    "presentation_delay": round(inp * 0.5 - input_delay, 1)}},
        {"name": "CLS", "value": cls, "target": "div.ad-slot", "load_state": "complete",
         "phases": {"largest_shift_value": round(cls * 0.7, 4), "largest_shift_time": round(lcp * 1.1, 1)}},
    ]  # fmt: skip


def _errors(rng: random.Random, release: str, host: str) -> list[dict[str, Any]]:
    found = []
    for kind, message, script, rate in ERRORS:
        if rng.random() < rate * (2.5 if release == "2026.11.2" and kind == "TypeError" else 1):
            line = rng.choice([12, 12, 48])
            found.append({
                "kind": "error", "type": kind, "message": message, "source": f"https://{host}{script}",
                "line": line, "column": 17, "count": rng.choice([1, 1, 1, 2, 3]),
                "stack": f"{kind}: {message}\n    at render (https://{host}{script}:{line}:17)",
            })  # fmt: skip
    return found


def _beacon(rng: random.Random, session: Json, index: int, path: str, scale: float) -> Json:
    now_ms = int(session["clock"]() * 1000)
    beacon: dict[str, Any] = {
        "v": 1, "site": session["site"], "seq": 0,
        "page_view_id": f"{now_ms:x}{index:06x}{rng.getrandbits(40):010x}",
        "session_id": session["id"], "url": f"https://{session['host']}{path}",
        "referrer": rng.choice(["", "", "https://www.google.com/", "https://news.example/"]),
        "navigation_type": rng.choice(["navigate"] * 8 + ["reload", "back_forward"]),
        "dims": {"release": session["release"], "variant": session["variant"]},
        "context": {"viewport_width": session["viewport"][0], "viewport_height": session["viewport"][1],
                    "effective_type": session["connection"], "device_pixel_ratio": session["dpr"]},
        "metrics": _vitals(rng, scale, session["variant"], session["release"]),
        "errors": _errors(rng, session["release"], session["host"]),
    }  # fmt: skip
    ttfb = beacon["metrics"][0]["value"]
    beacon["nav"] = {
        "dns": round(ttfb * 0.1, 1), "connect": round(ttfb * 0.25, 1), "tls": round(ttfb * 0.12, 1),
        "request": round(ttfb * 0.5, 1), "ttfb": ttfb, "response": _lognormal(rng, 40 * scale, 0.5),
        "dom_interactive": round(ttfb * 3, 1), "dom_content_loaded": round(ttfb * 3.3, 1),
        "load": round(ttfb * 5, 1), "transfer_size": rng.randint(8000, 90000), "protocol": "h2",
    }  # fmt: skip
    return beacon


def _visit(
    rng: random.Random, extra: random.Random, session: Json, beacon: Json, scale: float
) -> Visit:
    problems.attach(extra, beacon, session["host"], session["agent"], scale)
    headers = {"User-Agent": session["agent"], "X-Forwarded-For": session["ip"]}
    visit = Visit(beacon, headers, session["device"], session["country"])
    if rng.random() < 0.15:  # shown again later: CLS and INP are sent once more
        later = [dict(m) for m in beacon["metrics"] if m["name"] in ("CLS", "INP")]
        for metric in later:
            metric["value"] = round(metric["value"] * rng.uniform(1.0, 1.6), 4)
        visit.resends.append(dict(beacon, seq=1, metrics=later, errors=[], failures=[]))
    return visit


def _page_view(rng: random.Random, extra: random.Random, session: Json, index: int) -> Visit:
    template, _, page_factor = _pick(rng, PAGES)
    path = template.format(id=rng.randint(1, 5000), slug=rng.choice(["shoes", "bags", "hats"]))
    scale = page_factor * session["scale"]
    return _visit(rng, extra, session, _beacon(rng, session, index, path, scale), scale)


def _app(rng: random.Random, session: Json, index: int, left: int) -> Iterator[Visit]:
    """A visit to the single-page app: it lands on a route (a hard navigation), then moves
    to others with history.pushState, each a soft navigation with vitals of its own."""
    path, scale = problems.route(rng), session["scale"]
    yield _visit(rng, rng, session, _beacon(rng, session, index, path, scale), scale)
    for n in range(1, min(rng.randint(2, 5), left)):
        previous = f"https://{session['host']}{path}"
        while f"https://{session['host']}{path}" == previous:
            path = problems.route(rng)
        beacon = _beacon(rng, session, index + n, path, 0.6 * scale)
        del beacon["nav"]
        beacon |= {"navigation_type": "soft-navigation", "referrer": f"https://{session['host']}",
                   "metrics": problems.soft_vitals(beacon["metrics"])}  # fmt: skip
        yield _visit(rng, rng, session, beacon, 0.6 * scale)


def _session(rng: random.Random, site: str) -> dict[str, Any]:
    device = _pick(rng, DEVICES)[0]
    ip, _, country_factor, country = _pick(rng, COUNTRIES)
    connection, _, connection_factor = _pick(
        rng, CONNECTIONS if device != "desktop" else CONNECTIONS[:2]
    )
    device_factor = {"mobile": 1.6, "tablet": 1.3, "desktop": 1.0}[device]
    return {
        "site": site, "host": "shop.example", "id": f"s{rng.getrandbits(64):016x}",
        "device": device, "country": country,
        "agent": rng.choice(AGENTS[device]), "ip": ip, "connection": connection,
        "scale": device_factor * country_factor * connection_factor,
        "release": _pick(rng, RELEASES)[0], "variant": rng.choice("AB"),
        "viewport": (390, 844) if device == "mobile" else (1440, 900), "dpr": 3 if device == "mobile" else 1,
    }  # fmt: skip


def visits(
    count: int, seed: int = 1, site: str = "demo", clock: Callable[[], float] = time.time
) -> Iterator[Visit]:
    """``count`` page views in sessions of one to five, reproducible for a ``seed`` (and a
    ``clock``: page view ids start with the time); a fifth then open the app at /app/.
    Some sessions buy, less often after a slow landing page (``commerce``)."""
    rng, extra = random.Random(seed), random.Random(f"{seed}/app")
    sales = random.Random(f"{seed}/sales")
    made = 0
    while made < count:
        session = _session(rng, site) | {"clock": clock}
        pages = [
            _page_view(rng, extra, session, made + n)
            for n in range(min(rng.randint(1, 5), count - made))
        ]
        commerce.shop(sales, session["device"], pages)
        yield from pages
        made += len(pages)
        if made < count and extra.random() < APP_SESSIONS:
            for visit in _app(extra, session, made, count - made):
                yield visit
                made += 1


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    failed: dict[int, int] = field(default_factory=dict)


async def _send(
    http: aiohttp.ClientSession,
    url: str,
    beacon: dict[str, Any],
    headers: dict[str, str],
    tally: Tally,
) -> None:
    headers = headers | {"Content-Type": "text/plain"}
    async with http.post(url, data=orjson.dumps(beacon), headers=headers) as response:
        tally.sent += 1
        if response.status == 204:
            tally.accepted += 1
        else:
            tally.failed[response.status] = tally.failed.get(response.status, 0) + 1


def sessions(page_views: Iterable[Visit]) -> Iterator[list[Visit]]:
    """The page views grouped by session (``visits`` makes a session's page views in a row)."""
    for _, same in groupby(page_views, key=lambda visit: visit.beacon["session_id"]):
        yield list(same)


async def post(
    base_url: str,
    count: int,
    *,
    seed: int = 1,
    site: str = "demo",
    concurrency: int = 8,
    progress: bool = True,
) -> Tally:
    """Send ``count`` page views (and their re-sent beacons) to ``base_url``/v1/beacon. A
    session's page views go one after the other, as a browser sends them, so that its first
    page view is the first received (the sessions view's landing page); sessions go side by
    side."""
    url = f"{base_url.rstrip('/')}/v1/beacon"
    tally, started = Tally(), time.monotonic()
    queue: asyncio.Queue[list[Visit] | None] = asyncio.Queue(maxsize=concurrency * 4)

    async def worker(http: aiohttp.ClientSession) -> None:
        while (session := await queue.get()) is not None:
            for visit in session:
                for beacon in (visit.beacon, *visit.resends):
                    await _send(http, url, beacon, visit.headers, tally)

    try:
        async with aiohttp.ClientSession() as http:
            workers = [asyncio.create_task(worker(http)) for _ in range(concurrency)]
            made = 0
            for session in sessions(visits(count, seed, site)):
                await queue.put(session)
                made, before = made + len(session), made
                if progress and (made // 500 > before // 500 or made == count):
                    rate = tally.sent / max(time.monotonic() - started, 1e-6)
                    print(
                        f"\rsimulated {made}/{count} page views, {tally.sent} beacons sent"
                        f" ({rate:.0f}/s)",
                        end="", file=sys.stderr, flush=True,
                    )  # fmt: skip
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
    finally:
        if progress:  # end the progress line, also before an error message
            print(file=sys.stderr)
    return tally
