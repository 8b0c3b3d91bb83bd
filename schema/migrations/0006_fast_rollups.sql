-- Faster hourly rollups: the latest version of each hour instead of FINAL, and a second,
-- smaller rollup by page group and device class for the dashboards' common panels.
--
-- Versions. Each run of a refresh writes a complete new version (its now64()) of every hour
-- of its window, as one part: the SETTINGS of the refresh queries keep their insert in one
-- block. So the rows of an hour's highest version are that hour's whole, current rollup, and
-- the views keep exactly those: (hour, version) GLOBAL IN the highest version per hour, in
-- PREWHERE, so that only the current rows' value_state (the costly column) is read. FINAL
-- read the states of every version not merged yet before keeping the latest of each key. A
-- projection holds max(version) per hour, so finding the current versions reads a few rows
-- per part. Unlike FINAL, this also drops a segment that a later refresh no longer has (a
-- page view whose page group or hour changed between its beacons). GLOBAL: on a cluster
-- (rumhouse migrate --cluster) the current versions are found once, across the shards.
ALTER TABLE vitals_hourly_data MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE vitals_hourly_data ADD PROJECTION IF NOT EXISTS hour_versions (SELECT hour, max(version) GROUP BY hour);

-- For the parts already there, in the background (parts written from now on have it).
ALTER TABLE vitals_hourly_data MATERIALIZE PROJECTION hour_versions SETTINGS mutations_sync = 0;

-- The refresh of 0004, its insert now kept in one block (hence one part).
DROP VIEW IF EXISTS vitals_hourly_refresh;

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
GROUP BY hour, site, metric, page_group, device_class, browser, country, connection
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0,
         distributed_foreground_insert = 1;

CREATE OR REPLACE VIEW vitals_hourly AS
SELECT * FROM vitals_hourly_data
PREWHERE (hour, version) GLOBAL IN (SELECT hour, max(version) FROM vitals_hourly_data GROUP BY hour);

-- By page group and device class only: the rows of vitals_hourly summed over browser,
-- country and connection (merging bfloat16 states is exact: the same p75), a fraction of its
-- rows, in small granules (256 rows) so that a query reads little beyond the rows it needs.
-- The dashboards read it whenever no browser, country or connection filter applies.
CREATE TABLE IF NOT EXISTS vitals_hourly_pages_data
(
    hour              DateTime('UTC'),
    version           DateTime64(3, 'UTC'),
    site              LowCardinality(String),
    metric            LowCardinality(String),
    page_group        LowCardinality(String),
    device_class      LowCardinality(String),
    page_views        UInt64,
    good              UInt64,
    needs_improvement UInt64,
    poor              UInt64,
    value_state       AggregateFunction(quantileBFloat16, Float64),
    PROJECTION hour_versions (SELECT hour, max(version) GROUP BY hour)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site, metric, hour, page_group, device_class)
TTL hour + INTERVAL 13 MONTH
SETTINGS index_granularity = 256, deduplicate_merge_projection_mode = 'rebuild';

-- The hours already rolled up (13 months of them on a store that ran 0004), once.
INSERT INTO vitals_hourly_pages_data (hour, version, site, metric, page_group, device_class,
    page_views, good, needs_improvement, poor, value_state)
SELECT hour, now64(3), site, metric, page_group, device_class, sum(page_views), sum(good),
       sum(needs_improvement), sum(poor), quantileBFloat16MergeState(value_state)
FROM vitals_hourly
WHERE hour NOT IN (SELECT hour FROM vitals_hourly_pages_data)
GROUP BY hour, site, metric, page_group, device_class
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0;

-- Every minute, 30 s after vitals_hourly_refresh, from vitals_hourly; one hour more than its
-- window, so that an hour leaving that window is copied with its last values.
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_hourly_pages_refresh
REFRESH EVERY 1 MINUTE OFFSET 30 SECOND APPEND TO vitals_hourly_pages_data AS
SELECT hour, now64(3) AS version, site, metric, page_group, device_class,
       sum(page_views) AS page_views, sum(good) AS good,
       sum(needs_improvement) AS needs_improvement, sum(poor) AS poor,
       quantileBFloat16MergeState(value_state) AS value_state
FROM vitals_hourly
WHERE hour >= toStartOfHour(now() - INTERVAL 49 HOUR)
GROUP BY hour, site, metric, page_group, device_class
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0,
         distributed_foreground_insert = 1;

CREATE OR REPLACE VIEW vitals_hourly_pages AS
SELECT * FROM vitals_hourly_pages_data
PREWHERE (hour, version) GLOBAL IN (SELECT hour, max(version) FROM vitals_hourly_pages_data GROUP BY hour);

-- Both rollups, told apart by grain: 'page' rows (vitals_hourly_pages; browser, country and
-- connection empty) and 'segment' rows (vitals_hourly). A query picks one grain: dashboards
-- take 'page' unless a browser, country or connection filter applies.
CREATE OR REPLACE VIEW vitals_hourly_grains AS
SELECT 'page' AS grain, hour, site, metric, page_group, device_class,
       '' AS browser, '' AS country, '' AS connection,
       page_views, good, needs_improvement, poor, value_state
FROM vitals_hourly_pages
UNION ALL
SELECT 'segment' AS grain, hour, site, metric, page_group, device_class,
       browser, country, connection,
       page_views, good, needs_improvement, poor, value_state
FROM vitals_hourly;
