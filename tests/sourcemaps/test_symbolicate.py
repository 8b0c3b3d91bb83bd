"""A real esbuild bundle's stack, symbolicated through its map as uploaded into a real store:
the original file, line, column and function come out where the original sources have the
throw and the call (found by searching their text)."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from collector.ingest.enrich.page import clean_text
from collector.sourcemaps import upload
from collector.sourcemaps.symbolicate import Frame, MapCache, match, source_name, symbolicate
from tests.sourcemaps.bundle import CALL, CART, MAIN, MESSAGE, THROW, Bundle, position, v8_stack
from tests.sourcemaps.conftest import query_of

QueryResult = tuple[Sequence[str], list[tuple[Any, ...]]]
URL = "https://shop.example/static/assets/app.min.js"


def _upload(client: Client, bundle: Bundle, release: str = "1.0") -> None:
    uploads = upload.find(bundle.folder)
    upload.send(client, "shop", release, uploads, lambda _: None)


def _frames(lines: list[Frame | str]) -> list[Frame]:
    return [line for line in lines if isinstance(line, Frame)]


async def test_symbolicate_maps_an_esbuild_stack_to_the_original_places(
    migrated: Client, bundle: Bundle
) -> None:
    _upload(migrated, bundle)
    lines = await symbolicate(query_of(migrated), "shop", "1.0", v8_stack(bundle, URL), MapCache())
    assert lines[0] == f"RangeError: {MESSAGE}"
    thrown, called = _frames(lines)
    assert (thrown.file, thrown.function) == ("src/cart.js", "computeTotal")
    assert (thrown.line, thrown.column) == position(CART, THROW)
    assert (called.file, called.function) == ("src/main.js", "checkout")
    assert (called.line, called.column) == position(MAIN, CALL)
    line = position(CART, THROW)[0]
    texts = CART.splitlines()
    assert dict(thrown.context)[line] == texts[line - 1]
    assert thrown.context[0] == (line - 3, texts[line - 4]), "three lines before"
    assert thrown.context[-1] == (line + 3, texts[line + 2]), "three lines after"


async def test_symbolicate_needs_the_same_site_and_release(
    migrated: Client, bundle: Bundle
) -> None:
    _upload(migrated, bundle)
    query = query_of(migrated)
    for site, release in (("shop", "1.1"), ("blog", "1.0")):
        lines = await symbolicate(query, site, release, v8_stack(bundle, URL), MapCache())
        assert [f.mapped for f in _frames(lines)] == [False, False]
        assert _frames(lines)[0].raw.text.startswith("at r (https://shop.example/")


async def test_symbolicate_a_stack_as_the_collector_stored_it(
    migrated: Client, bundle: Bundle, tmp_path: Path
) -> None:
    """A hashed bundle name long enough to be scrubbed ("[token]"), a query string dropped:
    the stack as ingestion cleans it still finds its map."""
    hashed = "app.3f8a9b2c1d4e5f6a7b8c9d0e1f2a3b4c.min.js"
    folder = tmp_path / "dist"
    shutil.copytree(bundle.folder, folder)
    (folder / "assets" / "app.min.js").rename(folder / "assets" / hashed)
    (folder / "assets" / "app.min.js.map").rename(folder / "assets" / f"{hashed}.map")
    upload.send(migrated, "shop", "2.0", upload.find(folder), lambda _: None)
    stored = clean_text(v8_stack(bundle, f"https://shop.example/assets/{hashed}?v=7"))
    assert hashed not in stored, "the premise: ingestion scrubs it"
    assert "/assets/app.[token].min.js:" in stored
    lines = await symbolicate(query_of(migrated), "shop", "2.0", stored, MapCache())
    assert [(f.file, f.function) for f in _frames(lines)] == [
        ("src/cart.js", "computeTotal"), ("src/main.js", "checkout"),
    ]  # fmt: skip


async def test_symbolicate_a_map_uploaded_without_its_minified_file(
    migrated: Client, bundle: Bundle, tmp_path: Path
) -> None:
    """Original files and lines; the function names are the stack's own (no scopes)."""
    folder = tmp_path / "maps"
    (folder / "assets").mkdir(parents=True)
    shutil.copy(bundle.folder / "assets" / "app.min.js.map", folder / "assets")
    _upload(migrated, bundle.__class__(folder, bundle.minified), "3.0")
    lines = await symbolicate(query_of(migrated), "shop", "3.0", v8_stack(bundle, URL), MapCache())
    thrown, called = _frames(lines)
    assert (thrown.file, thrown.line, thrown.function) == (
        "src/cart.js", position(CART, THROW)[0], "r",
    )  # fmt: skip
    assert (called.file, called.line, called.function) == (
        "src/main.js", position(MAIN, CALL)[0], "HTMLButtonElement.i",
    )  # fmt: skip


