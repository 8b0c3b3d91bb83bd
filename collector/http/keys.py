"""Every piece of shared state of the aiohttp app, as typed ``web.AppKey``s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from collector.alerts.loop import AlertLoop
from collector.http.beacon_script import BeaconScript
from collector.http.peers import Peers
from collector.http.public_address import PublicAddress
from collector.ingest.admission import Admission
from collector.ingest.pipeline import Pipeline
from collector.metrics import Metrics
from collector.settings import Settings
from collector.store import Store
from collector.store.owner import Ownership
from collector.write.buffer import Buffer

SETTINGS = web.AppKey("settings", Settings)
ADMISSION = web.AppKey("admission", Admission)
METRICS = web.AppKey("metrics", Metrics)
PEERS = web.AppKey("peers", Peers)
PUBLIC = web.AppKey("public", PublicAddress)
STORE = web.AppKey[Store]("store")
BUFFER = web.AppKey("buffer", Buffer)
PIPELINE = web.AppKey("pipeline", Pipeline)
SCRIPT = web.AppKey("script", BeaconScript)
OWNERSHIP = web.AppKey("ownership", Ownership)
SQL_URL = web.AppKey("sql_url", str)
# How many SQL queries run now (embedded mode): the SQL engine's slots, counted.
SQL_RUNNING: web.AppKey[Callable[[], int]] = web.AppKey("sql_running")
ADMIN_URL = web.AppKey("admin_url", str)
# The alert loop, when alerting is on (its clock is what tests move on an hour).
ALERTS = web.AppKey("alerts", AlertLoop)
# The wall clock the alert loop evaluates at, when set before the app starts (tests move it
# an hour at a time; set afterwards, the loop's first evaluation could read the real time).
ALERT_CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("alert_clock")
