"""``GET /demo``: a page that loads this collector's snippet, to see rumhouse work at once."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector import keys
from collector.receive import base_url


async def demo(request: web.Request) -> web.Response:
    script = request.app.get(keys.SCRIPT)
    if script is None:
        raise web.HTTPNotFound(text="rum.js is not built: run `make build` (or `make run`).\n")
    page = resources.files("collector").joinpath("static/demo.html").read_text()
    page = page.replace("<!--SNIPPET-->", script.snippet(base_url(request), "demo"))
    return web.Response(text=page, content_type="text/html")
