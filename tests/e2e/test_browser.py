"""End to end in a real browser: Debian's chromium, driven by Playwright, loads a page from
one origin whose snippet loads rum.js from the collector on another origin; what the page
does must arrive in the store, enriched, and without the visitor's IP address."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page

from collector.settings import load_settings
from collector.tools import simulate
from tests.conftest import Collector, start_collector
from tests.e2e.conftest import assert_not_stored, serve, snippet
from tests.integration.test_rollups import refresh_rollups

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>e2e product page</title>
{snippet}
<script>rumhouse('set', 'release', 'e2e-1'); rumhouse('set', 'variant', 'B');</script>
</head><body>
<div id="banner"></div>
<h1 id="headline" style="font-size:48px">A product worth measuring, with a long headline</h1>
<p id="content">Some text that moves down when the banner grows.</p>
<button id="slow">slow</button> <button id="boom">boom</button>
<script>
  // Lets the test wait until the browser has timed an interaction (after its next paint).
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) {
      if (e.interactionId) window.longest = Math.max(window.longest || 0, e.duration);
    });
  }).observe({type: 'event', durationThreshold: 16, buffered: true});
  window.busy = function (ms) { var end = performance.now() + ms; while (performance.now() < end) {} };
  document.getElementById('slow').addEventListener('click', function () { busy(window.slowMs || 120); });
  document.getElementById('boom').addEventListener('click', function () {
    throw new TypeError('e2e boom: cart is undefined');
  });
  addEventListener('load', function () {
    setTimeout(function () {
      document.getElementById('banner').style.height = '240px';
      requestAnimationFrame(function () { requestAnimationFrame(function () { window.shifted = true; }); });
    }, 200);
  });
</script>
</body></html>"""

# Headless chromium has no tab to switch away from: stand in for it as web-vitals' own tests
# do, then remove the stand-in so the browser's real visibility state shows through again.
SET_VISIBILITY = """state => {
  if (state === 'hidden') {
    Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
    Object.defineProperty(document, 'hidden', {value: true, configurable: true});
  } else {
    delete document.visibilityState;
    delete document.hidden;
  }
  document.dispatchEvent(new Event('visibilitychange'));
}"""


