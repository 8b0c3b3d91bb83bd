"""The report page in Debian's chromium, at desktop and phone widths: the p75 charts are
drawn, every figure carries its change against the previous period, a click on a breakdown
row filters the whole page and puts the filter in the URL, and the filtered figures are
those of the beacons that were sent. Screenshots of both widths are taken and checked
(the page never grows wider than the screen)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from playwright.async_api import Browser, Page

from tests.conftest import DESKTOP_CHROME, Collector, beacon
from tests.integration.test_rollups import refresh_rollups
from tests.report.test_numbers import THRESHOLDS, Sent, close, number, p75, send

# The day before the last 24 hours: a hundred page views of every group, so that each figure
# of the last day has one to compare with. LCP from 1,000 to 1,990 ms: faster than now.
BEFORE = """
INSERT INTO vitals_data (ts, started_at, site, page_view_id, session_id, seq, metric, value,
    rating, page_group, device_class, browser, is_bot)
SELECT t, t, 'shop', concat('before', toString(number)), concat('s-before', toString(number)),
       0, m.1, m.2 * (100 + number % 100) / 100, 'good', g, 'desktop', 'Chrome', false
FROM (SELECT now64(3) - INTERVAL 30 HOUR + toIntervalSecond(number) AS t, number,
             ['/product/:id', '/cart', '/'][number % 3 + 1] AS g FROM numbers(300))
