-- Hourly rollups of the vitals, for dashboards over long ranges.
--
-- started_at is when the page view started, on the server's clock (receive time less the
-- page's own age): every beacon of a page view gives nearly the same start, so a page view
-- stays in one hour even when it re-sends a metric hours later.
ALTER TABLE page_views_data ADD COLUMN IF NOT EXISTS started_at DateTime64(3, 'UTC') DEFAULT ts CODEC(Delta, ZSTD(1)) AFTER ts;

ALTER TABLE vitals_data ADD COLUMN IF NOT EXISTS started_at DateTime64(3, 'UTC') DEFAULT ts CODEC(Delta, ZSTD(1)) AFTER ts;

CREATE OR REPLACE VIEW page_views AS SELECT * FROM page_views_data FINAL;

CREATE OR REPLACE VIEW vitals AS SELECT * FROM vitals_data FINAL;

-- One row per hour × segment × metric: counts, CrUX ratings and the values as a bfloat16
-- histogram (quantileBFloat16: exact ranks, each value within 0.8%, merges across rows).
-- Rows are recomputed from the vitals view (each page view once, with its latest values)
-- and replace the earlier rows of the same hour and segment (ReplacingMergeTree by
-- version) rather than being added to them: that is what keeps a re-sent metric from
-- counting twice. Kept 13 months.
CREATE TABLE IF NOT EXISTS vitals_hourly_data
(
    hour              DateTime('UTC'),
    version           DateTime64(3, 'UTC'),
    site              LowCardinality(String),
    metric            LowCardinality(String),
    page_group        LowCardinality(String),
    device_class      LowCardinality(String),
    browser           LowCardinality(String),
    country           LowCardinality(String),
    connection        LowCardinality(String),
    page_views        UInt64,
    good              UInt64,
    needs_improvement UInt64,
    poor              UInt64,
    value_state       AggregateFunction(quantileBFloat16, Float64)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site, metric, hour, page_group, device_class, browser, country, connection)
TTL hour + INTERVAL 13 MONTH;

-- Every minute, recompute the last 48 hours (a later re-send keeps its earlier value here;
-- the raw views always have the latest). Bots are left out of the rollups.
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_hourly_refresh
REFRESH EVERY 1 MINUTE APPEND TO vitals_hourly_data AS
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, metric, page_group,
       device_class, browser, country, connection,
       count() AS page_views,
       countIf(rating = 'good') AS good,
       countIf(rating = 'needs-improvement') AS needs_improvement,
       countIf(rating = 'poor') AS poor,
       quantileBFloat16State(value) AS value_state
FROM vitals
WHERE started_at >= toStartOfHour(now() - INTERVAL 48 HOUR) AND NOT is_bot
GROUP BY hour, site, metric, page_group, device_class, browser, country, connection;

-- What analysts and dashboards query: merge the sketches over any range and segment, e.g.
-- quantileBFloat16Merge(0.75)(value_state) for the p75.
CREATE OR REPLACE VIEW vitals_hourly AS SELECT * FROM vitals_hourly_data FINAL;
