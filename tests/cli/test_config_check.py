from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
