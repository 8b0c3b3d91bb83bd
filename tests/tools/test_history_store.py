"""``write_history`` on the real engine (chDB): the rows a collector would have stored at
those times, the cycles and incidents visible in SQL, every hour rolled up. One store for
the module (chDB opens one folder per process); each scenario writes a site of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from collector.report.page import REFRESH
from collector.settings import Settings
from collector.tools import incidents, population
from collector.tools.history import timeline, write_history
from collector.tools.history_store import Summary
from tests.conftest import module_store

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # a Saturday evening, on the hour
LAST = (NOW - timedelta(hours=1)).replace(tzinfo=None)
PRODUCT = incidents.PAGE_GROUP


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    yield from module_store(tmp_path_factory, "history")


def rows(client: Client, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in client.query(sql, parameters=params).result_rows]


def one(client: Client, sql: str, **params: Any) -> Any:
    return rows(client, sql, **params)[0][0]


def p75_lcp(client: Client, site: str, page_group: str, hour: datetime) -> float:
    """The p75 LCP of one page group in one hour, from the hourly rollup."""
    return float(one(
        client,
        "SELECT quantileBFloat16Merge(0.75)(value_state) FROM vitals_hourly WHERE metric = 'LCP'"
        " AND site = {s:String} AND page_group = {g:String} AND hour = {h:DateTime('UTC')}",
        s=site, g=page_group, h=hour,
    ))  # fmt: skip


def product_views(client: Client, site: str) -> int:
    return int(one(client, "SELECT count() FROM page_views WHERE site = {s:String} AND"
                   " page_group = {g:String} AND started_at >= {h:DateTime('UTC')}",
                   s=site, g=PRODUCT, h=LAST))  # fmt: skip


def test_history_store_keeps_what_a_collector_keeps_at_those_times(db: Client) -> None:
    views = list(timeline(3 / 24, now=NOW, rate=60, seed=5, site="rows"))
    summary = write_history(db, days=3 / 24, now=NOW, rate=60, seed=5, site="rows")
    assert summary.page_views == len(views)
    stored = {r[0]: r[1:] for r in rows(db, "SELECT page_view_id, ts, started_at, inserted_at,"
              " country, page_group, seq FROM page_views WHERE site = 'rows'")}  # fmt: skip
    countries = {c[0]: c[3] for c in population.COUNTRIES}
    assert len(stored) == len(views)
    for at, visit in views:
        ts, started, inserted, country, group, seq = stored[visit.beacon["page_view_id"]]
        resent = visit.resends[-1] if visit.resends else None
        received = at + timedelta(milliseconds=resent["elapsed"]) if resent else at
        assert abs(ts - received.replace(tzinfo=None)) < timedelta(milliseconds=1)
        assert abs(started - at.replace(tzinfo=None)) < timedelta(milliseconds=2)
        assert inserted - ts == timedelta(seconds=1), "written one flush interval later"
        assert country == countries[visit.headers["X-Forwarded-For"]]
        path = visit.beacon["url"].removeprefix("https://shop.example")
        if path.startswith("/product/"):
            assert group == PRODUCT
        assert seq == (1 if resent else 0)
    errors = sum(len(v.beacon["errors"]) for _, v in views)
    assert one(db, "SELECT count() FROM errors WHERE site = 'rows'") == errors


@pytest.mark.usefixtures("tokyo_machine")
def test_history_store_defaults_settings_and_progress_whatever_the_machine_s_zone(
    db: Client,
) -> None:
    """The API's defaults (site ``demo``, seed 1), the settings it is given (a flush interval
    of 5 s: rows inserted 5 s after they were received), and progress reported up to the
    summary it returns, on a machine whose own zone is UTC+9."""
    seen: list[Summary] = []
    settings = Settings().model_copy(update={"flush_interval": 5})
    summary = write_history(db, days=13 / 24, now=NOW, rate=60, settings=settings,
                            progress=seen.append)  # fmt: skip
    views = {v.beacon["page_view_id"] for _, v in timeline(13 / 24, now=NOW, rate=60, seed=1)}
    stored = rows(db, "SELECT page_view_id, inserted_at - ts FROM page_views WHERE site = 'demo'")
    assert {view for view, _ in stored} == views
    assert {lag for _, lag in stored} == {5}
    assert summary.hours == 13, "the 13 hours rolled up"
    assert seen, "progress was reported"
    assert seen[-1] is summary


@pytest.fixture(scope="module")
def calm(db: Client) -> str:
    """Eight days without incident, ending on a Saturday evening: the site's key."""
    write_history(db, days=8, now=NOW, rate=150, seed=1, site="calm")
    return "calm"


