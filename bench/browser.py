"""The beacon's main-thread cost on load, in chromium: rum.js vs web-vitals alone.

Three pages are served from 127.0.0.1: a plain page, the same page loading web-vitals'
attribution build (async, registering the five metric callbacks, as a site that uses the
library directly would), and the same page with rumhouse's snippet (which loads rum.js,
itself built on web-vitals). Each is loaded ``runs`` times, interleaved, in a fresh page of
Debian's chromium; chromium's own ``ScriptDuration`` (main-thread time spent compiling and
running scripts, from the DevTools protocol) is read a moment after the load event. The
figure is the difference of the medians. Timings vary a lot on a busy machine: run it on a
quiet one.

The fetch wrapper's cost per request: a page loads rum.js after keeping the browser's own
``fetch``; it then times rounds of sequential same-origin requests (each body read) with the
kept fetch and with the page's fetch, which rum.js has wrapped, interleaved. The figure is the
ratio of the median times per request.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from collector.http.beacon_script import BeaconScript
from collector.settings import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WEB_VITALS = REPO_ROOT / "js-beacon" / "node_modules" / "web-vitals" / "dist"
BODY = "<h1 id='headline'>Product</h1>" + "<p>Some text of a product page.</p>" * 40
PAGE = "<!doctype html><html><head><title>bench</title>{head}</head><body>{body}</body></html>"
WITH_WEB_VITALS = """<script>(function(){var s=document.createElement('script');s.async=true;
s.src='/web-vitals.attribution.iife.js';s.onload=function(){var f=function(){};
webVitals.onLCP(f);webVitals.onINP(f);webVitals.onCLS(f);webVitals.onFCP(f);webVitals.onTTFB(f);};
document.head.appendChild(s);})();</script>"""


def _site(folder: Path, base: str) -> None:
    script = BeaconScript.load(REPO_ROOT / "js-beacon" / "dist" / "rum.js")
    if script is None:
        raise RuntimeError("rum.js is not built: run `make build`")
    (folder / "rum.js").write_bytes(script.body)
    shutil.copy(WEB_VITALS / "web-vitals.attribution.iife.js", folder)
    snippet = script.snippet(base, "bench", f"{base}/v1/beacon")
    keep = "<script>window.rawFetch = window.fetch;</script>"
    pages = {"plain": "", "web-vitals": WITH_WEB_VITALS, "rum": snippet, "fetch": keep + snippet}
    for name, head in pages.items():
        (folder / f"{name}.html").write_text(PAGE.format(head=head, body=BODY))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()


@contextmanager
def _chromium() -> Iterator[tuple[Browser, str]]:
    """Debian's chromium and the base URL of the bench pages, served from 127.0.0.1."""
    # Imported here: Playwright is a development dependency, needed only by these figures.
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("Debian's chromium is missing: `make test` installs it")
    with tempfile.TemporaryDirectory() as tmp:
        handler = functools.partial(_Quiet, directory=tmp)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        _site(Path(tmp), base)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
                yield browser, base
                browser.close()
        finally:
            server.shutdown()


def main_thread_ms(runs: int = 15) -> dict[str, float]:
    """Median main-thread script time (ms) of each page."""
    samples: dict[str, list[float]] = {"plain": [], "web-vitals": [], "rum": []}
    with _chromium() as (browser, base):
        for _ in range(runs):
            for name, found in samples.items():  # interleaved: same machine state
                found.append(_busy_ms(browser, f"{base}/{name}.html"))
    return {name: statistics.median(found) for name, found in samples.items()}


# Rounds of `n` sequential requests, each body read, with the kept and the wrapped fetch.
FETCH_ROUNDS = """async ([n, rounds]) => {
  const time = async (f) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await (await f.call(window, '/plain.html?' + i)).arrayBuffer();
    return (performance.now() - t) / n;
  };
  const raw = [], wrapped = [];
  for (let r = 0; r < rounds; r++) { raw.push(await time(window.rawFetch)); wrapped.push(await time(window.fetch)); }
  return [raw, wrapped];
}"""


def fetch_wrapper_ms(rounds: int = 7, per_round: int = 50) -> tuple[float, float]:
    """Median time per request (ms) with the browser's fetch and with rum.js's wrapper."""
    with _chromium() as (browser, base):
        page = browser.new_page()
        page.goto(f"{base}/fetch.html", wait_until="load")
        page.wait_for_function("window.fetch !== window.rawFetch", timeout=10_000)
        raw, wrapped = page.evaluate(FETCH_ROUNDS, [per_round, rounds])
        page.close()
    return statistics.median(raw), statistics.median(wrapped)


def _busy_ms(browser: Browser, url: str) -> float:
    page = browser.new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # rum.js and web-vitals load async, after the load event
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    page.close()
    return float(metrics["ScriptDuration"]) * 1000
