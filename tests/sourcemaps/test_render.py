"""A symbolicated stack drawn as text and as escaped HTML: the original place of each frame,
the source lines around the first ones with the frame's own line marked."""

from __future__ import annotations

import html
import re

from clickhouse_connect.driver.client import Client

from collector.sourcemaps import upload
from collector.sourcemaps.frames import RawFrame
from collector.sourcemaps.render import CONTEXT_FRAMES, render_html, render_text
from collector.sourcemaps.symbolicate import Frame, MapCache, symbolicate
from tests.sourcemaps.bundle import CART, MESSAGE, THROW, Bundle, position, v8_stack
from tests.sourcemaps.conftest import query_of

URL = "https://shop.example/assets/app.min.js"


async def _lines(client: Client, bundle: Bundle) -> list[Frame | str]:
    upload.send(client, "shop", "1.0", upload.find(bundle.folder), lambda _: None)
    stack = v8_stack(bundle, URL) + "\n    at https://shop.example/rum.js:1:99"
    return await symbolicate(query_of(client), "shop", "1.0", stack, MapCache())


async def test_render_text_marks_the_throw_in_its_original_source(
    migrated: Client, bundle: Bundle
) -> None:
    text = render_text(await _lines(migrated, bundle))
    line, column = position(CART, THROW)
    throw = CART.splitlines()[line - 1]
    assert text.splitlines()[:2] == [
        f"RangeError: {MESSAGE}", f"  at computeTotal (src/cart.js:{line}:{column})",
    ]  # fmt: skip
    assert f"  > {line} | {throw}" in text.splitlines()
    assert f"    {line - 1} | {CART.splitlines()[line - 2]}" in text.splitlines()
    assert text.splitlines()[-1] == "  at https://shop.example/rum.js:1:99", "no map: as is"


async def test_render_html_escapes_and_marks(migrated: Client, bundle: Bundle) -> None:
    page = render_html(await _lines(migrated, bundle))
    line = position(CART, THROW)[0]
    throw = html.escape(CART.splitlines()[line - 1])
    assert page.startswith('<pre class="stack">')
    assert page.endswith("</pre>")
    assert f"<mark>    {line} | {throw}</mark>" in page
    assert "&lt; 0) {" in page, "the line before, escaped (item.quantity < 0)"
    assert "<" not in re.sub(r"</?(?:pre|span|mark)\b[^>]*>", "", page), "only its own tags"


def test_render_context_for_the_first_frames_only() -> None:
    raw = RawFrame("at f (https://x.example/a.js:1:1)", "f", "https://x.example/a.js", 1, 1)
    frame = Frame(raw, "<b>", "src/a.js", 2, 1, ((1, "one"), (2, "two <i>"), (3, "three")))
    text = render_text([frame] * (CONTEXT_FRAMES + 1))
    assert text.count("  > 2 | two <i>") == CONTEXT_FRAMES
    assert text.count("at <b> (src/a.js:2:1)") == CONTEXT_FRAMES + 1
    page = render_html([frame])
    assert "at &lt;b&gt; (src/a.js:2:1)" in page
    assert 'title="at f (https://x.example/a.js:1:1)"' in page
    assert "<mark>    2 | two &lt;i&gt;</mark>" in page


def test_render_a_frame_without_a_name_or_source_lines() -> None:
    """An anonymous frame reads ``at file:line:column``; a map without sources, no context."""
    raw = RawFrame("at https://x.example/a.js:1:9", "", "https://x.example/a.js", 1, 9)
    assert render_text([Frame(raw, "", "src/a.js", 7, 3)]) == "  at src/a.js:7:3"


def test_render_context_numbers_aligned_to_the_widest() -> None:
    raw = RawFrame("at f (https://x.example/a.js:1:1)", "f", "https://x.example/a.js", 1, 1)
    frame = Frame(raw, "f", "src/a.js", 9, 1, ((8, "eight"), (9, "nine"), (10, "ten")))
    assert render_text([frame]).splitlines()[1:] == [
        "     8 | eight", "  >  9 | nine", "    10 | ten",
    ]  # fmt: skip


def test_render_html_one_line_per_line() -> None:
    """The head and each frame on a line of their own, nothing between them."""
    raw = RawFrame("at f (https://x.example/a.js:1:1)", "f", "https://x.example/a.js", 1, 1)
    assert render_html(["Error: <x>", Frame(raw, "f")]) == (
        '<pre class="stack">Error: &lt;x&gt;\n'
        '<span class="raw">  at f (https://x.example/a.js:1:1)</span></pre>'
    )
