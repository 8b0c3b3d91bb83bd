"""The internal, enriched record of one beacon: what the pipeline hands to ``rows.py``.

It is neither the wire contract (``contract.py``) nor the database row (``rows.py``): it holds
server-side facts (receive time, browser, country, page group) and never the client's IP.

Only ``Agent`` is frozen: one instance is cached and shared by every beacon from the same
user agent. The records built anew for each beacon are plain slotted dataclasses: a frozen
one sets each field through ``object.__setattr__``, which made building them some 7% of a
beacon's CPU in the collector (five vitals a beacon).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Agent:
    """What the user agent says about the browser and device."""

    browser: str
    browser_version: str
    os: str
    device_class: str  # mobile, tablet or desktop
    is_bot: bool


@dataclass(slots=True)
class Vital:
    name: str
    value: float
    rating: str
    target: str
    url: str
    interaction_type: str
    load_state: str
    phases: dict[str, float]
    script_url: str = ""  # INP: the longest script of its frames
    script_function: str = ""


@dataclass(slots=True)
class JsError:
    kind: str
    type: str
    message: str
    source: str
    line: int
    column: int
    stack: str
    count: int


@dataclass(slots=True)
class Failure:
    """A failed request or resource, deduplicated in the page view with a count."""

    kind: str  # request or resource
    initiator: str
    method: str
    url: str  # cleaned as the page URL is
    endpoint: str  # the path with ids templated, prefixed with its host when not the page's
    status: int  # 0: a network error
    duration: float | None
    count: int


@dataclass(slots=True)
class LoafScript:
    url: str
    function: str
    invoker: str
    duration: float
    blocking: float


@dataclass(slots=True)
class LongFrames:
    """The page view's long animation frames so far (the latest beacon's totals)."""

    count: int
    blocking: float | None
    longest: float | None
    scripts: list[LoafScript]


@dataclass(slots=True)
class CustomEvent:
    name: str
    value: float | None
    conversion: bool = False  # one of the site's `conversions`: its value is revenue


@dataclass(slots=True)
class PageView:
    """One beacon, enriched: the page view's context and the items it carries."""

    received_at: datetime
    started_at: datetime  # server clock: received_at less the page view's age
    site: str
    page_view_id: str
    session_id: str
    seq: int
    url: str
    host: str
    path: str
    page_group: str
    referrer: str
    navigation_type: str
    release: str
    dims: dict[str, str]
    agent: Agent
    country: str
    connection: str
    context: dict[str, float | int | str | None]
    nav: dict[str, float | int | str | None]
    vitals: list[Vital] = field(default_factory=list)
    errors: list[JsError] = field(default_factory=list)
    events: list[CustomEvent] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    loaf: LongFrames | None = None  # None: the browser does not report long animation frames
