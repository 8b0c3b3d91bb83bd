"""History for demos and tests: ``rumhouse simulate --days N [--incident KIND]``.

``timeline`` makes the page views of ``days`` days ending at ``now``, pure and reproducible:
hour by hour (each hour ending a whole number of hours before ``now``), ``rate`` page views
in the busiest hour of the week scaled by ``traffic_share`` (a daily cycle, quiet at night
and busiest in the evening, and a weekly one, busier at the weekend; UTC is the site's local
time). The cycle is the same every week: the same hour of another week has the same number
of page views. They come from ``simulate.visits``, seeded by the time of day: every day
repeats the same visits at the same hour (with ids of its own), fewer on quieter days, so
that "the same hour of the previous days" is a fair baseline for alert rules at any rate
(no hour is worse than the others' same hour by chance). Page views are spread evenly over
their hour; a re-sent beacon arrives seconds to minutes after
the first, and says how old its page view is (``elapsed``), as rum.js does. ``--incident``
changes the last hour (see ``incidents``); without one, nothing in the last hours differs
from the same hours of other days but the traffic.

``write_history`` stores them as a collector would have at those times (``history_store``).

The API, for tests and tools::

    from collector.tools.history import timeline, write_history
    summary = write_history(client, days=14, incident="lcp", seed=1, now=None, rate=400)
    for at, visit in timeline(days=1, now=now, rate=200, seed=1): ...

``client`` is a clickhouse-connect ``Client`` on rumhouse's database: chDB on a data folder
(``collector.store.client.open_client``), a ClickHouse server, or a collector's SQL endpoint
with a writer user. ``now`` defaults to the current time; ``summary`` counts what was
written. The same arguments give the same rows. ``hourly_page_views(start, rate)`` says how
many page views the hour from ``start`` gets (to choose a ``rate`` that gives a rule its
minimum sample at the hour a test runs); ``incidents`` names what each incident hits
(``PAGE_GROUP``, ``RELEASE``, ``ERROR``, ``ENDPOINT``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

from collector.settings import Settings
from collector.tools import incidents
from collector.tools.history_store import Summary, write
from collector.tools.simulate import Visit, visits

DEFAULT_RATE = 400  # page views in the busiest hour of the week (see the README)
HOUR = timedelta(hours=1)
# Share of the busiest hour, by hour of the day (UTC) and by weekday (Monday first).
DAILY = (
    0.30, 0.20, 0.14, 0.11, 0.11, 0.15, 0.25, 0.42, 0.58, 0.68, 0.74, 0.80,
    0.85, 0.80, 0.75, 0.74, 0.78, 0.85, 0.93, 1.00, 1.00, 0.90, 0.70, 0.48,
)  # fmt: skip
WEEKLY = (0.85, 0.84, 0.85, 0.86, 0.90, 1.00, 0.97)
RESEND_SECONDS = (5.0, 600.0)  # how long after its first beacon a page view sends again


def traffic_share(at: datetime) -> float:
    """The traffic at ``at`` as a share of the busiest hour of the week (0 to 1]."""
    return DAILY[at.hour] * WEEKLY[at.weekday()]


def hourly_page_views(at: datetime, rate: int) -> int:
    """How many page views the hour that starts at ``at`` has."""
    return round(rate * traffic_share(at + HOUR / 2))


def _resent(at: datetime, visit: Visit, end: datetime, rng: random.Random) -> None:
    """Re-sent beacons arrive later, with the age of their page view, before ``end``."""
    for n, beacon in enumerate(visit.resends):
        later = min(rng.uniform(*RESEND_SECONDS), (end - at).total_seconds())
        visit.resends[n] = dict(beacon, elapsed=float(int(later * 1000)))  # never after end


def _hour(
    back: int, end: datetime, rate: int, seed: int, site: str
) -> Iterator[tuple[datetime, Visit]]:
    """The page views of the hour that ends ``back - 1`` hours before ``end``. Its draws
    depend on the time of day only (the hour it starts in, UTC): another day's same hour
    repeats them, in this history or in one ending at another day's same minute, a longer
    hour adds more, so the same hour of other days is a baseline that differs by its
    traffic only. Ids differ from day to day (a page view id starts with its hour, a
    session id ends with its day)."""
    start = end - back * HOUR
    count = hourly_page_views(start, rate)
    clock: Callable[[], float] = start.timestamp
    day = f"{start.toordinal():06d}"
    rng = random.Random(f"{seed}/{start.isoformat()}/times")
    drawn = random.Random(f"{seed}/{start.hour}").getrandbits(63)
    for n, visit in enumerate(visits(count, seed=drawn, site=site, clock=clock)):
        at = start + HOUR * ((n + rng.random()) / count)
        for beacon in (visit.beacon, *visit.resends):
            beacon["session_id"] += day
        _resent(at, visit, end, rng)
        yield at, visit


def timeline(
    days: float,
    *,
    now: datetime | None = None,
    rate: int = DEFAULT_RATE,
    seed: int = 1,
    site: str = "demo",
    incident: str | None = None,
) -> Iterator[tuple[datetime, Visit]]:
    """Every page view of the history, in time order, with its receive time (UTC)."""
    incidents.check(incident)
    end = (now or datetime.now(UTC)).astimezone(UTC)
    every = (
        v for back in range(round(days * 24), 0, -1) for v in _hour(back, end, rate, seed, site)
    )
    if incident is None:
        yield from every
        return
    broken = incidents.starts(incident, end)
    apply = incidents.breaker(incident, random.Random(f"{seed}/incident/{incident}"))
    for at, visit in every:
        if at < broken:
            yield at, visit
        elif (kept := apply(visit)) is not None:
            yield at, kept


def write_history(
    client: Client,
    *,
    days: float,
    incident: str | None = None,
    seed: int = 1,
    now: datetime | None = None,
    rate: int = DEFAULT_RATE,
    site: str = "demo",
    settings: Settings | None = None,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Store the ``timeline`` through ``client`` and roll its hours up; ``settings`` decide
    enrichment as they do in a collector (defaults: the built-in settings)."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    views = timeline(days, now=end, rate=rate, seed=seed, site=site, incident=incident)
    start = end - round(days * 24) * HOUR
    return write(client, views, start=start, end=end, settings=settings, progress=progress)
