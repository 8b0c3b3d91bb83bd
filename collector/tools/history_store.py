"""Store a history as a collector would have stored it at the time, then roll it up.

Each beacon goes through the collector's own steps after the body is read (``validate``,
``Enricher.enrich`` with the beacon's historical receive time, ``rows.rows_by_table``,
``encode``): the same rows, the same columns, the same JSON lines and deduplication tokens
as the write buffer's. Admission (site keys, rate limits, sampling) is left out: it decides
which live requests to take, and the history is the traffic that was taken. One column is
added: ``inserted_at``, which the store fills with the time of the insert, is set to when
the collector would have written the row (its receive time plus ``flush_interval``), so
that freshness queries see the history as it would have been.

Inserts go to chDB through a temporary file (as ``EmbeddedStore`` does) and to a server, or a
collector's SQL endpoint, as HTTP inserts (as ``ServerStore`` does). Failed requests reach
``failures_hourly`` through its materialized view; the vitals' hourly rollups are computed
at the end for every hour of the history (``store.rollups``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.httpclient import HttpClient

from collector.ingest import validate
from collector.ingest.encode import FORMAT, INSERT_SETTINGS, dedup_token, encode
from collector.ingest.enrich import Client as Sender
from collector.ingest.enrich import Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.outcomes import Drops
from collector.ingest.rows import TABLES, rows_by_table
from collector.settings import Settings
from collector.store import rollups
from collector.store.client import insert_file, table_structure
from collector.tools.simulate import Visit

BATCH_ROWS = 50_000  # rows per insert (of all tables): a few MB of JSON lines


@dataclass
class Summary:
    """What a history load wrote."""

    page_views: int = 0
    beacons: int = 0
    dropped: int = 0  # beacons the collector's enrichment drops whole (bots, spam, ...)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    hours: int = 0  # hours rolled up
    first: datetime | None = None  # the first page view's receive time
    last: datetime | None = None


class _Writer:
    """Rows by table, inserted in batches of ``BATCH_ROWS``."""

    def __init__(self, client: Client, summary: Summary) -> None:
        self.client, self.summary = client, summary
        self.lines: dict[str, list[bytes]] = {table: [] for table in TABLES}
        self.waiting = 0
        self._structures: dict[str, str] = {}

    def add(self, table: str, line: bytes, rows: int) -> None:
        self.lines[table].append(line)
        self.waiting += rows
        self.summary.rows[table] += rows

    def flush(self) -> None:
        for table, lines in self.lines.items():
            if lines:
                self._insert(table, (*TABLES[table], "inserted_at"), b"".join(lines))
                lines.clear()
        self.waiting = 0

    def _insert(self, table: str, columns: tuple[str, ...], body: bytes) -> None:
        token = dedup_token(table, body)
        if isinstance(self.client, HttpClient):
            settings = INSERT_SETTINGS | {"insert_deduplication_token": token}
            self.client.raw_insert(table, columns, body, settings=settings, fmt=FORMAT)
            return
        if table not in self._structures:
            self._structures[table] = table_structure(self.client, table, columns)
        structure = self._structures[table]
        insert_file(self.client, table, columns, structure=structure, body=body, token=token)


def _beacons(at: datetime, visit: Visit) -> Iterable[tuple[datetime, dict[str, Any]]]:
    """Each beacon of the page view with its receive time (a re-sent one's is later)."""
    yield at, visit.beacon
    for later in visit.resends:
        yield at + timedelta(milliseconds=later.get("elapsed") or 0), later


class _Rows:
    """The collector's steps from a beacon's body to its encoded rows."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enricher = Enricher(CountryLookup(), settings)
        self.lag = timedelta(seconds=settings.flush_interval)

    def encoded(self, beacon: dict[str, Any], sender: Sender, at: datetime) -> Any:
        drops = Drops()
        body = validate.decode_body(orjson.dumps(beacon), "", self.settings.max_body_bytes)
        parsed = validate.parse_beacon(body, drops)
        view, drops = self.enricher.enrich(parsed, sender, at, drops)
        if drops.whole:
            return None
        inserted = at + self.lag
        rows = rows_by_table(view)
        return encode({t: [(*row, inserted) for row in r] for t, r in rows.items()})


def write(
    client: Client,
    views: Iterable[tuple[datetime, Visit]],
    *,
    start: datetime,
    end: datetime,
    settings: Settings | None = None,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Store ``views`` (page views and their receive times), then roll up ``[start, end)``."""
    summary = Summary()
    steps, writer = _Rows(settings or Settings()), _Writer(client, summary)
    for at, visit in views:
        summary.page_views += 1
        summary.first, summary.last = summary.first or at, at
        sender = Sender(visit.headers["X-Forwarded-For"], visit.headers["User-Agent"])
        for received, beacon in _beacons(at, visit):
            summary.beacons += 1
            encoded = steps.encoded(beacon, sender, received)
            if encoded is None:
                summary.dropped += 1
                continue
            for table, (line, rows) in encoded.items():
                writer.add(table, line, rows)
        if writer.waiting >= BATCH_ROWS:
            writer.flush()
            if progress:
                progress(summary)
    writer.flush()
    summary.hours = rollups.roll_up(client, start, end)
    if progress:
        progress(summary)
    return summary
