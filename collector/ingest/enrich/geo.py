"""Country (ISO 3166 alpha-2) of a client address, from the database geoip2fast ships.

Only the country leaves this module; the address itself is never stored or logged. Private,
loopback and unknown addresses give the empty string.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from geoip2fast import GeoIP2Fast


class CountryLookup:
    """Loads the geoip2fast database once (about 0.1 s) and answers lookups from memory."""

    def __init__(self) -> None:
        self._db: Any = GeoIP2Fast(verbose=False)
        self.country = lru_cache(maxsize=65536)(self._lookup)

    def _lookup(self, address: str) -> str:
        try:
            code = self._db.lookup(address).country_code
        except Exception:  # geoip2fast raises on malformed addresses: treat as unknown
            return ""
        return code if isinstance(code, str) and len(code) == 2 and code.isalpha() else ""
