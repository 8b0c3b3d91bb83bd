"""The SQL endpoint confines every user to rumhouse's data: real hostile queries, over HTTP,
against the real engine, none of which may return a byte of a file, a URL or a program."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson
import pytest

from collector.access import SqlUser
from collector.http import keys
from collector.settings import load_settings
from tests.conftest import Collector, beacon, start_collector

SECRET = "rumhouse-secret-7f3a9c"
WRITER = SqlUser(name="ingest", password="correct-horse-battery", role="writer")


@pytest.fixture
async def sql(tmp_path: Path) -> AsyncIterator[Collector]:
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n")
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        sql_users=(SqlUser(name="default"), WRITER),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        collector = Collector(runner.app, url, http)
        await collector.post(beacon())
        await collector.flush()
        yield collector
    await runner.cleanup()


async def ask(
    collector: Collector, sql: str, user: str = "default", password: str = "", **params: str
) -> tuple[int, dict[str, str], str]:
    headers = {"X-ClickHouse-User": user, "X-ClickHouse-Key": password}
    async with collector.http.post(
        collector.app[keys.SQL_URL], data=sql.encode(), params=params, headers=headers
    ) as response:
        return response.status, dict(response.headers), await response.text()


# Each escape: the query (``{secret}``, ``{port}`` and ``{out}`` filled in), its parameters.
ESCAPES: list[tuple[str, dict[str, str]]] = [
    ("SELECT file('{secret}')", {}),
    ("SELECT FILE('{secret}')", {}),
    ("SELECT `file`('{secret}')", {}),
    ("SELECT \"file\"('{secret}')", {}),
    ("SELECT /* hidden */ file /* from */ ( '{secret}' ) -- here", {}),
    ("SELECT file('{secret}') AS harmless", {}),
    ("WITH x -> file(x) AS f SELECT f('{secret}')", {}),
    ("WITH (SELECT file('{secret}')) AS s SELECT s", {}),
    ("WITH t AS (SELECT file('{secret}') AS a) SELECT * FROM t", {}),
    ("SELECT * FROM (SELECT * FROM (SELECT file('{secret}')))", {}),
    ("SELECT arrayMap(x -> file(x), ['{secret}'])", {}),
    ("SELECT file({p:String})", {"param_p": "{secret}"}),
    ("SELECT 1 UNION ALL SELECT file('{secret}')", {}),
    ("SELECT * FROM numbers(1) WHERE file('{secret}') != ''", {}),
    ("SELECT 1; SELECT file('{secret}')", {}),
    ("SELECT * FROM file('{secret}', 'LineAsString')", {}),
    ("SELECT * FROM FiLe('{secret}', 'LineAsString')", {}),
    ("DESCRIBE file('{secret}', 'CSVWithNames')", {}),
    ("DESC TABLE file('{secret}', 'TSVWithNames')", {}),
    ("EXPLAIN SYNTAX SELECT file('{secret}')", {}),
    ("SELECT * FROM view(SELECT * FROM file('{secret}', 'LineAsString'))", {}),
    ("SELECT * FROM fileCluster('default', '{secret}', 'LineAsString')", {}),
    ("SELECT * FROM filesystem('/etc')", {}),
    ("SELECT filesystemCapacity(), filesystemAvailable()", {}),
    ("SELECT * FROM url('http://127.0.0.1:{port}/healthz', 'LineAsString')", {}),
    ("SELECT * FROM URL('http://127.0.0.1:{port}/healthz', 'LineAsString')", {}),
    ("SELECT * FROM urlCluster('default', 'http://127.0.0.1:{port}/healthz')", {}),
    ("SELECT * FROM remote('127.0.0.1', system.one)", {}),
    ("SELECT * FROM remoteSecure('127.0.0.1', system.one)", {}),
    ("SELECT * FROM cluster('default', system.one)", {}),
    ("SELECT * FROM s3('http://127.0.0.1:{port}/x.csv', 'CSV')", {}),
    ("SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')", {}),
    ("SELECT * FROM postgresql('127.0.0.1:5432', 'db', 't', 'u', 'p')", {}),
    ("SELECT * FROM sqlite('{secret}', 't')", {}),
    ("SELECT * FROM executable('cat {secret}', 'LineAsString', 'x String')", {}),
    ("SELECT * FROM python('x')", {}),
    ("SELECT * FROM input('x String')", {}),
    ("SELECT * FROM merge('system', '^query')", {}),
    ("SELECT * FROM dictionary('d')", {}),
    ("SELECT dictGet('d', 'a', toUInt64(1))", {}),
    ("SELECT joinGet('system.one', 'dummy', 0)", {}),
    ("SELECT hasColumnInTable('system', 'users', 'name')", {}),
    ("SELECT getServerSetting('path')", {}),
    ("SELECT AIGenerate('x')", {}),
    ("SELECT * FROM system.users", {}),
    ("SELECT * FROM system.processes", {}),
    ("SELECT * FROM `system`.`query_log`", {}),
    ("SELECT * FROM SYSTEM.DISKS", {}),
    ("SELECT 1 FROM system.one WHERE dummy IN system.processes", {}),
    ("SELECT * FROM {t:Identifier}", {"param_t": "system.users"}),
    ("SELECT * FROM {t:Identifier}", {"param_t": "`system`.`users`"}),
    ("SELECT * FROM default.whatever", {}),
    ("SELECT 1 AS `a\nFunction numbers`, file('{secret}')", {}),
    ("SELECT 1 INTO OUTFILE '{out}'", {}),
    ("SELECT 1 INTO OUTFILE '{out}' FORMAT CSV", {}),
    ("EXPLAIN SELECT 1 INTO OUTFILE '{out}'", {}),
    # Statements that take no INTO OUTFILE: the clause would be the guard's own EXPLAIN's.
    ("SET max_threads = 1 INTO OUTFILE '{out}'", {}),
    ("USE system INTO OUTFILE '{out}'", {}),
    ("BEGIN TRANSACTION INTO OUTFILE '{out}'", {}),
    ("INSERT INTO events SELECT * FROM events INTO OUTFILE '{out}'", {}),
    ("INSERT INTO vitals_hourly_data SELECT * FROM vitals_hourly_data INTO OUTFILE '{out}'", {}),
    ("SHOW TABLES INTO OUTFILE '{out}'", {}),
    ("SHOW PROCESSLIST", {}),
    ("SHOW USERS", {}),
    ("SHOW GRANTS", {}),
    ("USE system", {}),
    ("SYSTEM FLUSH LOGS", {}),
    ("KILL QUERY WHERE 1", {}),
]


def _fill(text: str, tmp_path: Path, port: str) -> str:
    secret, out = str(tmp_path / "secret.txt"), str(tmp_path / "out.csv")
    return text.replace("{secret}", secret).replace("{port}", port).replace("{out}", out)


async def _leak(sql: Collector, tmp_path: Path, statement: str, params: dict[str, str]) -> str:
    """What went wrong with one escape, or "" when it was refused and leaked nothing."""
    port = sql.url.rsplit(":", 1)[1]
    query = _fill(statement, tmp_path, port)
    filled = {k: _fill(v, tmp_path, port) for k, v in params.items()}
    for user, password in (("default", ""), (WRITER.name, WRITER.password)):
        status, headers, body = await ask(sql, query, user, password, **filled)
        code = headers.get("X-ClickHouse-Exception-Code")
        if not 400 <= status < 500 or code not in {"497", "164", "62"}:
            return f"{user}: {status} {body[:200]}"
        if SECRET in body or '"status"' in body or not body.startswith(f"Code: {code}. "):
            return f"{user}: leaked {body[:200]}"
    if (tmp_path / "out.csv").exists():
        return "INTO OUTFILE wrote a file"
    return ""


async def test_confinement_refuses_every_escape_and_leaks_nothing(
    sql: Collector, tmp_path: Path
) -> None:
    """Each escape, as the read-only analyst and as the writer: refused with ClickHouse's
    code, no byte of the secret file, of the collector's own /healthz or of a written file."""
    failures = {
        statement: why
        for statement, params in ESCAPES
        if (why := await _leak(sql, tmp_path, statement, params))
    }
    assert failures == {}
    assert len(ESCAPES) > 60