def _with_map(bundle: Bundle, folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the build whose map ``change`` edited."""
    shutil.copytree(bundle.folder, folder)
    path = folder / "assets" / "app.min.js.map"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return folder


async def test_symbolicate_context_lines_as_the_source_wrote_them(
    migrated: Client, bundle: Bundle, tmp_path: Path
) -> None:
    """A source written with CRLF, trailing blanks and comments: each context line is the
    source's line without its line ending, blanks and all."""
    line = position(CART, THROW)[0]
    texts = CART.splitlines()
    texts[line - 2] += "  "
    texts[line - 1] += "  // TODO: FIX"

    def crlf(doc: dict[str, Any]) -> None:
        doc["sourcesContent"][doc["sources"].index("../../src/cart.js")] = "\r\n".join(texts)

    folder = _with_map(bundle, tmp_path / "dist", crlf)
    upload.send(migrated, "shop", "5.0", upload.find(folder), lambda _: None)
    lines = await symbolicate(query_of(migrated), "shop", "5.0", v8_stack(bundle, URL), MapCache())
    thrown = _frames(lines)[0]
    assert (thrown.file, thrown.line) == ("src/cart.js", line)
    assert thrown.context == tuple((n, texts[n - 1]) for n in range(line - 3, line + 4))


async def test_symbolicate_a_map_without_sources_content_has_no_context(
    migrated: Client, bundle: Bundle, tmp_path: Path
) -> None:
    """Original places still, but no source lines to show (not an empty line)."""
    folder = _with_map(bundle, tmp_path / "dist", lambda doc: doc.pop("sourcesContent"))
    upload.send(migrated, "shop", "6.0", upload.find(folder), lambda _: None)
    lines = await symbolicate(query_of(migrated), "shop", "6.0", v8_stack(bundle, URL), MapCache())
    assert [(f.file, f.line, f.context) for f in _frames(lines)] == [
        ("src/cart.js", position(CART, THROW)[0], ()), ("src/main.js", position(MAIN, CALL)[0], ()),
    ]  # fmt: skip


async def test_symbolicate_cache_bounds_the_bytes_of_map_and_minified_file(
    migrated: Client, bundle: Bundle
) -> None:
    """A parsed map weighs its map and minified file: two releases of the bundle fit in
    twice that, not in one byte less (then the older is read again)."""
    size = len(bundle.script.read_bytes()) + len(
        (bundle.folder / "assets" / "app.min.js.map").read_bytes()
    )
    _upload(migrated, bundle, "1.0")
    _upload(migrated, bundle, "1.1")
    plain, asked = query_of(migrated), list[str]()

    async def counting(sql: str, parameters: dict[str, Any]) -> QueryResult:
        asked.append(sql)
        return await plain(sql, parameters)

    for max_bytes, reads in ((2 * size, 2), (2 * size - 1, 3)):
        cache = MapCache(max_bytes=max_bytes)
        asked.clear()
        for release in ("1.0", "1.1", "1.0"):
            await symbolicate(counting, "shop", release, v8_stack(bundle, URL), cache)
        assert sum("SELECT map" in sql for sql in asked) == reads, max_bytes


async def test_symbolicate_reads_each_map_once_while_cached(
    migrated: Client, bundle: Bundle
) -> None:
    _upload(migrated, bundle)
    cache, asked = MapCache(), list[str]()
    plain = query_of(migrated)

    async def counting(sql: str, parameters: dict[str, Any]) -> QueryResult:
        asked.append(sql)
        return await plain(sql, parameters)

    for _ in range(3):
        await symbolicate(counting, "shop", "1.0", v8_stack(bundle, URL), cache)
    assert sum("SELECT map" in sql for sql in asked) == 1
    _upload(migrated, bundle)  # uploaded again: a new uploaded_at, read anew
    await symbolicate(counting, "shop", "1.0", v8_stack(bundle, URL), cache)
    assert sum("SELECT map" in sql for sql in asked) == 2


async def test_symbolicate_logs_a_stored_map_it_cannot_read(
    migrated: Client, bundle: Bundle, caplog: pytest.LogCaptureFixture
) -> None:
    """A map stored some other way than the checked upload: its frames stay as they were,
    and the log names the file, site, release and what the parser said."""
    broken = upload.Upload(
        "assets/app.min.js", bundle.folder, b"{not json", bundle.script.read_bytes()
    )
    upload.send(migrated, "shop", "4.0", [broken], lambda _: None)
    with caplog.at_level(logging.WARNING, logger="collector.sourcemaps.symbolicate"):
        lines = await symbolicate(
            query_of(migrated), "shop", "4.0", v8_stack(bundle, URL), MapCache()
        )
    assert [f.mapped for f in _frames(lines)] == [False, False]
    [told] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert told.startswith("source map of assets/app.min.js (site shop, release 4.0) unreadable: ")
    assert told.endswith("bad json: key must be a string at line 1 column 2"), "symbolic's reason"


def test_symbolicate_cache_is_bounded_in_bytes_and_entries() -> None:
    cache = MapCache(max_bytes=100, max_entries=3)
    for name in "abcd":
        cache.put((name,), None, 10)
    assert (len(cache), cache.get(("a",))) == (3, None), "the oldest of four went"
    assert cache.get(("b",)) == (None,)  # b is now the most recent
    cache.put(("big",), None, 95)
    assert cache.bytes <= 100
    assert cache.get(("b",)) is None
    assert cache.get(("big",)) == (None,)
    cache.put(("huge",), None, 500)  # more than the bound alone: kept, alone
    assert (len(cache), cache.bytes) == (1, 500)


def test_symbolicate_cache_holds_64_maps_and_64_mib_by_default() -> None:
    cache = MapCache()
    for n in range(65):
        cache.put((str(n),), None, 1)
    assert (len(cache), cache.get(("0",)), cache.get(("1",))) == (64, None, (None,))
    cache = MapCache()
    cache.put(("large",), None, 64 * 1024**2 - 1)
    cache.put(("small",), None, 1)  # exactly 64 MiB: both kept
    assert (len(cache), cache.get(("large",))) == (2, (None,))
    cache.put(("one more",), None, 1)
    assert (len(cache), cache.get(("small",))) == (2, None)


def test_symbolicate_match_by_trailing_path_segments() -> None:
    files = ["assets/app.min.js", "assets/vendor.min.js", "admin/app.min.js"]
    assert match("/static/assets/app.min.js", files) == "assets/app.min.js"
    assert match("/admin/app.min.js", files) == "admin/app.min.js"
    assert match("/js/vendor.min.js", files) == "assets/vendor.min.js", "base name alone"
    assert match("/js/app.min.js", files) is None, "two files share the base name only"
    assert match("/js/other.js", files) is None
    assert match("/", files) is None
    assert match("/js/app.min.js", []) is None, "nothing uploaded"


def test_symbolicate_match_counts_every_shared_segment_from_the_end() -> None:
    # Three segments shared beat one; each is compared with its own counterpart.
    files = ["static/js/app.js", "other/css/app.js"]
    assert match("/static/js/app.js", files) == "static/js/app.js"
    assert match("/cdn/static/js/app.js", files) == "static/js/app.js"
    assert match("/js/static/app.js", files) is None, "the same segments in another order"


def test_symbolicate_source_names_without_the_build_folder() -> None:
    assert source_name("../src/cart.js") == "src/cart.js"
    assert source_name("webpack://shop/./src/cart.js") == "src/cart.js"
    assert source_name("./lib/a.ts") == "lib/a.ts"
    assert source_name("src/b.ts") == "src/b.ts"
