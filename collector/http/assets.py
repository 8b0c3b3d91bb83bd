"""What browsers fetch besides the beacon endpoint: ``rum.js``, the loader snippet, and
(open mode only) the demo page that loads it."""

from __future__ import annotations

import re
from importlib import resources

from aiohttp import web

from collector.http import keys
from collector.http.beacon_script import BeaconScript


def _script(request: web.Request) -> BeaconScript:
    script = request.app.get(keys.SCRIPT)
    if script is None:
        raise web.HTTPNotFound(text="rum.js is not built: run `make build` (or `make run`).\n")
    return script


async def rum_js(request: web.Request) -> web.Response:
    script = _script(request)
    headers = {
        "ETag": script.etag,
        "Cache-Control": "public, max-age=86400, stale-while-revalidate=604800",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("If-None-Match") == script.etag:
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=script.body, content_type="application/javascript", charset="utf-8", headers=headers
    )


_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def base_url(request: web.Request) -> str:
    """Where browsers reach this collector: ``public_url``, else the request's own scheme
    and host, as a trusted proxy forwarded them (TLS ends there: ``X-Forwarded-Proto``)."""
    public = request.app[keys.SETTINGS].public_url
    if public:
        return public.rstrip("/")
    scheme, host = request.scheme, request.host
    if request.app[keys.PEERS].trusted(request.remote or ""):
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        scheme = proto if proto in ("http", "https") else scheme
        forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        host = forwarded if _HOST.fullmatch(forwarded) else host
    return f"{scheme}://{host}"


def snippet_for(request: web.Request, key: str) -> str:
    """The loader snippet for site ``key``, with that site's sampling and privacy asks."""
    script = _script(request)
    settings = request.app[keys.SETTINGS]
    site = next((s for s in settings.sites if s.key == key), None)
    asks = (("gpc", site and site.respect_gpc), ("consent", site and site.require_consent))
    privacy = ",".join(ask for ask, on in asks if on)
    base = base_url(request)
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
