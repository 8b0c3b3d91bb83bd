"""Failed requests and resources: URLs cleaned, endpoints for grouping, the collector's own
beacon requests left out.

The endpoint is what a failure is grouped by: the URL's path with the segments that look
like ids templated as page groups are (``/api/orders/:id``), without the query, and
prefixed with the host when that is not the page's own (``api.example/v2/cart``).
"""

from __future__ import annotations

from collector.ingest.contract import FailureIn
from collector.ingest.enrich import page
from collector.ingest.enrich.frames import timing
from collector.ingest.events import Failure
from collector.ingest.outcomes import Drops, ItemDrop

BEACON_PATH = "/v1/beacon"


class Failures:
    """Turns a beacon's failures into records; one per collector (its settings)."""

    def __init__(
        self, allowlist: tuple[str, ...], beacon_path: str, client_errors: bool = True
    ) -> None:
        self._allowlist = allowlist
        self._own = frozenset({BEACON_PATH, beacon_path})
        self._client_errors = client_errors

    def enrich(
        self, failures: list[FailureIn], page_url: str, page_host: str, drops: Drops
    ) -> list[Failure]:
        kept = []
        for failure in failures:
            record = self._failure(failure, page_url, page_host, drops)
            if record is not None:
                kept.append(record)
        return kept

    def _failure(
        self, failure: FailureIn, page_url: str, page_host: str, drops: Drops
    ) -> Failure | None:
        if failure.status is None:  # out of range: nulled and counted by the contract
            return None
        if not self._client_errors and failure.kind == "request" and failure.status // 100 == 4:
            # A site whose 4xx answers are expected (a login check's 401) keeps them out.
            drops.add(ItemDrop.CLIENT_ERROR)
            return None
        url, host, path = page.clean_url(page.absolute(failure.url, page_url), self._allowlist)
        if path in self._own:
            # The beacon reporting its own request (to this collector) as a failure.
            drops.add(ItemDrop.OWN_BEACON)
            return None
        return Failure(
            kind=failure.kind,
            initiator=failure.initiator,
            method=failure.method.upper(),
            url=url,
            endpoint=endpoint(url, host, path, page_host),
            status=failure.status,
            duration=timing(failure.duration, drops),
            count=failure.count,
        )


def endpoint(url: str, host: str, path: str, page_host: str) -> str:
    """The grouping key of a failure; ``""`` for a URL that is not a web URL."""
    if not url:
        return ""
    templated = page.page_group(path, None)
    return templated if host == page_host else f"{host}{templated}"
