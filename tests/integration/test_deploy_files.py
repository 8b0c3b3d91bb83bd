"""The files in deploy/ work as shipped: the systemd unit passes ``systemd-analyze verify``
and its security review, the Caddyfile parses, the Kubernetes manifest is valid YAML whose
flags and variables rumhouse accepts, and the nginx example is run for real, on loopback,
in front of a collector: TLS, the visitor's address and the scheme reach the collector."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import brotli
import pytest
import yaml

from collector.settings import load_settings
from tests.conftest import Collector, beacon, start_collector
from tests.http.test_rum_js import built, version

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RUMHOUSE = str(Path(sys.executable).with_name("rumhouse"))


def test_the_systemd_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    unit = tmp_path / "rumhouse.service"  # ExecStart pointed at this checkout's rumhouse
    shipped = (DEPLOY / "rumhouse.service").read_text()
    unit.write_text(shipped.replace("/opt/rumhouse/bin/rumhouse", RUMHOUSE))
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (verified.returncode, verified.stderr) == (0, "")
    review = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=40", str(unit)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    exposure = re.search(r"Overall exposure level for rumhouse.service: ([\d.]+)", review.stdout)
    assert review.returncode == 0, review.stdout[-2000:]
    assert exposure, review.stdout[-2000:]
    assert float(exposure[1]) <= 4.0, "systemd rates 'OK' up to 4.9; this unit stays well below"
    settings = dict(
        line.split("=", 1) for line in shipped.splitlines() if "=" in line and line[0] != "#"
    )
    promised = {"DynamicUser": "yes", "ProtectSystem": "strict", "Restart": "on-failure",
                "ReadWritePaths": "/var/lib/rumhouse", "NoNewPrivileges": "yes"}  # fmt: skip
    assert {key: settings.get(key) for key in promised} == promised


def test_the_caddyfile_parses() -> None:
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert adapted.returncode == 0, adapted.stderr
    assert '"upstreams":[{"dial":"127.0.0.1:8080"}]' in adapted.stdout


def test_the_kubernetes_manifest_probes_the_collector_with_settings_it_accepts() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text()))
    [deployment] = [d for d in documents if d["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "public"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "public"}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"public": 8080, "admin": 8081}
    # The same flags and variables, with the cluster's values stood in, pass rumhouse's checks.
    values = {"POD_IP": "10.1.2.3", "RUMHOUSE_ADMIN_PASSWORD": "kx8-Vq2m-Lr9t-Wz4p",
              "RUMHOUSE_CLICKHOUSE_URL": "http://w:p@clickhouse:8123/rum"}  # fmt: skip
    env = {e["name"]: e.get("value", values.get(e["name"], "")) for e in container["env"]}
    args = [a.replace("$(POD_IP)", values["POD_IP"]) for a in container["args"]]
    assert args[0] == "serve"
    flags = [a for a in args[1:] if a != "--data" and not a.startswith("/var/")]
    env["RUMHOUSE_CONFIG"] = ""  # the ConfigMap is the operator's
    checked = subprocess.run(
        [RUMHOUSE, "config", "check", *flags], capture_output=True, text=True, check=False,
        env={k: v for k, v in env.items() if v} | {"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "10.1.2.3" in checked.stdout


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _nginx_conf(tmp_path: Path, upstream: int, tls: int, plain: int) -> Path:
    """The shipped server blocks, moved to loopback ports and a test certificate."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=rum.example.com", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{plain};")
    site = re.sub(r"\n *listen \[::\]:\d+[^;]*;", "", site)
    site = re.sub(
        r"/etc/letsencrypt/live/rum.example.com/fullchain.pem", str(tmp_path / "cert.pem"), site
    )
    site = re.sub(
        r"/etc/letsencrypt/live/rum.example.com/privkey.pem", str(tmp_path / "key.pem"), site
    )
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy"):
        (tmp_path / folder).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off; user root; worker_processes 1; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body;"
        f" proxy_temp_path {tmp_path}/proxy; include {tmp_path}/site.conf; }}\n"
    )
    return conf


@pytest.fixture
async def behind_nginx(tmp_path: Path) -> AsyncIterator[tuple[Collector, int, int]]:
    """A collector trusting only nginx (127.0.0.1) and a CDN at 127.0.0.3; nginx in front."""
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0, open_mode=True,
        trusted_proxies=["127.0.0.1/32", "127.0.0.3/32"],
    )  # fmt: skip
    runner, url = await start_collector(settings)
    tls, plain = _port(), _port()
    conf = _nginx_conf(tmp_path, int(url.rsplit(":", 1)[1]), tls, plain)
    tested = subprocess.run(
        ["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0, tested.stderr
    nginx = subprocess.Popen(["nginx", "-c", str(conf)])
    try:
        await _listening(tls, nginx)
        async with aiohttp.ClientSession() as http:
            yield Collector(runner.app, url, http), tls, plain
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        await runner.cleanup()


async def _listening(port: int, nginx: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # up to 30 s: a deadline, not a measurement
        assert nginx.poll() is None, "nginx exited"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError("nginx did not listen within 30 s")


async def _post(tls: int, source: str, forwarded: str | None) -> int:
    """A beacon through nginx over TLS, from the loopback address ``source``."""
    headers = {"Content-Type": "text/plain", "Host": "rum.example.com"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    connector = aiohttp.TCPConnector(local_addr=(source, 0), ssl=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        body = beacon(
            page_view_id=f"pvnginx{source.replace('.', '')}00", url="https://rum.example.com/"
        )
        async with http.post(f"https://127.0.0.1:{tls}/v1/beacon", json=body, headers=headers) as r:
            return r.status


async def test_nginx_passes_the_visitors_address_and_ignores_a_visitors_own_header(
    behind_nginx: tuple[Collector, int, int],
) -> None:
    collector, tls, _ = behind_nginx
    assert await _post(tls, "127.0.0.2", "81.2.69.160") == 204, "a visitor claiming an address"
    assert await _post(tls, "127.0.0.3", "81.2.69.160") == 204, "a trusted CDN forwarding one"
    await collector.flush()
    rows = await collector.query(
        "SELECT page_view_id, country FROM page_views ORDER BY page_view_id"
    )
    assert rows == [("pvnginx12700200", ""), ("pvnginx12700300", "GB")]


async def test_nginx_redirects_http_and_the_snippet_says_https(
    behind_nginx: tuple[Collector, int, int],
) -> None:
    collector, tls, plain = behind_nginx
    headers = {"Host": "rum.example.com"}
    async with collector.http.get(
        f"http://127.0.0.1:{plain}/snippet", headers=headers, allow_redirects=False
    ) as moved:
        assert (moved.status, moved.headers["Location"]) == (301, "https://rum.example.com/snippet")
    async with collector.http.get(
        f"https://127.0.0.1:{tls}/snippet?site=demo", headers=headers, ssl=False
    ) as reply:
        snippet = await reply.text()
    src = f"https://rum.example.com/rum.js?v={version()}"
    assert f'"{src}","demo","https://rum.example.com/v1/beacon"' in snippet
    # That URL, through the proxy, as a browser asks for it: brotli, cached for good.
    async with (
        aiohttp.ClientSession(auto_decompress=False) as http,
        http.get(
            src.replace("rum.example.com", f"127.0.0.1:{tls}"), ssl=False,
            headers={**headers, "Accept-Encoding": "gzip, deflate, br"},
        ) as script,
    ):  # fmt: skip
        assert script.headers["Content-Encoding"] == "br"
        assert "immutable" in script.headers["Cache-Control"]
        assert brotli.decompress(await script.read()) == built()
