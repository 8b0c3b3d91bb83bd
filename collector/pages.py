"""Pages for people: ``GET /demo`` loads this collector's snippet, ``GET /report`` shows
what the data says (see ``report.py``)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector import keys
from collector.receive import snippet_for
from collector.report import SECTIONS, render_page


async def demo(request: web.Request) -> web.Response:
    page = resources.files("collector").joinpath("static/demo.html").read_text()
    page = page.replace("<!--SNIPPET-->", snippet_for(request, "demo"))
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
