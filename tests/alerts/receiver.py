"""A real webhook receiver on 127.0.0.1 for the notifier's tests, and the alerts they post.

The first path segment of a post says how the receiver answers:
``/ok/...`` 200; ``/status/<code>/...`` that status; ``/flaky/<n>/...`` 503 for the first
``n`` posts, then 200; ``/limited/<seconds>/...`` 429 with ``Retry-After: <seconds>`` once,
then 200; ``/hang/...`` no answer until the test ends; ``/gate/...`` the first post waits
for ``gate``, the others are answered at once; ``/refuse/...`` 400 with ``answer`` as its
body."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from collector.alerts.model import Alert, Finding, Status

STARTS = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
ENDS = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    url: str = ""
    posts: list[Received] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)  # paths, as each request arrives
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    answer: bytes = b""  # the body of /refuse/ answers

    def at(self, kind: str) -> list[Any]:
        """Bodies of the posts answered on paths starting with ``/<kind>/``."""
        return [p.body for p in self.posts if p.path.startswith(f"/{kind}/")]

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        self.arrived.append(path)
        kind, _, rest = path.strip("/").partition("/")
        arg = rest.partition("/")[0]
        seen = sum(p.path == path for p in self.posts) + 1
        if kind == "hang":
            await self.release.wait()
        if kind == "gate" and self.arrived.count(path) == 1:
            await self.gate.wait()
        self.posts.append(Received(path, dict(request.headers), orjson.loads(await request.read())))
        if kind == "status":
            return web.Response(status=int(arg), text="invalid_payload")
        if kind == "refuse":
            return web.Response(status=400, body=self.answer)
        if kind == "flaky" and seen <= int(arg):
            return web.Response(status=503)
        if kind == "limited" and seen == 1:
            return web.Response(status=429, headers={"Retry-After": arg})
        return web.Response(text="ok")


async def start_receiver() -> tuple[web.AppRunner, Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, shutdown_timeout=1, access_log=None)  # it would log the secrets
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.url = f"http://127.0.0.1:{port}"
    return runner, receiver


async def wait_until(done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``done`` until it holds; the deadline only bounds a broken run."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.01)


def alert(
    status: Status = "firing",
    alertname: str = "lcp_regression",
    site: str = "shop",
    page_group: str = "/product/*",
    **finding: Any,
) -> Alert:
    """An alert as the evaluator hands it over; ``finding`` overrides the finding's fields."""
    fields: dict[str, Any] = {
        "alertname": alertname,
        "labels": {"site": site, "page_group": page_group, "device_class": "mobile"},
        "value": 3200.0,
        "baseline": 1250.0,
        "threshold": 2500.0,
        "summary": f"LCP p75 of {page_group} on {site} is 3200 ms",
        "description": "LCP p75 is 156% above the same hour of the previous 7 days",
        "context": {"release": "v2.3.1", "browser": "Chrome"},
    }
    fields.update(finding)
    ends = ENDS if status == "resolved" else None
    return Alert(Finding(**fields), status, STARTS, ends)
