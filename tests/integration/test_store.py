"""What lands in the store, queried with SQL on the real engine (chDB)."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict

from collector.http import keys
from tests.conftest import DESKTOP_CHROME, IPHONE, Collector, beacon

IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
AGENTS = {"desktop": DESKTOP_CHROME, "mobile": IPHONE, "tablet": IPAD}
PAGES = {"/product/%d": "/product/:id", "/cart": "/cart", "/blog/%d/comments": "/blog/:id/comments"}


async def test_p75_by_page_group_and_device_class_matches_python(collector: Collector) -> None:
    rng = random.Random(7)
    expected: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i in range(240):
        path = rng.choice(list(PAGES))
        device = rng.choice(list(AGENTS))
        lcp = round(rng.lognormvariate(7.5, 0.5), 1)
        pv = f"pv{i:06d}abcdefgh"
        url = "https://shop.example" + (path % i if "%" in path else path)
        first = beacon(page_view_id=pv, url=url, metrics=[{"name": "LCP", "value": lcp * 2}])
        assert (await collector.post(first, **{"User-Agent": AGENTS[device]})).status == 204
        if i % 3 == 0:  # a later beacon of the same page view replaces the value
            again = dict(first, seq=1, metrics=[{"name": "LCP", "value": lcp}])
            assert (await collector.post(again, **{"User-Agent": AGENTS[device]})).status == 204
        else:
            first["metrics"][0]["value"] = lcp
            assert (
                await collector.post(dict(first, seq=2), **{"User-Agent": AGENTS[device]})
            ).status == 204
        expected[(PAGES[path], device)].append(lcp)
    await collector.flush()
    rows = await collector.query(
        "SELECT page_group, device_class, quantileExactInclusive(0.75)(value), count() "
        "FROM vitals WHERE metric = 'LCP' GROUP BY page_group, device_class"
    )
    got = {(g, d): (p75, n) for g, d, p75, n in rows}
    want = {
        key: (statistics.quantiles(values, n=4, method="inclusive")[2], len(values))
        for key, values in expected.items()
    }
    assert got.keys() == want.keys()
    for key, (p75, n) in want.items():
        assert got[key][1] == n, key
        assert abs(got[key][0] - p75) < 1e-6, (key, got[key][0], p75)


async def test_metric_resent_for_a_page_view_counts_once_with_latest_value(
    collector: Collector,
) -> None:
    await collector.post(beacon(seq=0, metrics=[{"name": "CLS", "value": 0.05}]))
    await collector.flush()  # the two beacons land in different parts, as in real life
    await collector.post(beacon(seq=1, metrics=[{"name": "CLS", "value": 0.31}]))
    await collector.flush()
    rows = await collector.query(
        "SELECT count(), any(value), any(rating) FROM vitals WHERE metric = 'CLS'"
    )
    assert rows == [(1, 0.31, "poor")]
    assert (await collector.query("SELECT count() FROM page_views"))[0][0] == 1


async def test_stored_row_has_enrichment_and_no_query_string(collector: Collector) -> None:
    await collector.post(beacon(), **{"User-Agent": IPHONE})
    await collector.flush()
    rows = await collector.query(
        "SELECT url, path, page_group, referrer, device_class, browser, os, is_bot, ttfb_ms, "
        "dns_ms FROM page_views"
    )
    url, path, group, referrer, device, browser, os, bot, ttfb, dns = rows[0]
    assert url == "https://shop.example/product/123?utm_source=x", "allowlisted query kept"
    assert (path, group) == ("/product/123", "/product/:id")
    assert referrer == "https://search.example"
    assert (device, browser, os, bot) == ("mobile", "Mobile Safari", "iOS", False)
    assert abs(ttfb - 180.2) < 0.01
    assert abs(dns - 12.5) < 0.01


async def test_errors_are_stored_with_count_and_stack(collector: Collector) -> None:
    error = {"kind": "error", "type": "TypeError", "message": "x is undefined",
             "source": "https://shop.example/app.js", "line": 10, "column": 4,
             "stack": "TypeError: x is undefined\n    at f (app.js:10:4)", "count": 3}  # fmt: skip
    await collector.post(beacon(errors=[error]))
    await collector.post(beacon(seq=1, errors=[dict(error, count=2)]))
    await collector.flush()
    rows = await collector.query(
        "SELECT error_type, message, sum(count), uniqExact(page_view_id), any(stack) "
        "FROM errors GROUP BY error_type, message"
    )
    assert rows == [("TypeError", "x is undefined", 5, 1, error["stack"])]


async def test_beacon_becomes_visible_to_sql_without_an_explicit_flush(
    collector: Collector,
) -> None:
    """The flusher writes a lone beacon by its age alone (how fast is measured by `make
    bench`, not here: the deadline below only bounds a broken run)."""
    await collector.post(beacon(page_view_id="freshness0001"))
    rows = await collector.wait_for(
        "SELECT ts <= inserted_at FROM page_views_data WHERE page_view_id = 'freshness0001'",
        bool,
        timeout=60,
    )
    assert rows == [(True,)], "the beacon never became visible"
    assert collector.app[keys.BUFFER].rows == 0


async def test_a_late_older_beacon_does_not_replace_a_newer_value(collector: Collector) -> None:
    """Beacons can arrive out of order (a retry, a slow network): the value of the highest
    ``seq`` is kept, whichever arrived last, for the vital and for the page view."""
    newer = beacon(seq=3, label="Checkout", metrics=[{"name": "CLS", "value": 0.31}])
    older = beacon(seq=1, label="Cart", metrics=[{"name": "CLS", "value": 0.05}])
    assert (await collector.post(newer)).status == 204
    await collector.flush()
    assert (await collector.post(older)).status == 204
    await collector.flush()  # a later part: only the version column decides
    assert await collector.query("SELECT value, seq FROM vitals WHERE metric = 'CLS'") == [
        (0.31, 3)
    ]
    assert await collector.query("SELECT page_group, seq FROM page_views") == [("Checkout", 3)]
