"""Stack lines as V8, SpiderMonkey and JavaScriptCore write them, read into frames."""

from __future__ import annotations

from collector.sourcemaps.frames import RawFrame, parse, parse_line


def test_frames_v8_lines_with_and_without_a_function() -> None:
    named = parse_line("    at async HTMLButtonElement.i (https://shop.example/a/app.js:1:256)")
    assert named == RawFrame(
        "at async HTMLButtonElement.i (https://shop.example/a/app.js:1:256)",
        "HTMLButtonElement.i", "https://shop.example/a/app.js", 1, 256,
    )  # fmt: skip
    bare = parse_line("    at https://shop.example/a/app.js:3:7")
    assert bare is not None
    assert (bare.function, bare.path, bare.line, bare.column) == ("", "/a/app.js", 3, 7)
    built = parse_line("    at new Cart (https://shop.example/cart.js:10:2)")
    assert built is not None
    assert built.function == "Cart"


def test_frames_gecko_and_webkit_lines() -> None:
    firefox = parse_line("computeTotal/<@https://shop.example/app.js?v=2:1:134")
    assert firefox is not None
    assert (firefox.function, firefox.path, firefox.line, firefox.column) == (
        "computeTotal/<", "/app.js", 1, 134,
    )  # fmt: skip
    safari = parse_line("global code@https://shop.example/app.js:12:3")
    assert safari is not None
    assert (safari.function, safari.line) == ("global code", 12)
    anonymous = parse_line("@https://shop.example/app.js:5:9")
    assert anonymous is not None
    assert (anonymous.function, anonymous.column) == ("", 9)


def test_frames_other_lines_stay_text() -> None:
    stack = (
        "TypeError: x is undefined\n"
        "    at eval (eval at <anonymous> (https://x.example/a.js:1:2), <anonymous>:1:1)\n"
        "\n"
        "    at native\n"
        "    at https://x.example/a.js:1"  # cut by the beacon's length limit
    )
    assert parse(stack) == [
        "TypeError: x is undefined",
        "at eval (eval at <anonymous> (https://x.example/a.js:1:2), <anonymous>:1:1)",
        "at native",
        "at https://x.example/a.js:1",
    ]


def test_frames_a_path_without_a_scheme_is_the_path() -> None:
    frame = parse_line("    at f (/static/app.js:2:3)")
    assert frame is not None
    assert frame.path == "/static/app.js"
