"""The server store against a real ClickHouse HTTP interface: a second collector's SQL endpoint
(no ClickHouse server can be installed here), with a writer user, in this process.

A lossy proxy between them lets an INSERT reach the server and then loses its answer: the
batch is spooled and sent again with the same deduplication token, and the server keeps one
copy. ``events`` is a plain MergeTree, so a duplicate would stay visible there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit

import aiohttp
import orjson
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from collector.http import keys
from collector.ingest.encode import Encoded, dedup_token
from collector.ingest.enrich import Client
from collector.ingest.enrich.geo import CountryLookup
from collector.ingest.pipeline import Facts, Pipeline
from collector.ingest.rows import TABLES
from collector.metrics import Metrics
from collector.settings import load_settings
from collector.store.client import StoreError, open_client
from collector.store.server import ServerStore
from collector.store.url import ServerUrl
from collector.write.buffer import Buffer
from collector.write.spool import Spool
from tests.conftest import DESKTOP_CHROME, Collector, beacon, start_collector

WRITER = ("collector_writer", "w@secret:42")


class Loopback:
    """A TCP server on a port of its own choosing, serving each connection with ``_serve``;
    leaving it stops the server and the connections it still serves."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._answers: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._track, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: Any) -> None:
        assert self._server is not None
        self._server.close()
        for answer in self._answers:
            answer.cancel()

    async def _track(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answer = asyncio.current_task()
        assert answer is not None
        self._answers.add(answer)
        try:
            await self._serve(reader, writer)
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class LossyProxy(Loopback):
    """Forwards TCP both ways; drops the answers to the next ``lose`` INSERTs into
    ``events`` (after the server sent them, so the rows are in) and closes the connection."""

    def __init__(self, upstream: int) -> None:
        super().__init__()
        self.upstream = upstream
        self.lose = 0
        self.lost = 0
        self.requests: list[bytes] = []  # the start of every request sent up

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        pending = asyncio.Event()  # an INSERT went up on this connection: lose its answer

        async def up() -> None:
            while data := await reader.read(65536):
                if data[:5] in (b"POST ", b"GET /"):
                    self.requests.append(data[:4096])
                if self.lose and b"query=INSERT+INTO+events+" in data:
                    self.lose -= 1
                    pending.set()
                up_writer.write(data)
                await up_writer.drain()

        async def down() -> None:
            while data := await up_reader.read(65536):
                if pending.is_set():  # the first bytes of the answer: the insert is done
                    self.lost += 1
                    writer.close()  # the server answered; the client never hears it
                    return
                writer.write(data)
                await writer.drain()

        tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            up_writer.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Collector]:
    users = [{"name": "default"}, {"name": WRITER[0], "password": WRITER[1], "role": "writer"}]
    settings = load_settings(
        data=tmp_path / "server", port=0, sql_port=0, admin_port=0, open_mode=True,
        sql_users=users,
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


def sql_port(server: Collector) -> int:
    port = urlsplit(server.app[keys.SQL_URL]).port
    assert port
    return port


def writer_url(port: int) -> str:
    return f"http://{WRITER[0]}:{quote(WRITER[1], safe='')}@127.0.0.1:{port}/rum"


# A failure, long frames and an INP script: the new tables and columns travel the same way.
FAILURE = {"kind": "request", "initiator": "fetch", "method": "GET", "url": "/api/x", "status": 503,
           "count": 4}  # fmt: skip
LOAF = {"count": 2, "blocking": 70.0, "longest": 110.0,
        "scripts": [{"url": "/app.js", "invoker": "event-listener", "duration": 90.0,
                     "blocking": 50.0}]}  # fmt: skip
INP = {"name": "INP", "value": 240, "script_url": "/app.js", "script_function": "onBuy"}


def one_beacon(view: str) -> Encoded:
    body = beacon(
        page_view_id=view, events=[{"name": "probe"}], failures=[FAILURE], loaf=LOAF,
        metrics=[INP],
    )  # fmt: skip
    accepted = Pipeline.build(load_settings(open_mode=True), CountryLookup()).run(
        Facts(Client("203.0.113.9", DESKTOP_CHROME)), orjson.dumps(body), datetime.now(UTC)
    )
    assert accepted.rows is not None
    return accepted.rows


async def test_a_lost_answer_is_resent_and_the_server_keeps_one_copy(
    server: Collector, tmp_path: Path
) -> None:
    async with LossyProxy(sql_port(server)) as proxy:
        settings = load_settings(clickhouse_url=writer_url(proxy.port), sink_timeout=5)
        store = ServerStore(settings)
        buffer = Buffer(
            store, Spool(tmp_path / "spool", 1 << 20), flush_rows=100, flush_interval=1,
            max_rows=1000, metrics=Metrics(),
        )  # fmt: skip
        buffer.add(one_beacon("pvlost0000000001"))
        # The client sends a request again once by itself when its connection drops: lose
        # both answers, so that the batch goes to the spool and is replayed from there.
        proxy.lose = 2
        assert not await buffer.flush(), "the insert's answers were lost: the batch is spooled"
        assert proxy.lost == 2
        assert buffer.degraded
        assert await buffer.replay_once()  # the same rows, the same token
        assert not buffer.degraded
        await store.close()
    where = "WHERE page_view_id = 'pvlost0000000001'"
    assert await server.query(f"SELECT count() FROM events {where}") == [(1,)], (
        "stored once, although it reached the server three times"
    )
    assert await server.query(f"SELECT count() FROM page_views_data {where}") == [(1,)]
    assert await server.query(
        f"SELECT count(), sum(count), any(endpoint) FROM failures {where}"
    ) == [(1, 4, "/api/x")]
    assert await server.query(
        "SELECT sum(failures), uniqMerge(page_views) FROM failures_hourly WHERE endpoint = '/api/x'"
    ) == [(4, 1)], "the rollup counts a replayed batch once"
    assert await server.query(
        f"SELECT loaf_count, loaf_scripts.url, loaf_scripts.blocking_ms FROM page_views {where}"
    ) == [(2, ["https://shop.example/app.js"], [50.0])]
    assert await server.query(
        f"SELECT script_url, script_function FROM vitals {where} AND metric = 'INP'"
    ) == [("https://shop.example/app.js", "onBuy")]


async def test_server_store_queries_and_pings_through_the_url(server: Collector) -> None:
    store = ServerStore(load_settings(clickhouse_url=writer_url(sql_port(server))))
    assert store.where == f"127.0.0.1:{sql_port(server)}"
    assert await store.ping()
    columns, rows = await store.query_table("SELECT {n:UInt8} + 1 AS two", {"n": 1})
    assert (list(columns), rows) == (["two"], [(2,)])
    assert await store.query("SELECT currentDatabase()") == [("rum",)]
    await store.close()
    assert await store.ping(), "a closed client is made again on the next call"
    await store.close()


async def test_server_store_that_cannot_connect_pings_false_and_raises_on_insert() -> None:
    store = ServerStore(load_settings(clickhouse_url="http://127.0.0.1:9/rum", sink_timeout=2))
    assert not await store.ping()
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the client raises
        await store.insert("events", ["name"], b'["x"]\n', "token")


class Trickle(Loopback):
    """A server that answers every request with a 200 and then one byte every 0.1 s, for
    ever: no read ever waits long, so only a bound on the whole call ends it."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:
                writer.write(b"1\r\n0\r\n")
                await writer.drain()
                await asyncio.sleep(0.1)
        except (OSError, asyncio.IncompleteReadError):
            pass  # the client gave up: what the test waits for
        finally:
            writer.close()


async def ended(call: Any) -> Any:
    """What ``call`` ended with: its exception, or its result. Still running after a
    generous 30 s fails the test (a deadline for the test, not a measurement)."""
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait([task], timeout=30)
    if not done:
        task.cancel()
        raise AssertionError("still running after 30 s: no bound ended the call")
    return task.exception() or task.result()


async def test_every_call_to_a_server_that_never_finishes_answering_times_out() -> None:
    async with Trickle() as trickle:
        url = f"http://127.0.0.1:{trickle.port}/rum"
        store = ServerStore(load_settings(clickhouse_url=url, sink_timeout=1))
        inserted = await ended(store.insert("events", ["name"], b'["x"]\n', "t"))
        assert isinstance(inserted, TimeoutError)
        assert isinstance(await ended(store.query("SELECT 1")), TimeoutError)
        assert await ended(store.ping()) is False
        await store.close()


async def test_the_database_setting_is_used_when_the_url_names_none(server: Collector) -> None:
    unnamed = writer_url(sql_port(server)).removesuffix("/rum")
    store = ServerStore(load_settings(clickhouse_url=unnamed, database="elsewhere"))
    with pytest.raises(DatabaseError, match="elsewhere"):
        await store.query("SELECT 1")
    await store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://ch.example", ("ch.example", 8123, "default", "", False, "rum")),
        ("https://ch.example", ("ch.example", 8443, "default", "", True, "rum")),
        (
            "https://u:p@ch.example:9440/analytics",
            ("ch.example", 9440, "u", "p", True, "analytics"),
        ),
        ("http://w%40x:p%3Aw%2F1@10.0.0.5:8124/", ("10.0.0.5", 8124, "w@x", "p:w/1", False, "rum")),
        ("http://[::1]:8123/db", ("::1", 8123, "default", "", False, "db")),
        ("http://:8124/STATS_MAX", ("localhost", 8124, "default", "", False, "STATS_MAX")),
    ],
)
def test_server_url_reads_host_port_user_password_and_database(
    url: str, expected: tuple[str, int, str, str, bool, str]
) -> None:
    parsed = ServerUrl.parse(url, "rum")
    host, port, username, password, secure, database = expected
    assert (parsed.host, parsed.port, parsed.username, parsed.password) == (
        host, port, username, password,
    )  # fmt: skip
    assert (parsed.secure, parsed.database) == (secure, database)
    assert parsed.where == f"{host}:{port}"
    assert parsed.client_args() == {
        "host": host, "port": port, "username": username, "password": password, "secure": secure,
    }  # fmt: skip


def sent_settings(request: bytes) -> dict[str, str]:
    """The settings of one request, from its URL's query string."""
    line = request.split(b"\r\n", 1)[0].decode()
    return dict(parse_qsl(urlsplit(line.split(" ")[1]).query))


@pytest.mark.parametrize("async_insert", [False, True], ids=["sync", "async-insert"])
async def test_each_insert_carries_its_batch_token_and_is_lz4_compressed(
    server: Collector, async_insert: bool
) -> None:
    async with LossyProxy(sql_port(server)) as proxy:
        store = ServerStore(
            load_settings(clickhouse_url=writer_url(proxy.port), async_insert=async_insert)
        )
        batch = one_beacon("pvsettings000001")
        for table, (body, _) in batch.items():
            await store.insert(table, TABLES[table], body, dedup_token(table, body))
        await store.close()
    inserts = [r for r in proxy.requests if b"query=INSERT" in r]
    assert len(inserts) == len(batch)
    for request, (table, (body, _)) in zip(inserts, batch.items(), strict=True):
        settings = sent_settings(request)
        assert settings["insert_deduplication_token"] == dedup_token(table, body)
        assert settings["date_time_input_format"] == "best_effort"
        assert settings["query"].startswith(f"INSERT INTO {table} ")
        assert b"content-encoding: lz4" in request.lower()
        names = ("async_insert", "wait_for_async_insert", "async_insert_deduplicate")
        queued = {k: settings.get(k) for k in names}
        assert queued == (dict.fromkeys(queued, "1") if async_insert else dict.fromkeys(queued))
    where = "WHERE page_view_id = 'pvsettings000001'"
    assert await server.query(f"SELECT count() FROM events {where}") == [(1,)]


async def test_open_client_in_server_mode_selects_and_creates_the_database(
    server: Collector,
) -> None:
    """What migrate, sql and report open: the database selected (created when missing,
    which this stand-in server's users may not do). Sync clients: they run on a thread,
    the server in this event loop."""
    port = sql_port(server)

    def use(url: str, sql: str) -> tuple[str, list[Any]]:
        client = open_client(load_settings(clickhouse_url=url))
        try:
            return str(client.database), [tuple(r) for r in client.query(sql).result_rows]
        finally:
            client.close()

    existing = await asyncio.to_thread(use, writer_url(port), "SELECT count() FROM events")
    assert existing == ("rum", [(0,)])
    # The database from the URL's path; without one, the `database` setting's.
    unnamed = writer_url(port).removesuffix("/rum")
    assert await asyncio.to_thread(use, unnamed, "SELECT currentDatabase()") == ("rum", [("rum",)])
    with pytest.raises(DatabaseError, match="CreateQuery"):  # missing: it tried to create it
        await asyncio.to_thread(use, f"{unnamed}/elsewhere", "SELECT 1")


async def test_commands_ask_the_server_for_compressed_answers(server: Collector) -> None:
    """migrate, sql and report read whole result sets: they must not travel uncompressed."""
    async with LossyProxy(sql_port(server)) as proxy:

        def read() -> None:
            client = open_client(load_settings(clickhouse_url=writer_url(proxy.port)))
            client.query("SELECT count() FROM events WHERE site = {s:String}", {"s": "probe"})
            client.close()

        await asyncio.to_thread(read)
    [query] = [r for r in proxy.requests if b"&param_s=probe" in r.split(b"\r\n", 1)[0]]
    assert b"\r\naccept-encoding: lz4," in query.lower(), query


def test_open_client_says_where_the_server_it_cannot_reach_is() -> None:
    with pytest.raises(StoreError, match=r"cannot reach ClickHouse at 127\.0\.0\.1:9"):
        open_client(load_settings(clickhouse_url="http://127.0.0.1:9/rum"))
