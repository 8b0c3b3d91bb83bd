"""Alerts in Grafana, run against the shipped schema on the embedded engine: the dashboard's
alert annotations and Alerts panel read the ``alerts`` table, and every rule of the
provisioned Grafana alert rules (schema/grafana/provisioning/alerting) returns, on history
written for the test, the value this file computes from that history by the rule's own
definition; the rule's threshold fires on the site with an incident and not on the calm one.

The rules' SQL reads ``now()``: the test stands a fixed instant in for it (a fake clock),
so that windows and hour buckets are the ones the history was written against."""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import yaml

from collector.http import keys
from collector.settings import load_settings
from tests.conftest import Collector, start_collector
from tests.integration.test_grafana import ALL, DASHBOARD, DATABASE, GRAFANA, Grafana
from tests.integration.test_rollups import refresh_rollups
from tests.report.test_alerts import NOW, ROWS, insert

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROVISIONED = yaml.safe_load(
    (GRAFANA / "provisioning" / "alerting" / "rumhouse-alerts.yaml").read_text()
)
RULES = {rule["title"]: rule for group in PROVISIONED["groups"] for rule in group["rules"]}
T = datetime.now(UTC).replace(microsecond=0)
DAY, WEEK = 86400, 7 * 86400
GOOD = {"LCP": 2500.0, "INP": 200.0, "CLS": 0.1}  # the published "good" thresholds
ENDPOINT = "/api/orders/:id"


@dataclass
class View:
    site: str
    group: str
    ts: datetime
    id: str
    vitals: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # error types
    failures: int = 0  # failed requests (500) to ENDPOINT

    @property
    def age(self) -> float:
        return (T - self.ts).total_seconds()


def history() -> list[View]:
    """7 days of the same hour, then the last hour: an incident of every kind on "hot",
    none on "calm"; weeks of traffic at this time for traffic_drop."""
    rng, views = random.Random(5), []

    def vitals(scale: float) -> dict[str, float]:
        return {"LCP": rng.lognormvariate(math.log(2000), 0.35) * scale,
                "INP": rng.lognormvariate(math.log(140), 0.4) * scale,
                "CLS": rng.uniform(0.02, 0.16) * scale}  # fmt: skip

    for site in ("hot", "calm"):
        for day in range(8):  # day 0: the last hour
            hot_now = site == "hot" and day == 0
            ts = (
                T - timedelta(minutes=45 if hot_now else 10)
                if day == 0
                else T - timedelta(days=day, minutes=30)
            )
            for i in range(300):
                group = "/rare" if i >= 280 else "/product/:id"  # /rare: too few page views
                view = View(site, group, ts, f"{site}{day}v{i:04d}", vitals(2.5 if hot_now else 1))
                if i % 50 == 0 or (hot_now and i % 10 == 0):
                    view.errors.append("OldError")
                if day == 0 and (
                    (hot_now and i % 10 == 5) or (site == "calm" and i in (7, 17, 27))
                ):
                    view.errors.append("NewError" if hot_now else "RareError")
                if day > 0 and i % (100 if site == "hot" else 33) == 1:
                    view.failures = 1
                if day == 0 and i % (20 if hot_now else 50) == 3:
                    view.failures = 2 if hot_now else 4
                views.append(view)
        if site == "hot":  # the traffic of the last 30 minutes: 10 page views
            views += [
                View(site, "/product/:id", T - timedelta(minutes=10), f"hotlate{i}")
                for i in range(10)
            ]
        for week in range(1, 5):
            ts = T - timedelta(weeks=week, minutes=20)
            views += [View(site, "/", ts, f"{site}w{week}v{i:04d}") for i in range(200)]
    return views


def p75(values: list[float]) -> float:
    return statistics.quantiles(values, n=4, method="inclusive")[2]


def current(v: View) -> bool:
    return v.age <= 3600


def earlier(v: View) -> bool:
    return DAY <= v.age < 8 * DAY and v.age % DAY < 3600


def in_buckets(v: View) -> bool:
    """In the hour (of the hourly rollups) holding T - 30 minutes, on one of the 7 days before."""
    middle = (T - timedelta(minutes=30)).replace(minute=0, second=0)
    return v.ts.replace(minute=0, second=0) in {middle - timedelta(days=d) for d in range(1, 8)}


def expect_vital(metric: str, views: list[View]) -> dict[tuple[str, ...], float]:
    now, base = defaultdict(list), defaultdict(list)
    for v in views:
        if metric in v.vitals:
            key = (v.site, v.group, "desktop")
            if current(v):
                now[key].append(v.vitals[metric])
            elif in_buckets(v):
                base[key].append(v.vitals[metric])
    return {
        key: p75(values) / max(1.2 * p75(base[key]), GOOD[metric])
        for key, values in now.items()
        if len(values) >= 100 and len(base[key]) >= 100
    }


def expect_error_spike(views: list[View]) -> dict[tuple[str, ...], float]:
    n: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for v in views:
        counts = n[(v.site, v.group)]
        for at, inside in ((0, current(v)), (2, earlier(v))):
            if inside:
                counts[at] += 1
                counts[at + 1] += bool(v.errors)
    return {
        key: (err / seen) / max(0.01, 2 * base_err / base)
        for key, (seen, err, base, base_err) in n.items()
        if seen >= 200 and base >= 200
    }


