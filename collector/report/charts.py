"""Charts drawn on the server, as SVG in the page (no script: the page works under a CSP
that allows none), and as block characters in the terminal.

A p75 chart draws the good and poor thresholds of its vital as dashed lines, so that the
line's position says its rating at a glance; each point carries a ``<title>`` (the
browser's own tooltip) with its time and value.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 170, 44, 20, 8
BLOCKS = "▁▂▃▄▅▆▇█"


def buckets(start: datetime, end: datetime, step: int) -> list[datetime]:
    """Every chart step of a range, aligned as the engine's toStartOfInterval aligns them."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = epoch + timedelta(seconds=(start - epoch).total_seconds() // step * step)
    return [
        first + timedelta(seconds=step * i)
        for i in range(int((end - first).total_seconds() // step) + 1)
    ]


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _label(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:,.0f}"


def _axis(start: datetime, end: datetime, x: float, anchor: str) -> str:
    fmt = "%b %d" if end - start > timedelta(days=2) else "%H:%M"
    return (
        f'<text x="{x:.0f}" y="{HEIGHT - 4}" text-anchor="{anchor}">'
        f"{_utc(start if anchor == 'start' else end).strftime(fmt)}</text>"
    )


def p75_chart(
    metric: str,
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    thresholds: tuple[float, float],
) -> str:
    """An SVG line of p75 over ``start``..``end`` with the thresholds drawn."""
    good, poor = thresholds
    top = max([poor * 1.15, *(v * 1.05 for _, v in points)])
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        seconds = (_utc(at) - start).total_seconds()
        return LEFT + (WIDTH - LEFT - 4) * min(max(seconds / span, 0.0), 1.0)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)

    lines = "".join(
        f'<line class="{name}" x1="{LEFT}" x2="{WIDTH - 4}" y1="{y(level):.1f}"'
        f' y2="{y(level):.1f}"/>'
        f'<text x="{LEFT - 4}" y="{y(level) + 4:.1f}" text-anchor="end">{_label(level)}</text>'
        for name, level in (("good", good), ("poor", poor))
    )
    path = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in points)
    dots = "".join(
        f'<circle cx="{x(at):.1f}" cy="{y(v):.1f}" r="2.5"><title>'
        f"{_utc(at).strftime('%Y-%m-%d %H:%M UTC')}: {_label(v)}</title></circle>"
        for at, v in points
    )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="p75 {html.escape(metric)} over time">{lines}'
        f'<polyline points="{path}"/>{dots}'
        f"{_axis(start, end, LEFT, 'start')}{_axis(start, end, WIDTH - 4, 'end')}</svg>"
    )


def sparkline(counts: Sequence[int], width: int = 120, height: int = 24) -> str:
    """Bars of counts (an error's occurrences per step), as a small SVG."""
    top = max([*counts, 1])
    bar = width / max(len(counts), 1)
    bars = "".join(
        f'<rect x="{i * bar:.1f}" y="{height - height * n / top:.1f}" width="{max(bar - 1, 1):.1f}"'
        f' height="{height * n / top:.1f}"/>'
        for i, n in enumerate(counts)
        if n
    )
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="occurrences over time">{bars}</svg>'
    )


def _squeeze(values: Sequence[float | None], width: int) -> list[float | None]:
    """At most ``width`` values: neighbours averaged (the ones known)."""
    size = -(-len(values) // width) if len(values) > width else 1
    out: list[float | None] = []
    for i in range(0, len(values), size):
        known = [v for v in values[i : i + size] if v is not None]
        out.append(sum(known) / len(known) if known else None)
    return out


def blocks(values: Sequence[float | None], width: int = 32) -> str:
    """A terminal sparkline of at most ``width`` blocks (neighbouring values averaged), each
    block's height between the lowest and the highest; a space where there is no value."""
    values = _squeeze(values, width)
    known = [v for v in values if v is not None]
    top, low = (max(known), min(known)) if known else (1.0, 0.0)
    spread = top - low or 1.0
    return "".join(
        " " if v is None else BLOCKS[round((v - low) / spread * (len(BLOCKS) - 1))] for v in values
    )


def bars(points: Sequence[tuple[str, float, str]], unit: str = "%") -> str:
    """Vertical bars, one per ``(label, value, class)`` (a class such as ``good`` colours
    it), each with its value above and its label below: a chart a manager reads at a
    glance. Values in ``unit``; the tallest bar fills the height."""
    width, height, base = max(60 * len(points), 240), 160, 130
    top = max([v for _, v, _ in points] + [1e-9])
    step = width / max(len(points), 1)
    out = []
    for i, (label, value, kind) in enumerate(points):
        tall = (base - 20) * value / top
        x = i * step + step * 0.15
        shown = f"{value:.1f}{unit}" if unit == "%" else f"{value:,.0f}{unit}"
        out.append(
            f'<rect class="{html.escape(kind)}" x="{x:.1f}" y="{base - tall:.1f}"'
            f' width="{step * 0.7:.1f}" height="{tall:.1f}"><title>{html.escape(label)}:'
            f" {shown}</title></rect>"
            f'<text x="{x + step * 0.35:.1f}" y="{base - tall - 4:.1f}" text-anchor="middle">'
            f"{shown}</text>"
            f'<text x="{x + step * 0.35:.1f}" y="{base + 14}" text-anchor="middle">'
            f"{html.escape(label)}</text>"
        )
    return f'<svg class="bars" viewBox="0 0 {width:.0f} {height}" role="img">{"".join(out)}</svg>'
