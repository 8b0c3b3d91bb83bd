"""Long animation frames: the page view's totals and its scripts, URLs cleaned.

A total or a script's time outside ``[0, DURATION_MS]`` is impossible for a page view (an
hour of one frame): the total becomes NULL, the script is left out, each counted as a
dropped ``invalid_value``.
"""

from __future__ import annotations

from collector.ingest.contract import Loaf
from collector.ingest.contract import LoafScript as LoafScriptIn
from collector.ingest.enrich import page
from collector.ingest.events import LoafScript, LongFrames
from collector.ingest.limits import DURATION_MS
from collector.ingest.outcomes import Drops, ItemDrop


def _plausible(value: float | None) -> bool:
    return value is None or 0 <= value <= DURATION_MS


def timing(value: float | None, drops: Drops) -> float | None:
    """``value``, or ``None`` (counted as ``invalid_value``) when no page takes that long."""
    if _plausible(value):
        return value
    drops.add(ItemDrop.INVALID_VALUE)
    return None


def _script(
    script: LoafScriptIn, page_url: str, allowlist: tuple[str, ...], drops: Drops
) -> LoafScript | None:
    if not (_plausible(script.duration) and _plausible(script.blocking)):
        drops.add(ItemDrop.INVALID_VALUE)
        return None
    return LoafScript(
        url=page.clean_link(script.url, page_url, allowlist),
        function=page.clean_text(script.function),
        invoker=script.invoker,
        duration=script.duration or 0.0,  # the column holds no NULL inside the array
        blocking=script.blocking or 0.0,
    )


def long_frames(
    loaf: Loaf | None, page_url: str, allowlist: tuple[str, ...], drops: Drops
) -> LongFrames | None:
    """``None`` when the beacon has none: the browser does not report long frames."""
    if loaf is None:
        return None
    scripts = [s for x in loaf.scripts if (s := _script(x, page_url, allowlist, drops))]
    return LongFrames(
        count=loaf.count,
        blocking=timing(loaf.blocking, drops),
        longest=timing(loaf.longest, drops),
        scripts=scripts,
    )
