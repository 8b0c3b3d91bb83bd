"""What browsers fetch besides the beacon endpoint: ``rum.js``, the loader snippet, and
(open mode only) the demo page that loads it."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector.http import keys, negotiate
from collector.http.beacon_script import BeaconScript


def _script(request: web.Request) -> BeaconScript:
    script = request.app.get(keys.SCRIPT)
    if script is None:
        raise web.HTTPNotFound(text="rum.js is not built: run `make build` (or `make run`).\n")
    return script


# The unversioned URL may change with any release: a day, then a week of serving the cached
# copy while it is revalidated. A versioned URL whose hash is this script's names these
# bytes for good. A stale hash (a snippet pasted before an upgrade, or in a rolling upgrade
# one collector's snippet answered by another) gets this script under the short policy.
CACHE = "public, max-age=86400, stale-while-revalidate=604800"
CACHE_VERSIONED = "public, max-age=31536000, immutable"


async def rum_js(request: web.Request) -> web.Response:
    """rum.js in the coding the client weighs highest (brotli, gzip, else identity), from
    the copies read at start-up; GET and HEAD."""
    script = _script(request)
    coding = negotiate.choose(request.headers.get("Accept-Encoding"), script.codings)
    body, etag = script.representation(coding)
    versioned = request.query.get("v") == script.version
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_VERSIONED if versioned else CACHE,
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
    }
    if negotiate.not_modified(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    if coding != negotiate.IDENTITY:
        headers["Content-Encoding"] = coding
    return web.Response(
        body=body, content_type="application/javascript", charset="utf-8", headers=headers
    )


def snippet_for(request: web.Request, key: str) -> str:
    """The loader snippet for site ``key``, with that site's sampling and privacy asks."""
    script = _script(request)
    settings = request.app[keys.SETTINGS]
    site = next((s for s in settings.sites if s.key == key), None)
    asks = (("gpc", site and site.respect_gpc), ("consent", site and site.require_consent))
    privacy = ",".join(ask for ask, on in asks if on)
    base = request.app[keys.PUBLIC].base(request)
    sample = site.sample_rate if site else 1.0
    return script.snippet(base, key, base + settings.beacon_path, sample, privacy)


async def snippet(request: web.Request) -> web.Response:
    """The snippet of ``?site=KEY``: any key in open mode, else a configured site (a snippet
    for a site that does not exist would send beacons that are all refused)."""
    settings = request.app[keys.SETTINGS]
    configured = [site.key for site in settings.sites]
    key = request.query.get("site", "demo" if settings.open_mode or not configured else "")[:64]
    if not key and len(configured) == 1:
        key = configured[0]
    if not settings.open_mode and key not in configured:
        which = f"no site {key!r} is configured here" if key else "say which site"
        raise web.HTTPNotFound(
            text=f"{which}: /snippet?site=KEY, one of: {', '.join(configured) or '(none)'}\n"
        )
    return web.Response(text=snippet_for(request, key) + "\n")


async def demo(request: web.Request) -> web.Response:
    page = resources.files("collector").joinpath("static/demo.html").read_text()
    page = page.replace("<!--SNIPPET-->", snippet_for(request, "demo"))
    return web.Response(text=page, content_type="text/html")
