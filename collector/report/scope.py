"""What a report covers: a time range, a site, and filters on segments.

The page takes them from its URL (``?range=7d&page_group=/cart&browser=Chrome``), the
command from its options (``--range 7d --filter page_group=/cart``); both go through
``parse``, which refuses what it cannot honour with a message that says what to write,
instead of quietly reporting something else. Every figure is compared with the previous
period of the same length, which ``previous`` gives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

# Dimensions a filter or a breakdown can name; ``dims.NAME`` names a custom dimension.
DIMENSIONS = ("page_group", "device_class", "browser", "country", "connection", "release")
PRESETS = ("1h", "24h", "7d", "30d")
LONGEST = timedelta(days=400)  # the rollups keep 13 months
_RANGE = re.compile(r"^([1-9][0-9]{0,6})([hd])$")
_CUSTOM = re.compile(r"^dims\.[A-Za-z0-9_]{1,32}$")
MAX_FILTERS = 8


class ScopeError(ValueError):
    """A range, time or filter the report cannot honour; the message says what to write."""


@dataclass(frozen=True)
class Scope:
    start: datetime
    end: datetime
    site: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    preset: str = ""  # "7d" when the range is relative to now, "" when custom
    bots: bool = False  # page views flagged as bots too (stored when drop_bots = false)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - self.length, end=self.start)

    def label(self) -> str:
        if self.preset:
            number, unit = int(self.preset[:-1]), self.preset[-1]
            word = {"h": "hour", "d": "day"}[unit]
            return f"last {word}" if number == 1 else f"last {number} {word}s"
        return f"{_moment(self.start)} to {_moment(self.end)}"

    def length_words(self) -> str:
        """``7 days``, ``hour``, ``36 hours``: the length of the period, in words."""
        hours = round(self.length.total_seconds() / 3600)
        if hours % 24 == 0:
            return "day" if hours == 24 else f"{hours // 24} days"
        return "hour" if hours == 1 else f"{hours} hours"

    def value(self, dimension: str) -> str | None:
        return dict(self.filters).get(dimension)

    def with_filter(self, dimension: str, value: str) -> Scope:
        kept = tuple((d, v) for d, v in self.filters if d != dimension)
        return replace(self, filters=tuple(sorted((*kept, (dimension, value)))))

    def without(self, dimension: str) -> Scope:
        return replace(self, filters=tuple((d, v) for d, v in self.filters if d != dimension))

    def query(self) -> str:
        """This scope as the page's query string (links keep it, a click changes one part)."""
        when = {"range": self.preset} if self.preset else {
            "since": _iso(self.start), "until": _iso(self.end)
        }  # fmt: skip
        site = {"site": self.site} if self.site else {}
        bots = {"bots": "include"} if self.bots else {}
        return "?" + urlencode({**when, **site, **bots, **dict(self.filters)})


def _moment(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


def span(text: str) -> timedelta:
    """``7d``, ``24h``...: a whole number of hours or days, at most 400 days."""
    found = _RANGE.match(text)
    if not found:
        raise ScopeError(f"range {text!r}: write a number of hours or days, such as 24h or 7d")
    number, unit = int(found[1]), found[2]
    length = timedelta(hours=number) if unit == "h" else timedelta(days=number)
    if length > LONGEST:
        raise ScopeError(f"range {text}: the rollups keep 13 months: ask for 400d at most")
    return length


def moment(text: str, name: str) -> datetime:
    """An ISO 8601 time (UTC unless it has an offset)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ScopeError(
            f"{name} {text!r} is not a time: write it as 2026-11-28T20:00 (UTC) or with an offset"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _when(query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime, str]:
    if "since" in query or "until" in query:
        if "range" in query or "days" in query:
            raise ScopeError("give either range or since/until, not both")
        end = moment(query["until"], "until") if query.get("until") else now
        if "since" not in query:
            raise ScopeError("until needs a since: the start of the period")
        start = moment(query["since"], "since")
        if not start < end:
            raise ScopeError("since must be before until")
        if end - start > LONGEST:
            raise ScopeError("the rollups keep 13 months: ask for 400 days at most")
        return start, min(end, now), ""
    preset = query.get("range") or (_days(query["days"]) if "days" in query else "7d")
    return now - span(preset), now, preset


def _days(text: str) -> str:
    """The older ``?days=N``, as a range."""
    if not text.isdigit() or int(text) < 1:
        raise ScopeError(f"days {text}: a whole number of days from 1 (or range=24h, 7d...)")
    return f"{int(text)}d"


def _filters(query: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    found = []
    for name, value in query.items():
        if name in DIMENSIONS or _CUSTOM.match(name):
            if len(value) > 256:
                raise ScopeError(f"filter {name}: a value of 256 characters at most")
            found.append((name, value))
        elif name.startswith("dims."):
            raise ScopeError(f"filter {name!r}: a custom dimension's name is letters, digits, _")
    if len(found) > MAX_FILTERS:
        raise ScopeError(f"{len(found)} filters: {MAX_FILTERS} at most")
    return tuple(sorted(found))


KNOWN = {"range", "days", "since", "until", "site", "bots"}


def parse(query: Mapping[str, str], now: datetime) -> Scope:
    """The scope a page's URL or the command's options ask for (``now``: once per report)."""
    unknown = [
        k for k in query if k not in KNOWN and k not in DIMENSIONS and not k.startswith("dims.")
    ]
    if unknown:
        raise ScopeError(
            f"unknown parameter {unknown[0]!r}: use range, since, until, site, bots, or a filter"
            f" ({', '.join(DIMENSIONS)}, dims.NAME)"
        )
    start, end, preset = _when(query, now)
    site = query.get("site", "")
    if len(site) > 64:
        raise ScopeError("site: a site key of 64 characters at most")
    bots = query.get("bots", "exclude")
    if bots not in ("include", "exclude"):
        raise ScopeError(f"bots {bots!r}: include or exclude (the default)")
    return Scope(
        start=start, end=end, site=site, filters=_filters(query), preset=preset,
        bots=bots == "include",
    )  # fmt: skip
