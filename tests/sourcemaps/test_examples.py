"""The example stack of a report's error as the terminal shows it: the error, a line of what
its site's and release's maps did (or what to do when they did nothing), then the stack."""

from __future__ import annotations

from typing import Any

from clickhouse_connect.driver.client import Client

from collector.sourcemaps import upload
from collector.sourcemaps.examples import Example, example, render_text
from collector.sourcemaps.frames import RawFrame
from collector.sourcemaps.symbolicate import Frame, MapCache
from tests.sourcemaps.bundle import MESSAGE, Bundle, v8_stack
from tests.sourcemaps.conftest import query_of

RAW = RawFrame(
    "at n (https://shop.example/app.min.js:1:80)", "n", "https://shop.example/app.min.js", 1, 80
)
MAPPED = Frame(RAW, "computeTotal", "src/cart.js", 11, 13)
UNMAPPED = Frame(RAW, "n")


def test_each_example_says_what_its_maps_did_or_what_to_do() -> None:
    text = render_text(
        [
            Example("RangeError", "bad total", "shop", "1.4", [MAPPED, UNMAPPED]),
            Example("TypeError", "x is undefined", "shop", "1.5", [UNMAPPED]),
            Example("Error", "boom", "blog", "", [UNMAPPED]),
        ]
    )
    assert [block.splitlines()[:2] for block in text.split("\n\n")] == [
        [
            "RangeError: bad total",
            "(site shop, release 1.4: 1 of 2 frames mapped by its source maps)",
        ],
        [
            "TypeError: x is undefined",
            "(site shop, release 1.5: no source map matches its frames: "
            "`rumhouse sourcemaps upload --site shop --release 1.5 DIR`)",
        ],
        [
            "Error: boom",
            "(site blog, release none set: "
            "no release: the page sets one with rumhouse('set', 'release', R))",
        ],
    ]


def an_error(stack: str, message: str = MESSAGE) -> dict[str, Any]:
    """A row of the report's errors query, as ``example`` reads it."""
    return {"type": "RangeError", "message": message, "example_stack": stack,
            "example_site": "shop", "example_release": "1.0"}  # fmt: skip


async def test_an_error_s_latest_stack_is_mapped_through_its_site_and_release(
    migrated: Client, bundle: Bundle
) -> None:
    upload.send(migrated, "shop", "1.0", upload.find(bundle.folder), lambda _: None)
    cache = MapCache()
    stack = v8_stack(bundle, "https://shop.example/static/assets/app.min.js")
    found = await example(query_of(migrated), an_error(stack), cache)
    assert found is not None
    assert (found.site, found.release, found.frames, found.mapped) == ("shop", "1.0", 2, 2)
    # The heading V8 repeats is dropped (the example names the error itself): frames only.
    assert [line.function if isinstance(line, Frame) else line for line in found.lines] == [
        "computeTotal",
        "checkout",
    ]
    assert len(cache) == 1, "the map read went into the cache given"
    # A first line that is not the error's own heading is kept.
    other = await example(query_of(migrated), an_error(stack, "another message"), cache)
    assert other is not None
    assert other.lines[0] == f"RangeError: {MESSAGE}"


async def test_an_error_without_a_stack_has_no_example(migrated: Client) -> None:
    assert await example(query_of(migrated), an_error(""), MapCache()) is None
