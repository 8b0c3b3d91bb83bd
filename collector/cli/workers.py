"""``rumhouse serve --workers N``: N collector processes sharing one port (SO_REUSEPORT).

Server mode only: the collectors are stateless apart from their spool, so each worker
gets a spool folder of its own (``<spool>/worker-<i>``) and the kernel spreads connections
over the workers. The parent supervises: it forwards SIGTERM/SIGINT, restarts a worker
that died after it was serving (one that dies before it listens, say on a port in use, would
die again: then all stop), and exits
once every worker has stopped. Prometheus metrics are aggregated over
the workers (prometheus-client's multiprocess mode), so /metrics answers for all of them
whichever worker serves the scrape.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from types import FrameType

from collector import logs
from collector.settings import Settings

log = logging.getLogger(__name__)

# serve(settings, on_ready): on_ready is called once the process listens (None: no workers).
Serve = Callable[[Settings, Callable[[], None] | None], int]


def _worker(settings: Settings, serve: Serve, ready: Event) -> None:
    logs.configure(settings.log_format)
    raise SystemExit(serve(settings, ready.set))


@contextlib.contextmanager
def reserved_port(settings: Settings) -> Iterator[Settings]:
    """Port 0 with workers (the beacon or the admin port): one port for all, chosen here. A
    socket bound with SO_REUSEPORT (not listening, so it takes no connections) holds it
    while the workers bind it too."""
    with contextlib.ExitStack() as holders:
        update = {}
        for name, host in (("port", settings.host), ("admin_port", settings.admin_host)):
            if getattr(settings, name) == 0:
                holder = holders.enter_context(
                    socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
                )
                holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                holder.bind((host, 0))
                update[name] = holder.getsockname()[1]
        yield settings.model_copy(update=update)


def run(settings: Settings, serve: Serve) -> int:
    with tempfile.TemporaryDirectory(prefix="rumhouse-metrics-") as metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # inherited by the workers
        return _supervise(settings, serve)


def _supervise(settings: Settings, serve: Serve) -> int:
    spawn = multiprocessing.get_context("spawn")
    stopping = False
    ready: dict[int, Event] = {}

    def start(index: int) -> BaseProcess:
        own = settings.model_copy(update={"spool_dir": settings.spool / f"worker-{index}"})
        if index:  # one worker evaluates the alert rules: the others would fire them again
            own = own.model_copy(update={"alerts": False})
        ready[index] = spawn.Event()
        process = spawn.Process(
            target=_worker, args=(own, serve, ready[index]), name=f"rumhouse-{index}"
        )
        process.start()
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
            if not ready[index].is_set():  # it never listened: it cannot start at all
                log.error("worker %d died starting (%s): stopping", index, process.exitcode)
                stop(signal.SIGTERM, None)
            else:
                log.error("worker %d exited with %s: restarting it", index, process.exitcode)
                workers[index] = start(index)
    return 1 if any(p.exitcode for p in workers) else 0
