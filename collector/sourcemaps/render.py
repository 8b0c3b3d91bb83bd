"""A symbolicated stack drawn for people: escaped HTML (``render_html``, for the report page)
and plain text (``render_text``, for the terminal). A mapped frame reads
``at computeTotal (src/cart.js:11:13)``, followed for the first few by the source lines
around it, its own line marked; a frame without a map is shown as the stack wrote it."""

from __future__ import annotations

import html
from collections.abc import Sequence

from collector.sourcemaps.symbolicate import Frame

CONTEXT_FRAMES = 3  # mapped frames shown with their source lines: the rest, one line each
STYLE = (
    "pre.stack{background:#f6f6f6;padding:.6rem .8rem;overflow-x:auto;font-size:13px;"
    "line-height:1.35}pre.stack .ctx{color:#777}pre.stack mark{background:#fde8b0;"
    "color:inherit}pre.stack .raw{color:#999}"
)


def where(frame: Frame) -> str:
    """``at function (file:line:column)``: the original place, or the raw frame."""
    if not frame.mapped:
        return frame.raw.text
    place = f"{frame.file}:{frame.line}:{frame.column}"
    return f"at {frame.function} ({place})" if frame.function else f"at {place}"


def _context(frame: Frame) -> list[tuple[bool, str]]:
    """The source lines around the frame: (is the frame's line, ``  11 | text``)."""
    width = len(str(frame.context[-1][0])) if frame.context else 0
    return [(n == frame.line, f"{n:>{width}} | {text}") for n, text in frame.context]


def _lines(lines: Sequence[Frame | str]) -> list[tuple[str, str, str]]:
    """(kind, text, title) per output line; kind: head, frame, raw, context, mark."""
    out: list[tuple[str, str, str]] = []
    shown = 0
    for line in lines:
        if isinstance(line, str):
            out.append(("head", line, ""))
        elif not line.mapped:
            out.append(("raw", f"  {line.raw.text}", ""))
        else:
            out.append(("frame", f"  {where(line)}", line.raw.text))
            if shown < CONTEXT_FRAMES:
                out += [("mark" if own else "context", f"    {t}", "") for own, t in _context(line)]
            shown += 1
    return out


def render_text(lines: Sequence[Frame | str]) -> str:
    """The stack for a terminal: the frame's own source line marked with ``>``."""
    return "\n".join(
        ("  >" + text[3:]) if kind == "mark" else text for kind, text, _ in _lines(lines)
    )


_HTML = {
    "head": "{}", "frame": '<span title="{title}">{}</span>', "raw": '<span class="raw">{}</span>',
    "context": '<span class="ctx">{}</span>', "mark": "<mark>{}</mark>",
}  # fmt: skip


def render_html(lines: Sequence[Frame | str]) -> str:
    """The stack as ``<pre class="stack">`` (``STYLE`` colours it), every text escaped; a
    mapped frame's title is its minified place."""
    body = "\n".join(
        _HTML[kind].format(html.escape(text), title=html.escape(title))
        for kind, text, title in _lines(lines)
    )
    return f'<pre class="stack">{body}</pre>'
