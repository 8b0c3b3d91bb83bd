from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from collector.cli.main import main

RUMHOUSE = str(Path(sys.executable).with_name("rumhouse"))


def test_config_check_shows_each_source_and_masks_secrets(tmp_path: Path) -> None:
    toml = tmp_path / "rumhouse.toml"
    toml.write_text(
        'port = 9000\nsql_users = [{ name = "analyst", password = "long-secret-123" }]\n'
    )
    env = os.environ | {
        "RUMHOUSE_FLUSH_INTERVAL": "2.5",
        "RUMHOUSE_CLICKHOUSE_URL": "https://ingest:hunter2-secret@ch.example:8443/rum",
    }
    shown = subprocess.run(
        [RUMHOUSE, "config", "check", "--config", str(toml), "--host", "0.0.0.0"],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    ).stdout  # fmt: skip
    lines = {line.split()[0]: line for line in shown.splitlines()}
    assert lines["host"].endswith("(flag)")
    assert '"0.0.0.0"' in lines["host"]
    assert lines["port"].endswith(f"(file {toml})")
    assert "9000" in lines["port"]
    assert lines["flush_interval"].endswith("(env RUMHOUSE_FLUSH_INTERVAL)")
    assert lines["database"].endswith("(default)")
    assert "hunter2" not in shown
    assert "long-secret-123" not in shown
    assert "ingest:********@ch.example" in lines["clickhouse_url"]
    assert '"password": "********"' in lines["sql_users"]


SLACK_SECRET = "/T0AAAA1111/B0BBBB2222/xoxbSecretValue123456"


def test_config_check_masks_the_secrets_of_alert_webhooks(tmp_path: Path) -> None:
    toml = tmp_path / "rumhouse.toml"
    toml.write_text(
        f'[[alert_webhooks]]\nurl = "https://hooks.slack.com/services{SLACK_SECRET}"\n'
        'format = "slack"\n\n[[alert_webhooks]]\n'
        'url = "https://am:pa55word@alerts.example:9093/api/v2/alerts?token=hunter2"\n'
    )
    shown = subprocess.run(
        [RUMHOUSE, "config", "check", "--config", str(toml)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    line = next(line for line in shown.splitlines() if line.startswith("alert_webhooks"))
    assert "https://hooks.slack.com/services/***" in line
    assert "https://***@alerts.example:9093/api/v2/alerts?token=***" in line
    assert '"format": "slack"' in line
    for secret in ("B0BBBB2222", "xoxbSecretValue", "pa55word", "hunter2"):
        assert secret not in shown


@pytest.mark.parametrize(
    "toml",
    [
        f'[[alert_webhooks]]\nurl = "hooks.slack.com/services{SLACK_SECRET}"\n',  # no scheme
        f'alert_webhooks = "https://hooks.slack.com/services{SLACK_SECRET}"\n',  # not a list
        f'[[alert_webhooks]]\nurl = "https://h.example{SLACK_SECRET}"\nformat = "slak"\n',
        # a port that is no port, and no host: every post would fail
        f'[[alert_webhooks]]\nurl = "https://h.example:notaport{SLACK_SECRET}"\n',
        f'[[alert_webhooks]]\nurl = "https://h.example:99999{SLACK_SECRET}"\n',
        f'[[alert_webhooks]]\nurl = "https://user:pass@:8443{SLACK_SECRET}"\n',
    ],
)
def test_config_check_never_repeats_a_webhook_url_in_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str
) -> None:
    config = tmp_path / "rumhouse.toml"
    config.write_text(toml)
    assert main(["config", "check", "--config", str(config)]) != 0
    said = capsys.readouterr().err
    assert "alert_webhooks" in said
    assert "xoxbSecretValue" not in said
