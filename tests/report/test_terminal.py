"""What ``rumhouse report`` prints: tables framed as the engine's Pretty format, figures
without separators, changes as arrows and percentages, sparklines of the p75; every
expected line written by hand for small reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from collector.report import terminal
from collector.report.build import Report, Vital
from collector.report.scope import Scope
from collector.sourcemaps.examples import Example

START = datetime(2026, 12, 2, 10, tzinfo=UTC)
END = datetime(2026, 12, 2, 11, tzinfo=UTC)


def a_report(**fields: Any) -> Report:
    """A report of 10:00 to 11:00 in steps of half an hour, empty but for the fields given."""
    empty: dict[str, Any] = {
        "step": 1800, "vitals": {}, "breakdowns": {}, "releases": [], "errors": [],
        "trends": {}, "stacks": {}, "tables": [], "alerts": ((), []),
        "revenue": {"by_rating": [], "by_bucket": [], "at_risk": []},
    }  # fmt: skip
    return Report(scope=Scope(start=START, end=END), **(empty | fields))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (float("nan"), "-"), (datetime(2026, 11, 3, 9, 5, tzinfo=UTC),
     "2026-11-03 09:05 UTC"), (9.9994, "9.999"), (10.0, "10"), (10.4, "10"), (-10.4, "-10"),
     (0.25, "0.250"), (("/a", "/b", 3), "/a, /b, 3"), (42, "42"), ("text", "text")],
)  # fmt: skip
def test_a_cell_shows_three_decimals_under_ten_whole_numbers_from_ten(
    value: object, shown: str
) -> None:
    assert terminal._text(value) == shown


@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [(3000.0, 2500.0, "▲ 20%"), (2000.0, 2500.0, "▼ 20%"), (1004.0, 1000.0, "="),
     (1005.0, 1000.0, "="), (995.0, 1000.0, "="), (1000.0, 1000.0, "="),
     (1006.0, 1000.0, "▲ 1%"), (994.0, 1000.0, "▼ 1%"), (0.0, 100.0, "▼ 100%"),
     (0.3, 0.1, "▲ 200%"), (100.0, None, "new"), (100.0, 0.0, "new"), (None, 100.0, "new")],
)  # fmt: skip
def test_a_change_is_equal_within_half_a_percent_else_an_arrow_and_whole_percent(
    now: float | None, before: float | None, shown: str
) -> None:
    assert terminal.change(now, before) == shown


def test_a_table_pads_each_column_to_its_widest_text_on_the_left() -> None:
    rows = [("a", 1234.6, None), ("longer name", 2.5, "x")]
    assert terminal.table(("name", "n", "a wide head"), rows).split("\n") == [
        "┌─name────────┬─n─────┬─a wide head─┐",
        "│ a           │ 1235  │ -           │",
        "│ longer name │ 2.500 │ x           │",
        "└─────────────┴───────┴─────────────┘",
    ]
    assert terminal.table(("name",), []) == "(no data in this period yet)"


def test_the_vitals_table_shows_p75_changes_trend_and_rounded_shares() -> None:
    lcp = Vital("LCP", 2600.0, 2000.0, 120, 100, (0.40049, 0.40049, 0.19902),
                [(START, 2000.0), (datetime(2026, 12, 2, 10, 30, tzinfo=UTC), 3000.0)])  # fmt: skip
    cls = Vital("CLS", 0.08, 0.1, 80, 0, (0.59902, 0.00049, 0.40049))
    assert terminal.vitals(a_report(vitals={"LCP": lcp, "CLS": cls})).split("\n") == [
        "┌─metric─┬─p75───┬─change─┬─trend─┬─views─┬─views change─┬─good──┬─NI────┬─poor──┐",
        "│ LCP    │ 2600  │ ▲ 30%  │ ▁█    │ 120   │ ▲ 20%        │ 0.400 │ 0.400 │ 0.199 │",
        "│ CLS    │ 0.080 │ ▼ 20%  │       │ 80    │ new          │ 0.599 │ 0.000 │ 0.400 │",
        "└────────┴───────┴────────┴───────┴───────┴──────────────┴───────┴───────┴───────┘",
    ], "the 11:00 step has no p75: a blank in the trend; no views before: a new count"


def breakdown_row(segment: str, views: int, lcp: float, before: float, *, inp: float,
                  cls: float) -> dict[str, Any]:  # fmt: skip
    return {"segment": segment, "views": views, "previous_views": views, "LCP": lcp,
            "LCP_previous": before, "INP": inp, "INP_previous": inp, "CLS": cls,
            "CLS_previous": cls}  # fmt: skip


def test_each_breakdown_is_a_titled_table_with_the_change_of_its_lcp() -> None:
    report = a_report(breakdowns={
        "device_class": [breakdown_row("mobile", 70, 2600.0, 2000.0, inp=180.0, cls=0.05),
                         breakdown_row("", 5, 1500.0, 1500.0, inp=90.0, cls=0.0)],
        "country": [],
        "dims.plan": [breakdown_row("pro", 3, 1200.0, 1000.0, inp=60.0, cls=0.1)],
    })  # fmt: skip
    assert terminal.breakdowns(report).split("\n") == [
        "By device class",
        "┌─Device class─┬─views─┬─LCP──┬─change─┬─INP─┬─CLS───┐",
        "│ mobile       │ 70    │ 2600 │ ▲ 30%  │ 180 │ 0.050 │",
        "│ (none)       │ 5     │ 1500 │ =      │ 90  │ 0.000 │",
        "└──────────────┴───────┴──────┴────────┴─────┴───────┘",
        "",
        "By country",
        "(no data in this period yet)",
        "",
        "By plan",
        "┌─plan─┬─views─┬─LCP──┬─change─┬─INP─┬─CLS───┐",
        "│ pro  │ 3     │ 1200 │ ▲ 20%  │ 60  │ 0.100 │",
        "└──────┴───────┴──────┴────────┴─────┴───────┘",
    ], "a custom dimension is titled by its key; a page view without a value is (none)"


def test_a_segment_with_no_lcp_before_is_new_not_nan() -> None:
    # The engine's quantile of no values is nan: a segment new in this period.
    report = a_report(breakdowns={"country": [breakdown_row("JP", 4, 2600.0, float("nan"),
                                                            inp=100.0, cls=0.1)]})  # fmt: skip
    row = terminal.breakdowns(report).split("\n")[2]
    assert row == "│ JP      │ 4     │ 2600 │ new    │ 100 │ 0.100 │"


def release(name: str, seen: datetime, views: int, lcp: float, error_rate: float) -> dict[str, Any]:
    return {"release": name, "first_seen": seen, "views": views, "LCP": lcp, "INP": 200.0,
            "CLS": 0.1, "FCP": 1800.0, "TTFB": 600.0, "error_rate": error_rate}  # fmt: skip


HEAD = [
    "Releases: the latest, newest first",
    "┌─release─┬─first seen───────────┬─views─┬─LCP──┬─INP─┬─CLS───┬─FCP──┬─TTFB─┬─error rate─┐",
]
OLDER = "│ v1      │ 2026-11-30 17:00 UTC │ 260   │ 2500 │ 200 │ 0.100 │ 1800 │ 600  │ 0.0%       │"
BOTTOM = (
    "└─────────┴──────────────────────┴───────┴──────┴─────┴───────┴──────┴──────┴────────────┘"
)


def test_the_releases_table_flags_the_newest_when_it_did_worse_than_the_one_before() -> None:
    v1 = release("v1", datetime(2026, 11, 30, 17, tzinfo=UTC), 260, 2500.0, 0.00049)
    v2 = release("v2", datetime(2026, 12, 2, 8, 30, tzinfo=UTC), 40, 3000.0, 0.05)
    assert terminal.releases(a_report(releases=[v2, v1])).split("\n") == [
        *HEAD,
        "│ v2      │ 2026-12-02 08:30 UTC │ 40    │ 3000 │ 200 │ 0.100 │ 1800 │ 600  │ 5.0%"
        "       │",
        OLDER,
        BOTTOM,
        "The newest release did worse: LCP, errors.",
    ], "error rates as percentages to one decimal, as on the page"
    steady = release("v2", datetime(2026, 12, 2, 8, 30, tzinfo=UTC), 40, 2500.0, 0.00049)
    assert terminal.releases(a_report(releases=[steady, v1])).split("\n")[-1] == BOTTOM


def test_a_single_release_or_none_has_no_flag() -> None:
    v1 = release("v1", datetime(2026, 11, 30, 17, tzinfo=UTC), 260, 2500.0, 0.00049)
    assert terminal.releases(a_report(releases=[v1])).split("\n") == [*HEAD, OLDER, BOTTOM]
    assert terminal.releases(a_report()) == (
        "Releases: the latest, newest first\n(no data in this period yet)"
    )


def an_error(message: str) -> dict[str, Any]:
    return {"fingerprint": "f1", "type": "TypeError", "message": message, "occurrences": 12,
            "page_views": 10, "sessions": 7, "first_seen": datetime(2026, 12, 2, 9, 5, tzinfo=UTC),
            "last_seen": datetime(2026, 12, 2, 10, 50, tzinfo=UTC),
            "pages": ["/cart", "/checkout"]}  # fmt: skip


def test_the_errors_table_names_its_columns_and_draws_each_errors_trend() -> None:
    # 4 at 10:00, 8 at 10:30, none at 11:00: half way up (round(3.5) = 4, the fifth block),
    # the highest, the lowest.
    trend = [(START, 4), (datetime(2026, 12, 2, 10, 30, tzinfo=UTC), 8)]
    report = a_report(errors=[an_error("x is undefined")], trends={"f1": trend})
    assert terminal.errors(report).split("\n") == [
        "Errors worth fixing",
        "┌─type──────┬─message────────┬─occurrences─┬─page_views─┬─sessions─┬─trend─┬─first_seen"
        "───────────┬─last_seen────────────┬─pages────────────┐",
        "│ TypeError │ x is undefined │ 12          │ 10         │ 7        │ ▅█▁   │ 2026-12-02"
        " 09:05 UTC │ 2026-12-02 10:50 UTC │ /cart, /checkout │",
        "└───────────┴────────────────┴─────────────┴────────────┴──────────┴───────┴───────────"
        "───────────┴──────────────────────┴──────────────────┘",
    ]


def test_an_errors_message_is_cut_to_60_characters_in_the_table() -> None:
    shown = terminal.errors(a_report(errors=[an_error("m" * 59 + "xy")]))
    assert "│ " + "m" * 59 + "x │" in shown
    assert "xy" not in shown


def test_the_errors_table_is_followed_by_each_example_stack_under_its_own_heading() -> None:
    stack = ["    at add (https://shop.example/app.js:1:2)"]
    examples = {"f1": Example("TypeError", "x is undefined", "shop", "", stack),
                "f2": Example("Error", "late", "shop", "r9", ["    at x (a.js:3:4)"])}  # fmt: skip
    shown = terminal.errors(a_report(errors=[an_error("x is undefined")], stacks=examples))
    table, _, stacks = shown.partition("\n\n")
    assert table.startswith("Errors worth fixing\n┌─type")
    assert stacks.split("\n") == [
        "Example stacks",
        "TypeError: x is undefined",
        "(site shop, release none set: no release: the page sets one with "
        "rumhouse('set', 'release', R))",
        "    at add (https://shop.example/app.js:1:2)",
        "",
        "Error: late",
        "(site shop, release r9: no source map matches its frames: `rumhouse sourcemaps upload "
        "--site shop --release r9 DIR`)",
        "    at x (a.js:3:4)",
    ]


def test_without_example_stacks_the_errors_table_ends_the_section() -> None:
    assert terminal.errors(a_report(errors=[an_error("x")])).endswith("┘")


def test_the_experience_tables_show_rates_as_percentages_and_money_to_the_cent() -> None:
    revenue = {
        "by_rating": [{"device": "mobile", "rating": "good", "sessions_": 120,
                       "conversion_rate": 0.04166, "bounce_rate": 0.25,
                       "revenue_per_session": 12.3456}],
        "by_bucket": [{"bucket": 1500, "sessions_": 80, "conversion_rate": 0.05},
                      {"bucket": 4500, "sessions_": 30, "conversion_rate": 0.00046}],
        "at_risk": [{"device_class": "mobile", "entry_page_group": "/product", "poor_sessions": 40,
                     "good_sessions": 120, "good_conversion_rate": 0.04166, "poor_revenue": 0.0,
                     "revenue_at_risk": 1234.5678}],
    }  # fmt: skip
    assert terminal.experience(a_report(revenue=revenue)).split("\n") == [
        "Experience and revenue: sessions by landing LCP rating",
        "┌─device─┬─landing LCP─┬─sessions─┬─conversion rate─┬─bounce rate─┬─revenue per session─┐",
        "│ mobile │ good        │ 120      │ 4.2%            │ 25.0%       │ 12.35               │",
        "└────────┴─────────────┴──────────┴─────────────────┴─────────────┴─────────────────────┘",
        "",
        "Conversion rate by landing LCP (500 ms buckets, ms)",
        "┌─landing LCP from─┬─sessions─┬─conversion rate─┐",
        "│ 1500             │ 80       │ 5.0%            │",
        "│ 4500             │ 30       │ 0.0%            │",
        "└──────────────────┴──────────┴─────────────────┘",
        "",
        "Revenue at risk: 1234.57",
        "Sessions that landed on a fast page may differ in other ways (intent, device, campaign):"
        " these figures are a correlation, not a proof that speed alone would bring the revenue.",
        "┌─device─┬─entry page group─┬─poor sessions─┬─good sessions─┬─good conversion rate─┬─poor"
        " revenue─┬─at risk─┐",
        "│ mobile │ /product         │ 40            │ 120           │ 4.2%                 │ 0.00"
        "         │ 1234.57 │",
        "└────────┴──────────────────┴───────────────┴───────────────┴──────────────────────┴─────"
        "─────────┴─────────┘",
    ]


def test_the_report_opens_with_its_period_site_and_filters_then_blank_separated_sections() -> None:
    scope = Scope(start=START, end=END, site="shop", bots=True,
                  filters=(("device_class", "mobile"), ("country", "DE")))  # fmt: skip
    report = Report(**(vars(a_report()) | {"scope": scope}))
    sections = terminal.render(report).split("\n\n")
    assert sections[0].split("\n") == [
        "rumhouse report: 2026-12-02 10:00 UTC to 2026-12-02 11:00 UTC, site shop (2026-12-02"
        " 10:00 UTC to 2026-12-02 11:00 UTC; changes against the hour before)",
        "filters: device_class=mobile, country=DE, bots included",
    ]
    titles = [s.split("\n")[0] for s in sections[1:]]
    assert titles[:6] == [
        "Alerts: firing now and resolved in the last 7 days",
        "Core Web Vitals: p75 and share of page views by rating",
        "",  # the breakdowns print nothing without data
        "Releases: the latest, newest first",
        "Errors worth fixing",
        "Experience and revenue: sessions by landing LCP rating",
    ]


def test_a_report_of_all_sites_without_filters_has_no_filters_line() -> None:
    head = terminal.render(a_report()).split("\n")[:2]
    assert head == [
        "rumhouse report: 2026-12-02 10:00 UTC to 2026-12-02 11:00 UTC, all sites (2026-12-02"
        " 10:00 UTC to 2026-12-02 11:00 UTC; changes against the hour before)",
        "",
    ]


def test_the_experience_shows_ten_places_at_risk_and_names_the_filters_it_cannot_apply() -> None:
    at_risk = [{"device_class": "mobile", "entry_page_group": f"/p{i}", "poor_sessions": 40,
                "good_sessions": 120, "good_conversion_rate": 0.04, "poor_revenue": 10.0,
                "revenue_at_risk": 100.0 - i} for i in range(11)]  # fmt: skip
    revenue = {"by_rating": [], "by_bucket": [], "at_risk": at_risk}
    # Sessions hold no dimension of the site's own (dim.*): the section names them.
    scope = Scope(
        start=START, end=END, filters=(("dim.plan", "pro"), ("country", "DE"), ("dim.team", "a"))
    )
    report = Report(**(vars(a_report(revenue=revenue)) | {"scope": scope}))
    text = terminal.experience(report)
    assert text.split("\n")[0] == (
        "Experience and revenue: sessions by landing LCP rating (not applied: dim.plan, dim.team)"
    )
    assert [f"/p{i} " in text for i in (9, 10)] == [True, False], "the first ten only"
