"""Every piece of shared state of the aiohttp app, as typed ``web.AppKey``s."""

from __future__ import annotations

from aiohttp import web

from collector.admission import Admission
from collector.beacon_script import BeaconScript
from collector.buffer import Buffer
from collector.enrich import Enricher
from collector.metrics import Metrics
from collector.owner import Ownership
from collector.settings import Settings
from collector.sinks import StoreLike

SETTINGS = web.AppKey("settings", Settings)
ADMISSION = web.AppKey("admission", Admission)
METRICS = web.AppKey("metrics", Metrics)
STORE = web.AppKey[StoreLike]("store")
BUFFER = web.AppKey("buffer", Buffer)
ENRICHER = web.AppKey("enricher", Enricher)
SCRIPT = web.AppKey("script", BeaconScript)
OWNERSHIP = web.AppKey("ownership", Ownership)
SQL_URL = web.AppKey("sql_url", str)
ADMIN_URL = web.AppKey("admin_url", str)
