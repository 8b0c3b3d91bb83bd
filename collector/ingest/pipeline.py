"""The path of a beacon through rumhouse, in order: the one list of steps, used by the HTTP
handler, the benchmark and the tests alike. Pure: no aiohttp, no engine.

Before the body is read (cheapest first, so a hostile client costs little):
1. ``admission.client``: the client's rate limit (429);
2. ``validate.check_headers``: media type and encoding (415).
Once it is read:
3. ``validate.decode_body``: gzip undone within the size limit (413);
4. ``validate.parse_beacon``: JSON to a ``Beacon`` (400), absurd numbers nulled and counted;
5. ``admission.site``: the site key and its origins (403), the site's rate limit (429);
6. ``admission.sampled``: the site's share of sessions (a whole drop, still 204);
7. ``Enricher.enrich``: receive time, browser, device, country, page group, bots and spam
   (drops counted), the address forgotten;
8. ``rows.rows_by_table`` then ``encode.encode``: the JSON lines the store and the spool take.
What follows the 204 is ``write.buffer.Buffer.accept``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector.ingest import validate
from collector.ingest.admission import OPEN_SITE, Admission, sampled
from collector.ingest.encode import Encoded, encode
from collector.ingest.enrich import Client, Enricher
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.outcomes import Drops, PolicyDrop
from collector.ingest.rows import rows_by_table
from collector.settings import Settings


@dataclass(slots=True)
class Facts:
    """What the request says besides its body (built per beacon: not frozen, which costs)."""

    client: Client
    media_type: str = ""
    encoding: str = ""
    origin: str | None = None


@dataclass(slots=True)
class Accepted:
    """A beacon taken: its rows (None when a whole-beacon drop keeps nothing) and drops."""

    rows: Encoded | None
    drops: Drops
    site: str = ""  # the configured site's key; "" in open mode (any key goes)


class Pipeline:
    @classmethod
    def build(cls, settings: Settings, countries: CountryLookup) -> Pipeline:
        return cls(Admission(settings), Enricher(countries, settings), settings.max_body_bytes)

    def __init__(self, admission: Admission, enricher: Enricher, max_body_bytes: int) -> None:
        self.admission = admission
        self.enricher = enricher
        self.max_body_bytes = max_body_bytes

    def before_body(self, facts: Facts) -> None:
        """Steps 1-2; raises ``Rejection``."""
        self.admission.client(facts.client.address)
        validate.check_headers(facts.media_type, facts.encoding)

    def after_body(self, facts: Facts, raw: bytes, now: datetime) -> Accepted:
        """Steps 3-8; raises ``Rejection``."""
        drops = Drops()
        body = validate.decode_body(raw, facts.encoding, self.max_body_bytes)
        beacon = validate.parse_beacon(body, drops)
        site = self.admission.site(beacon.site, facts.origin)
        if not sampled(beacon.session_id, site.sample_rate):
            drops.whole = PolicyDrop.SAMPLED_OUT
            return Accepted(None, drops)
        view, drops = self.enricher.enrich(beacon, facts.client, now, drops)
        key = "" if site is OPEN_SITE else site.key
        return Accepted(None if drops.whole else encode(rows_by_table(view)), drops, key)

    def run(self, facts: Facts, raw: bytes, now: datetime) -> Accepted:
        """Every step, for a body already in hand (the benchmark, the tests)."""
        self.before_body(facts)
        return self.after_body(facts, raw, now)
