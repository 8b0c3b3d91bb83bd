"""docs/deploy.md's Prometheus alerting rules for the collector: every metric they name is
one the collector exports, promtool accepts the file, and promtool's rule tests show each
alert firing on the failure it is for (series written here) and not on a healthy collector;
the per-site beacon counter they watch counts each configured site from 0."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from prometheus_client.parser import text_string_to_metric_families

from collector.metrics import Metrics
from collector.settings import load_settings
from tests.conftest import Collector, beacon, start_collector

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
[BLOCK] = re.findall(r"```yaml\n(groups:\n  - name: rumhouse-collector\n.*?)```", GUIDE, re.S)
RULES = {rule["alert"]: rule for rule in yaml.safe_load(BLOCK)["groups"][0]["rules"]}
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def exported() -> set[str]:
    """The sample names of every metric in the collector's registry, with or without labels
    used yet."""
    return {
        family.name + suffix
        for family in Metrics().registry.collect()
        for suffix in SUFFIXES[family.type]
    }


def test_every_metric_the_rules_name_is_exported() -> None:
    assert set(RULES) >= {"RumhouseSpoolGrowing", "RumhouseSinkErrors",
                          "RumhouseRefusingBeacons", "RumhouseSiteSilent"}  # fmt: skip
    names = exported() | {"up"}  # up: Prometheus' own, per scrape target
    for alert, rule in RULES.items():
        used = set(re.findall(r"\b(rumhouse_\w+|up)\b", rule["expr"]))
        assert used, alert
        assert used <= names, (alert, used - names)


async def test_the_site_counter_starts_each_configured_site_at_zero(tmp_path: Path) -> None:
    settings = load_settings(
        data=tmp_path / "data", port=0, sql_port=0, admin_port=0,
        sites=({"key": "shop", "origins": ["*"]}, {"key": "blog", "origins": ["*"]}),
    )  # fmt: skip
    runner, url = await start_collector(settings)
    try:
        async with aiohttp.ClientSession() as http:
            collector = Collector(runner.app, url, http)
            for _ in range(2):
                reply = await collector.post(beacon(site="shop"))
                assert reply.status == 204, reply.body
            async with http.get(collector.admin + "/metrics") as response:
                text = await response.text()
    finally:
        await runner.cleanup()
    sites = {
        sample.labels["site"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "rumhouse_site_beacons_total"
    }
    assert sites == {"shop": 2.0, "blog": 0.0}


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(BLOCK)
    checked = promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in checked.stdout


# Instance "a" fails in every way from minute 10 (site "shop" stops sending at minute 5);
# instance "b" and site "blog" stay healthy.
SERIES = {
    'up{job="rumhouse", instance="a"}': "1x10 0x50",
    'up{job="rumhouse", instance="b"}': "1x60",
    'rumhouse_spool_segments{job="rumhouse", instance="a"}': "0x10 1x50",
    'rumhouse_spool_bytes{job="rumhouse", instance="a"}': "0x10 0+1000x50",
    'rumhouse_spool_segments{job="rumhouse", instance="b"}': "0x60",
    'rumhouse_spool_bytes{job="rumhouse", instance="b"}': "0x60",
    'rumhouse_spool_full_total{job="rumhouse", instance="a"}': "0x57 1x3",
    'rumhouse_spool_full_total{job="rumhouse", instance="b"}': "0x60",
    'rumhouse_sink_errors_total{job="rumhouse", instance="a", table="vitals"}': "0x10 0+2x50",
    'rumhouse_beacons_rejected_total{job="rumhouse", instance="a", reason="buffer_full"}':
        "0x10 0+5x50",
    'rumhouse_beacons_rejected_total{job="rumhouse", instance="b", reason="rate_limited"}':
        "0+5x60",
    'rumhouse_site_beacons_total{job="rumhouse", instance="a", site="shop"}': "0+10x5 50x55",
    'rumhouse_site_beacons_total{job="rumhouse", instance="b", site="blog"}': "0+10x60",
}  # fmt: skip
A = {"job": "rumhouse", "instance": "a"}
FIRING = {  # at minute 60: the labels each alert fires with
    "RumhouseCollectorDown": A,
    "RumhouseSpoolGrowing": A,
    "RumhouseSpoolFull": A,
    "RumhouseSinkErrors": {"instance": "a", "table": "vitals"},
    "RumhouseRefusingBeacons": {"instance": "a", "reason": "buffer_full"},
    "RumhouseSiteSilent": {"site": "shop"},
}


def expected(alert: str, labels: dict[str, str]) -> dict[str, Any]:
    rule = RULES[alert]
    summary = re.sub(
        r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m[1]], rule["annotations"]["summary"]
    )
    return {"exp_labels": {**labels, **rule["labels"]}, "exp_annotations": {"summary": summary}}


def test_each_rule_fires_on_its_failure_and_not_on_a_healthy_collector(tmp_path: Path) -> None:
    assert set(FIRING) == set(RULES), "every rule has its failure here"
    (tmp_path / "rules.yml").write_text(BLOCK)
    cases = [
        {"eval_time": "5m", "alertname": alert, "exp_alerts": []} for alert in RULES
    ] + [
        {"eval_time": "60m", "alertname": alert, "exp_alerts": [expected(alert, labels)]}
        for alert, labels in FIRING.items()
    ]  # fmt: skip
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in SERIES.items()],
            "alert_rule_test": cases,
        }],
    }  # fmt: skip
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))
    ran = promtool("test", "rules", "test.yml", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
