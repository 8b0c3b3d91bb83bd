"""Shared fixtures: a real collector on 127.0.0.1 with the real embedded engine (chDB)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from collector.app import ACCESS_LOG_FORMAT, create_app
from collector.http import keys
from collector.settings import Settings, load_settings
from collector.store import migrate
from collector.store.client import open_client

DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


RUNTIME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Collectors started by the tests announce themselves in a runtime folder of this run,
    never in the user's (other runs, and real collectors, stay out of each other's way)."""
    os.environ["XDG_RUNTIME_DIR"] = config.stash[RUNTIME] = tempfile.mkdtemp(
        prefix="rumhouse-tests-run-"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(config.stash.get(RUNTIME, ""), ignore_errors=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Collector:
    """A collector serving on 127.0.0.1 in this event loop; ``query`` reads its store."""

    app: web.Application
    url: str
    http: aiohttp.ClientSession

    @property
    def admin(self) -> str:
        """The admin listener's URL (/report, /metrics, /openapi.json)."""
        return self.app[keys.ADMIN_URL]

    async def post(self, body: bytes | dict[str, Any], **headers: str) -> Reply:
        """POST a beacon as rum.js does (text/plain); ``headers`` override the defaults."""
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        headers.setdefault("Content-Type", "text/plain;charset=UTF-8")
        headers.setdefault("User-Agent", DESKTOP_CHROME)
        async with self.http.post(f"{self.url}/v1/beacon", data=data, headers=headers) as response:
            raw = await response.read()
            return Reply(
                response.status, dict(response.headers), orjson.loads(raw) if raw else None
            )

    async def query(self, sql: str) -> list[tuple[Any, ...]]:
        return await self.app[keys.STORE].query(sql)

    async def flush(self) -> None:
        assert await self.app[keys.BUFFER].flush()

    async def metric(self, name: str) -> float:
        """A /metrics series (``name`` with its labels), or every series of ``name``, summed."""
        async with self.http.get(f"{self.admin}/metrics") as response:
            text = await response.text()
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)
        )

    async def wait_metric(self, name: str, at_least: float, timeout: float = 120.0) -> None:
        """Poll ``metric(name)`` until it reaches ``at_least``; the deadline bounds a broken run."""
        deadline = time.monotonic() + timeout
        while await self.metric(name) < at_least:
            assert time.monotonic() < deadline, f"{name} never reached {at_least}"
            await asyncio.sleep(0.2)

    async def wait_for(
        self, sql: str, done: Callable[[list[tuple[Any, ...]]], bool], timeout: float = 10.0
    ) -> list[tuple[Any, ...]]:
        """Poll ``sql`` until ``done(rows)``; polling stops as soon as it holds."""
        deadline = time.monotonic() + timeout
        while True:
            rows = await self.query(sql)
            if done(rows) or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.05)


async def start_collector(
    settings: Settings, alert_clock: Callable[[], datetime] | None = None
) -> tuple[web.AppRunner, str]:
    """The collector on a loopback port of its choosing; ``alert_clock``, when given, is the
    time its alert loop evaluates at from its first evaluation on."""
    app = create_app(settings)
    if alert_clock is not None:
        app[keys.ALERT_CLOCK] = alert_clock
    runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def collector(settings: Settings) -> AsyncIterator[Collector]:
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


def module_store(factory: pytest.TempPathFactory, name: str) -> Iterator[Any]:
    """A migrated embedded store of its own, for a module's tests (each writes a site of its
    own): chDB opens one folder per process, and one migration serves them all."""
    settings = load_settings(data=factory.mktemp(name) / "data")
    client = open_client(settings)
    migrate.apply(client, settings.schema_dir)
    yield client
    client.close()


@pytest.fixture
def store(settings: Settings) -> Iterator[Any]:
    """A raw clickhouse-connect client on a fresh embedded data folder."""
    client = open_client(settings)
    yield client
    client.close()


def beacon(**overrides: Any) -> dict[str, Any]:
    """A valid beacon, as rum.js sends it, with ``overrides`` applied."""
    body: dict[str, Any] = {
        "v": 1,
        "site": "shop",
        "page_view_id": "m3k2p9xxabcdef12",
        "session_id": "m3k2p9xxsession1",
        "seq": 0,
        "elapsed": 5200.0,
        "url": "https://shop.example/product/123?utm_source=x&email=a@b.example",
        "referrer": "https://search.example/q?query=secret",
        "navigation_type": "navigate",
        "context": {"viewport_width": 1280, "viewport_height": 800, "effective_type": "4g"},
        "nav": {"dns": 12.5, "connect": 30.1, "tls": 20.0, "ttfb": 180.2, "request": 90.0,
                "response": 15.0, "load": 900.0, "transfer_size": 12000, "protocol": "h2"},
        "metrics": [{"name": "LCP", "value": 1800.0, "target": "img.hero",
                     "phases": {"time_to_first_byte": 180.2}}],
    }  # fmt: skip
    body.update(overrides)
    return body


@pytest.fixture
def tokyo_machine() -> Iterator[None]:
    """The machine's own time zone set to UTC+9 (POSIX ``JST-9``) for the test: what rumhouse
    stores and shows must not depend on it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "JST-9")
        time.tzset()
        yield
    time.tzset()
