"""Which listener serves what: the public one only what browsers need, the admin one the
report and metrics; both private listeners check ``Host``; passwords off loopback are real."""

from __future__ import annotations

import base64
import logging
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import ValidationError

from collector.access import SqlUser
from collector.http import keys
from collector.passwords import GENERATE, weakness
from collector.settings import load_settings
from tests.cli.test_main import RUMHOUSE
from tests.conftest import Collector, start_collector

ADMIN_PASSWORD = "Zq8-vN2rT4yWk7LmP3sX"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Collector]:
    """A collector with a site configured (no --open) and an admin password."""
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, admin_password=ADMIN_PASSWORD,
        sites=({"key": "shop", "origins": ["https://shop.example"]},),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    async with aiohttp.ClientSession() as http:
        yield Collector(runner.app, url, http)
    await runner.cleanup()


async def status(c: Collector, url: str, **headers: str) -> int:
    async with c.http.get(url, headers=headers) as response:
        await response.read()
        return response.status


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_admin_public_listener_serves_only_what_browsers_need(production: Collector) -> None:
    public = {path: await status(production, production.url + path) for path in (
        "/report", "/metrics", "/openapi.json", "/demo", "/healthz", "/readyz", "/rum.js",
        "/snippet?site=shop",
    )}  # fmt: skip
    assert public == {
        "/report": 404, "/metrics": 404, "/openapi.json": 404, "/demo": 404,
        "/healthz": 200, "/readyz": 200, "/rum.js": 200, "/snippet?site=shop": 200,
    }  # fmt: skip
    auth = basic("admin", ADMIN_PASSWORD)
    admin = {path: await status(production, production.admin + path, Authorization=auth)
             for path in ("/report", "/metrics", "/openapi.json", "/demo")}  # fmt: skip
    assert admin == {"/report": 200, "/metrics": 200, "/openapi.json": 200, "/demo": 404}


async def test_admin_listener_asks_for_its_password(production: Collector) -> None:
    assert await status(production, production.admin + "/metrics") == 401
    wrong = basic("admin", "guess")
    assert await status(production, production.admin + "/metrics", Authorization=wrong) == 401
    async with production.http.get(
        production.admin + "/metrics", headers={"Authorization": basic("admin", ADMIN_PASSWORD)}
    ) as response:
        assert "rumhouse_beacons_received" in await response.text()


async def test_admin_and_sql_answer_only_their_own_host_names(production: Collector) -> None:
    """A page on a rebound domain reaches 127.0.0.1 with its own name in Host: refused."""
    auth = basic("admin", ADMIN_PASSWORD)
    sql = production.app[keys.SQL_URL]
    rebound = {"Host": "attacker.example", "Origin": "http://attacker.example"}
    assert (
        await status(production, production.admin + "/report", Authorization=auth, **rebound) == 403
    )
    async with production.http.get(sql, params={"query": "SELECT 1"}, headers=rebound) as r:
        assert (r.status, r.headers["X-ClickHouse-Exception-Code"]) == (403, "497")
        assert "sql_allowed_hosts" in await r.text()
    port = sql.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        async with production.http.get(
            sql, params={"query": "SELECT 1", "add_http_cors_header": "1"},
            headers={"Host": host, "Origin": "http://attacker.example"},
        ) as r:  # fmt: skip
            assert (r.status, await r.text()) == (200, "1\n")
            assert not [h for h in r.headers if h.lower().startswith("access-control-")]


async def test_admin_sql_access_log_follows_the_setting(
    production: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        async with production.http.get(
            production.app[keys.SQL_URL], params={"query": "SELECT 1"}
        ) as r:
            assert r.status == 200
    assert not [r for r in caplog.records if r.name == "aiohttp.access"]


WEAK = ["a-long-random-secret", "another-long-secret", "a", "hunter2", "passwordpassword123"]


@pytest.mark.parametrize("password", WEAK)
def test_admin_weak_passwords_off_loopback_are_refused(tmp_path: Path, password: str) -> None:
    with pytest.raises(ValidationError, match="generate one with") as refused:
        load_settings(
            data=tmp_path, sql_host="0.0.0.0",
            sql_users=(SqlUser(name="grafana", password=password),),
        )  # fmt: skip
    assert GENERATE in str(refused.value)
    with pytest.raises(ValidationError, match="admin_password"):
        load_settings(data=tmp_path, admin_host="0.0.0.0", admin_password=password)
    # On loopback the same password is the operator's business.
    load_settings(data=tmp_path, sql_users=(SqlUser(name="grafana", password=password),))


def test_admin_off_loopback_needs_a_password_and_takes_a_strong_one(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="without a password"):
        load_settings(data=tmp_path, admin_host="0.0.0.0")
    strong = load_settings(data=tmp_path, admin_host="0.0.0.0", admin_password=ADMIN_PASSWORD)
    assert strong.admin_host == "0.0.0.0"


def test_admin_every_password_in_the_docs_is_refused() -> None:
    """An example a reader copies must not be accepted off loopback."""
    import re  # noqa: PLC0415

    docs = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    found = {
        value for doc in docs for value in re.findall(r'password\s*=\s*"([^"]+)"', doc.read_text())
    }
    assert found, "the docs show how to set a password"
    assert {p for p in found if weakness(p) is None} == set()


def test_admin_serve_refuses_a_weak_password_with_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "rumhouse.toml"
    config.write_text('sql_users = [{ name = "grafana", password = "hunter2" }]\n')
    refused = subprocess.run(
        [RUMHOUSE, "serve", "--open", "--config", str(config), "--data", str(tmp_path / "data"),
         "--sql-host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert "the password of grafana is shorter than 16 characters" in refused.stderr
    assert GENERATE in refused.stderr
    assert not (tmp_path / "data").exists()
