"""Source maps end to end: an app bundled and minified by esbuild with a source map, loaded
by Debian's chromium from a page with the snippet, throws from a named function of its
original source; the error is stored with its minified stack; `rumhouse sourcemaps upload`
(a real process) sends the build's map through the running collector's SQL endpoint as a
writer; then /report shows the error at its original file, line and function."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser

from collector.access import SqlUser
from collector.http import keys
from collector.settings import Settings, load_settings
from tests.cli.test_main import RUMHOUSE
from tests.conftest import Collector
from tests.e2e.conftest import serve, snippet
from tests.sourcemaps.bundle import CALL, CART, MAIN, MESSAGE, THROW, Bundle, build, position

pytestmark = pytest.mark.browser
WRITER = SqlUser(name="maps", password="M4ps-upl0ad-42", role="writer")
RELEASE = "2026.12.2-maps"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>checkout</title>
{snippet}
<script>rumhouse('set', 'release', '{release}');</script>
</head><body><button id="buy">buy</button>
<script src="/assets/app.min.js"></script>
</body></html>"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Keeps headless chromium's beacons; its SQL endpoint lets a writer insert."""
    return load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        drop_bots=False, sql_users=(SqlUser(name="default"), WRITER),
    )  # fmt: skip


@pytest.fixture
async def shop(collector: Collector, tmp_path: Path) -> AsyncIterator[tuple[str, Bundle]]:
    """The built app, served with its page on another origin (its map is not served)."""
    bundle = await asyncio.to_thread(build, tmp_path / "app")
    page = PAGE.replace("{snippet}", await snippet(collector)).replace("{release}", RELEASE)

    async def checkout(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def script(_: web.Request) -> web.Response:
        return web.Response(text=bundle.minified, content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/checkout", checkout)
    app.router.add_get("/assets/app.min.js", script)
    runner, origin = await serve(app)
    yield origin, bundle
    await runner.cleanup()


async def upload(collector: Collector, bundle: Bundle, tmp_path: Path) -> tuple[int, str, str]:
    """`rumhouse sourcemaps upload` as a build step runs it, while this collector serves (a
    process of its own: this event loop keeps serving the SQL endpoint meanwhile)."""
    config = tmp_path / "rumhouse.toml"
    config.write_text(
        '[[sql_users]]\nname = "default"\n\n[[sql_users]]\n'
        f'name = "{WRITER.name}"\npassword = "{WRITER.password}"\nrole = "writer"\n'
    )
    proc = await asyncio.create_subprocess_exec(
        RUMHOUSE, "sourcemaps", "upload", "--config", str(config), "--data",
        str(tmp_path / "data"), "--site", "e2e", "--release", RELEASE, str(bundle.folder),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(120):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def report(collector: Collector) -> str:
    # Headless chromium is rightly a bot: its page views show once the report includes bots.
    async with collector.http.get(f"{collector.admin}/report?site=e2e&bots=include") as response:
        assert response.status == 200
        return await response.text()


async def test_browser_minified_error_is_reported_at_its_original_place_once_mapped(
    collector: Collector, shop: tuple[str, Bundle], browser: Browser, tmp_path: Path
) -> None:
    origin, bundle = shop
    page = await browser.new_page()
    page.set_default_timeout(15_000)
    async with asyncio.timeout(60):
        await page.goto(f"{origin}/checkout")
        await page.wait_for_function("typeof rumhouse === 'function' && !rumhouse.q")
        async with page.expect_event("pageerror") as error:
            await page.click("#buy")
        assert str(await error.value) == MESSAGE, "the page threw its own error"
        await page.goto("about:blank")  # leaving the page sends its beacon
    rows = await collector.wait_for("SELECT release, stack FROM errors", bool)
    [(release, stack)] = rows
    assert release == RELEASE
    assert "/assets/app.min.js:1:" in stack, "a minified stack, as the browser wrote it"
    assert "computeTotal" not in stack
    assert "cart.js" not in stack

    line, column = position(CART, THROW)
    thrown = f"at computeTotal (src/cart.js:{line}:{column})"
    before = await report(collector)
    assert thrown not in before
    assert "no source map matches its frames" in before

    code, out, err = await upload(collector, bundle, tmp_path)
    assert code == 0, err
    assert f"the collector's SQL endpoint {collector.app[keys.SQL_URL]} (as maps)" in err
    assert out.startswith(f"1 source map uploaded for site e2e, release {RELEASE};")

    after = await report(collector)
    assert thrown in after
    assert f"<mark>    {line} | {html.escape(CART.splitlines()[line - 1])}</mark>" in after
    assert f"at checkout (src/main.js:{position(MAIN, CALL)[0]}:" in after
    assert f"site e2e, release {RELEASE}: 2 of 2 frames mapped by its source maps" in after
