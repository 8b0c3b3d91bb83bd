"""Pages for people: ``GET /demo`` loads this collector's snippet, ``GET /report`` shows
what the data says (see ``report.py``)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector import keys
from collector.receive import base_url
from collector.report import SECTIONS, render_page


async def demo(request: web.Request) -> web.Response:
    script = request.app.get(keys.SCRIPT)
    if script is None:
        raise web.HTTPNotFound(text="rum.js is not built: run `make build` (or `make run`).\n")
    page = resources.files("collector").joinpath("static/demo.html").read_text()
    base, path = base_url(request), request.app[keys.SETTINGS].beacon_path
    page = page.replace("<!--SNIPPET-->", script.snippet(base, "demo", base + path))
    return web.Response(text=page, content_type="text/html")


async def report(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("days", "7"))
    except ValueError:
        raise web.HTTPBadRequest(text="days must be a whole number of days\n") from None
    days, site = max(1, min(days, 400)), request.query.get("site", "")[:64]
    store = request.app[keys.STORE]
    tables = [
        (section, *await store.query_table(section.sql, {"days": days, "site": site}))
        for section in SECTIONS
    ]
    return web.Response(text=render_page(site, days, tables), content_type="text/html")
