-- Raw events, one table per kind. Every table carries the page view's context, so that
-- analysts never need a join: site, page group, device class, browser, country, ...
--
-- page_views_data and vitals_data receive a row per beacon; a page view can send several
-- beacons (CLS and INP change after the page is shown again), so they are ReplacingMergeTree
-- keyed by page view (and metric), versioned by the beacon's seq. Analysts query the views
-- page_views and vitals (0003), which apply FINAL: each metric counts once per page view,
-- with its latest value. errors and events are append-only: each beacon carries only what
-- is new since the previous one.
--
-- Raw rows are kept 90 days (TTL). No time partition on the two replacing tables: a page
-- view's beacons must land in one partition to be merged into one row.

CREATE TABLE IF NOT EXISTS page_views_data
(
    ts                 DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site               LowCardinality(String),
    page_view_id       String,
    session_id         String,
    seq                UInt32,
    url                String,
    host               LowCardinality(String),
    path               String,
    page_group         LowCardinality(String),
    referrer           LowCardinality(String),
    navigation_type    LowCardinality(String),
    release            LowCardinality(String),
    dims               Map(LowCardinality(String), String),
    device_class       LowCardinality(String),
    browser            LowCardinality(String),
    browser_version    LowCardinality(String),
    os                 LowCardinality(String),
    country            LowCardinality(String),
    connection         LowCardinality(String),
    is_bot             Bool,
    viewport_width     Nullable(UInt16),
    viewport_height    Nullable(UInt16),
    device_pixel_ratio Nullable(Float32),
    rtt                Nullable(Float32),
    downlink           Nullable(Float32),
    save_data          Nullable(Bool),
    device_memory      Nullable(Float32),
    cpu_cores          Nullable(UInt16),
    ua_platform        LowCardinality(String),
    ua_brands          LowCardinality(String),
    redirect_ms        Nullable(Float32),
    dns_ms             Nullable(Float32),
    connect_ms         Nullable(Float32),
    tls_ms             Nullable(Float32),
    ttfb_ms            Nullable(Float32),
    request_ms         Nullable(Float32),
    response_ms        Nullable(Float32),
    dom_interactive_ms Nullable(Float32),
    dom_content_loaded_ms Nullable(Float32),
    load_ms            Nullable(Float32),
    transfer_size      Nullable(UInt32),
    encoded_body_size  Nullable(UInt32),
    decoded_body_size  Nullable(UInt32),
    protocol           LowCardinality(String),
    inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX ts_minmax ts TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (site, page_view_id)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS vitals_data
(
    ts               DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site             LowCardinality(String),
    page_view_id     String,
    session_id       String,
    seq              UInt32,
    metric           LowCardinality(String),
    value            Float64,
    rating           LowCardinality(String),
    host             LowCardinality(String),
    path             String,
    page_group       LowCardinality(String),
    navigation_type  LowCardinality(String),
    release          LowCardinality(String),
    dims             Map(LowCardinality(String), String),
    device_class     LowCardinality(String),
    browser          LowCardinality(String),
    browser_version  LowCardinality(String),
    os               LowCardinality(String),
    country          LowCardinality(String),
    connection       LowCardinality(String),
    is_bot           Bool,
    target           String,
    resource_url     String,
    interaction_type LowCardinality(String),
    load_state       LowCardinality(String),
    phases           Map(LowCardinality(String), Float64),
    inserted_at      DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX ts_minmax ts TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (site, metric, page_view_id)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS errors
(
    ts              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site            LowCardinality(String),
    page_view_id    String,
    session_id      String,
    host            LowCardinality(String),
    path            String,
    page_group      LowCardinality(String),
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
    error_type      LowCardinality(String),
    message         String,
    source          String,
    line            UInt32,
    column          UInt32,
    stack           String CODEC(ZSTD(3)),
    count           UInt32,
    fingerprint     UInt64 MATERIALIZED cityHash64(error_type, message, source),
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toStartOfHour(ts), fingerprint)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS events
(
    ts              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site            LowCardinality(String),
    page_view_id    String,
    session_id      String,
    host            LowCardinality(String),
    path            String,
    page_group      LowCardinality(String),
    release         LowCardinality(String),
    dims            Map(LowCardinality(String), String),
    device_class    LowCardinality(String),
    browser         LowCardinality(String),
    browser_version LowCardinality(String),
    os              LowCardinality(String),
    country         LowCardinality(String),
    connection      LowCardinality(String),
    is_bot          Bool,
    name            LowCardinality(String),
    value           Nullable(Float64),
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, name, ts)
TTL toDateTime(ts) + INTERVAL 90 DAY;
