"""README's "Alerts" section stays true: its settings load, its rules are the built-in ones
(and those of the Grafana alert rules file), its SQL gives an alert's state."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from collector.settings import load_settings
from tests.conftest import Collector

ROOT = Path(__file__).resolve().parents[2]
SECTION = (ROOT / "README.md").read_text().split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
BUILT_IN = {"lcp_regression", "inp_regression", "cls_regression", "error_spike", "new_error",
            "failed_requests", "traffic_drop"}  # fmt: skip


def test_the_alerts_section_lists_the_built_in_rules_as_grafana_has_them() -> None:
    listed = set()
    for first_cell in re.findall(r"^\| (`[^|]+`) \|", SECTION, flags=re.M):
        listed |= set(re.findall(r"`([a-z_]+)`", first_cell))
    assert listed == BUILT_IN
    provisioned = yaml.safe_load(
        (ROOT / "schema/grafana/provisioning/alerting/rumhouse-alerts.yaml").read_text()
    )
    assert {rule["title"] for rule in provisioned["groups"][0]["rules"]} == BUILT_IN


def test_the_alerts_sections_settings_load(tmp_path: Path) -> None:
    [block] = re.findall(r"```toml\n(.*?)```", SECTION, flags=re.S)
    config = tmp_path / "rumhouse.toml"
    config.write_text(block)
    settings = load_settings(config)
    assert [w.format for w in settings.alert_webhooks] == ["alertmanager", "slack"]
    assert settings.alert_rules["lcp_regression"].worse_by == 0.3
    shop = settings.alert_rules["traffic_drop"].sites["shop"]
    assert (shop.below, shop.window_minutes) == (0.3, 15)


async def test_the_alerts_sections_state_query_gives_the_latest_row(collector: Collector) -> None:
    [sql] = re.findall(r"`(SELECT \* FROM alerts [^`]+)`", SECTION)
    await collector.query(
        "INSERT INTO alerts (at, fingerprint, alertname, status, site, value, threshold, starts_at,"
        " ends_at) VALUES (now64(3) - 60, 'f', 'traffic_drop', 'firing', 'shop', 10, 50,"
        " now64(3) - 60, NULL), (now64(3), 'f', 'traffic_drop', 'resolved', 'shop', 90, 50,"
        " now64(3) - 60, now64(3))"
    )
    rows = await collector.query(f"SELECT fingerprint, status FROM ({sql})")
    assert rows == [("f", "resolved")]
