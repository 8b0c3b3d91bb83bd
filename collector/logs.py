"""Log set-up: plain lines for a terminal, or one JSON object per line for log shippers.

No log line carries a client's address: the access log format leaves it out, and nothing
in rumhouse logs a request's peer.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(fmt: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Their failures reach rumhouse as exceptions, which it reports in its own words once.
    for chatty in ("urllib3", "clickhouse_connect"):
        logging.getLogger(chatty).setLevel(logging.ERROR)