def test_history_store_shows_the_daily_and_weekly_cycle(db: Client, calm: str) -> None:
    hourly = dict(rows(db, "SELECT toStartOfHour(started_at), count() FROM page_views"
                       " WHERE site = {s:String} GROUP BY 1", s=calm))  # fmt: skip
    assert len(hourly) == 8 * 24
    night = [n for h, n in hourly.items() if 2 <= h.hour < 5]
    evening = [n for h, n in hourly.items() if 19 <= h.hour < 21]
    assert max(night) * 4 < min(evening)
    for hour, n in hourly.items():  # the same hour a week apart: the same traffic
        if hour - timedelta(days=7) in hourly:
            assert abs(hourly[hour - timedelta(days=7)] - n) <= max(2, n // 50), hour
    saturday = sum(n for h, n in hourly.items() if h.weekday() == 5 and h.day == 21)
    tuesday = sum(n for h, n in hourly.items() if h.weekday() == 1)
    assert saturday > tuesday * 1.08


def test_history_store_rolls_up_every_hour_of_the_history(db: Client, calm: str) -> None:
    where = "WHERE site = {s:String} AND metric = 'LCP'"
    raw = dict(rows(db, "SELECT toStartOfHour(started_at), count() FROM vitals"
                    f" {where} AND NOT is_bot GROUP BY 1", s=calm))  # fmt: skip
    for rollup in ("vitals_hourly", "vitals_hourly_pages"):
        rolled = dict(rows(db, f"SELECT hour, sum(page_views) FROM {rollup} {where}"
                           " GROUP BY hour", s=calm))  # fmt: skip
        assert rolled == raw, rollup
    failures = rows(db, "SELECT toStartOfHour(ts), sum(count) FROM failures WHERE NOT is_bot"
                    " AND site = {s:String} GROUP BY 1 ORDER BY 1", s=calm)  # fmt: skip
    assert failures == rows(db, "SELECT hour, sum(failures) FROM failures_hourly"
                            " WHERE site = {s:String} GROUP BY 1 ORDER BY 1", s=calm)  # fmt: skip
    assert len(failures) > 8 * 20


def test_history_store_last_hour_without_incident_looks_like_the_days_before(
    db: Client, calm: str
) -> None:
    for group in (PRODUCT, "/"):
        before = [p75_lcp(db, calm, group, LAST - timedelta(days=d)) for d in range(1, 8)]
        # A Saturday has a tenth more page views than the other days: a p75 a little apart.
        assert 0.85 < p75_lcp(db, calm, group, LAST) / median(before) < 1.15, group
        same_day = p75_lcp(db, calm, group, LAST - timedelta(days=7))
        assert p75_lcp(db, calm, group, LAST) == same_day, "a week before: the same visits"
    views = dict(rows(db, "SELECT toStartOfHour(started_at), count() FROM page_views"
                      " WHERE site = {s:String} GROUP BY 1", s=calm))  # fmt: skip
    assert views[LAST] == views[LAST - timedelta(days=7)]
    assert one(db, "SELECT count() FROM errors WHERE site = {s:String} AND message = {m:String}",
               s=calm, m=incidents.ERROR["message"]) == 0  # fmt: skip
    assert one(db, "SELECT count() FROM page_views WHERE site = {s:String}"
               " AND release = {r:String}", s=calm, r=incidents.RELEASE) == 0  # fmt: skip


def test_history_store_lcp_incident_slows_one_page_group_by_the_new_release(db: Client) -> None:
    write_history(db, days=3, now=NOW, rate=150, seed=1, incident="lcp", site="lcp")
    before = [p75_lcp(db, "lcp", PRODUCT, LAST - timedelta(days=d)) for d in range(1, 3)]
    assert 2.2 < p75_lcp(db, "lcp", PRODUCT, LAST) / median(before) < 2.8
    home = [p75_lcp(db, "lcp", "/", LAST - timedelta(days=d)) for d in range(1, 3)]
    assert 0.85 < p75_lcp(db, "lcp", "/", LAST) / median(home) < 1.15
    releases = rows(db, "SELECT started_at >= {h:DateTime('UTC')}, release = {r:String}, count()"
                    " FROM page_views WHERE site = 'lcp' GROUP BY 1, 2 ORDER BY 1, 2",
                    h=LAST, r=incidents.RELEASE)  # fmt: skip
    assert [r[:2] for r in releases] == [(0, 0), (1, 1)], releases


def test_history_store_errors_incident_is_a_new_error_on_a_tenth_of_product_pages(
    db: Client,
) -> None:
    write_history(db, days=2 / 24, now=NOW, rate=2000, incident="errors", site="errors")
    found = rows(db, "SELECT page_group, min(ts), uniqExact(page_view_id) FROM errors"
                 " WHERE site = 'errors' AND message = {m:String} GROUP BY page_group",
                 m=incidents.ERROR["message"])  # fmt: skip
    assert len(found) == 1
    assert found[0][0] == PRODUCT
    assert found[0][1] >= LAST
    assert 0.07 < found[0][2] / product_views(db, "errors") < 0.13


def test_history_store_failures_incident_makes_one_endpoint_answer_500(db: Client) -> None:
    write_history(db, days=2 / 24, now=NOW, rate=2000, incident="failures", site="failures")
    method, path, status = incidents.ENDPOINT
    by_hour = dict(rows(db, "SELECT hour, uniqMerge(page_views) FROM failures_hourly"
                        " WHERE site = 'failures' AND method = {m:String} AND endpoint LIKE"
                        " {e:String} AND status = {s:UInt16} GROUP BY hour",
                        m=method, e=f"%{path}", s=status))  # fmt: skip
    assert list(by_hour) == [LAST]
    assert 0.25 < by_hour[LAST] / product_views(db, "failures") < 0.35


def test_history_store_traffic_drop_loses_nine_tenths_of_the_last_half_hour(
    db: Client,
) -> None:
    write_history(db, days=2 / 24, now=NOW, rate=2000, incident="traffic-drop", site="drop")
    half = (NOW - timedelta(minutes=30)).replace(tzinfo=None)
    last, before = rows(db, "SELECT countIf(started_at >= {h:DateTime('UTC')}), countIf("
                        "started_at < {h:DateTime('UTC')} AND started_at >= {h:DateTime('UTC')}"
                        " - INTERVAL 30 MINUTE) FROM page_views WHERE site = 'drop'",
                        h=half)[0]  # fmt: skip
    assert 0.07 < last / before < 0.13, (last, before)


def test_history_store_gives_the_same_rows_for_the_same_seed(db: Client) -> None:
    def digest(site: str, seed: int) -> list[tuple[Any, ...]]:
        write_history(db, days=2 / 24, now=NOW, rate=300, seed=seed, site=site)
        return [rows(db, f"SELECT count(), groupBitXor(cityHash64(* EXCEPT site)) FROM {table}"
                     " WHERE site = {s:String}", s=site)[0]
                for table in ("page_views_data", "vitals_data", "errors", "failures")]  # fmt: skip

    first = digest("seed-a", 7)
    assert first[0][0] > 0
    assert first == digest("seed-b", 7)
    assert first != digest("seed-c", 8)


def test_history_rollups_agree_with_the_collectors_refresh(db: Client) -> None:
    """Hours inside the refreshes' window, rolled up by both: the same figures, and for
    sessions those of the sessions view."""
    write_history(db, days=3 / 24, rate=300, site="fresh")
    keys = {"vitals_hourly": "page_group, device_class, browser, country, connection",
            "vitals_hourly_pages": "page_group, device_class"}  # fmt: skip

    def rolled_up() -> list[list[tuple[Any, ...]]]:
        return [rows(db, f"SELECT hour, site, metric, {columns}, page_views, good,"
                     " needs_improvement, poor, quantileBFloat16Merge(0.75)(value_state)"
                     f" FROM {table} WHERE site = 'fresh' GROUP BY ALL ORDER BY ALL")
                for table, columns in keys.items()]  # fmt: skip

    ours = rolled_up()
    assert ours[0]
    assert ours[1]
    sessions = rows(db, f"SELECT {SESSIONS} FROM sessions_hourly WHERE site = 'fresh'"
                    " GROUP BY ALL ORDER BY ALL")  # fmt: skip
    assert sessions == rows(db, f"SELECT {SESSIONS.replace('sum(sessions)', 'count()')}"
                            " FROM (SELECT toStartOfHour(started_at) AS hour, * FROM sessions)"
                            " WHERE site = 'fresh' GROUP BY ALL ORDER BY ALL")  # fmt: skip
    assert sum(row[6] for row in sessions) > 10
    for statement in REFRESH:
        db.command(statement)
    assert rolled_up() == ours
    assert rows(db, f"SELECT {SESSIONS} FROM sessions_hourly WHERE site = 'fresh'"
                " GROUP BY ALL ORDER BY ALL") == sessions  # fmt: skip


SESSIONS = (
    "hour, device_class, entry_page_group, landing_lcp_rating, landing_lcp_bucket, "
    "worst_inp_rating, sum(sessions), sum(page_views), sum(bounced), sum(converted), "
    "round(sum(revenue), 6)"
)
