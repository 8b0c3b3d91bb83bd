"""Every query of schema/COOKBOOK.md, on simulated traffic whose answers are computed here
from the generator's own records, through clickhouse-connect and npm's @clickhouse/client."""

from __future__ import annotations

import asyncio
import math
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import clickhouse_connect
import pytest
import pytest_asyncio

from collector.http import keys
from collector.ingest.enrich.vitals import rating
from collector.settings import load_settings
from collector.tools import simulate
from tests.conftest import Collector, start_collector
from tests.integration.test_sql_clients import node_query

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
PARAMS = {
    "site": "cookbook",
    "page_group": "/product/:id",
    "dimension": "variant",
    "a": "A",
    "b": "B",
}
Row = dict[str, Any]


def cookbook() -> dict[int, str]:
    text = (ROOT / "schema" / "COOKBOOK.md").read_text()
    found = re.findall(r"^## (\d+)\..*?```sql\n(.*?)```", text, flags=re.M | re.S)
    return {int(n): sql for n, sql in found}


SENT_ON: list[str] = []


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def traffic(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Collector, list[simulate.Visit]]]:
    data = tmp_path_factory.mktemp("cookbook") / "data"
    runner, url = await start_collector(
        load_settings(data=data, port=0, sql_port=0, admin_port=0, open_mode=True)
    )
    async with aiohttp.ClientSession() as http:
        collector = Collector(runner.app, url, http)
        tally = await simulate.post(url, 700, seed=11, site="cookbook", progress=False)
        assert tally.accepted == tally.sent
        # The day the rows are stored under, taken once when they were sent (a test that
        # runs after midnight UTC still expects that day).
        SENT_ON.append(str(datetime.now(UTC).date()))
        await collector.flush()
        yield collector, list(simulate.visits(700, seed=11, site="cookbook"))
    await runner.cleanup()


