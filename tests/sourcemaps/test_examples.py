"""The example stack of a report's error as the terminal shows it: the error, a line of what
its site's and release's maps did (or what to do when they did nothing), then the stack."""

from __future__ import annotations

from collector.sourcemaps.examples import Example, render_text
from collector.sourcemaps.frames import RawFrame
from collector.sourcemaps.symbolicate import Frame

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
