"""The built-in rules on the real engine, against deliberate traffic (``seed``): each fires
on its regression, and not below its minimum sample or its threshold; per-site tuning;
attribution names the new release or the browser that dominates."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from pydantic import ValidationError

from collector.alerts.model import Finding
from collector.alerts.query import from_client
from collector.alerts.rules import configured
from collector.alerts.settings import RULE_NAMES, RuleSettings, RuleTuning
from collector.settings import Settings
from tests.alerts.seed import Traffic, fill_rollups, history, seed

HOUR = timedelta(hours=1)
NORMAL = Traffic()  # LCP 1600, INP 120, CLS 0.04 scales: p75 under the good thresholds


def spread(scale: float, count: int) -> float:
    """The p75 of ``count`` values seeded with ``scale`` (nearest rank)."""
    values = sorted(scale * (0.5 + (n % 100) / 100) for n in range(count))
    return values[round(0.75 * (count - 1))]


def findings(client: Client, settings: Settings, name: str, now: datetime) -> list[Finding]:
    fill_rollups(client)
    rules = {c.rule.name: c for c in configured(settings)}
    rule = rules[name]
    return asyncio.run(rule.rule.evaluate(from_client(client), now, rule.tunings))


def last_hour(client: Client, traffic: Traffic, now: datetime, tag: str = "i") -> int:
    return seed(client, traffic, now - HOUR, now, tag)


@pytest.mark.parametrize(
    "case",
    [("lcp_regression", "lcp", 4000.0, 2500.0), ("inp_regression", "inp", 400.0, 200.0),
     ("cls_regression", "cls", 0.3, 0.1)],
)  # fmt: skip
def test_vitals_regression_fires_when_p75_is_worse_and_poor(
    client: Client, settings: Settings, now: datetime, case: tuple[str, str, float, float]
) -> None:
    name, metric, incident, good = case  # rule, Traffic field, slow scale, "good" threshold
    history(client, NORMAL, now)
    slow: dict[str, Any] = {metric: incident, "per_hour": 300}
    n = last_hour(client, replace(NORMAL, **slow), now)
    [found] = findings(client, settings, name, now)
    assert found.labels == {"site": "shop", "page_group": "/product/:id", "device_class": "mobile"}
    usual = spread(getattr(NORMAL, metric), 100)
    assert found.value == pytest.approx(spread(incident, n), rel=0.02)
    assert found.baseline == pytest.approx(usual, rel=0.02)
    assert found.threshold == pytest.approx(max(good, usual * 1.2), rel=0.02)


def test_vitals_regression_silent_while_p75_stays_under_the_good_threshold(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, lcp=1000.0), now)
    last_hour(client, replace(NORMAL, lcp=1900.0, per_hour=300), now)  # 90% worse, still good
    assert spread(1900.0, 300) < 2500
    assert findings(client, settings, "lcp_regression", now) == []


def test_vitals_regression_silent_below_min_samples_and_tunable_per_site(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, lcp=5000.0, per_hour=20), now)  # 20 page views < 30
    assert findings(client, settings, "lcp_regression", now) == []
    quiet = RuleSettings(sites={"shop": RuleTuning(min_samples=10)})
    tuned = settings.model_copy(update={"alert_rules": {"lcp_regression": quiet}})
    assert [f.site for f in findings(client, tuned, "lcp_regression", now)] == ["shop"]


def test_vitals_regression_silent_when_only_a_few_page_views_are_slow(
    client: Client, settings: Settings, now: datetime
) -> None:
    """12 slow page views of 40 lift the p75 by over 20% above 2,500 ms, but 30% of the page
    views over the usual p75 is no more than noise (the docs: 4 standard errors over 25%)."""
    history(client, NORMAL, now)
    fast = last_hour(client, replace(NORMAL, per_hour=28), now, "fast")
    slow = last_hour(client, replace(NORMAL, lcp=5000.0, per_hour=12), now, "slow")
    values = sorted(
        [1600 * (0.5 + n % 100 / 100) for n in range(fast)]
        + [5000 * (0.5 + n % 100 / 100) for n in range(slow)]
    )
    usual, total = spread(1600.0, 100), fast + slow
    assert values[round(0.75 * (total - 1))] > max(2500, 1.2 * usual)  # p75 alone would fire
    share = sum(v > usual for v in values) / total
    assert (share - 0.25) / (0.1875 / total) ** 0.5 < 4
    assert findings(client, settings, "lcp_regression", now) == []


def test_vitals_regression_worse_by_tuned_per_site(
    client: Client, settings: Settings, now: datetime
) -> None:
    for site in ("shop", "blog"):
        history(client, replace(NORMAL, site=site), now, tag=site)
        last_hour(client, replace(NORMAL, site=site, lcp=2200.0, per_hour=300), now, site + "i")
    ratio = spread(2200.0, 300) / spread(1600.0, 100)
    assert 1.2 < ratio < 1.5
    assert spread(2200.0, 300) > 2500
    tolerant = RuleSettings(sites={"shop": RuleTuning(worse_by=0.5)})
    tuned = settings.model_copy(update={"alert_rules": {"lcp_regression": tolerant}})
    assert [f.site for f in findings(client, tuned, "lcp_regression", now)] == ["blog"]
    off = RuleSettings(enabled=False)
    disabled = settings.model_copy(update={"alert_rules": {"lcp_regression": off}})
    assert "lcp_regression" not in {c.rule.name for c in configured(disabled)}


def test_attribution_names_a_release_the_baseline_does_not_have(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, lcp=4000.0, per_hour=300, release="2026.12.1"), now)
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context == {"release": "2026.12.1"}
    assert found.summary.startswith("LCP p75 on /product/:id (mobile) is ")
    assert found.description.endswith(
        "worse than the good threshold 2,500 ms). Mostly release 2026.12.1, not in the baseline."
    )


def test_attribution_names_no_release_that_the_baseline_has(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, lcp=4000.0, per_hour=300), now)  # the same release
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.description.endswith("worse than the good threshold 2,500 ms).")
    assert not found.context
    assert "release" not in found.description


@pytest.mark.parametrize(("hits", "named"), [(6, True), (7, False)])
def test_attribution_names_a_release_under_one_percent_of_the_baseline(
    client: Client, settings: Settings, now: datetime, hits: int, named: bool
) -> None:
    """The baseline's seven hours hold 700 page views, 100 an hour (yesterday's hour: 100 -
    ``hits`` of the usual release, ``hits`` of the new one): under 1% the release is new;
    7 of 700 is exactly 1%, so it is not."""
    yesterday = now - timedelta(days=1)
    usual = replace(NORMAL, per_hour=100)
    seed(client, usual, now - timedelta(days=8), yesterday - HOUR, "h")
    seed(client, usual, yesterday, now - HOUR, "g")
    seed(client, replace(NORMAL, per_hour=100 - hits), yesterday - HOUR, yesterday, "y")
    seed(client, replace(NORMAL, per_hour=hits, release="2026.12.1"), yesterday - HOUR,
         yesterday, "r")  # fmt: skip
    last_hour(client, replace(NORMAL, lcp=4000.0, per_hour=300, release="2026.12.1"), now)
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context == ({"release": "2026.12.1"} if named else None)


def test_attribution_names_the_browser_that_dominates_the_regression(
    client: Client, settings: Settings, now: datetime
) -> None:
    """Safari's page views are all over 2,500 ms, Chrome's a quarter of them (LCP 2,000 x
    0.5..1.49): Safari holds 80% of the slow ones and is 4 times as often slow."""
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, lcp=2000.0, per_hour=300), now, "chrome")
    last_hour(client, replace(NORMAL, lcp=6000.0, per_hour=300, browser="Safari"), now, "s")
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context == {"browser": "Safari"}


def test_attribution_names_a_new_release_and_the_country_that_dominates(
    client: Client, settings: Settings, now: datetime
) -> None:
    """A new release everywhere, slow in Germany (all its page views over 2,500 ms) and a
    quarter of them elsewhere: both are named, in one sentence."""
    history(client, NORMAL, now)
    new = replace(NORMAL, per_hour=300, release="2026.12.1")
    last_hour(client, replace(new, lcp=2000.0), now, "us")
    last_hour(client, replace(new, lcp=6000.0, country="DE"), now, "de")
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context == {"release": "2026.12.1", "country": "DE"}
    assert found.description.endswith(
        "). Mostly release 2026.12.1, not in the baseline; mostly country DE."
    )


def test_attribution_names_no_browser_when_every_browser_regressed(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, lcp=5000.0, per_hour=300), now, "chrome")
    last_hour(client, replace(NORMAL, lcp=5000.0, per_hour=240, browser="Safari"), now, "s")
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context is None


def test_error_spike_fires_on_a_share_of_page_views_with_errors_twice_the_usual(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, error_every=50), now)
    n = last_hour(client, replace(NORMAL, error_every=5, per_hour=300), now)
    [found] = findings(client, settings, "error_spike", now)
    assert found.alertname == "error_spike"
    assert found.labels == {"site": "shop", "page_group": "/product/:id"}
    assert found.value == pytest.approx(1 / 5)
    assert found.baseline == pytest.approx(1 / 50, rel=0.02)
    assert found.threshold == pytest.approx(2 / 50, rel=0.02)  # twice the usual, over 1%
    assert found.context is None  # the same release, browser and country as usual
    assert "20.0%" in found.summary
    assert "/product/:id" in found.summary
    # Where, how many, against what: the site, the page group, the figures, and then a full
    # stop (nothing was attributed).
    assert found.description.startswith(f"On site shop, /product/:id: 20.0% of {n} page views")
    assert f"{found.baseline:.1%}" in found.description
    assert found.description.endswith(f"{found.threshold:.1%}.")


def test_error_spike_names_a_release_the_baseline_does_not_have(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, error_every=50), now)
    last_hour(client, replace(NORMAL, error_every=5, per_hour=300, release="2026.12.1"), now)
    [found] = findings(client, settings, "error_spike", now)
    assert found.context == {"release": "2026.12.1"}
    assert found.description.endswith("; mostly release 2026.12.1, not in the baseline.")


def test_error_spike_silent_under_twice_the_usual_share(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, error_every=50), now)
    last_hour(client, replace(NORMAL, error_every=30, per_hour=300), now)  # 3.3% < 4%
    assert findings(client, settings, "error_spike", now) == []


def test_new_error_fires_on_an_error_never_seen_before_that_sessions_met(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, error_every=50), now)  # "boom", known
    last_hour(client, replace(NORMAL, error_every=50, per_hour=300), now, "old")
    last_hour(client, replace(NORMAL, error="fresh", error_every=30, per_hour=300), now, "new")
    [found] = findings(client, settings, "new_error", now)
    assert found.labels == {
        "site": "shop", "error": "TypeError: fresh", "source": "https://shop.example/app.js",
    }  # fmt: skip
    assert found.value == 300 // 30  # one session per page view, one in 30 with the error
    assert (found.alertname, found.threshold) == ("new_error", 5)
    assert found.summary == "New error on /product/:id: TypeError: fresh"
    assert found.context == {"page_group": "/product/:id"}
    assert found.description == (  # nothing attributed: a full stop
        "On site shop, first seen in the last 60 minutes: TypeError: fresh "
        "(https://shop.example/app.js); 10 sessions, 10 page views, mostly on /product/:id."
    )


def test_new_error_labels_are_cut_at_200_characters(
    client: Client, settings: Settings, now: datetime
) -> None:
    """docs/alerts.md: the ``error`` (type and message) and ``source`` labels keep their
    first 200 characters (the beacon allows a 1,024-character message, a 512 one source)."""
    message, source = "m" * 1024, "https://shop.example/" + "s" * 480 + ".js"
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, error=message, source=source, error_every=30,
                              per_hour=300), now)  # fmt: skip
    [found] = findings(client, settings, "new_error", now)
    assert found.labels["error"] == ("TypeError: " + message)[:200]
    assert found.labels["source"] == source[:200]


def test_new_error_silent_below_min_sessions(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, error="rare", error_every=75, per_hour=300), now)
    assert findings(client, settings, "new_error", now) == []  # 4 sessions < 5
    eager = RuleSettings(sites={"blog": RuleTuning(min_sessions=2)})  # another site's
    tuned = settings.model_copy(update={"alert_rules": {"new_error": eager}})
    assert findings(client, tuned, "new_error", now) == []


def test_error_spike_tuned_per_site_and_from_exactly_min_samples(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, error_every=50), now)  # 7 x 240 page views as baseline
    n = last_hour(client, replace(NORMAL, error_every=5, per_hour=300), now)
    off = RuleSettings(sites={"shop": RuleTuning(enabled=False)})
    tuned = settings.model_copy(update={"alert_rules": {"error_spike": off}})
    assert findings(client, tuned, "error_spike", now) == []
    for min_samples, fired in ((n, ["shop"]), (n + 1, [])):  # the fewer: the hour's n
        rule = RuleSettings(sites={"shop": RuleTuning(min_samples=min_samples)})
        tuned = settings.model_copy(update={"alert_rules": {"error_spike": rule}})
        assert [f.site for f in findings(client, tuned, "error_spike", now)] == fired


def test_error_spike_silent_at_exactly_twice_the_usual_share(
    client: Client, settings: Settings, now: datetime
) -> None:
    """6 page views of 300 with an error in each baseline hour (2%), 12 of 300 now (4%):
    twice the usual is the threshold, and the rule fires above it."""
    history(client, replace(NORMAL, error_every=50, per_hour=300), now)
    last_hour(client, replace(NORMAL, error_every=25, per_hour=300), now)
    assert findings(client, settings, "error_spike", now) == []


def test_error_spike_skips_page_groups_without_errors_baseline_or_traffic_now(
    client: Client, settings: Settings, now: datetime
) -> None:
    """Beside a spike: a page group with no error at all (60 page views an hour, as many as
    ``min_samples``), one new in the last hour (all its page views failing, no baseline),
    one with no page view in the last hour. Only the spike fires, and nothing fails."""
    history(client, replace(NORMAL, error_every=50), now)
    last_hour(client, replace(NORMAL, error_every=5, per_hour=300), now)
    quiet = replace(NORMAL, page_group="/cart", per_hour=60)
    history(client, quiet, now, tag="ch")
    last_hour(client, quiet, now, "ci")
    last_hour(client, replace(NORMAL, page_group="/new", error_every=1), now, "n")
    history(client, replace(NORMAL, page_group="/old", error_every=2), now, tag="o")
    rule = RuleSettings(min_samples=60)
    tuned = settings.model_copy(update={"alert_rules": {"error_spike": rule}})
    assert [f.labels["page_group"] for f in findings(client, tuned, "error_spike", now)] == [
        "/product/:id"
    ]


def test_new_error_from_exactly_min_sessions_and_tuned_per_site(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    last_hour(client, replace(NORMAL, error="five", error_every=60, per_hour=300), now)
    assert [f.value for f in findings(client, settings, "new_error", now)] == [5]
    strict = RuleSettings(sites={"shop": RuleTuning(min_sessions=6)})
    tuned = settings.model_copy(update={"alert_rules": {"new_error": strict}})
    assert findings(client, tuned, "new_error", now) == []


def test_new_error_met_a_millisecond_before_the_hour_is_not_new(
    client: Client, settings: Settings, now: datetime
) -> None:
    """Evaluated at a time with milliseconds: an error first met 1 ms before the window is
    known, one first met at its very start is new (5 sessions each in the window)."""
    at, ms = now + timedelta(milliseconds=123), timedelta(milliseconds=1)
    start = at - HOUR  # the window's start
    every_second = replace(NORMAL, error_every=1, per_hour=3600)  # one session a second
    five, six = timedelta(seconds=5), timedelta(seconds=6)
    edge = seed(client, replace(every_second, error="edge"), start - ms, start - ms + six, "e")
    inside = seed(client, replace(every_second, error="inside"), start, start + five, "i")
    assert (edge, inside) == (6, 5)  # the first of the edge's 6 before the window
    [found] = findings(client, settings, "new_error", at)
    assert found.labels["error"] == "TypeError: inside"


def test_new_error_with_no_source_and_a_new_release(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, NORMAL, now)
    fresh = replace(NORMAL, error="fresh", source="", error_every=30, per_hour=300)
    last_hour(client, replace(fresh, release="2026.12.1"), now)
    [found] = findings(client, settings, "new_error", now)
    assert found.labels["source"] == ""
    assert found.context == {"page_group": "/product/:id", "release": "2026.12.1"}
    assert "TypeError: fresh (no source); 10 sessions" in found.description
    assert found.description.endswith("; mostly release 2026.12.1, not in the baseline.")


def test_vitals_attribution_baseline_is_the_same_hour_of_each_of_the_previous_7_days(
    client: Client, settings: Settings, now: datetime
) -> None:
    """A release out at yesterday's same hour, as fast as usual, is in the baseline: the
    regression does not name it."""
    history(client, NORMAL, now)
    yesterday = now - timedelta(days=1)
    seed(client, replace(NORMAL, release="2026.12.1"), yesterday - HOUR, yesterday, "y")
    last_hour(client, replace(NORMAL, lcp=4000.0, per_hour=300, release="2026.12.1"), now)
    [found] = findings(client, settings, "lcp_regression", now)
    assert found.context is None


def test_attribution_baseline_is_the_same_hour_of_each_of_the_previous_7_days(
    client: Client, settings: Settings, now: datetime
) -> None:
    """A release out since yesterday's same hour is in the baseline (1 day back): neither
    new_error nor failed_requests names it."""
    history(client, replace(NORMAL, failure_every=100), now)
    yesterday = now - timedelta(days=1)
    seed(client, replace(NORMAL, release="2026.12.1"), yesterday - HOUR, yesterday, "y")
    new = replace(NORMAL, release="2026.12.1", per_hour=300)
    last_hour(client, replace(new, error="fresh", error_every=30, failure_every=5), now)
    [error] = findings(client, settings, "new_error", now)
    assert error.context == {"page_group": "/product/:id"}
    [failed] = findings(client, settings, "failed_requests", now)
    assert failed.context is None


def test_failed_requests_fires_on_an_endpoint_failing_twice_as_often(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, failure_every=100), now)
    last_hour(client, replace(NORMAL, failure_every=5, per_hour=300), now)  # 60 of 300
    [found] = findings(client, settings, "failed_requests", now)
    assert found.alertname == "failed_requests"
    assert found.labels == {"site": "shop", "endpoint": "/api/cart"}
    assert found.value == pytest.approx(1 / 5)
    assert found.baseline == pytest.approx(1 / 100, rel=0.05)
    assert found.threshold == pytest.approx(2 / 100, rel=0.05)  # twice the usual, over 1%
    assert found.context is None  # the same release, browser and country as usual
    assert found.summary.startswith("Requests to /api/cart fail on 20.0% of page views")
    # Where, how many, since when, against what; a full stop (nothing was attributed).
    assert found.description.startswith(
        "On site shop: 60 failed requests (network errors and 5xx) to /api/cart on 60 page "
        f"views (20.0%) since {now - HOUR:%H:%M} UTC, against {found.baseline:.1%}"
    )
    assert found.description.endswith(f"fires above {found.threshold:.1%}.")


def test_failed_requests_names_a_release_the_baseline_does_not_have(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, failure_every=100), now)
    new = replace(NORMAL, failure_every=5, per_hour=300, release="2026.12.1")
    last_hour(client, new, now)
    [found] = findings(client, settings, "failed_requests", now)
    assert found.context == {"release": "2026.12.1"}
    assert found.description.endswith("; mostly release 2026.12.1, not in the baseline.")


def test_failed_requests_fires_from_exactly_min_samples_and_not_at_exactly_twice(
    client: Client, settings: Settings, now: datetime
) -> None:
    """20 failed requests (``min_samples``) are enough; a share exactly twice the usual
    (2% against 1%: 3 in each baseline hour's 300 page views) is not above it."""
    history(client, replace(NORMAL, failure_every=100, per_hour=300), now)
    last_hour(client, replace(NORMAL, failure_every=50, per_hour=1000), now)  # 20 of 1,000
    assert findings(client, settings, "failed_requests", now) == []
    other = replace(NORMAL, site="blog", per_hour=10)  # 70 page views in the baseline hours
    history(client, other, now, tag="bh")
    last_hour(client, replace(other, failure_every=50, per_hour=1000), now, "bi")
    [found] = findings(client, settings, "failed_requests", now)
    # An endpoint that never failed before: its usual share is 0, the 1% floor decides.
    assert (found.site, found.value, found.baseline, found.threshold) == ("blog", 0.02, 0, 0.01)


def test_failed_requests_tuned_per_site_and_no_endpoint_named_so(
    client: Client, settings: Settings, now: datetime
) -> None:
    for site, endpoint in (("shop", "/api/cart"), ("blog", "")):
        traffic = replace(NORMAL, site=site, endpoint=endpoint)
        history(client, traffic, now, tag=site)
        last_hour(client, replace(traffic, failure_every=5, per_hour=300), now, site + "i")
    off = RuleSettings(sites={"shop": RuleTuning(enabled=False)})
    tuned = settings.model_copy(update={"alert_rules": {"failed_requests": off}})
    [found] = findings(client, tuned, "failed_requests", now)
    assert found.labels == {"site": "blog", "endpoint": ""}
    assert found.summary.startswith("Requests to (no endpoint) fail on 20.0%")
    strict = RuleSettings(sites={"blog": RuleTuning(min_samples=61)})  # blog has 60
    tuned = settings.model_copy(update={"alert_rules": {"failed_requests": strict}})
    assert [f.site for f in findings(client, tuned, "failed_requests", now)] == ["shop"]


def test_failed_requests_of_page_views_begun_before_the_hour_are_all_of_its_share(
    client: Client, settings: Settings, now: datetime
) -> None:
    """Long-lived pages: 30 failed requests in the last hour from page views that began in
    the hour before, none begun in the last hour. The share is then 100%, not a crash."""
    history(client, NORMAL, now)
    seed(client, replace(NORMAL, failure_every=1, per_hour=30), now - 2 * HOUR, now - HOUR, "l")
    client.command(
        "INSERT INTO failures SELECT * REPLACE (ts + INTERVAL 1 HOUR AS ts) FROM failures"
    )
    client.command("DELETE FROM failures WHERE ts < {cut:DateTime64(3, 'UTC')}",
                   parameters={"cut": (now - HOUR).strftime("%Y-%m-%d %H:%M:%S")})  # fmt: skip
    [found] = findings(client, settings, "failed_requests", now)
    assert (found.value, found.baseline) == (1.0, 0)


def test_failed_requests_silent_on_a_site_with_no_baseline_yet(
    client: Client, settings: Settings, now: datetime
) -> None:
    """docs/alerts.md: a rule with no baseline yet (a new site) does not fire; the others
    still do."""
    for site in ("blog", "docs", "news", "help", "jobs", "mail", "wiki", "beta"):  # new sites
        new = replace(NORMAL, site=site, failure_every=5, per_hour=300)
        last_hour(client, new, now, site)
    assert findings(client, settings, "failed_requests", now) == []
    history(client, replace(NORMAL, failure_every=100), now)
    last_hour(client, replace(NORMAL, failure_every=5, per_hour=300), now)
    assert [f.site for f in findings(client, settings, "failed_requests", now)] == ["shop"]


def test_failed_requests_silent_below_min_samples_and_on_4xx(
    client: Client, settings: Settings, now: datetime
) -> None:
    history(client, replace(NORMAL, failure_every=100), now)
    last_hour(client, replace(NORMAL, failure_every=20, per_hour=300), now)  # 15 < 20
    last_hour(client, replace(NORMAL, failure_every=2, per_hour=300, status=404), now, "4")
    assert findings(client, settings, "failed_requests", now) == []


def test_traffic_drop_fires_when_page_views_fall_under_half_of_last_weeks(
    client: Client, settings: Settings, now: datetime
) -> None:
    half = timedelta(minutes=30)
    seed(client, replace(NORMAL, per_hour=600), now - timedelta(days=15), now - half, "h")
    seed(client, replace(NORMAL, per_hour=60), now - half, now, "i")
    [found] = findings(client, settings, "traffic_drop", now)
    assert found.labels == {"site": "shop"}
    assert (found.value, found.baseline, found.threshold) == (30, 300, 150)


def test_traffic_drop_compares_with_the_same_minutes_one_week_earlier(
    client: Client, settings: Settings, now: datetime
) -> None:
    # Traffic only in the 30 minutes a week ago (300) and in the last 30 minutes (30).
    half, week = timedelta(minutes=30), timedelta(weeks=1)
    seed(client, replace(NORMAL, per_hour=600), now - week - half, now - week, "h")
    seed(client, replace(NORMAL, per_hour=60), now - half, now, "i")
    [found] = findings(client, settings, "traffic_drop", now)
    assert (found.value, found.baseline, found.threshold) == (30, 300, 150)


def test_traffic_drop_silent_above_half_or_below_min_samples(
    client: Client, settings: Settings, now: datetime
) -> None:
    half = timedelta(minutes=30)
    seed(client, replace(NORMAL, per_hour=600), now - timedelta(days=15), now - half, "h")
    seed(client, replace(NORMAL, per_hour=360), now - half, now, "i")  # 180 of 300
    tiny = replace(NORMAL, site="tiny", per_hour=150)
    seed(client, tiny, now - timedelta(days=15), now - half, "t")
    quiet = replace(NORMAL, site="tiny", per_hour=10)
    seed(client, quiet, now - half, now, "q")  # 5 in the window, of 75 usually: 75 < 100
    assert findings(client, settings, "traffic_drop", now) == []


def test_settings_name_every_built_in_rule_and_refuse_an_unknown_one(settings: Settings) -> None:
    assert {c.rule.name for c in configured(settings)} == set(RULE_NAMES)
    with pytest.raises(ValidationError, match="no built-in rule 'lcp_regresion'"):
        Settings.model_validate({**settings.model_dump(), "alert_rules": {"lcp_regresion": {}}})
