"""What real sites do, end to end in chromium: an SPA's routes (pushState, popstate back) are
page views of their own; failed requests (a 500, a closed port, a failing XHR), a missing
image and a slow click's long animation frame are stored with the route they happened on;
the INP of a click just before the page is left is stored; and no query-string secret of the
page URL is stored anywhere, not even in an inline script's error source and stack."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler
from playwright.async_api import Browser, Page

from tests.conftest import Collector
from tests.e2e.conftest import assert_not_stored, serve, snippet

pytestmark = pytest.mark.browser

SECRET = "e2e-secret-token"

# A single-page app: a click on "go" pushes a route and renders it, popstate (back) renders
# the landing again; "slow" works for 120 ms in the app's (named) listener; fail(closed) makes
# a request answered 500, one to a closed port, an XHR answered 503 and loads a missing image.
APP = """<!doctype html>
<html><head><meta charset="utf-8"><title>e2e app</title>
{snippet}
</head><body><main></main>
<script>
  var render = function (path) {
    document.querySelector('main').innerHTML = path === '/app/orders/123'
      ? '<h1>Order 123</h1><p>' + 'Shipped, arriving on Tuesday. '.repeat(20) + '</p><button id="slow">slow</button>'
      : '<h1>Welcome</h1><p>' + 'Your orders and your account. '.repeat(20) + '</p><button id="go">go</button>';
  };
  render(location.pathname);
  addEventListener('popstate', function () { render(location.pathname); });
  function slowClick() { var end = performance.now() + 120; while (performance.now() < end) {} }
  document.body.addEventListener('click', function onAppClick(e) {
    if (e.target.id === 'go') { history.pushState({}, '', '/app/orders/123'); render('/app/orders/123'); }
    if (e.target.id === 'slow') slowClick();
  });
  window.fail = async function (closed) {
    await fetch('/api/orders/77?sig={secret}');
    await fetch(closed + '/api/ping?sig={secret}').catch(function () {});
    await new Promise(function (done) {
      var x = new XMLHttpRequest(); x.onloadend = done; x.open('POST', '/api/carts/9?sig={secret}'); x.send('{}');
    });
    await new Promise(function (done) {
      var img = new Image(); img.onerror = done; img.src = '/missing.png?sig={secret}'; document.body.append(img);
    });
  };
</script>
</body></html>"""

# A page whose inline script throws from a button's listener (its source and stack frames
# are the page URL, query string and all), and whose "slow" button works for 120 ms.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>e2e page</title>
{snippet}
</head><body><h1 style="font-size:40px">A page opened from a link with a token</h1>
<button id="boom">boom</button> <button id="slow">slow</button>
<script>
  document.getElementById('boom').addEventListener('click', function checkToken() {
    throw new TypeError('e2e inline: the cart is gone');
  });
  document.getElementById('slow').addEventListener('click', function () {
    var end = performance.now() + 120; while (performance.now() < end) {}
  });
</script>
</body></html>"""


@pytest.fixture
async def site(collector: Collector) -> AsyncIterator[str]:
    """The app, the page and their failing endpoints, on another origin than the collector."""
    loader = await snippet(collector)

    def handler(status: int, text: str) -> Handler:
        body = text.replace("{snippet}", loader).replace("{secret}", SECRET)

        async def answer(_: web.Request) -> web.Response:
            return web.Response(status=status, text=body, content_type="text/html")

        return answer

    app = web.Application()
    app.router.add_get("/app/{tail:.*}", handler(200, APP))
    app.router.add_get("/page", handler(200, PAGE))
    app.router.add_get("/api/orders/{id}", handler(500, "down"))
    app.router.add_post("/api/carts/{id}", handler(503, "unavailable"))
    runner, origin = await serve(app)
    yield origin
    await runner.cleanup()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound by the system, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def opened(browser: Browser, url: str) -> Page:
    """A new tab on ``url``, once rum.js has run the calls queued before it loaded."""
    page = await browser.new_page()
    page.set_default_timeout(15_000)
    await page.goto(url)
    await page.wait_for_function("typeof rumhouse === 'function' && !rumhouse.q")
    return page


# The route and the way back, each painted: chromium emits their soft-navigation entries then.
SOFT_NAVS_PAINTED = "() => performance.getEntriesByType('soft-navigation').length >= 2"


