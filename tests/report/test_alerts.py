"""Alerts at the top of the report: from rows written into the ``alerts`` table as the
evaluator writes them (one when an alert starts firing, one when it resolves), /report and
`rumhouse report` show the alerts firing now and those resolved in the last 7 days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from collector.report import alerts
from tests.conftest import Collector
from tests.report.cli import rumhouse_report
from tests.report.test_numbers import Tables, pretty_rows

NOW = datetime.now(UTC).replace(microsecond=0)
TITLE = "Alerts: firing now and resolved in the last 7 days"


@dataclass(frozen=True)
class Row:
    """One row of the alerts table; ``ago`` is how long before now it was written."""

    fingerprint: str
    alertname: str
    status: str
    site: str
    started: timedelta
    ago: timedelta
    labels: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    value: float = 0.0
    baseline: float | None = None
    threshold: float = 0.0

    def sql(self) -> str:
        def pairs(m: dict[str, str]) -> str:
            return "map(" + ", ".join(f"'{k}', '{v}'" for k, v in m.items()) + ")"

        resolved = self.status == "resolved"
        at = f"toDateTime64('{(NOW - self.ago):%Y-%m-%d %H:%M:%S}', 3, 'UTC')"
        return (
            f"('{self.fingerprint}', {at}, '{self.alertname}', '{self.status}', 'warning',"
            f" '{self.site}', {pairs({'site': self.site, **self.labels})}, {pairs(self.context)},"
            f" {self.value}, {'NULL' if self.baseline is None else self.baseline},"
            f" {self.threshold}, 'summary', 'description',"
            f" toDateTime64('{(NOW - self.started):%Y-%m-%d %H:%M:%S}', 3, 'UTC'),"
            f" {at if resolved else 'NULL'})"
        )


H, D = timedelta(hours=1), timedelta(days=1)
LCP = {"page_group": "/product/:id", "device_class": "mobile"}
ROWS = [
    # Firing for 2 hours: shown, first.
    Row("lcp1", "lcp_regression", "firing", "shop", 2 * H, 2 * H, LCP, {"release": "v42"},
        3120.0, 2010.0, 2500.0),
    # Fired 3 days ago, resolved 2 days ago: shown as resolved, with its end.
    Row("err1", "error_spike", "firing", "shop", 3 * D, 3 * D, {"page_group": "/cart"}, {},
        0.12, 0.01, 0.02),
    Row("err1", "error_spike", "resolved", "shop", 3 * D, 2 * D, {"page_group": "/cart"}, {},
        0.005, 0.01, 0.02),
    # Resolved 9 days ago: too old to show.
    Row("drop1", "traffic_drop", "firing", "shop", 10 * D, 10 * D, {}, {}, 10.0, 200.0, 100.0),
    Row("drop1", "traffic_drop", "resolved", "shop", 10 * D, 9 * D, {}, {}, 190.0, 200.0, 100.0),
    # Firing for 12 days (its only row is old): still firing, so shown.
    Row("new1", "new_error", "firing", "shop", 12 * D, 12 * D, {"page_group": "/"}, {},
        40.0, None, 20.0),
    # Another site's.
    Row("inp1", "inp_regression", "firing", "blog", H, H, {"page_group": "/post/:id"}, {},
        350.0, 180.0, 216.0),
]  # fmt: skip


async def insert(collector: Collector, rows: list[Row]) -> None:
    await collector.query(
        "INSERT INTO alerts (fingerprint, at, alertname, status, severity, site, labels, context,"
        " value, baseline, threshold, summary, description, starts_at, ends_at) VALUES "
        + ", ".join(row.sql() for row in rows)
    )


async def page(collector: Collector, query: str = "") -> tuple[str, Tables]:
    async with collector.http.get(f"{collector.admin}/report{query}") as response:
        assert response.status == 200
        text = await response.text()
    tables = Tables()
    tables.feed(text)
    return text, tables


def day(delta: timedelta) -> str:
    return f"{NOW - delta:%Y-%m-%d %H:%M} UTC"


async def test_report_page_says_plainly_when_there_are_no_alerts(collector: Collector) -> None:
    text, tables = await page(collector)
    assert tables.tables[TITLE] == []
    assert f"<h2>{TITLE}</h2><p>No alerts in the last 7 days.</p>" in text


async def test_report_page_shows_firing_and_recent_alerts_first(collector: Collector) -> None:
    await insert(collector, ROWS)
    text, tables = await page(collector)
    assert text.index(TITLE) < text.index("<h2>", text.index(TITLE) + len(TITLE)), "at the top"
    assert text.index("<h2>") == text.index(f"<h2>{TITLE}"), "the first section"
    shown = [row for row in tables.tables[TITLE] if row]  # the header row has no <td>
    assert [(r[0], r[1], r[2]) for r in shown] == [
        ("firing", "inp_regression", "blog"),  # firing, newest start first
        ("firing", "lcp_regression", "shop"),
        ("firing", "new_error", "shop"),
        ("resolved", "error_spike", "shop"),
    ]
    lcp = shown[1]
    assert lcp[3] == "device_class=mobile, page_group=/product/:id", "labels, without the site"
    assert lcp[4] == day(2 * H), "since"
    assert lcp[5:8] == ["3,120", "2,010", "2,500"], "value, baseline, threshold"
    assert (lcp[8], lcp[9]) == ("release=v42", ""), "attribution; not resolved"
    assert shown[2][6] == "", "no baseline"
    resolved = shown[3]
    assert resolved[5:10] == ["0.005", "0.01", "0.02", "", day(2 * D)], "its latest row"
    assert '<tr class="firing">' in text
    _, only_shop = await page(collector, "?site=shop")
    assert [r[1] for r in only_shop.tables[TITLE] if r] == [
        "lcp_regression",
        "new_error",
        "error_spike",
    ]


@pytest.mark.parametrize("with_alerts", [False, True])
async def test_rumhouse_report_prints_the_alerts_first(
    collector: Collector, with_alerts: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    if with_alerts:
        await insert(collector, ROWS)
    done = await rumhouse_report(collector, capsys)
    assert done.returncode == 0, done.stderr
    first = done.stdout.split("\n\n")[1]
    assert first.startswith(TITLE + "\n"), done.stdout
    if not with_alerts:
        assert first == f"{TITLE}\nNo alerts in the last 7 days.", done.stdout
        return
    rows = pretty_rows(done.stdout, TITLE)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("firing", "inp_regression", "blog"), ("firing", "lcp_regression", "shop"),
        ("firing", "new_error", "shop"), ("resolved", "error_spike", "shop"),
    ]  # fmt: skip
    assert rows[1][3] == "device_class=mobile, page_group=/product/:id"
    assert rows[1][8] == "release=v42"
    assert float(rows[1][5]) == 3120.0


def test_the_alerts_section_escapes_text() -> None:
    html = alerts.render(("status", "alertname", "value"), [("firing", "<custom>", 1.5)])
    assert "<td>&lt;custom&gt;</td>" in html
    assert '<td class="n">1.5</td>' in html, "a share keeps its decimals"
