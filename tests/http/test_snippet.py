"""`/snippet` answers only for a site that may send: real HTTP, real collector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from collector.settings import load_settings
from tests.conftest import start_collector
from tests.http.test_rum_js import version

SHOP = {"key": "shop", "origins": ["https://shop.example"]}
BLOG = {"key": "blog", "origins": ["https://blog.example"]}


async def get(tmp_path: Path, path: str, **settings: Any) -> tuple[int, str]:
    runner, url = await start_collector(
        load_settings(data=tmp_path / "data", port=0, sql_port=0, admin_port=0, **settings)
    )
    try:
        async with aiohttp.ClientSession() as http, http.get(url + path) as reply:
            return reply.status, await reply.text()
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("path", "sites", "answer"),
    [
        (
            "/snippet?site=nosuch",
            [SHOP, BLOG],
            "no site 'nosuch' is configured here: /snippet?site=KEY, one of: shop, blog\n",
        ),
        ("/snippet", [SHOP, BLOG], "say which site: /snippet?site=KEY, one of: shop, blog\n"),
    ],
    ids=["unknown-site", "no-site-of-two"],
)
async def test_a_snippet_for_a_site_that_cannot_send_is_refused_with_the_sites_that_can(
    tmp_path: Path, path: str, sites: list[dict[str, Any]], answer: str
) -> None:
    assert await get(tmp_path, path, sites=sites) == (404, answer)


async def test_the_only_site_is_the_default_and_open_mode_takes_any_key(tmp_path: Path) -> None:
    status, text = await get(tmp_path, "/snippet", sites=[SHOP])
    assert (status, f'/rum.js?v={version()}","shop","' in text) == (200, True), text
    status, text = await get(tmp_path / "open", "/snippet?site=anything", open_mode=True)
    assert (status, f'/rum.js?v={version()}","anything","' in text) == (200, True), text