async def test_browser_spa_routes_failures_and_long_frames_land_in_store(
    collector: Collector, site: str, browser: Browser
) -> None:
    """The landing, its pushState route and popstate back are three page views, each under
    its own URL; the route's failed requests and missing image and its slow click's long
    animation frame are stored with it; the page URL's secret is nowhere."""
    closed = f"http://127.0.0.1:{closed_port()}"
    async with asyncio.timeout(60):
        page = await opened(browser, f"{site}/app/?token={SECRET}")
        await page.click("#go")
        await page.wait_for_selector("#slow")
        await page.click("#slow")
        await page.evaluate("closed => fail(closed)", closed)
        await page.go_back(wait_until="commit")  # popstate: the landing is rendered again
        await page.wait_for_selector("#go")
        # Leave only once chromium has seen both routes' paints: it emits a soft navigation's
        # entry after the route's first contentful paint, and a busy machine can take longer
        # than the test's own steps to paint.
        await page.wait_for_function(SOFT_NAVS_PAINTED)
        await page.evaluate("() => new Promise(done => setTimeout(done))")  # observers' task
        await page.goto("about:blank")

    views = await collector.wait_for(
        "SELECT url, navigation_type, page_group, page_view_id, loaf_count, loaf_blocking_ms, "
        "loaf_scripts FROM page_views ORDER BY navigation_type, url",
        lambda rows: len(rows) == 3 and all(r[4] is not None for r in rows),
    )
    assert len(views) == 3, views
    [landing, back, route] = views
    assert landing[:3] == (f"{site}/app/", "navigate", "/app/")
    assert route[:3] == (f"{site}/app/orders/123", "soft-navigation", "/app/orders/:id")
    assert back[:3] == (f"{site}/app/", "soft-navigation", "/app/"), "popstate back"
    assert len({landing[3], back[3], route[3]}) == 3, "each view has its own id"
    assert route[4] >= 1, "the slow click's frame"
    assert route[5] >= 70, "its blocking time: 120 ms, 70 ms past 50"
    scripts = [(s["url"], s["function"], s["invoker"]) for s in route[6]]
    assert (f"{site}/app/", "onAppClick", "event-listener") in scripts, route[6]

    vitals = await collector.wait_for(
        "SELECT page_view_id, metric FROM vitals",
        lambda rows: {(v, m) for v in (route[3], back[3]) for m in ("FCP", "LCP")} <= set(rows),
    )
    mine = set(vitals)
    assert {(landing[3], "TTFB"), (landing[3], "LCP")} <= mine
    assert {(v, m) for v in (route[3], back[3]) for m in ("FCP", "LCP")} <= mine, "their own paints"
    assert (route[3], "TTFB") not in mine, "a route has no request of its own"
    assert (back[3], "TTFB") not in mine

    failures = await collector.wait_for(
        "SELECT page_view_id, kind, initiator, method, url, endpoint, status, sum(count) "
        "FROM failures GROUP BY ALL ORDER BY kind, initiator, url",
        lambda rows: len(rows) >= 4,
    )
    assert failures == [
        (route[3], "request", "fetch", "GET", f"{closed}/api/ping", "127.0.0.1/api/ping", 0, 1),
        (route[3], "request", "fetch", "GET", f"{site}/api/orders/77", "/api/orders/:id", 500, 1),
        (route[3], "request", "xhr", "POST", f"{site}/api/carts/9", "/api/carts/:id", 503, 1),
        (route[3], "resource", "img", "", f"{site}/missing.png", "/missing.png", 404, 1),
    ]
    await assert_not_stored(collector, SECRET)


async def test_browser_last_interaction_and_an_inline_error_keep_no_secret(
    collector: Collector, site: str, browser: Browser
) -> None:
    """A page loaded with a token in its query string: the error its inline script throws is
    stored without the token (its source and every stack frame are cleaned), and the INP of
    a 120 ms click followed by leaving the page 0.3 s later is stored."""
    errors: list[str] = []
    async with asyncio.timeout(60):
        page = await opened(browser, f"{site}/page?token={SECRET}&utm_source=x#frag")
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.click("#boom")
        await page.click("#slow")
        await page.wait_for_timeout(300)  # the scenario: the visitor leaves 0.3 s after the click
        await page.goto("about:blank")
    assert errors == ["e2e inline: the cart is gone"], "the page itself saw its own error"

    [(view_id, url)] = await collector.wait_for(
        "SELECT page_view_id, url FROM page_views", lambda rows: len(rows) == 1
    )
    # rum.js sends the page URL with its query; the collector keeps the allowlisted utm_*.
    assert url == f"{site}/page?utm_source=x", "the allowlisted parameter kept, the token dropped"
    inp = await collector.wait_for(
        f"SELECT value FROM vitals WHERE page_view_id = '{view_id}' AND metric = 'INP'",
        lambda rows: bool(rows) and rows[0][0] >= 100,
    )
    assert len(inp) == 1, "the last click's INP is stored"
    assert inp[0][0] >= 100, f"the last click's INP: {inp}"

    [error] = await collector.wait_for(
        "SELECT error_type, message, source, stack FROM errors", lambda rows: len(rows) == 1
    )
    await assert_not_stored(collector, SECRET)
    # The source and the stack frame are the page URL, cleaned by the same rule.
    assert error[:3] == ("TypeError", "e2e inline: the cart is gone", f"{site}/page?utm_source=x")
    assert f"checkToken ({site}/page?utm_source=x:" in error[3], error[3]
