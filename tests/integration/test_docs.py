"""The docs stay true: README's SQL runs on the real schema, the schema page names every column."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

from collector.http import keys
from tests.conftest import Collector, beacon

ROOT = Path(__file__).resolve().parents[2]


def sql_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sql\n(.*?)```", markdown, flags=re.DOTALL)


async def test_docs_readme_sql_examples_run_and_return_rows(collector: Collector) -> None:
    error = {"type": "TypeError", "message": "x is undefined", "stack": "at f", "count": 2}
    await collector.post(beacon(errors=[error], metrics=[{"name": "LCP", "value": 1500}]))
    await collector.post(
        beacon(page_view_id="secondpageview1", metrics=[{"name": "INP", "value": 90}])
    )
    await collector.flush()
    blocks = sql_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 4
    for sql in blocks:
        rows = await collector.query(sql)
        assert rows, f"no rows from README query:\n{sql}"


async def test_docs_schema_page_names_every_column(collector: Collector) -> None:
    page = (ROOT / "schema" / "README.md").read_text()
    documented = set(re.findall(r"`([a-z_0-9]+)`", page))
    columns = await collector.query(
        "SELECT table, name FROM system.columns WHERE database = currentDatabase() "
        "AND table IN ('page_views', 'vitals', 'errors', 'events', 'vitals_hourly', "
        "'vitals_hourly_pages', 'vitals_hourly_grains', 'failures', 'failures_hourly', "
        "'sessions', 'sessions_hourly', "
        "'sourcemaps')"
    )
    missing = sorted(f"{table}.{name}" for table, name in columns if name not in documented)
    assert not missing, f"schema/README.md does not describe: {missing}"


async def test_the_deploy_guides_retention_statements_change_the_ttl(
    collector: Collector,
) -> None:
    """docs/deploy.md's `rumhouse sql --write "ALTER ..."` lines, run on the real schema."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    statements = re.findall(r'^rumhouse sql --write "(ALTER TABLE [^"]+)"$', guide, flags=re.M)
    assert len(statements) == 2
    for statement in statements:
        await collector.app[keys.STORE].query(statement)
    tables = dict(await collector.query(
        "SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase()"
        " AND name IN ('page_views_data', 'vitals_hourly_pages_data')"
    ))  # fmt: skip
    assert "TTL toDateTime(ts) + toIntervalDay(30)" in tables["page_views_data"]
    assert "TTL hour + toIntervalMonth(24)" in tables["vitals_hourly_pages_data"]


async def test_the_readmes_curl_examples_answer(collector: Collector) -> None:
    """Each `curl` line of the README, pointed at this collector's SQL endpoint, as a shell
    runs it: exit 0, an answer, no ClickHouse error."""
    await collector.post(beacon(metrics=[{"name": "LCP", "value": 1500}]))
    await collector.flush()
    readme = (ROOT / "README.md").read_text()
    lines = re.findall(r"^curl .*127\.0\.0\.1:8123.*$", readme, flags=re.M)
    assert len(lines) >= 2
    endpoint = collector.app[keys.SQL_URL]
    for line in lines:
        command = line.replace("http://127.0.0.1:8123", endpoint)
        ran = await asyncio.to_thread(
            subprocess.run, ["sh", "-c", f"{command} --fail-with-body --silent --show-error"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, f"{line}\n{ran.stdout}{ran.stderr}"
        assert ran.stdout.strip(), line
        assert "Exception" not in ran.stdout, line
