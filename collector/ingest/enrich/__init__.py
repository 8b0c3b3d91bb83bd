"""Enrichment: a validated ``Beacon`` plus what the request says → a ``PageView``.

The steps run in the order of ``Enricher.enrich``; each ``put_*`` only adds, and the items
that cannot be kept are counted in ``Drops`` with a reason. The client's address is used for
the country lookup and then forgotten: it is not in the returned record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from collector.ingest.contract import Beacon, ErrorIn
from collector.ingest.enrich import filters, page
from collector.ingest.enrich.failures import Failures
from collector.ingest.enrich.frames import long_frames
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.enrich.user_agent import classify
from collector.ingest.enrich.vitals import to_vital
from collector.ingest.events import CustomEvent, JsError, PageView, Vital
from collector.ingest.limits import DURATION_MS, MAX_AGE
from collector.ingest.outcomes import Drops, ItemDrop
from collector.settings import Settings


@dataclass(slots=True)
class Client:
    """What the HTTP request says about the sender; ``address`` never leaves enrichment.
    Not frozen: one is built for every beacon, and a frozen dataclass costs more to build."""

    address: str
    user_agent: str


def _known(model: BaseModel, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The model's declared fields only: pydantic keeps extras apart, in ``model_extra``
    (they are counted, never stored), and ``__dict__`` holds every declared field."""
    known = model.__dict__.copy()
    for name in exclude:
        del known[name]
    return known


def _unknown_fields(beacon: Beacon) -> int:
    """Fields this collector does not know (a newer beacon's), counted then ignored."""
    count = 0
    loaf = beacon.loaf
    models = (beacon, beacon.context, beacon.nav, *beacon.metrics, *beacon.errors, *beacon.events,
              *beacon.failures, loaf, *(loaf.scripts if loaf else ()))  # fmt: skip
    for model in models:
        extra = model.__pydantic_extra__ if model is not None else None
        if extra:
            count += len(extra)
    return count


# Context fields that become columns of their own rather than context columns.
_NOT_CONTEXT = ("effective_type", "ua_mobile")


# A page view older than this is a tab left open: its start is not worth trusting further.
_MAX_AGE_MS = MAX_AGE / timedelta(milliseconds=1)
_NO_AGE = timedelta(0)


def _age(elapsed: float | None) -> timedelta:
    """How long ago the page view started, from the page's own monotonic clock (so a wrong
    client wall clock does not matter); every beacon of a page view gives nearly the same
    start, which keeps the page view in one hourly rollup."""
    if not elapsed:  # the first beacon of most page views
        return _NO_AGE
    milliseconds = min(max(elapsed, 0.0), _MAX_AGE_MS)
    return timedelta(milliseconds=milliseconds)  # clamped first: a huge value cannot overflow


def _error(e: ErrorIn, allowlist: tuple[str, ...]) -> JsError:
    """Every URL in the message, source and stack cleaned as the page URL (an inline
    script's source is the page URL, query string included)."""
    return JsError(
        kind=e.kind,
        type=e.type,
        message=page.clean_text(e.message, allowlist),
        source=page.clean_text(e.source, allowlist),
        line=e.line or 0,
        column=e.column or 0,
        stack=page.clean_text(e.stack, allowlist),
        count=e.count,
    )


def _errors(beacon: Beacon, drops: Drops, allowlist: tuple[str, ...]) -> list[JsError]:
    if not beacon.errors:  # most beacons
        return []
    kept = [e for e in beacon.errors if not filters.from_extension(e)]
    drops.add(ItemDrop.EXTENSION_ERROR, len(beacon.errors) - len(kept))
    return [_error(e, allowlist) for e in kept]


def _vitals(beacon: Beacon, drops: Drops, allowlist: tuple[str, ...]) -> list[Vital]:
    vitals = [v for m in beacon.metrics if (v := to_vital(m, drops)) is not None]
    for vital in vitals:  # the LCP resource and the INP script
        if vital.url:
            vital.url = page.clean_link(vital.url, beacon.url, allowlist)
        if vital.script_url:
            vital.script_url = page.clean_link(vital.script_url, beacon.url, allowlist)
            vital.script_function = page.clean_text(vital.script_function)
    return vitals


def _nav(beacon: Beacon, drops: Drops) -> dict[str, Any]:
    """The navigation timing, unless a phase is impossible (negative or over an hour).
    Durations are the float fields (sizes are ints, the protocol a string)."""
    if beacon.nav is None:
        return {}
    nav = _known(beacon.nav)
    for value in nav.values():
        if isinstance(value, float) and not 0 <= value <= DURATION_MS:
            drops.add(ItemDrop.INVALID_VALUE)
            return {}
    return nav


class Enricher:
    def __init__(self, countries: CountryLookup, settings: Settings) -> None:
        self._countries = countries
        self._settings = settings
        self._failures = Failures(
            settings.url_query_allowlist, settings.beacon_path, settings.client_errors
        )
        # Conversions are marked as events arrive, by the site's setting at that time: the
        # stored mark is what every view and rollup reads, whatever the settings say later.
        self._conversions = {site.key: frozenset(site.conversions) for site in settings.sites}
        self._other_conversions = frozenset(settings.conversions)

    def _events(self, beacon: Beacon) -> list[CustomEvent]:
        if not beacon.events:  # most beacons
            return []
        conversions = self._conversions.get(beacon.site, self._other_conversions)
        return [CustomEvent(e.name, e.value, e.name in conversions) for e in beacon.events]

    def enrich(
        self, beacon: Beacon, client: Client, received_at: datetime, drops: Drops | None = None
    ) -> tuple[PageView, Drops]:
        """The enriched page view, and what was dropped from it; ``drops.whole`` says when
        policy drops the entire beacon (bots, localhost pages, spam referrers)."""
        drops = drops or Drops()
        drops.add(ItemDrop.UNKNOWN_FIELD, _unknown_fields(beacon))
        allowlist = self._settings.url_query_allowlist
        url, host, path = page.clean_url(beacon.url, allowlist)
        ctx = beacon.context
        dims = dict(beacon.dims)
        view = PageView(
            received_at=received_at,
            started_at=received_at - _age(beacon.elapsed),
            site=beacon.site,
            page_view_id=beacon.page_view_id,
            session_id=beacon.session_id,
            seq=beacon.seq,
            url=url,
            host=host,
            path=path,
            page_group=page.page_group(path, beacon.label),
            referrer=page.referrer_origin(beacon.referrer),
            navigation_type=beacon.navigation_type or "",
            release=dims.pop("release", ""),
            dims=dims,
            agent=classify(client.user_agent, ctx.ua_mobile),
            country=self._countries.country(client.address) if client.address else "",
            connection=ctx.effective_type or "",
            context=_known(ctx, _NOT_CONTEXT),
            nav=_nav(beacon, drops),
        )
        view.vitals = _vitals(beacon, drops, allowlist)
        view.errors = _errors(beacon, drops, allowlist)
        view.events = self._events(beacon)
        if beacon.failures:
            view.failures = self._failures.enrich(beacon.failures, beacon.url, host, drops)
        view.loaf = long_frames(beacon.loaf, beacon.url, allowlist, drops)
        s = self._settings
        drops.whole = (
            filters.drop_bot(view, s.drop_bots)
            or filters.drop_localhost(view, s.open_mode)
            or filters.drop_spam_referrer(view, s.spam_referrers)
        )
        return view, drops
