"""``GET /demo`` (open mode only): a page that loads this collector's snippet."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector.receive import snippet_for


async def demo(request: web.Request) -> web.Response:
    page = resources.files("collector").joinpath("static/demo.html").read_text()
    page = page.replace("<!--SNIPPET-->", snippet_for(request, "demo"))
    return web.Response(text=page, content_type="text/html")
