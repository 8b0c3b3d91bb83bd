"""Shared by the browser tests: Debian's chromium, a collector that keeps headless chromium's
beacons, a test site on another origin, and the scan of every table for a string."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, async_playwright

from collector.settings import Settings, load_settings
from tests.conftest import Collector

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Headless chromium is a bot by its user agent: this collector keeps bots' beacons."""
    return load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True, drop_bots=False
    )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: `make test` installs it"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serves ``app`` on another origin than the collector's (localhost vs 127.0.0.1, another
    port): rum.js is cross-origin to the page, as on real sites."""
    runner = web.AppRunner(app, access_log=None)  # only the collector's logs are checked
    await runner.setup()
    tcp = web.TCPSite(runner, "localhost", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://localhost:{port}"


async def snippet(collector: Collector, site: str = "e2e") -> str:
    async with collector.http.get(f"{collector.url}/snippet?site={site}") as response:
        return await response.text()


async def assert_not_stored(collector: Collector, text: str) -> None:
    """No column of any rumhouse table holds ``text``."""
    tables = await collector.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'"
    )
    assert len(tables) >= 4
    for (table,) in tables:
        [(hits,)] = await collector.query(
            f"SELECT countIf(position(toString(tuple(*)), '{text}') > 0) FROM {table}"
        )
        assert hits == 0, f"{text} is stored in {table}"