ORDINARY = [
    ("SELECT count() FROM page_views", "1\n"),
    ("SELECT count() FROM rum.page_views", "1\n"),
    ("SELECT sum(number) FROM numbers(4)", "6\n"),
    ("WITH x -> x * 2 AS double SELECT double(21)", "42\n"),
    ("SELECT count() > 0 FROM system.tables WHERE database = 'rum'", "1\n"),
    ("SELECT count() > 0 FROM INFORMATION_SCHEMA.TABLES", "1\n"),
    ("SELECT name FROM system.settings WHERE name = 'readonly'", "readonly\n"),
    ("SELECT count() FROM {t:Identifier}", "1\n"),
    ("SELECT dummy FROM system.one WHERE dummy IN (SELECT 0)", "0\n"),
    ("SELECT 'file(/etc/hostname)' AS text", "file(/etc/hostname)\n"),
    ("EXISTS TABLE page_views", "1\n"),
    ("SELECT count(p.page_view_id) FROM page_views AS p", "1\n"),
    ("SELECT page_views.site FROM page_views", "shop\n"),
    ("SELECT\n\tlength('a\\\\b') -- a backslash, a tab and line breaks\n", "3\n"),
]


async def test_confinement_lets_ordinary_queries_through(sql: Collector) -> None:
    answers = {
        statement: await ask(sql, statement, param_t="page_views") for statement, _ in ORDINARY
    }
    assert {s: (a[0], a[2]) for s, a in answers.items()} == {s: (200, e) for s, e in ORDINARY}


