"""rum.js served as CDNs serve it, over real HTTP from a real collector: pre-compressed
brotli or gzip as the client asks, identity otherwise; a strong ETag per representation;
a long cache only for the URL that names these bytes (the snippet's ``?v=``)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import shutil
from pathlib import Path

import aiohttp
import brotli
import pytest

from collector.settings import load_settings
from tests.conftest import Collector, start_collector

DIST = Path(__file__).resolve().parents[2] / "js-beacon" / "dist"
CHROMIUM = "gzip, deflate, br, zstd"  # what Debian's chromium sends
ONE_DAY = "public, max-age=86400, stale-while-revalidate=604800"  # README, docs/deploy.md


def built() -> bytes:
    return (DIST / "rum.js").read_bytes()


def version() -> str:
    """The short content hash the README documents: rum.js's SHA-256, 12 hex digits."""
    return hashlib.sha256(built()).hexdigest()[:12]


DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}


async def fetch(
    collector: Collector, path: str = "/rum.js", method: str = "GET", **headers: str
) -> tuple[aiohttp.ClientResponse, bytes]:
    """The answer as it travels: no decoding by the client, and no Accept-Encoding unless
    ``headers`` has one (aiohttp adds its own otherwise)."""
    async with (
        aiohttp.ClientSession(auto_decompress=False) as http,
        http.request(
            method, collector.url + path, headers=headers, skip_auto_headers=["Accept-Encoding"]
        ) as reply,
    ):
        return reply, await reply.read()


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        (CHROMIUM, "br"),
        ("gzip", "gzip"),
        ("br", "br"),
        ("x-gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("br;q=0.0, gzip;q=0.000", None),
        ("gzip;q=1, br;q=0.5", "gzip"),  # the client's weights beat the server's taste
        ("*", "br"),
        ("*;q=0", None),
        ("*, br;q=0", "gzip"),
        ("identity", None),
        ("", None),
        ("deflate, zstd", None),
        ("gzip;q=banana", None),
        ("identity;q=1, br;q=0.5", None),
    ],
)
async def test_rum_js_comes_in_the_coding_asked_for_and_decodes_to_the_built_file(
    collector: Collector, accept: str, coding: str | None
) -> None:
    reply, body = await fetch(collector, **{"Accept-Encoding": accept})
    assert reply.status == 200
    assert reply.headers.get("Content-Encoding") == coding
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert int(reply.headers["Content-Length"]) == len(body)
    assert reply.content_type == "application/javascript"
    assert DECODE[coding](body) == built()
    if coding:
        assert body == (DIST / f"rum.js.{'br' if coding == 'br' else 'gz'}").read_bytes()


async def test_without_accept_encoding_rum_js_is_sent_as_is(collector: Collector) -> None:
    reply, body = await fetch(collector)
    assert ("Content-Encoding" in reply.headers, body) == (False, built())
    assert reply.headers["Vary"] == "Accept-Encoding"


async def test_each_representation_has_its_own_etag_and_revalidates_to_304(
    collector: Collector,
) -> None:
    etags = {}
    for accept in ("br", "gzip", "identity"):
        reply, _ = await fetch(collector, **{"Accept-Encoding": accept})
        etags[accept] = reply.headers["ETag"]
        assert re.fullmatch(r'"[0-9a-f]+(-br|-gzip)?"', etags[accept]), etags
        assert version() in etags[accept]
    assert len(set(etags.values())) == 3, etags
    for accept, etag in etags.items():
        for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            reply, body = await fetch(
                collector, **{"Accept-Encoding": accept, "If-None-Match": sent}
            )
            assert (reply.status, body, reply.headers["ETag"]) == (304, b"", etag)
            assert reply.headers["Vary"] == "Accept-Encoding"
            assert reply.headers["Cache-Control"] == ONE_DAY
    # The gzip bytes a cache holds are not the brotli ones: asked for br, it gets them anew.
    reply, body = await fetch(
        collector, **{"Accept-Encoding": "br", "If-None-Match": etags["gzip"]}
    )
    assert (reply.status, reply.headers["Content-Encoding"]) == (200, "br")
    assert brotli.decompress(body) == built()


async def test_head_answers_the_headers_of_get_without_the_body(collector: Collector) -> None:
    reply, body = await fetch(collector, method="HEAD", **{"Accept-Encoding": CHROMIUM})
    assert (reply.status, body, reply.headers["Content-Encoding"]) == (200, b"", "br")
    assert int(reply.headers["Content-Length"]) == len((DIST / "rum.js.br").read_bytes())
    get, _ = await fetch(collector, **{"Accept-Encoding": CHROMIUM})
    assert reply.headers["ETag"] == get.headers["ETag"]


async def test_the_snippet_names_the_served_version_which_alone_is_cached_for_good(
    collector: Collector,
) -> None:
    _, snippet = await fetch(collector, "/snippet?site=shop")
    found = re.search(rf'"{re.escape(collector.url)}/rum\.js\?v=(\w+)"', snippet.decode())
    assert found, snippet
    reply, body = await fetch(collector, f"/rum.js?v={found[1]}", **{"Accept-Encoding": "br"})
    assert hashlib.sha256(brotli.decompress(body)).hexdigest().startswith(found[1])
    assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Unversioned, or a version this collector does not serve (a snippet pasted before an
    # upgrade): the same script, under the one-day policy, so the next release gets through.
    for path in ("/rum.js", "/rum.js?v=0123456789ab", "/rum.js?v="):
        reply, body = await fetch(collector, path)
        assert (reply.headers["Cache-Control"], body) == (ONE_DAY, built())


async def test_a_compressed_copy_from_another_build_is_not_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(DIST, dist)
    (dist / "rum.js.br").write_bytes(brotli.compress(b"/* an older rum.js */"))
    (dist / "rum.js.gz").unlink()
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        beacon_script=dist / "rum.js",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="collector.http.beacon_script"):
        runner, url = await start_collector(settings)
    try:
        async with (
            aiohttp.ClientSession(auto_decompress=False) as http,
            http.get(f"{url}/rum.js", headers={"Accept-Encoding": CHROMIUM}) as reply,
        ):
            assert ("Content-Encoding" in reply.headers, await reply.read()) == (False, built())
    finally:
        await runner.cleanup()
    told = [r.getMessage() for r in caplog.records if "make build" in r.getMessage()]
    assert [("rum.js.br" in m, "rum.js.gz" in m) for m in told] == [(True, False), (False, True)]