# The facts each answer is computed from: the generator's records, not the collector's.
BROWSERS = [
    ("Edg/", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("Firefox", "Firefox"),
    ("iPhone", "Mobile Safari"), ("iPad", "Mobile Safari"), ("Version/17.5 Safari", "Safari"),
    ("Mobile Safari/537", "Chrome Mobile"), ("Chrome/", "Chrome"),
]  # fmt: skip


def browser(visit: simulate.Visit) -> str:
    return next(name for needle, name in BROWSERS if needle in visit.headers["User-Agent"])


def group(visit: simulate.Visit) -> str:
    return re.sub(r"/\d+", "/:id", urlsplit(visit.beacon["url"]).path)


def metric(visit: simulate.Visit, name: str) -> dict[str, Any]:
    return next(m for m in visit.final["metrics"] if m["name"] == name)


def p(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, as ClickHouse's quantile does."""
    ordered = sorted(values)
    index = q * (len(ordered) - 1)
    low, high = math.floor(index), math.ceil(index)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def by(
    visits: list[simulate.Visit], key: Callable[[simulate.Visit], Any]
) -> dict[Any, list[simulate.Visit]]:
    groups: dict[Any, list[simulate.Visit]] = defaultdict(list)
    for visit in visits:
        groups[key(visit)].append(visit)
    return dict(sorted(groups.items()))


def reported(visits: list[simulate.Visit], name: str) -> list[dict[str, Any]]:
    """The metric ``name`` of each visit that reported it (a soft navigation has no TTFB)."""
    return [m for v in visits for m in v.final["metrics"] if m["name"] == name]


def phase_p75(visits: list[simulate.Visit], name: str, phase: str) -> float:
    return p([m["phases"][phase] for m in reported(visits, name)], 0.75)


def values(visits: list[simulate.Visit], name: str) -> list[float]:
    return [m["value"] for m in reported(visits, name)]


def q1(visits: list[simulate.Visit]) -> list[Row]:
    chosen = [v for v in visits if v.device in ("mobile", "desktop")]
    return [
        {"page_group": g, "device_class": d, "lcp_p75_ms": p(values(vs, "LCP"), 0.75),
         "inp_p75_ms": p(values(vs, "INP"), 0.75), "cls_p75": p(values(vs, "CLS"), 0.75)}
        for (g, d), vs in by(chosen, lambda v: (group(v), v.device)).items()
    ]  # fmt: skip


def q2(visits: list[simulate.Visit]) -> list[Row]:
    rows = []
    for g, vs in by(visits, group).items():
        for name in ("CLS", "FCP", "INP", "LCP", "TTFB"):
            ratings = [rating(name, x) for x in values(vs, name)]
            rows.append({"page_group": g, "metric": name, "page_views": len(ratings),
                         "good": ratings.count("good") / len(ratings),
                         "needs_improvement": ratings.count("needs-improvement") / len(ratings),
                         "poor": ratings.count("poor") / len(ratings)})  # fmt: skip
    return rows


def q3(visits: list[simulate.Visit]) -> list[Row]:
    today = SENT_ON[-1]
    chosen = [v for v in visits if group(v) == PARAMS["page_group"]]
    return [
        {
            "day": today,
            "country": c,
            "lcp_p75_ms": p(values(vs, "LCP"), 0.75),
            "page_views": len(vs),
        }
        for c, vs in by(chosen, lambda v: v.country).items()
    ]


def q4(visits: list[simulate.Visit]) -> list[Row]:
    errors: dict[tuple[str, str], list[tuple[simulate.Visit, dict[str, Any]]]] = defaultdict(list)
    for visit in visits:
        for error in visit.beacon["errors"]:
            errors[(error["type"], error["message"])].append((visit, error))
    rows = [
        {"error_type": t, "message": m, "occurrences": sum(e["count"] for _, e in found),
         "page_views": len({v.beacon["page_view_id"] for v, _ in found}),
         "sessions": len({v.beacon["session_id"] for v, _ in found}),
         "browsers": sorted({browser(v) for v, _ in found})}
        for (t, m), found in errors.items()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["occurrences"], r["message"]))[:20]


def q5(visits: list[simulate.Visit]) -> list[Row]:
    rows = []
    for (b, release), vs in by(visits, lambda v: (browser(v), v.beacon["dims"]["release"])).items():
        with_errors = sum(1 for v in vs if v.beacon["errors"])
        rows.append({"browser": b, "release": release, "page_views": len(vs),
                     "with_errors": with_errors, "error_rate": with_errors / len(vs)})  # fmt: skip
    return rows


def q6(visits: list[simulate.Visit]) -> list[Row]:
    parts = {
        "dns": "dns",
        "connect": "connect",
        "tls": "tls",
        "server": "request",
        "download": "response",
    }
    loads = [v for v in visits if "nav" in v.beacon]  # a soft navigation loads no document
    return [
        {"page_group": g}
        | {
            column: [p([v.beacon["nav"][field] for v in vs], q) for q in (0.5, 0.75)]
            for column, field in parts.items()
        }
        for g, vs in by(loads, group).items()
    ]


def q7(visits: list[simulate.Visit]) -> list[Row]:
    poor = [
        v for v in visits if group(v) == PARAMS["page_group"] and metric(v, "LCP")["value"] > 4000
    ]
    rows = []
    for target, vs in by(poor, lambda v: metric(v, "LCP")["target"]).items():
        rows.append({"lcp_element": target, "page_views": len(vs),
                     "ttfb_p75": phase_p75(vs, "LCP", "time_to_first_byte"),
                     "load_delay_p75": phase_p75(vs, "LCP", "resource_load_delay"),
                     "load_duration_p75": phase_p75(vs, "LCP", "resource_load_duration"),
                     "render_delay_p75": phase_p75(vs, "LCP", "element_render_delay")})  # fmt: skip
    return sorted(rows, key=lambda r: (-r["page_views"], r["lcp_element"]))


def q8(visits: list[simulate.Visit]) -> list[Row]:
    rows = []

    def interaction(v: simulate.Visit) -> tuple[str, str]:
        return metric(v, "INP")["target"], metric(v, "INP")["interaction_type"]

    for (target, kind), vs in by(visits, interaction).items():
        rows.append({"target": target, "interaction_type": kind, "page_views": len(vs),
                     "inp_p75_ms": p(values(vs, "INP"), 0.75),
                     "input_delay_p75": phase_p75(vs, "INP", "input_delay"),
                     "processing_p75": phase_p75(vs, "INP", "processing_duration"),
                     "presentation_p75": phase_p75(vs, "INP", "presentation_delay")})  # fmt: skip
    return sorted(rows, key=lambda r: (-r["page_views"], r["target"]))


def q9(visits: list[simulate.Visit]) -> list[Row]:
    today = SENT_ON[-1]
    rows = [
        {"day": today, "device_class": d, "browser": b, "country": c, "page_views": len(vs),
         "sessions": len({v.beacon["session_id"] for v in vs})}
        for (d, b, c), vs in by(visits, lambda v: (v.device, browser(v), v.country)).items()
    ]  # fmt: skip
    return sorted(
        rows, key=lambda r: (-r["page_views"], r["device_class"], r["browser"], r["country"])
    )


def q10(visits: list[simulate.Visit]) -> list[Row]:
    return [
        {"arm": arm, "lcp_p75_ms": p(values(vs, "LCP"), 0.75),
         "inp_p75_ms": p(values(vs, "INP"), 0.75), "page_views": len(vs)}
        for arm, vs in by(visits, lambda v: v.beacon["dims"]["variant"]).items()
    ]  # fmt: skip


def endpoint(url: str) -> str:
    """A same-host request's endpoint: its path with ids templated, without the query."""
    return re.sub(r"/\d+", "/:id", urlsplit(url).path)


def q11(visits: list[simulate.Visit]) -> list[Row]:
    failed: dict[tuple[str, str, int], list[tuple[simulate.Visit, dict[str, Any]]]] = defaultdict(
        list
    )
    for visit in visits:
        for failure in visit.beacon["failures"]:
            if failure["kind"] == "request":
                key = (endpoint(failure["url"]), failure["method"], failure["status"])
                failed[key].append((visit, failure))
    rows = [
        {"endpoint": e, "method": m, "status": s, "failures": sum(f["count"] for _, f in found),
         "page_views": len({v.beacon["page_view_id"] for v, _ in found}),
         "sessions": len({v.beacon["session_id"] for v, _ in found})}
        for (e, m, s), found in failed.items()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["failures"], r["endpoint"], r["method"], r["status"]))