ARRAY JOIN [('LCP', 1000.), ('INP', 100.), ('CLS', 0.05), ('FCP', 800.), ('TTFB', 200.)] AS m
"""


async def earlier(collector: Collector) -> dict[str, list[float]]:
    """Page views of /blog/:id in the hours before the beacons sent now, so that the chart
    has a point per hour to join; their values, by metric."""
    values: dict[str, list[float]] = {m: [] for m in THRESHOLDS}
    rows = []
    for hours in range(2, 21, 2):
        for i in range(5):
            pv = f"earlier{hours}-{i}"
            for metric, base in (("LCP", 2000.0), ("INP", 150.0), ("CLS", 0.08), ("FCP", 1500.0),
                                 ("TTFB", 500.0)):  # fmt: skip
                value = base * (1 + (hours + i) / 40)
                values[metric].append(value)
                rows.append(
                    f"(now64(3) - INTERVAL {hours} HOUR, now64(3) - INTERVAL {hours} HOUR, 'shop',"
                    f" '{pv}', 's-{pv}', 0, '{metric}', {value}, 'good', '/blog/:id', 'desktop',"
                    " 'Chrome', false)"
                )
    await collector.query(
        "INSERT INTO vitals_data (ts, started_at, site, page_view_id, session_id, seq, metric,"
        " value, rating, page_group, device_class, browser, is_bot) VALUES " + ", ".join(rows)
    )
    return values


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


async def shot(page: Page, path: Path, width: int) -> None:
    """A full-page screenshot, as wide as the screen: nothing overflows sideways."""
    await page.screenshot(path=path, full_page=True)
    size = png_size(path)
    assert size[0] == width, f"{path.name}: the page is {size[0]} px wide on a {width} px screen"
    assert size[1] > 1000
    assert path.stat().st_size > 20_000, "a page with charts and tables, not a blank one"


async def charts_drawn(page: Page) -> None:
    charts = page.locator("svg.chart")
    assert await charts.count() == len(THRESHOLDS)
    for i in range(len(THRESHOLDS)):
        chart = charts.nth(i)
        box = await chart.bounding_box()
        assert box is not None
        assert box["width"] > 250
        assert box["height"] > 60
        length = await chart.locator("polyline").evaluate("line => line.getTotalLength()")
        assert length > 0, "the p75 line is drawn"
        assert await chart.locator("line.good").count() == 1
        assert await chart.locator("line.poor").count() == 1


async def vitals(page: Page) -> dict[str, list[str]]:
    rows = page.locator("h2:text('Core Web Vitals') + div table tbody tr")
    found = {}
    for i in range(await rows.count()):
        cells = await rows.nth(i).locator("td").all_inner_texts()
        found[cells[0]] = cells
    return found


async def test_the_report_page_draws_compares_and_filters_on_click(
    collector: Collector, browser: Browser, tmp_path: Path
) -> None:
    sent: Sent = await send(collector)
    before_now = await earlier(collector)
    await collector.query(BEFORE)
    url = f"{collector.admin}/report?range=24h"
    for width, height in ((1280, 900), (390, 844)):
        page = await browser.new_page(viewport={"width": width, "height": height})
        response = await page.goto(url)
        assert response is not None
        assert response.status == 200
        await charts_drawn(page)
        shown = await vitals(page)
        assert set(shown) == set(THRESHOLDS)
        for metric, cells in shown.items():
            want = p75(sent.values[metric] + before_now[metric])
            assert close(number(cells[1]), want), (metric, cells, want)
            # slower than the day before (its values at most twice the base): an arrow up
            assert re.search(r"▲ \d+%", cells[1]), cells
        assert await page.locator(".delta.worse").count() >= len(THRESHOLDS)
        await shot(page, tmp_path / f"report-{width}.png", width)
        await page.close()

    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(url)
    group = "/cart"
    await page.locator("section:has(h2:text('By page group')) a", has_text=group).click()
    await page.wait_for_url(re.compile(r"page_group=%2Fcart"))
    assert "range=24h" in page.url, "the click keeps the range"
    assert await page.locator(".chip", has_text=f"Page group: {group}").count() == 1
    shown = await vitals(page)
    for metric, cells in shown.items():
        values = sent.by[("page_group", group, metric)]
        assert close(number(cells[1]), p75(values)), (metric, cells, p75(values))
    assert number(shown["TTFB"][2]) == sent.views[("page_group", group)]
    drill = page.locator("h2", has_text="LCP elements and resources")
    assert await drill.count() == 1
    await shot(page, tmp_path / "report-cart-1280.png", 1280)
    # The chip's "remove" link goes back to every page group.
    await page.locator(".chip a").click()
    await page.wait_for_url(re.compile(r"range=24h$"))
    assert len(await vitals(page)) == len(THRESHOLDS)


async def shoppers(collector: Collector) -> tuple[float, float]:
    """Single-page sessions of site "rev": 60 landing in 1.2 s, a third of them buying; 60
    landing in 4.7 s, one in ten buying. Their conversion rates, fast then slow."""
    for i in range(120):
        fast = i < 60
        buys = (i % 3 == 0) if fast else (i % 10 == 0)
        body = beacon(
            site="rev", page_view_id=f"rev{i:04d}pageview0", session_id=f"rev{i:04d}session0",
            metrics=[{"name": "LCP", "value": 1200.0 if fast else 4700.0}],
            events=[{"name": "purchase", "value": 40.0}] if buys else [],
        )  # fmt: skip
        reply = await collector.post(body, **{"User-Agent": DESKTOP_CHROME})
        assert reply.status == 204, reply.body
    await collector.flush()
    await refresh_rollups(collector)
    return 20 / 60, 6 / 60


async def test_the_revenue_chart_is_drawn_bar_by_bar(
    collector: Collector, browser: Browser, tmp_path: Path
) -> None:
    fast, slow = await shoppers(collector)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{collector.admin}/report?site=rev&range=24h")
    bars = page.locator("svg.bars rect")
    assert await bars.count() == 2, "a bar per 500 ms bucket: 1-1.5 s and 4.5-5 s"
    heights = [(await bars.nth(i).bounding_box() or {"height": 0})["height"] for i in range(2)]
    assert heights[1] > 0
    assert abs(heights[0] / heights[1] - fast / slow) < 0.05, heights
    assert await page.locator("svg.bars rect.good").count() == 1
    assert await page.locator("svg.bars rect.poor").count() == 1
    labels = await page.locator("svg.bars text").all_text_contents()
    assert f"{100 * fast:.1f}%" in labels
    assert f"{100 * slow:.1f}%" in labels
    await page.locator("svg.bars").screenshot(path=tmp_path / "revenue.png")
    assert png_size(tmp_path / "revenue.png")[0] > 100
