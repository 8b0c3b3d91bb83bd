"""How the report page draws what it shows: the change against the previous period, the
p75 chart's geometry (its thresholds where the published values fall), sparklines, the
links of breakdown rows, the releases' flag, the page's parts and the terminal's tables;
hand-written expectations for small inputs."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from collector.report import charts, findings, terminal, web
from collector.report.build import Report, Vital
from collector.report.page import Section
from collector.report.scope import parse
from collector.sourcemaps.examples import Example

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_a_change_is_an_arrow_and_a_percentage_coloured_by_what_is_better() -> None:
    assert web.delta(3000.0, 2500.0) == (
        '<span class="delta worse" title="previous period: 2,500">▲ 20%</span>'
    )
    assert web.delta(2000.0, 2500.0) == (
        '<span class="delta better" title="previous period: 2,500">▼ 20%</span>'
    )
    assert web.delta(0.05, 0.1).startswith(
        '<span class="delta better" title="previous period: 0.100">▼ 50%'
    )
    assert web.delta(120, 100, None) == (
        '<span class="delta " title="previous period: 100">▲ 20%</span>'
    ), "a count has no colour"
    assert "=" in web.delta(1001.0, 1000.0), "under half a percent: unchanged"
    # Exactly half a percent either way is still unchanged (0.5 / 100 is 0.005 exactly).
    same = '<span class="delta " title="previous period: 100">= 0%</span>'
    assert web.delta(100.5, 100.0) == web.delta(99.5, 100.0) == same
    for before in (None, 0):
        assert ">new</span>" in web.delta(100.0, before)
    assert ">new</span>" in web.delta(None, 100.0)


def test_the_terminal_shows_a_change_as_the_page_does() -> None:
    assert terminal.change(3000.0, 2500.0) == "▲ 20%"
    assert terminal.change(2000.0, 2500.0) == "▼ 20%"
    assert terminal.change(1004.0, 1000.0) == "="
    assert terminal.change(1005.0, 1000.0) == "=", "half a percent: unchanged, as on the page"
    assert terminal.change(995.0, 1000.0) == "="
    assert terminal.change(1006.0, 1000.0) == "▲ 1%"
    for now, before in ((100.0, None), (100.0, 0.0), (None, 100.0)):
        assert terminal.change(now, before) == "new"


def test_the_terminal_frames_a_table_as_the_engine_s_pretty_format() -> None:
    rows: list[list[Any]] = [["a", 1234.6], [None, 2.5]]
    assert terminal.table(["name", "n"], rows) == (
        "┌─name─┬─n─────┐\n│ a    │ 1235  │\n│ -    │ 2.500 │\n└──────┴───────┘"
    ), "columns as wide as their widest cell, text on the left, the header padded with ─"
    assert terminal.table(["name"], []) == "(no data in this period yet)"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (float("nan"), "-"), (NOW, "2026-12-02 12:00 UTC"), (9.5, "9.500"),
     (10.0, "10"), (-12.0, "-12"), (1234.6, "1235"), (["/a", "/b"], "/a, /b"), (7, "7")],
)  # fmt: skip
def test_the_terminal_shows_small_figures_with_three_decimals_and_no_separators(
    value: object, shown: str
) -> None:
    assert terminal._text(value) == shown


def test_the_header_keeps_the_scope_in_its_links_and_form() -> None:
    plain = web.header(parse({"range": "24h"}, NOW))
    assert plain == (
        "<header><h1>rumhouse: real user experience, last 24 hours, all sites</h1>"
        '<p class="muted">2026-12-01 12:00 UTC to 2026-12-02 12:00 UTC; every change is'
        ' against the day before.</p><p class="ranges"><a href="/report?range=1h">1h</a>'
        ' <strong>24h</strong> <a href="/report?range=7d">7d</a>'
        ' <a href="/report?range=30d">30d</a> <form method="get" action="/report">'
        '<label>from <input type="datetime-local" name="since" value="2026-12-01T12:00">'
        '</label> <label>to <input type="datetime-local" name="until"'
        ' value="2026-12-02T12:00"></label> <button>Show</button>'
        ' <span class="muted">(UTC)</span></form></p><p></p></header>'
    )
    query = {"range": "7d", "site": "shop", "bots": "include", "page_group": "/cart",
             "browser": "Chrome"}  # fmt: skip
    full = web.header(parse(query, NOW))
    rest = "&amp;bots=include&amp;browser=Chrome&amp;page_group=%2Fcart"
    assert "<h1>rumhouse: real user experience, last 7 days, site shop</h1>" in full
    assert (
        f'<p class="ranges"><a href="/report?range=1h&amp;site=shop{rest}">1h</a>'
        f' <a href="/report?range=24h&amp;site=shop{rest}">24h</a> <strong>7d</strong>'
        f' <a href="/report?range=30d&amp;site=shop{rest}">30d</a>'
        ' <form method="get" action="/report"><input type="hidden" name="site" value="shop">'
        '<input type="hidden" name="bots" value="include">'
        '<input type="hidden" name="browser" value="Chrome">'
        '<input type="hidden" name="page_group" value="/cart"><label>'
    ) in full
    times = "\u00d7"  # the multiplication sign of a chip's "remove" link
    assert full.endswith(
        '<p><span class="chip">Browser: Chrome <a href="/report?range=7d&amp;site=shop'
        f'&amp;bots=include&amp;page_group=%2Fcart">{times}</a></span><span class="chip">Page'
        ' group: /cart <a href="/report?range=7d&amp;site=shop&amp;bots=include&amp;browser='
        f'Chrome">{times}</a></span><span class="chip">bots included <a href="/report?range=7d'
        f'&amp;site=shop&amp;browser=Chrome&amp;page_group=%2Fcart">{times}</a></span></p>'
        "</header>"
    ), "a chip per filter and one for the bots, each a link without it"


def test_the_chart_draws_the_thresholds_where_their_values_fall() -> None:
    start = NOW - timedelta(hours=4)
    points = [(start + timedelta(hours=h), v) for h, v in ((0, 1000.0), (2, 3000.0), (4, 5000.0))]
    svg = charts.p75_chart("LCP", points, start, NOW, (2500, 4000))
    top = 5000 * 1.05  # the highest point, 5% of room above it
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM

    def y(value: float) -> float:
        return charts.TOP + plot * (1 - value / top)

    good = re.search(r'<line class="good" [^>]*y1="([0-9.]+)"', svg)
    poor = re.search(r'<line class="poor" [^>]*y1="([0-9.]+)"', svg)
    assert good
    assert poor
    assert float(good[1]) == round(y(2500), 1)
    assert float(poor[1]) == round(y(4000), 1)
    line = re.search(r'<polyline points="([^"]+)"', svg)
    assert line
    xs = [float(p.split(",")[0]) for p in line[1].split()]
    assert xs == [charts.LEFT, (charts.LEFT + charts.WIDTH - 4) / 2, charts.WIDTH - 4]
    assert "2026-12-02 10:00 UTC: 3,000" in svg, "a point's tooltip"
    assert 'aria-label="p75 LCP over time"' in svg


def test_a_chart_of_small_values_has_room_for_its_poor_threshold() -> None:
    svg = charts.p75_chart("CLS", [(NOW, 0.01)], NOW - timedelta(hours=1), NOW, (0.1, 0.25))
    poor = re.search(r'<line class="poor" [^>]*y1="([0-9.]+)"', svg)
    assert poor
    assert float(poor[1]) > charts.TOP, "the poor line is inside the chart, under its top"
    assert ">0.25</text>" in svg
    assert ">0.10</text>" in svg


def test_buckets_follow_the_engine_s_alignment() -> None:
    start = datetime(2026, 12, 2, 10, 7, tzinfo=UTC)
    steps = charts.buckets(start, start + timedelta(minutes=30), 900)
    assert steps == [datetime(2026, 12, 2, 10, m, tzinfo=UTC) for m in (0, 15, 30)]
    # Weeks of seconds count from 1970-01-01, a Thursday: each bucket starts on a Thursday.
    weeks = charts.buckets(start, start + timedelta(days=14), 7 * 86400)
    assert weeks == [datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC),
                     datetime(2026, 12, 10, tzinfo=UTC)]  # fmt: skip


def test_sparklines() -> None:
    svg = charts.sparkline([0, 2, 4], width=30, height=20)
    assert svg.count("<rect") == 2, "no bar where there was nothing"
    assert '<rect x="10.0" y="10.0" width="9.0" height="10.0"/>' in svg
    assert '<rect x="20.0" y="0.0" width="9.0" height="20.0"/>' in svg
    assert charts.blocks([1.0, None, 3.0, 2.0]) == "▁ █▅"
    assert charts.blocks([5.0, 5.0]) == "▁▁"
    assert charts.blocks(list(map(float, range(64))), width=32) == charts.blocks(
        [i * 2 + 0.5 for i in range(32)]
    ), "neighbours averaged down to the width"


def row(**values: Any) -> dict[str, Any]:
    base = {"segment": "/cart", "views": 10, "previous_views": 5, "LCP": 3000.0,
            "LCP_previous": 2000.0, "INP": 100.0, "INP_previous": 100.0, "CLS": 0.1,
            "CLS_previous": float("nan")}  # fmt: skip
    return base | values


def test_a_breakdown_row_links_to_the_page_with_its_filter_added() -> None:
    scope = parse({"range": "24h", "browser": "Chrome"}, NOW)
    section = web.breakdown(scope, "page_group", [row(), row(segment="a&b")])
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', section)]
    queries = [dict(parse_qsl(urlsplit(link).query)) for link in links]
    assert [urlsplit(link).path for link in links] == ["/report", "/report"]
    assert queries == [
        {"range": "24h", "browser": "Chrome", "page_group": "/cart"},
        {"range": "24h", "browser": "Chrome", "page_group": "a&b"},
    ]
    assert ">a&amp;b</a>" in section
    assert "▲ 50%" in section, "LCP 3,000 against 2,000"
    assert ">new</span>" in section, "CLS had no figure before"
    chosen = web.breakdown(parse({"page_group": "/cart"}, NOW), "page_group", [row()])
    assert '<tr class="chosen">' in chosen


def test_a_breakdown_row_shows_its_views_and_vitals_against_the_previous_period() -> None:
    scope = parse({"range": "24h", "page_group": "/cart"}, NOW)
    other = row(segment="", views=1234, previous_views=1000, CLS=1.5)
    section = web.breakdown(scope, "page_group", [row(), other])
    new = '<span class="delta muted" title="no figure for the previous period">new</span>'
    assert section == (
        '<section><h2>By page group</h2><div class="wide"><table><thead><tr><th>Page group</th>'
        "<th>views</th><th>LCP</th><th>INP</th><th>CLS</th></tr></thead>"
        '<tbody><tr class="chosen"><td><a href="/report?range=24h&amp;page_group=%2Fcart">'
        '/cart</a></td><td class="n">10<span class="delta " title="previous period: 5">'
        '▲ 100%</span></td><td class="n">3,000<span class="delta worse"'
        ' title="previous period: 2,000">▲ 50%</span></td><td class="n">100<span'
        ' class="delta " title="previous period: 100">= 0%</span></td>'
        f'<td class="n">0.100{new}</td></tr>'
        '<tr><td><a href="/report?range=24h&amp;page_group=">(none)</a></td>'
        '<td class="n">1,234<span class="delta " title="previous period: 1,000">▲ 23%</span>'
        '</td><td class="n">3,000<span class="delta worse" title="previous period: 2,000">'
        '▲ 50%</span></td><td class="n">100<span class="delta " title="previous period: 100">'
        f'= 0%</span></td><td class="n">1.500{new}</td></tr></tbody></table></div></section>'
    ), "the chosen row marked, an empty value as (none), CLS with three decimals"
    assert web.breakdown(scope, "dims.plan", []) == (
        '<section><h2>By plan</h2><p class="muted">No data in this period yet.</p></section>'
    ), "a custom dimension titled by its name"


def release(name: str, lcp: float, error_rate: float) -> dict[str, Any]:
    return {"release": name, "first_seen": NOW, "views": 100, "LCP": lcp, "INP": 100.0,
            "CLS": 0.1, "FCP": 1000.0, "TTFB": 500.0, "error_rate": error_rate}  # fmt: skip


def test_the_newest_release_is_flagged_when_it_did_worse() -> None:
    before = release("1", 2000.0, 0.02)
    assert findings.worse(release("2", 2200.0, 0.02), before) == [], "10% is within the margin"
    assert findings.worse(release("2", 2201.0, 0.02), before) == ["LCP"]
    assert findings.worse(release("2", 2000.0, 0.03), before) == ["errors"], "1.5 times, +1 point"
    assert findings.worse(release("2", 2000.0, 0.0299), before) == []
    assert findings.worse(release("2", 2000.0, 0.004), release("1", 2000.0, 0.002)) == [], "+0.2 pt"
    page = findings.releases([release("2", 3000.0, 0.02), before])
    assert '<tr class="flag"><td>2 (worse: LCP)</td>' in page
    assert "No release in this period" in findings.releases([])


def test_a_release_row_shows_its_figures_and_only_the_newest_is_flagged() -> None:
    newest = release("2", 3000.0, 0.03)
    before = release("1", 2000.0, 0.02) | {"views": 1234, "CLS": 1.25}
    page = findings.releases([newest, before])
    title = "<h2>Releases: the latest, newest first</h2>"
    assert page == (
        f'{title}<div class="wide"><table><thead><tr><th>release</th><th>first seen</th>'
        "<th>views</th><th>LCP</th><th>INP</th><th>CLS</th><th>FCP</th><th>TTFB</th>"
        "<th>page views with an error</th></tr></thead>"
        '<tbody><tr class="flag"><td>2 (worse: LCP, errors)</td><td>2026-12-02 12:00 UTC</td>'
        '<td class="n">100</td><td class="n">3,000</td><td class="n">100</td>'
        '<td class="n">0.100</td><td class="n">1,000</td><td class="n">500</td>'
        '<td class="n">3.0%</td></tr>'
        '<tr><td>1</td><td>2026-12-02 12:00 UTC</td><td class="n">1,234</td>'
        '<td class="n">2,000</td><td class="n">100</td><td class="n">1.250</td>'
        '<td class="n">1,000</td><td class="n">500</td><td class="n">2.0%</td></tr>'
        "</tbody></table></div>"
    )
    alone = findings.releases([newest])
    assert "<tbody><tr><td>2</td><td>2026-12-02 12:00 UTC</td>" in alone, "nothing to compare"
    assert findings.releases([]) == (
        f'{title}<p class="muted">No release in this period: the snippet sends one with'
        " data-release.</p>"
    )


def test_bars_are_as_tall_as_their_share_of_the_tallest() -> None:
    svg = charts.bars([("good", 4.0, "good"), ("poor", 1.0, "poor")])
    heights = [float(h) for h in re.findall(r'<rect class="[a-z]+" [^>]*height="([0-9.]+)"', svg)]
    assert heights == [110.0, 27.5], "the tallest fills 110 of 130 px; a quarter of it"
    assert ">4.0%</text>" in svg
    assert ">poor</text>" in svg
    assert '<rect class="poor"' in svg
    assert "<title>good: 4.0%</title>" in svg


@pytest.mark.parametrize(
    ("metric", "value", "colour"),
    [
        # The published thresholds: LCP good up to 2.5 s, poor above 4 s; CLS 0.1 and 0.25.
        ("LCP", 2500.0, "good-text"), ("LCP", 2500.5, "ni-text"), ("LCP", 4000.0, "ni-text"),
        ("LCP", 4000.5, "poor-text"), ("CLS", 0.1, "good-text"), ("CLS", 0.25, "ni-text"),
        ("CLS", 0.26, "poor-text"), ("INP", 200.0, "good-text"), ("INP", 501.0, "poor-text"),
    ],
)  # fmt: skip
def test_a_p75_is_coloured_by_its_rating_at_the_thresholds(
    metric: str, value: float, colour: str
) -> None:
    assert web._rating(metric, value) == colour


@pytest.mark.parametrize(
    ("bucket", "label"),
    [(0, "0-0.5s"), (2500, "2.5-3s"), (9500, "9.5-10s"), (10000, "10s+"), (12000, "10s+")],
)
def test_landing_lcp_buckets_are_labelled_by_their_half_second(bucket: int, label: str) -> None:
    assert findings._bucket(bucket) == label


@pytest.mark.parametrize(
    ("bucket", "colour"),
    [(0, "good"), (2000, "good"), (2500, "needs_improvement"), (3500, "needs_improvement"),
     (4000, "poor"), (10000, "poor")],
)  # fmt: skip
def test_landing_lcp_buckets_are_coloured_by_the_rating_of_their_values(
    bucket: int, colour: str
) -> None:
    # A bucket holds [bucket, bucket + 500) ms: LCP is good up to 2,500 ms, poor above 4,000.
    assert findings._bucket_rating(bucket) == colour


def test_an_error_row_shows_its_share_trend_newness_and_stack() -> None:
    scope = parse({"since": "2026-12-02T11:00", "until": "2026-12-02T12:00"}, NOW)
    base = {"occurrences": 5, "page_views": 3, "sessions": 2, "pages": ["/a", "/b"],
            "browsers": ["Chrome", "Firefox"],
            "last_seen": NOW - timedelta(minutes=20)}  # fmt: skip
    new = base | {"fingerprint": "f1", "type": "TypeError", "message": "x is undefined",
                  "first_seen": scope.start}  # fmt: skip
    old = base | {"fingerprint": "f2", "type": "Error", "message": "<b> failed",
                  "first_seen": NOW - timedelta(days=12), "occurrences": 1200, "page_views": 1,
                  "pages": ["/c"], "browsers": ["Safari"]}  # fmt: skip
    stack = Example("TypeError", "x is undefined", "shop", "1.4", ["    at go (app.js:1:5)"])
    lcp = Vital("LCP", 2000.0, None, 200, 0, (1.0, 0.0, 0.0))
    report = Report(scope=scope, step=1800, vitals={"LCP": lcp}, breakdowns={}, releases=[],
                    errors=[new, old], trends={"f1": [(NOW - timedelta(minutes=30), 2)]},
                    stacks={"f1": stack}, revenue={}, tables=[], alerts=((), []))  # fmt: skip
    svg = ('<svg class="spark" viewBox="0 0 120 24" width="120" height="24" role="img"'
           ' aria-label="occurrences over time">')  # fmt: skip
    # Steps of 30 minutes: 11:00, 11:30 and 12:00; two occurrences at 11:30 only.
    assert findings.errors(report) == (
        '<h2>Errors worth fixing</h2><div class="wide"><table><thead><tr><th>error</th>'
        "<th>occurrences</th><th>page views</th><th>sessions</th><th>trend</th>"
        "<th>first seen</th><th>last seen</th><th>pages</th><th>browsers</th></tr></thead>"
        '<tbody><tr><td class="msg"><div class="clamp"><strong>TypeError</strong>: x is'
        ' undefined</div> <span class="chip">new</span><details><summary>stack</summary>'
        '<p class="muted">site shop, release 1.4: no source map matches its frames: `rumhouse'
        ' sourcemaps upload --site shop --release 1.4 DIR`</p><pre class="stack">    at go'
        ' (app.js:1:5)</pre></details></td><td class="n">5</td><td class="n">3 (1.5%)</td>'
        f'<td class="n">2</td><td>{svg}<rect x="40.0" y="0.0" width="39.0" height="24.0"/>'
        "</svg></td><td>2026-12-02 11:00 UTC</td><td>2026-12-02 11:40 UTC</td><td>/a, /b</td>"
        "<td>Chrome, Firefox</td></tr>"
        '<tr><td class="msg"><div class="clamp"><strong>Error</strong>: &lt;b&gt; failed'
        '</div></td><td class="n">1,200</td><td class="n">1 (0.5%)</td><td class="n">2</td>'
        f"<td>{svg}</svg></td><td>2026-11-20 12:00 UTC</td><td>2026-12-02 11:40 UTC</td>"
        "<td>/c</td><td>Safari</td></tr></tbody></table></div>"
    )
    no_views = findings.errors(replace(report, vitals={}))
    assert '<td class="n">5</td><td class="n">3</td>' in no_views, "no share without views"
    assert '<td class="n">1,200</td><td class="n">1</td>' in no_views


def a_report(query: dict[str, str], **fields: Any) -> Report:
    """A report as the page receives it, empty but for the fields given."""
    empty: dict[str, Any] = {
        "step": 1800, "vitals": {}, "breakdowns": {}, "releases": [], "errors": [],
        "trends": {}, "stacks": {}, "tables": [], "alerts": ((), []),
        "revenue": {"by_rating": [], "by_bucket": [], "at_risk": []},
    }  # fmt: skip
    return Report(scope=parse(query, NOW), **(empty | fields))


def test_the_experience_panel_shows_the_rates_by_speed_and_the_revenue_at_risk() -> None:
    by_rating = [
        {"device": "mobile", "rating": "good", "sessions_": 1200, "conversion_rate": 0.05,
         "bounce_rate": 0.3, "revenue_per_session": 2.5},
        {"device": "mobile", "rating": "poor", "sessions_": 40, "conversion_rate": 0.025,
         "bounce_rate": 0.5, "revenue_per_session": 1.0},
    ]  # fmt: skip
    at_risk = [
        {"device_class": "mobile", "entry_page_group": f"/p{i}", "poor_sessions": 10,
         "good_sessions": 100, "good_conversion_rate": 0.05, "poor_revenue": 5.0,
         "revenue_at_risk": float(i)}
        for i in range(11)
    ]  # fmt: skip
    figures = {"by_rating": by_rating, "at_risk": at_risk,
               "by_bucket": [{"bucket": 2000, "conversion_rate": 0.5},
                             {"bucket": 4500, "conversion_rate": 0.25}]}  # fmt: skip
    query = {"range": "24h", "release": "1.4", "dims.plan": "pro", "dims.ab": "b"}
    page = findings.experience(a_report(query, revenue=figures))
    title = "<h2>Experience and revenue: sessions by the speed of their landing page</h2>"
    assert page.startswith(
        f'{title}<p class="muted">Conversion rate by landing LCP, per 500 ms (with 30 sessions'
        " or more). Not applied here: dims.ab, dims.plan (sessions do not hold it).</p>"
        '<div class="wide"><svg class="bars"'
    ), "the custom dimensions named as not applied; the release is"
    assert "<title>2-2.5s: 50.0%</title>" in page
    assert '<rect class="poor"' in page
    assert "<title>4.5-5s: 25.0%</title>" in page
    assert (
        '</svg></div><div class="wide"><table><thead><tr><th>device</th><th>landing LCP</th>'
        "<th>sessions</th><th>conversion rate</th><th>bounce rate</th><th>revenue per session"
        "</th></tr></thead>"
        '<tbody><tr><td>mobile</td><td>good</td><td class="n">1,200</td><td class="n">5.0%</td>'
        '<td class="n">30.0%</td><td class="n">2.50</td></tr><tr><td>mobile</td><td>poor</td>'
        '<td class="n">40</td><td class="n">2.5%</td><td class="n">50.0%</td>'
        '<td class="n">1.00</td></tr></tbody>'
    ) in page
    assert (
        '</tbody></table></div><h2>Revenue at risk: 55.00</h2><p class="muted">Sessions that'
        " landed on a fast page may differ in other ways (intent, device, campaign): these"
        " figures are a correlation, not a proof that speed alone would bring the revenue.</p>"
        '<div class="wide"><table><thead><tr><th>device</th><th>entry page group</th>'
        "<th>poor sessions</th><th>good sessions</th><th>good conversion rate</th>"
        "<th>poor revenue</th><th>at risk</th></tr></thead><tbody>"
    ) in page, "at risk: 0 + 1 + ... + 10, all eleven rows"
    risk = page.split("<th>at risk</th></tr></thead><tbody>")[1]
    assert risk.startswith(
        '<tr><td>mobile</td><td>/p0</td><td class="n">10</td><td class="n">100</td>'
        '<td class="n">5.0%</td><td class="n">5.00</td><td class="n">0.00</td></tr>'
        "<tr><td>mobile</td><td>/p1</td>"
    )
    assert risk.endswith(
        '<td>/p9</td><td class="n">10</td><td class="n">100</td><td class="n">5.0%</td>'
        '<td class="n">5.00</td><td class="n">9.00</td></tr></tbody></table></div>'
    ), "the first ten rows only"
    plain = findings.experience(a_report({"range": "24h", "release": "1.4"}, revenue=figures))
    assert "(with 30 sessions or more).</p>" in plain, "nothing to say when all filters apply"
    assert findings.experience(a_report({})) == (
        f'{title}<p class="muted">No sessions with a landing LCP in this period.</p>'
    )


NEW = '<span class="delta muted" title="no figure for the previous period">new</span>'


def test_the_vitals_table_shows_each_p75_coloured_with_its_change_and_shares() -> None:
    lcp = Vital("LCP", 3000.0, 2500.0, 120, 100, (0.7, 0.2, 0.1))
    inp = Vital("INP", None, None, 0, 0, (0.0, 0.0, 0.0))
    cls = Vital("CLS", 1.25, None, 80, 0, (0.0, 0.0, 1.0))
    shown = web.vitals(a_report({"range": "24h"}, vitals={"LCP": lcp, "INP": inp, "CLS": cls}))

    def bar(good: int, ni: int, poor: int) -> str:
        return (
            f'<td><div class="bar"><span class="good" style="width:{good}.0%"'
            f' title="good: {good}%"></span><span class="needs_improvement" style="width:{ni}.0%"'
            f' title="needs_improvement: {ni}%"></span><span class="poor" style="width:{poor}.0%"'
            f' title="poor: {poor}%"></span></div></td></tr>'
        )

    assert shown.startswith(
        '<div class="wide"><table><thead><tr><th>metric</th><th>p75</th><th>views</th>'
        "<th>good / NI / poor</th></tr></thead><tbody>"
        '<tr><td>LCP</td><td class="n"><strong class="ni-text">3,000</strong><span class="delta'
        ' worse" title="previous period: 2,500">▲ 20%</span></td><td class="n">120<span'
        ' class="delta " title="previous period: 100">▲ 20%</span></td>'
        f"{bar(70, 20, 10)}"
        f'<tr><td>INP</td><td class="n"><strong>-</strong>{NEW}</td><td class="n">0{NEW}</td>'
        f"{bar(0, 0, 0)}"
        f'<tr><td>CLS</td><td class="n"><strong class="poor-text">1.250</strong>{NEW}</td>'
        f'<td class="n">80{NEW}</td>{bar(0, 0, 100)}</tbody></table></div>'
        '<h2>p75 over time</h2><div class="charts"><figure><figcaption>p75 LCP</figcaption><svg'
    ), "LCP between 2.5 and 4 s: needs improvement; CLS above 0.25: poor; INP unknown"
    assert "</svg></figure><figure><figcaption>p75 INP</figcaption><svg" in shown
    assert shown.endswith("</svg></figure></div>")
    assert web.vitals(a_report({})) == '<p class="muted">No page views in this period yet.</p>'


def test_the_page_puts_its_parts_together() -> None:
    rows = [row()]
    breakdowns = {"page_group": rows, "browser": [row(segment="Chrome")]}
    tables = [(Section("Failed", ""), ["url"], [("/a",)]), (Section("Routes", ""), ["r"], [])]
    page = web.render(a_report({"range": "24h"}, breakdowns=breakdowns, tables=tables))
    assert page.startswith(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"'
        ' content="width=device-width, initial-scale=1"><title>rumhouse report</title><style>'
    )
    assert "</style></head><body><header><h1>" in page
    assert (
        '<p class="muted">No page views in this period yet.</p><p class="muted">Choose a page'
        " group below for its LCP elements, interactions and time to first byte.</p>"
        '<div class="grid"><section><h2>By page group</h2>'
    ) in page
    assert "</section><section><h2>By browser</h2>" in page, "the breakdowns side by side"
    assert page.endswith(
        '<h2>Failed</h2><div class="wide"><table><thead><tr><th>url</th></tr></thead><tbody>'
        '<tr><td>/a</td></tr></tbody></table></div><h2>Routes</h2><div class="wide"><p'
        ' class="muted">No data in this period yet.</p></div></body></html>'
    )
    chosen = web.render(a_report({"range": "24h", "page_group": "/cart"}))
    assert '<p class="muted">No page views in this period yet.</p><div class="grid">' in chosen


def test_the_terminal_vitals_table_has_each_p75_its_trend_and_changes() -> None:
    hour = {"since": "2026-12-02T11:00", "until": "2026-12-02T12:00"}  # steps: :00, :30, 12:00
    series = [(NOW - timedelta(hours=1), 2000.0), (NOW - timedelta(minutes=30), 3000.0)]
    lcp = Vital("LCP", 3000.0, 2500.0, 120, 100, (0.70046, 0.20046, 0.09746), series)
    lines = terminal.vitals(a_report(hour, vitals={"LCP": lcp})).splitlines()
    assert lines[:2] == [
        "┌─metric─┬─p75──┬─change─┬─trend─┬─views─┬─views change─┬─good──┬─NI────┬─poor──┐",
        "│ LCP    │ 3000 │ ▲ 20%  │ ▁█    │ 120   │ ▲ 20%        │ 0.700 │ 0.200 │ 0.097 │",
    ], "shares rounded once, to three decimals"


def test_the_terminal_breakdowns_are_titled_tables_of_their_segments() -> None:
    breakdowns = {"page_group": [row(), row(segment="")], "dims.plan": [row(segment="pro")]}
    shown = terminal.breakdowns(a_report({}, breakdowns=breakdowns))
    assert shown.startswith(
        "By page group\n"
        "┌─Page group─┬─views─┬─LCP──┬─change─┬─INP─┬─CLS───┐\n"
        "│ /cart      │ 10    │ 3000 │ ▲ 50%  │ 100 │ 0.100 │\n"
        "│ (none)     │ 10    │ 3000 │ ▲ 50%  │ 100 │ 0.100 │\n"
        "└────────────┴───────┴──────┴────────┴─────┴───────┘\n\nBy plan\n┌─plan─┬─views─┬─"
    )


def test_the_terminal_releases_name_what_the_newest_did_worse() -> None:
    newest, before = release("2", 3000.0, 0.03), release("1", 2000.0, 0.01)
    shown = terminal.releases(a_report({}, releases=[newest, before]))
    assert shown.splitlines() == [
        "Releases: the latest, newest first",
        "┌─release─┬─first seen───────────┬─views─┬─LCP──┬─INP─┬─CLS───┬─FCP──┬─TTFB─"
        "┬─error rate─┐",
        "│ 2       │ 2026-12-02 12:00 UTC │ 100   │ 3000 │ 100 │ 0.100 │ 1000 │ 500  "
        "│ 3.0%       │",
        "│ 1       │ 2026-12-02 12:00 UTC │ 100   │ 2000 │ 100 │ 0.100 │ 1000 │ 500  "
        "│ 1.0%       │",
        "└─────────┴──────────────────────┴───────┴──────┴─────┴───────┴──────┴──────"
        "┴────────────┘",
        "The newest release did worse: LCP, errors.",
    ]
    alone = terminal.releases(a_report({}, releases=[newest]))
    assert alone.endswith("┘"), "a single release: nothing to compare it with"


def a_release(error_rate: float) -> dict[str, Any]:
    return {"LCP": None, "INP": None, "CLS": None, "FCP": None, "TTFB": None,
            "error_rate": error_rate}  # fmt: skip


@pytest.mark.parametrize(
    ("before", "newest", "flagged"),
    [(0.10, 0.15, True), (0.10, 0.14, False),  # 1.5 times as high, and a point more
     (0.004, 0.008, False), (0.02, 0.03, True),  # twice as high but half a point; exactly one
     (0.0, 0.01, True), (0.0, 0.009, False)],
)  # fmt: skip
def test_a_release_s_errors_are_worse_at_half_as_high_again_and_a_point_more(
    before: float, newest: float, flagged: bool
) -> None:
    assert findings.worse(a_release(newest), a_release(before)) == (["errors"] if flagged else [])
