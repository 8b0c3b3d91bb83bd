"""What ``rumhouse serve`` prints once it listens: where to look, and a first query."""

from __future__ import annotations

import sys
from pathlib import Path

from collector import __version__
from collector.settings import Settings

EXAMPLE_QUERY = (
    "SELECT page_group, device_class, round(quantile(0.75)(value)) AS p75_lcp_ms, count() AS n "
    "FROM vitals WHERE metric = 'LCP' GROUP BY page_group, device_class ORDER BY n DESC"
)


def banner(settings: Settings, sql_url: str | None, admin_url: str | None) -> str:
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    admin = admin_url or f"http://{settings.admin_host}:{settings.admin_port}"
    command = sys.argv[0] if sys.argv[0].endswith("rumhouse") else "rumhouse"
    where = str(settings.data.resolve()) if settings.embedded else "ClickHouse server"
    # `rumhouse sql` looks in ./data unless told: name any other folder in the example
    data = "" if not settings.embedded or settings.data == Path("data") else f" --data {where}"
    sql = (
        [f"  SQL endpoint  {sql_url}  (ClickHouse HTTP interface: user default, read-only)"]
        if sql_url
        else ["  SQL           connect your clients to the ClickHouse server"]
    )
    demo = (
        [f"  demo page     {base}/demo        open it, click around, then switch tabs"]
        if settings.open_mode
        else []
    )
    return "\n".join([
        f"rumhouse {__version__} collecting on {base}  (store: {where})",
        *demo,
        f"  snippet       {base}/snippet     paste into the <head> of your pages",
        f"  beacon        POST {base}/v1/beacon",
        f"  health        {base}/healthz  {base}/readyz",
        f"  report        {admin}/report      p75 by page and segment (also: rumhouse report)",
        f"  metrics       {admin}/metrics     Prometheus (admin listener, like /openapi.json)",
        *sql,
        f'  query         {command} sql{data} "{EXAMPLE_QUERY}"',
    ])  # fmt: skip
