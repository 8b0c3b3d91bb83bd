"""How rows travel to the store and the spool: JSON lines, and their deduplication token.

Rows travel as ``JSONCompactEachRow`` text, encoded once per beacon by orjson: one JSON
array per row, in ``rows.py``'s column order, a beacon's rows on one line. ClickHouse parses
it in C++; building clickhouse-connect's Native blocks in Python instead cost several times
more CPU per row.
The same bytes go into the spool, so a replay sends exactly what the first attempt sent
(and carries the same deduplication token).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

FORMAT = "JSONCompactEachRow"
# orjson writes datetimes as ISO 8601 with an offset; ClickHouse's default parser wants
# "YYYY-MM-DD hh:mm:ss". A replayed batch that a table keeps once must not be added twice
# to the rollup a materialized view feeds from it (failures → failures_hourly): the view's
# blocks are deduplicated too, by a token derived from the batch's (the default of recent
# ClickHouse releases, chDB's included; set for servers whose default is still off).
INSERT_SETTINGS: dict[str, Any] = {
    "date_time_input_format": "best_effort",
    "deduplicate_blocks_in_dependent_materialized_views": 1,
}

Chunk = tuple[bytes, int]  # JSON lines and how many rows they hold
Encoded = dict[str, Chunk]  # by table


def encode(rows_by_table: dict[str, list[tuple[Any, ...]]]) -> Encoded:
    """One beacon's rows, per table, as one line: ``[row],[row]\\n``. ClickHouse's
    ``JSONCompactEachRow`` reader takes a comma between rows as it takes a newline, and one
    orjson call per table (the list of rows, its outer brackets cut) costs a third less than
    one call per row. Tables without rows are left out."""
    return {
        table: (orjson.dumps(rows)[1:-1] + b"\n", len(rows))
        for table, rows in rows_by_table.items()
        if rows
    }


def dedup_token(table: str, body: bytes) -> str:
    """A batch's deduplication token, from its content: the same batch replayed after an
    outage or a crash gets the same token, and ClickHouse keeps one copy."""
    digest = hashlib.blake2b(table.encode(), digest_size=16)
    digest.update(body)
    return digest.hexdigest()
