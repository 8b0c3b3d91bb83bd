"""rumhouse collector: receives beacons, enriches them and writes them to ClickHouse.

The path of a beacon through rumhouse:
1. ``http/beacon.py`` receives ``POST /v1/beacon`` and reads the body within its bounds;
2. ``ingest/pipeline.py`` runs the steps in order: the client's rate limit, headers,
   decompression, validation (``contract.py``), the site and its origins, sampling,
   enrichment (``enrich/``: browser, device, country, page group; the address forgotten),
   rows (``rows.py``) and their JSON lines (``encode.py``);
3. ``write/buffer.py`` takes the rows (``Buffer.accept``: in memory, or fsynced to the
   journal in durable mode) and the handler answers 204;
4. the buffer writes batches with a content-derived deduplication token to the ``Store``
   (``store/``: chDB in the data folder, or a ClickHouse server), spooling what the store
   does not take (``write/spool.py``) and replaying it in order;
5. analysts read through ``sql/`` (embedded mode), the report (``report/``) or Grafana.
"""

__version__ = "0.1.0"