def expect_new_error(views: list[View]) -> dict[tuple[str, ...], float]:
    sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
    before = {(v.site, e) for v in views if not current(v) for e in v.errors}
    for v in views:
        for e in v.errors:
            if current(v) and (v.site, e) not in before:
                sessions[(v.site, e)].add(v.id)  # one session per page view here
    return {key: len(s) / 5 for key, s in sessions.items()}


def expect_failed_requests(views: list[View]) -> dict[tuple[str, ...], float]:
    out: dict[tuple[str, ...], float] = {}
    for site in ("hot", "calm"):
        mine = [v for v in views if v.site == site]
        failures = sum(v.failures for v in mine if current(v))
        if failures < 20:
            continue
        rate = sum(1 for v in mine if current(v) and v.failures) / sum(map(current, mine))
        usual = sum(1 for v in mine if in_buckets(v) and v.failures) / sum(map(earlier, mine))
        out[(site, ENDPOINT)] = rate / max(0.01, 2 * usual)
    return out


def expect_traffic_drop(views: list[View]) -> dict[tuple[str, ...], float]:
    out: dict[tuple[str, ...], float] = {}
    for site in ("hot", "calm"):
        ages = [v.age for v in views if v.site == site]
        weeks = [sum(1 for a in ages if a // WEEK == w and a % WEEK < 1800) for w in (1, 2, 3, 4)]
        usual = statistics.mean([w for w in weeks if w])
        if usual >= 100:
            out[(site,)] = sum(1 for a in ages if a < 1800) / (usual * 0.5)
    return out


EXPECT: dict[str, Callable[[list[View]], dict[tuple[str, ...], float]]] = {
    "lcp_regression": lambda views: expect_vital("LCP", views),
    "inp_regression": lambda views: expect_vital("INP", views),
    "cls_regression": lambda views: expect_vital("CLS", views),
    "error_spike": expect_error_spike,
    "new_error": expect_new_error,
    "failed_requests": expect_failed_requests,
    "traffic_drop": expect_traffic_drop,
}


def stamp(ts: datetime) -> str:
    return f"toDateTime64('{ts:%Y-%m-%d %H:%M:%S}', 3, 'UTC')"


async def write(collector: Collector, views: list[View]) -> None:
    common = "ts, site, page_view_id, session_id, page_group, device_class, is_bot"

    def key(v: View) -> str:
        return f"{stamp(v.ts)}, '{v.site}', '{v.id}', '{v.id}', '{v.group}', 'desktop', 0"

    async def rows(table: str, columns: str, values: list[str]) -> None:
        for start in range(0, len(values), 5000):
            chunk = ", ".join(values[start : start + 5000])
            await collector.query(f"INSERT INTO {table} ({columns}) VALUES {chunk}")

    await rows("page_views_data", common, [f"({key(v)})" for v in views])
    await rows("vitals_data", common + ", metric, value",
               [f"({key(v)}, '{m}', {x})" for v in views for m, x in v.vitals.items()])  # fmt: skip
    await rows("errors", common + ", kind, error_type, message, source, count",
               [f"({key(v)}, 'error', '{e}', '{e} happened', 'app.js', 1)"
                for v in views for e in v.errors])  # fmt: skip
    await rows("failures", common + ", kind, initiator, method, url, endpoint, status, count",
               [f"({key(v)}, 'request', 'fetch', 'GET', 'https://x/api/orders/1', '{ENDPOINT}',"
                f" 500, {v.failures})" for v in views if v.failures])  # fmt: skip
    # The hourly rollup of the earlier days, as its refresh builds it from the raw rows.
    await collector.query(
        "INSERT INTO vitals_hourly_pages_data (hour, version, site, metric, page_group,"
        " device_class, page_views, good, needs_improvement, poor, value_state)"
        " SELECT toStartOfHour(started_at), now64(3), site, metric, page_group, device_class,"
        " count(), 0, 0, 0, quantileBFloat16State(value) FROM vitals_data"
        f" WHERE ts < {stamp(T - timedelta(hours=2))}"
        " GROUP BY toStartOfHour(started_at), site, metric, page_group, device_class"
    )
    # Then the refreshes, once the raw rows are all in: one that ran between two of the
    # inserts above (they run every minute) wrote a partial version of a recent hour.
    await refresh_rollups(collector)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def store(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Collector, list[View]]]:
    data = tmp_path_factory.mktemp("grafana-alerts") / "data"
    # Not named `rum`: the rules read the data source's default database, whatever its name.
    runner, url = await start_collector(
        load_settings(
            data=data, port=0, sql_port=0, admin_port=0, open_mode=True, database=DATABASE
        )
    )
    async with aiohttp.ClientSession() as http:
        collector = Collector(runner.app, url, http)
        views = history()
        await write(collector, views)
        await insert(collector, ROWS)
        yield collector, views
    await runner.cleanup()


def fires(rule: dict[str, Any], value: float) -> bool:
    """The rule's condition: its threshold expression applied to the reduced value."""
    steps = {step["refId"]: step["model"] for step in rule["data"]}
    condition = steps[rule["condition"]]
    assert condition["type"] == "threshold"
    reduced = steps[condition["expression"]]
    assert (reduced["type"], reduced["reducer"]) == ("reduce", "last")
    evaluator = condition["conditions"][0]["evaluator"]
    [bar] = evaluator["params"]
    return bool({"gt": value > bar, "lt": value < bar}[evaluator["type"]])


async def test_the_provisioned_rules_are_the_built_in_ones_on_the_clickhouse_source() -> None:
    assert PROVISIONED["apiVersion"] == 1
    assert set(RULES) == set(EXPECT)
    uids = [rule["uid"] for rule in RULES.values()]
    assert len(set(uids)) == len(uids)
    for rule in RULES.values():
        query = rule["data"][0]
        assert query["datasourceUid"] == "rumhouse"
        assert query["model"]["datasource"]["type"] == "grafana-clickhouse-datasource"
        assert query["model"]["editorType"] == "sql"
        assert not re.search(r"\b(rum|default)\.\w", query["model"]["rawSql"]), rule["title"]
        assert {s["datasourceUid"] for s in rule["data"][1:]} == {"__expr__"}
        assert rule["noDataState"] == "OK", "no rows: nothing crosses a bar"
        assert rule["annotations"]["summary"]
        assert rule["labels"]["source"] == "rumhouse"


@pytest.mark.parametrize("name", sorted(EXPECT))
async def test_each_grafana_alert_rule_computes_its_value_and_fires_on_the_incident(
    store: tuple[Collector, list[View]], name: str
) -> None:
    collector, views = store
    rule = RULES[name]
    sql = rule["data"][0]["model"]["rawSql"].replace("now()", stamp(T))
    columns, rows = await collector.app[keys.STORE].query_table(sql, {})
    assert columns[-1] == "value", "one number per series: the value"
    got = {tuple(row[:-1]): row[-1] for row in rows}
    want = EXPECT[name](views)
    if name == "new_error":  # fingerprints are the engine's hash: compare by site and type
        got = {(site, kind): value for (site, _fingerprint, kind), value in got.items()}
    assert set(got) == set(want), (name, got, want)
    for key, value in want.items():
        assert math.isclose(got[key], value, rel_tol=0.05), (name, key, got[key], value)
    firing = {key for key, value in got.items() if fires(rule, value)}
    assert {key[0] for key in firing} == {"hot"}, (name, got)
    assert any(key[0] == "calm" for key in got), "the calm site is measured, and quiet"


def grafana(page_group: list[str]) -> Grafana:
    now = int(NOW.timestamp())
    return Grafana({"site": ["shop"], "page_group": page_group}, start=now - 7 * DAY,
                   end=now + 3600, interval_s=3600)  # fmt: skip


async def test_the_alert_annotations_span_each_alert_from_firing_to_resolved(
    store: tuple[Collector, list[View]],
) -> None:
    collector, _ = store
    target = DASHBOARD["annotations"]["list"][0]["target"]
    assert target["datasource"]["type"] == "grafana-clickhouse-datasource"
    rows = await collector.query(grafana([ALL]).expand(target["rawSql"]))
    assert len(rows) == 3, "one span per alert, from its latest row"
    spans = {(text.split(" ")[0], time.replace(tzinfo=UTC)): end for time, end, text, _ in rows}
    hours = timedelta(hours=1)
    assert set(spans) == {("new_error", NOW - timedelta(days=12)),
                          ("error_spike", NOW - timedelta(days=3)),
                          ("lcp_regression", NOW - 2 * hours)}  # fmt: skip
    assert spans[("error_spike", NOW - timedelta(days=3))].replace(tzinfo=UTC) == NOW - timedelta(
        days=2
    )
    still = spans[("lcp_regression", NOW - 2 * hours)].replace(tzinfo=UTC)
    assert still >= NOW, "a firing alert spans to now"
    only_cart = await collector.query(grafana(["/cart"]).expand(target["rawSql"]))
    assert [text.split(" ")[0] for _, _, text, _ in only_cart] == ["error_spike"]


async def test_the_alerts_panel_lists_the_latest_state_of_each_alert(
    store: tuple[Collector, list[View]],
) -> None:
    collector, _ = store
    [sql] = [p["targets"][0]["rawSql"] for p in DASHBOARD["panels"] if p["title"] == "Alerts"]
    rows = await collector.query(grafana([ALL]).expand(sql))
    assert [(r[0], r[1]) for r in rows] == [
        ("firing", "lcp_regression"), ("firing", "new_error"), ("resolved", "error_spike"),
    ]  # fmt: skip
    lcp = rows[0]
    assert lcp[3] == "device_class=mobile, page_group=/product/:id"
    assert (lcp[5], lcp[6], lcp[7], lcp[8], lcp[9]) == (3120.0, 2010.0, 2500.0, "release=v42", None)
    assert rows[2][9].replace(tzinfo=UTC) == NOW - timedelta(days=2)
