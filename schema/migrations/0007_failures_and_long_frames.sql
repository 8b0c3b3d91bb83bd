-- Failed requests and resources, long animation frames, and the script behind INP.
--
-- failures: one row per distinct failed request or resource per beacon, with a count (each
-- beacon carries the failures new since the previous one), append-only like errors and kept
-- as long (90 days). endpoint is the URL's path with ids templated as page groups are
-- (/api/orders/:id), prefixed with the host when that is not the page's own host.
CREATE TABLE IF NOT EXISTS failures
(
    ts              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site            LowCardinality(String),
    page_view_id    String,
    session_id      String,
    host            LowCardinality(String),
    path            String,
    page_group      LowCardinality(String),
    navigation_type LowCardinality(String),
    release         LowCardinality(String),
    dims            Map(LowCardinality(String), String),
    device_class    LowCardinality(String),
    browser         LowCardinality(String),
    browser_version LowCardinality(String),
    os              LowCardinality(String),
    country         LowCardinality(String),
    connection      LowCardinality(String),
    is_bot          Bool,
    kind            LowCardinality(String),
    initiator       LowCardinality(String),
    method          LowCardinality(String),
    url             String,
    endpoint        String,
    status          UInt16,
    duration_ms     Nullable(Float32),
    count           UInt32,
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toStartOfHour(ts), endpoint, status)
TTL toDateTime(ts) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per hour × site × page group × kind × initiator × method × endpoint × status,
-- bots left out, kept 13 months. Rows are only ever added to failures, so a materialized
-- view adds each insert's sums and uniq states here as it happens, and merges combine them:
-- query with sum(failures), uniqMerge(page_views), uniqMerge(sessions). A batch replayed
-- with the token of an insert that arrived is dropped by failures before it reaches the
-- view, so it is not counted twice.
CREATE TABLE IF NOT EXISTS failures_hourly
(
    hour       DateTime('UTC'),
    site       LowCardinality(String),
    page_group LowCardinality(String),
    kind       LowCardinality(String),
    initiator  LowCardinality(String),
    method     LowCardinality(String),
    endpoint   String,
    status     UInt16,
    failures   SimpleAggregateFunction(sum, UInt64),
    page_views AggregateFunction(uniq, String),
    sessions   AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
ORDER BY (site, hour, page_group, kind, initiator, method, endpoint, status)
TTL hour + INTERVAL 13 MONTH;

CREATE MATERIALIZED VIEW IF NOT EXISTS failures_hourly_mv TO failures_hourly AS
SELECT toStartOfHour(ts) AS hour, site, page_group, kind, initiator, method, endpoint, status,
       sum(toUInt64(count)) AS failures,
       uniqState(page_view_id) AS page_views,
       uniqState(session_id) AS sessions
FROM failures
WHERE NOT is_bot
GROUP BY hour, site, page_group, kind, initiator, method, endpoint, status;

-- Long animation frames of the page view (its latest beacon's totals). NULL loaf_count: the
-- browser does not report long animation frames.
ALTER TABLE page_views_data ADD COLUMN IF NOT EXISTS loaf_count Nullable(UInt32) AFTER protocol;

ALTER TABLE page_views_data ADD COLUMN IF NOT EXISTS loaf_blocking_ms Nullable(Float32) AFTER loaf_count;

ALTER TABLE page_views_data ADD COLUMN IF NOT EXISTS loaf_longest_ms Nullable(Float32) AFTER loaf_blocking_ms;

ALTER TABLE page_views_data ADD COLUMN IF NOT EXISTS loaf_scripts Array(Tuple(url String, function String, invoker LowCardinality(String), duration_ms Float32, blocking_ms Float32)) AFTER loaf_longest_ms;

-- INP: the longest script of its frames ('' for other metrics).
ALTER TABLE vitals_data ADD COLUMN IF NOT EXISTS script_url String AFTER phases;

ALTER TABLE vitals_data ADD COLUMN IF NOT EXISTS script_function String AFTER script_url;

-- A view keeps the columns it had when it was created: recreated, they show the new ones.
CREATE OR REPLACE VIEW page_views AS SELECT * FROM page_views_data FINAL;

CREATE OR REPLACE VIEW vitals AS SELECT * FROM vitals_data FINAL;