def q12(visits: list[simulate.Visit]) -> list[Row]:
    scripts: dict[tuple[str, str, str], list[tuple[simulate.Visit, dict[str, Any]]]] = defaultdict(
        list
    )
    for visit in visits:
        for script in (visit.beacon.get("loaf") or {}).get("scripts", []):
            scripts[(group(visit), script["url"], script["function"])].append((visit, script))
    rows = [
        {"page_group": g, "script_url": u, "script_function": f,
         "blocking_ms": sum(s["blocking"] for _, s in found),
         "duration_ms": sum(s["duration"] for _, s in found),
         "page_views": len({v.beacon["page_view_id"] for v, _ in found})}
        for (g, u, f), found in scripts.items()
    ]  # fmt: skip
    rows.sort(key=lambda r: (r["page_group"], -r["blocking_ms"]))
    return [r for _, rs in groupby(rows, key=lambda r: r["page_group"]) for r in list(rs)[:5]]


def navigation(visit: simulate.Visit) -> str:
    return "soft" if visit.beacon["navigation_type"] == "soft-navigation" else "hard"


def q13(visits: list[simulate.Visit]) -> list[Row]:
    routes = {group(v) for v in visits if navigation(v) == "soft"}
    return [
        {"route": g, "navigation": n, "lcp_p75_ms": p(values(vs, "LCP"), 0.75),
         "inp_p75_ms": p(values(vs, "INP"), 0.75), "page_views": len(vs)}
        for (g, n), vs in by(visits, lambda v: (group(v), navigation(v))).items()
        if g in routes
    ]  # fmt: skip


EXPECTED: dict[int, Callable[[list[simulate.Visit]], list[Row]]] = {
    1: q1, 2: q2, 3: q3, 4: q4, 5: q5, 6: q6, 7: q7, 8: q8, 9: q9, 10: q10, 11: q11, 12: q12,
    13: q13,
}  # fmt: skip
QUESTIONS = range(1, 14)


def close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float):
        return isinstance(actual, int | float) and math.isclose(
            actual, expected, rel_tol=1e-5, abs_tol=1e-6
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(map(close, actual, expected))
        )
    return str(actual) == str(expected)


def assert_answers(actual: list[Row], expected: list[Row], question: int) -> None:
    assert expected, f"question {question}: the simulated traffic gives no answer to check"
    assert len(actual) == len(expected), (question, actual[:3], expected[:3])
    for got, want in zip(actual, expected, strict=True):
        wrong = {k: (got.get(k), v) for k, v in want.items() if not close(got.get(k), v)}
        assert not wrong, f"question {question}: {wrong}"


async def test_cookbook_has_the_fifteen_questions() -> None:
    """14 and 15, on sessions and conversions, are checked by test_sessions.py."""
    assert sorted(cookbook()) == [*QUESTIONS, 14, 15]


@pytest.mark.parametrize("question", QUESTIONS)
async def test_cookbook_query_gives_known_answer_through_clickhouse_connect(
    traffic: tuple[Collector, list[simulate.Visit]], question: int
) -> None:
    collector, visits = traffic
    parts = urlsplit(collector.app[keys.SQL_URL])
    client = await asyncio.to_thread(
        clickhouse_connect.get_client, host=parts.hostname, port=parts.port
    )
    result = await asyncio.to_thread(client.query, cookbook()[question], parameters=PARAMS)
    assert_answers(list(result.named_results()), EXPECTED[question](visits), question)


async def test_cookbook_queries_give_known_answers_through_clickhouse_js(
    traffic: tuple[Collector, list[simulate.Visit]],
) -> None:
    collector, visits = traffic
    queries = [{"sql": cookbook()[n], "params": PARAMS} for n in QUESTIONS]
    answer = await node_query(collector.app[keys.SQL_URL], queries)
    assert "results" in answer, answer
    for question, rows in enumerate(answer["results"], 1):
        assert_answers(rows, EXPECTED[question](visits), question)
