"""How the report page draws a table: hand-written expectations of the HTML for small inputs
(numbers, bars and their colours by the published Core Web Vitals thresholds, escaping)."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.report.page import render_table, sections
from collector.report.scope import parse

VITALS = ("metric", "p75", "good", "needs_improvement", "poor", "views")


def test_a_vitals_row_has_its_p75_bar_coloured_by_rating_and_the_share_bar() -> None:
    html = render_table(VITALS, [("LCP", 3000.0, 0.5, 0.3, 0.2, 12345)])
    assert html == (
        "<table><thead><tr><th>metric</th><th>p75</th><th>views</th>"
        "<th>good / NI / poor</th></tr></thead><tbody><tr>"
        "<td>LCP</td>"
        # 3000 ms: needs improvement (2500 < 3000 <= 4000); 3000 / (1.5 x 4000) of 100 px.
        '<td class="n">3,000<span class="p75 needs_improvement" style="width:50px"></span></td>'
        '<td class="n">12,345</td>'
        '<td><div class="bar"><span class="good" style="width:50.0%" title="good: 50%"></span>'
        '<span class="needs_improvement" style="width:30.0%" title="needs_improvement: 30%">'
        '</span><span class="poor" style="width:20.0%" title="poor: 20%"></span></div></td>'
        "</tr></tbody></table>"
    )


def test_p75_ratings_at_and_around_the_thresholds() -> None:
    def bar(metric: str, value: float) -> str:
        cell = render_table(("metric", "p75"), [(metric, value)]).split("<td")[2]
        return cell.split('class="p75 ')[1].split('"')[0]

    assert [bar("LCP", v) for v in (2500.0, 2500.5, 4000.0, 4000.5)] == [
        "good", "needs_improvement", "needs_improvement", "poor",
    ]  # fmt: skip
    assert [bar("CLS", v) for v in (0.1, 0.11, 0.25, 0.26)] == [
        "good", "needs_improvement", "needs_improvement", "poor",
    ]  # fmt: skip
    assert [bar("INP", v) for v in (200.0, 201.0, 500.0, 501.0)] == [
        "good", "needs_improvement", "needs_improvement", "poor",
    ]  # fmt: skip


def test_segment_columns_are_vitals_drawn_as_p75_cells() -> None:
    html = render_table(
        ("page_group", "LCP", "INP", "CLS", "page_views"),
        [("/a&b", 1200.0, 600.0, 0.05, 7)],
    )
    assert "<td>/a&amp;b</td>" in html, "text is escaped"
    assert '<td class="n">1,200<span class="p75 good" style="width:20px"></span></td>' in html
    assert '<td class="n">600<span class="p75 poor" style="width:80px"></span></td>' in html
    # CLS keeps three decimals; 0.05 / (1.5 x 0.25) of 100 px is 13 px.
    assert '<td class="n">0.050<span class="p75 good" style="width:13px"></span></td>' in html
    assert '<td class="n">7</td>' in html
    assert "good / NI / poor" not in html, "no share bar without the three shares"


def test_numbers_and_text_cells() -> None:
    html = render_table(("what", "n", "x", "flag"), [("<b>", 1234567, 0.5, True)])
    assert "<th>what</th><th>n</th><th>x</th><th>flag</th>" in html
    assert "<td>&lt;b&gt;</td>" in html
    assert '<td class="n">1,234,567</td>' in html
    assert '<td class="n">0.500</td>' in html, "below 1: three decimals"
    assert "<td>True</td>" in html, "a flag is text, not a number"
    assert '<td class="n">2,500</td>' in render_table(("x",), [(2500.4,)])
    assert "width:100px" in render_table(("metric", "p75"), [("LCP", 99999.0)]), "capped"
    assert "width:0px" in render_table(("metric", "p75"), [("LCP", float("nan"))])


def test_an_empty_table_says_so() -> None:
    assert render_table(VITALS, []) == '<p class="muted">No data in this period yet.</p>'


def test_cls_keeps_three_decimals_above_one_and_other_numbers_round_from_one() -> None:
    assert '<td class="n">1.250<span class="p75 poor"' in render_table(
        ("metric", "p75"), [("CLS", 1.25)]
    )
    assert '<td class="n">1.500<span class="p75 poor"' in render_table(("CLS",), [(1.5,)])
    html = render_table(("x",), [(0.999,), (1.0,), (1.5,)])
    assert html == (
        "<table><thead><tr><th>x</th></tr></thead><tbody>"
        '<tr><td class="n">0.999</td></tr><tr><td class="n">1</td></tr>'
        '<tr><td class="n">2</td></tr></tbody></table>'
    )


def test_only_the_p75_column_of_a_vitals_row_gets_a_bar() -> None:
    html = render_table(("metric", "p75", "mean"), [("LCP", 3000.0, 5000.0)])
    assert html.count('class="p75 ') == 1
    assert '<td class="n">5,000</td>' in html


def test_share_titles_are_rounded_percentages() -> None:
    html = render_table(VITALS, [("INP", 150.0, 0.6, 0.3, 0.1, 10)])
    titles = [part.split('"')[0] for part in html.split(' title="')[1:]]
    assert titles == ["good: 60%", "needs_improvement: 30%", "poor: 10%"]


def test_a_table_without_shares_has_no_share_column() -> None:
    assert render_table(("what", "n"), [("a", 1), ("b", 2)]) == (
        "<table><thead><tr><th>what</th><th>n</th></tr></thead><tbody>"
        '<tr><td>a</td><td class="n">1</td></tr><tr><td>b</td><td class="n">2</td></tr>'
        "</tbody></table>"
    )


def test_the_tables_below_the_breakdowns_and_the_drill_down_of_a_chosen_page_group() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    overview = [
        "Failed requests and resources",
        "Scripts by long-animation-frame blocking time",
        "SPA routes: soft vs hard navigations",
    ]
    assert [s.title for s in sections(parse({}, now))] == overview
    chosen = parse({"page_group": "/cart"}, now)
    assert [s.title for s in sections(chosen)] == [
        "LCP elements and resources: p75 of LCP and its sub-parts (ms)",
        "Interactions: p75 of INP and its phases by element (ms)",
        "Time to first byte: p75 of its parts (ms)",
        *overview,
    ]
    assert all("page_group = {f0:String}" in s.sql for s in sections(chosen))
