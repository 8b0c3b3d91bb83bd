-- Alerts: one row each time an alert starts firing and one when it resolves. An alert is a rule
-- (alertname) firing for one set of labels (site, page group, device class, endpoint, ...);
-- fingerprint identifies that pair across evaluations. status is 'firing' from the first
-- evaluation that found it until the first that did not, then one 'resolved' row closes
-- it (ends_at set). The latest row of a fingerprint is its state:
--   SELECT * FROM alerts ORDER BY at DESC LIMIT 1 BY fingerprint
-- context: what dominates the firing window and not the baseline (a release, browser or
-- country: "which deploy did this?"). value and baseline are in the rule's unit (ms for
-- LCP and INP, a share for error and failure rates, page views for traffic); threshold is
-- the value it had to cross.
-- Kept 400 days, so a year's alerts can be laid over the charts.
CREATE TABLE IF NOT EXISTS alerts
(
    at          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    fingerprint String,
    alertname   LowCardinality(String),
    status      LowCardinality(String),
    severity    LowCardinality(String),
    site        LowCardinality(String),
    labels      Map(LowCardinality(String), String),
    context     Map(LowCardinality(String), String),
    value       Float64,
    baseline    Nullable(Float64),
    threshold   Float64,
    summary     String,
    description String,
    starts_at   DateTime64(3, 'UTC'),
    ends_at     Nullable(DateTime64(3, 'UTC'))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (site, alertname, fingerprint, at)
TTL toDateTime(at) + INTERVAL 400 DAY;