async def test_confinement_describe_and_show_work_for_clients(sql: Collector) -> None:
    status, _, body = await ask(sql, "DESCRIBE TABLE events")
    assert status == 200
    assert body.startswith("ts\t")
    status, _, body = await ask(sql, "SHOW TABLES")
    assert status == 200
    assert "page_views" in body.split()


async def test_confinement_writer_inserts_only_into_rumhouse_tables(sql: Collector) -> None:
    for table in ("default.events", "system.events", "`other`.`events`"):
        status, headers, body = await ask(
            sql,
            f"INSERT INTO {table} (site, name) FORMAT JSONEachRow\n" + '{"site":"s","name":"n"}',
            WRITER.name,
            WRITER.password,
        )
        assert headers["X-ClickHouse-Exception-Code"] == "497", body
        assert status == 403
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    row = orjson.dumps({"ts": now, "site": "s", "name": "n"}).decode()
    status, _, body = await ask(
        sql,
        f"INSERT INTO rum.events (ts, site, name) FORMAT JSONEachRow\n{row}",
        WRITER.name,
        WRITER.password,
    )
    assert status == 200, body
    assert await sql.query("SELECT name FROM events") == [("n",)]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("SELECT * FROM file('/etc/hostname')", "function file reaches outside rumhouse's data"),
        ("SELECT 1 INTO OUTFILE '/tmp/rumhouse-x'", "INTO OUTFILE is not allowed"),
        ("SELECT * FROM default.events", "default.events is outside rumhouse's data"),
        ("SELECT * FROM `rum\\\\x`.events", "quoted names may not contain control characters"),
        ("SELECT * FROM `a-b`", "table a-b must be a plain name"),
        ("SELECT * FROM `x.y`.z", "table x.y.z is not a table of rum"),
    ],
)
async def test_confinement_refusals_say_what_was_refused(
    sql: Collector, query: str, says: str
) -> None:
    status, headers, body = await ask(sql, query)
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (403, "497"), body
    assert body.startswith(f"Code: 497. DB::Exception: Not enough privileges: {says}"), body
    assert body.endswith(". (ACCESS_DENIED)\n"), body


async def test_a_database_that_does_not_exist_is_the_engines_answer_not_a_refusal(
    sql: Collector,
) -> None:
    status, headers, body = await ask(sql, "SELECT * FROM nosuch.events")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (404, "81"), body


async def test_a_syntax_error_is_the_engines_message_about_the_analysts_text(
    sql: Collector, tmp_path: Path
) -> None:
    """The statement is parsed alone before the guard's EXPLAIN: a clause it cannot take is
    a syntax error at its place in the analyst's text, and no file is written."""
    out = tmp_path / "syntax.csv"
    status, headers, body = await ask(sql, f"SET max_threads = 1 INTO OUTFILE '{out}'")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "62"), body
    assert body.startswith("Code: 62. DB::Exception: Syntax error: failed at position 21 (INTO)")
    assert "formatQuery" not in body
    assert body.endswith(". (SYNTAX_ERROR)\n"), body
    assert not out.exists()