@pytest.fixture
async def site(collector: Collector) -> AsyncIterator[str]:
    """A site on another origin with the snippet."""
    html = PAGE.replace("{snippet}", await snippet(collector))

    async def product(_: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/product/{id}", product)
    runner, origin = await serve(app)
    yield origin
    await runner.cleanup()


async def interact(page: Page, ms: int) -> None:
    await page.evaluate(f"window.slowMs = {ms}")
    await page.click("#slow")
    await page.wait_for_function(f"(window.longest || 0) >= {ms}")
    # web-vitals folds new interactions into INP in an idle callback (at most 1 s later);
    # one queued now with a longer deadline runs after it, so INP includes this interaction.
    await page.evaluate(
        "new Promise(done => requestIdleCallback(() => done(true), {timeout: 1500}))"
    )


async def visit(page: Page, site: str) -> None:
    """Load, interact, shift, throw, hide and show, interact more, then leave the page."""
    await page.goto(f"{site}/product/42")
    await page.wait_for_function("typeof rumhouse === 'function' && !rumhouse.q && window.shifted")
    await interact(page, 120)
    await page.click("#boom")
    await page.evaluate(SET_VISIBILITY, "hidden")  # the visitor switches tabs: first beacon
    await page.evaluate(SET_VISIBILITY, "visible")
    await interact(page, 400)  # a slower interaction: INP changes and is sent again
    await page.goto("about:blank")  # leaving the page hides it for real: second beacon


async def test_browser_page_view_lands_in_store_with_vitals_errors_and_context(
    collector: Collector, site: str, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    async with asyncio.timeout(60):  # bounded, whatever the browser does
        await visit(page, site)
    assert errors == ["e2e boom: cart is undefined"], "the page itself saw only its own error"

    vitals = await collector.wait_for(
        "SELECT metric, value, rating, target, interaction_type, phases, page_group, "
        "device_class, browser, dims, release FROM vitals ORDER BY metric",
        lambda rows: (
            {r[0] for r in rows} == {"CLS", "FCP", "INP", "LCP", "TTFB"}
            and next(r[1] for r in rows if r[0] == "INP") >= 400
        ),
    )
    by_metric: dict[str, Any] = {row[0]: row for row in vitals}
    assert sorted(by_metric) == ["CLS", "FCP", "INP", "LCP", "TTFB"], vitals
    assert len(vitals) == 5, "each metric counts once per page view"
    for metric, value, rating, *_ in vitals:
        assert rating in ("good", "needs-improvement", "poor"), metric
        assert value >= 0, metric
    assert by_metric["INP"][1] >= 400, "the re-sent INP replaced the first one"
    assert by_metric["LCP"][3] == "#headline"
    assert {"time_to_first_byte", "element_render_delay"} <= by_metric["LCP"][5].keys()
    assert by_metric["INP"][3] == "#slow"
    assert by_metric["INP"][4] == "pointer"
    inp_phases = by_metric["INP"][5].keys()
    assert {"input_delay", "processing_duration", "presentation_delay"} <= inp_phases
    assert by_metric["CLS"][1] > 0
    assert by_metric["CLS"][3], "the banner shift is attributed to an element"
    assert "waiting_duration" in by_metric["TTFB"][5]
    assert "first_byte_to_fcp" in by_metric["FCP"][5]
    _, _, _, _, _, _, group, device, browser_name, dims, release = vitals[0]
    assert (group, device, release, dims) == ("/product/:id", "desktop", "e2e-1", {"variant": "B"})
    assert "Chrome" in browser_name

    # A batch is written one table at a time: the re-sent page view may land after its vitals.
    [view] = await collector.wait_for(
        "SELECT url, navigation_type, ttfb_ms, dns_ms, connect_ms, request_ms, response_ms, "
        "dom_interactive_ms, dom_content_loaded_ms, load_ms, transfer_size, protocol, "
        "viewport_width, seq FROM page_views",
        lambda rows: len(rows) == 1 and rows[0][13] >= 1,
    )
    assert view[0] == f"{site}/product/42"
    assert view[1] == "navigate"
    assert all(v is not None for v in view[2:12]), view
    assert view[9] >= view[8] >= view[7] > 0, "load after DOMContentLoaded after interactive"
    # The hide sent one beacon, leaving at least one more: a third when something new came
    # in between visibilitychange and pagehide (a long animation frame of that very moment).
    assert view[13] >= 1, "the page view was sent again when it was left"

    [error] = await collector.query(
        "SELECT kind, error_type, message, source, line, stack, sum(count) FROM errors "
        "GROUP BY kind, error_type, message, source, line, stack"
    )
    assert error[:3] == ("error", "TypeError", "e2e boom: cart is undefined")
    assert error[3] == f"{site}/product/42"
    assert error[4] > 0
    assert "e2e boom" in error[5]
    assert "HTMLButtonElement" in error[5]
    assert error[6] == 1

    await assert_not_stored(collector, "127.0.0.1")  # the visitor's IP address
    assert not [r.getMessage() for r in caplog.records if "127.0.0.1" in r.getMessage()]


async def test_browser_session_spans_page_views_and_storage_waits_for_a_beacon(
    collector: Collector, browser: Browser, site: str
) -> None:
    """Two page views in one tab share a session id; rum.js reads and writes sessionStorage
    only when it builds a beacon, never while the page loads (it costs main-thread time)."""
    page = await browser.new_page()
    stored = []
    for n in (1, 2):
        await page.goto(f"{site}/product/{n}")
        await page.wait_for_function("typeof rumhouse === 'function' && !rumhouse.q")
        if n == 1:
            assert await page.evaluate("sessionStorage.getItem('rumhouse.s')") is None
        await page.evaluate(SET_VISIBILITY, "hidden")  # the first beacon of this page view
        stored.append(await page.evaluate("sessionStorage.getItem('rumhouse.s')"))
        await page.evaluate(SET_VISIBILITY, "visible")
    await page.goto("about:blank")
    rows = await collector.wait_for(
        "SELECT session_id, page_view_id FROM page_views ORDER BY url", lambda r: len(r) == 2
    )
    session = stored[0].split(".")[0]
    assert [s.split(".")[0] for s in stored] == [session, session]
    assert [r[0] for r in rows] == [session, session]
    assert rows[0][1] != rows[1][1]


async def test_browser_report_page_renders_with_data(
    collector: Collector, browser: Browser
) -> None:
    tally = await simulate.post(collector.url, 400, seed=21, progress=False)
    assert tally.accepted == tally.sent
    await collector.flush()
    await refresh_rollups(collector)
    page = await browser.new_page()
    page.set_default_timeout(15_000)
    response = await page.goto(f"{collector.admin}/report")
    assert response is not None
    assert response.ok
    assert "real user experience" in await page.title() + await page.inner_text("h1")
    rows = await page.locator("table").first.locator("tbody tr").all_inner_texts()
    assert [row.split()[0] for row in rows] == ["LCP", "INP", "CLS", "FCP", "TTFB"]
    bars = page.locator(".bar .good")
    assert await bars.count() == 5
    assert (await bars.first.bounding_box() or {"width": 0})["width"] > 0, "the shares are drawn"
    assert "/product/:id" in await page.inner_text("body")
    assert "Errors worth fixing" in await page.inner_text("body")


PRIVATE_PAGE = """<!doctype html><html><head><meta charset="utf-8">{snippet}{consent}</head>
<body><h1 style="font-size:40px">A page whose visitors said no, or yes</h1></body></html>"""
GPC_ON = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"


@pytest.fixture
async def private_sites(tmp_path: Path) -> AsyncIterator[Collector]:
    sites = (
        {"key": "gpc", "origins": ["*"], "respect_gpc": True},
        {"key": "consent", "origins": ["*"], "require_consent": True},
    )
    settings = load_settings(
        data=tmp_path / "data",
        port=0,
        sql_port=0,
        admin_port=0,
        open_mode=True,
        drop_bots=False,
        sites=sites,
    )
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def test_browser_beacon_honours_gpc_and_the_consent_gate(
    private_sites: Collector, browser: Browser
) -> None:
    collector = private_sites

    async def page_for(request: web.Request) -> web.Response:
        loader = await snippet(collector, request.match_info["site"])
        consent = "<script>rumhouse('consent', true)</script>" if "consent" in request.query else ""
        return web.Response(
            text=PRIVATE_PAGE.format(snippet=loader, consent=consent), content_type="text/html"
        )

    app = web.Application()
    app.router.add_get("/{site}/page", page_for)
    runner, origin = await serve(app)
    try:
        async with asyncio.timeout(60):
            gpc = await browser.new_context()
            await gpc.add_init_script(GPC_ON)
            for url, context in (
                (f"{origin}/gpc/page", gpc),  # the browser signals GPC: nothing is sent
                (f"{origin}/consent/page", None),  # no consent given: nothing is sent
                (f"{origin}/consent/page?consent", None),  # consent given: sent
            ):
                page = await (context.new_page() if context else browser.new_page())
                await page.goto(url)
                await page.wait_for_function("typeof rumhouse === 'function' && !rumhouse.q")
                await page.wait_for_timeout(300)
                await page.goto("about:blank")
            rows = await collector.wait_for("SELECT site, url FROM page_views", bool)
            await page.wait_for_timeout(500)  # room for any beacon that should not exist
            await collector.flush()
    finally:
        await runner.cleanup()
    assert (
        await collector.query("SELECT site, url FROM page_views")
        == rows
        == [("consent", f"{origin}/consent/page")]
    )
