"""The docs stay true: README's SQL runs on the real schema, the schema page names every column."""

from __future__ import annotations

import re
from pathlib import Path

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
        "'vitals_hourly_pages', 'vitals_hourly_grains')"
    )
    missing = sorted(f"{table}.{name}" for table, name in columns if name not in documented)
    assert not missing, f"schema/README.md does not describe: {missing}"
