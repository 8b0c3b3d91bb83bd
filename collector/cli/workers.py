"""``rumhouse serve --workers N``: N collector processes sharing one port (SO_REUSEPORT).

Server mode only: the collectors are stateless apart from their spool, so each worker
gets a spool folder of its own (``<spool>/worker-<i>``) and the kernel spreads connections
over the workers. The parent supervises: it forwards SIGTERM/SIGINT, restarts a worker
that died (unless it died while starting, say on a port in use: then all stop), and exits
once every worker has stopped. Prometheus metrics are aggregated over
the workers (prometheus-client's multiprocess mode), so /metrics answers for all of them
whichever worker serves the scrape.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType

from collector import logs
from collector.settings import Settings

log = logging.getLogger(__name__)

Serve = Callable[[Settings, bool], int]
STARTUP_SECONDS = 30.0  # a worker that dies sooner is not restarted: it would die again


def _worker(settings: Settings, serve: Serve) -> None:
    logs.configure(settings.log_format)
    raise SystemExit(serve(settings, True))


def run(settings: Settings, serve: Serve) -> int:
    with tempfile.TemporaryDirectory(prefix="rumhouse-metrics-") as metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # inherited by the workers
        return _supervise(settings, serve)


def _supervise(settings: Settings, serve: Serve) -> int:
    spawn = multiprocessing.get_context("spawn")
    stopping = False
    started: dict[int, float] = {}

    def start(index: int) -> BaseProcess:
        own = settings.model_copy(update={"spool_dir": settings.spool / f"worker-{index}"})
        process = spawn.Process(target=_worker, args=(own, serve), name=f"rumhouse-{index}")
        process.start()
        started[index] = time.monotonic()
        log.info("worker %d started (pid %d)", index, process.pid)
        return process

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in workers:
            if process.is_alive() and process.pid:
                os.kill(process.pid, signal.SIGTERM)

    workers = [start(i) for i in range(settings.workers)]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while any(p.is_alive() for p in workers):
        time.sleep(0.2)
        for index, process in enumerate(workers):
            if stopping or process.is_alive():
                continue
            if time.monotonic() - started[index] < STARTUP_SECONDS:  # it cannot start at all
                log.error("worker %d died starting (%s): stopping", index, process.exitcode)
                stop(signal.SIGTERM, None)
            else:
                log.error("worker %d exited with %s: restarting it", index, process.exitcode)
                workers[index] = start(index)
    return 1 if any(p.exitcode for p in workers) else 0
