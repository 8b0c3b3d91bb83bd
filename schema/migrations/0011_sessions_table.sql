-- Sessions kept in a table. The sessions view of 0010 recomputed every session of a site from
-- the raw tables at each query: 6.9 s over 10 M events on two cores (one GROUP BY over
-- 666,667 sessions). The same rows are now computed once, by a refreshable view, and the
-- view reads them: a query over sessions reads one row per session.
--
-- sessions_data: one row per session, in as many versions as refreshes recomputed it
-- (ReplacingMergeTree by version; the sessions view keeps the latest, FINAL). No time
-- partition: a session's start can move back when an earlier beacon arrives late, and its
-- versions must meet in one partition to replace each other. Kept 90 days, as the raw rows.
CREATE TABLE IF NOT EXISTS sessions_data
(
    site               LowCardinality(String),
    session_id         String,
    version            DateTime64(3, 'UTC'),
    started_at         DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    ended_at           DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    page_views         UInt32,
    entry_page_view_id String,
    entry_page_group   LowCardinality(String),
    device_class       LowCardinality(String),
    browser            LowCardinality(String),
    country            LowCardinality(String),
    connection         LowCardinality(String),
    release            LowCardinality(String),
    landing_lcp        Nullable(Float64),
    landing_lcp_rating LowCardinality(String),
    landing_lcp_bucket Nullable(UInt32),
    worst_inp          Nullable(Float64),
    worst_inp_rating   LowCardinality(String),
    errors             UInt32,
    failures           UInt32,
    bounced            UInt8,
    converted          UInt8,
    conversions        UInt32,
    revenue            Float64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site, session_id)
TTL toDateTime(started_at) + INTERVAL 90 DAY;

-- Every minute, 10 s into it: the sessions that started in the last 48 hours (from the start
-- of that hour) and received anything since the previous run (inserted_at, with 5 minutes
-- of overlap for an insert that was still being written then), each recomputed whole from
-- the raw tables, as 0010's view did: page_views and vitals count each page view once with
-- its latest values; events, errors and failures as they came; the entry (landing) page
-- view is the first by start, then by id; bounced is one page view and no event; revenue
-- is the session's conversion events' values, each counted once (a re-sent beacon repeats
-- its events with the same seq and position). Rows are read from 6 hours before the window,
-- so that a session which started before it is recognised and left out (rum.js ends a
-- session after 30 idle minutes). The first run after this migration, on an empty table,
-- reads every session of the 90 days kept; past 1 GB its GROUP BY goes on on disk.
CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_refresh
REFRESH EVERY 1 MINUTE OFFSET 10 SECOND APPEND TO sessions_data AS
WITH (SELECT max(version) FROM sessions_data) AS last_run,
     if(last_run < toDateTime64('2000-01-01', 3, 'UTC'), toDateTime64('2000-01-01', 3, 'UTC'),
        toStartOfHour(now64(3, 'UTC') - INTERVAL 48 HOUR)) AS window_start,
     window_start - INTERVAL 6 HOUR AS read_from,
     last_run - INTERVAL 5 MINUTE AS since
SELECT site, session_id, now64(3) AS version, started_at, ended_at, page_views,
       entry.1 AS entry_page_view_id, entry.2 AS entry_page_group, entry.3 AS device_class,
       entry.4 AS browser, entry.5 AS country, entry.6 AS connection, entry.7 AS release,
       landing.2 AS landing_lcp, landing.3 AS landing_lcp_rating,
       if(landing_lcp IS NULL, NULL,
          toUInt32(least(intDiv(toUInt64(landing_lcp), 500) * 500, 10000))) AS landing_lcp_bucket,
       worst_inp, worst_inp_rating, errors, failures,
       toUInt8(page_views = 1 AND events = 0) AS bounced,
       toUInt8(length(sales) > 0) AS converted, length(sales) AS conversions,
       arraySum(s -> ifNull(s.4, 0), sales) AS revenue
FROM (
    SELECT site, session_id,
           minIf(started, kind = 'page_view') AS started_at, max(ts) AS ended_at,
           countIf(kind = 'page_view') AS page_views,
           argMinIf((page_view_id, page_group, device_class, browser, country, connection,
                     release), (started, page_view_id), kind = 'page_view') AS entry,
           arrayFirst(l -> l.1 = entry.1, groupArrayIf((page_view_id, value, rating),
                                                     kind = 'LCP')) AS landing,
           maxIfOrNull(value, kind = 'INP') AS worst_inp,
           ifNull(argMaxIf(rating, value, kind = 'INP'), '') AS worst_inp_rating,
           uniqExactIf(page_view_id, kind = 'error') AS errors,
           uniqExactIf(page_view_id, kind = 'failure') AS failures,
           countIf(kind = 'event') AS events,
           groupUniqArrayIf((page_view_id, seq, position, value), conversion) AS sales
    FROM (
        SELECT site, session_id, page_view_id, 'page_view' AS kind, started_at AS started, ts,
               page_group, device_class, browser, country, connection, release,
               CAST(NULL, 'Nullable(Float64)') AS value, '' AS rating, false AS conversion,
               0 AS seq, 0 AS position
        FROM page_views WHERE started_at >= read_from AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, metric, started_at, ts, '', '', '', '', '', '',
               value, rating, false, 0, 0
        FROM vitals WHERE metric IN ('LCP', 'INP') AND started_at >= read_from AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'event', ts, ts, '', '', '', '', '', '',
               value, '', conversion, seq, position
        FROM events WHERE ts >= read_from AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'error', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM errors WHERE ts >= read_from AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'failure', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM failures WHERE ts >= read_from AND NOT is_bot
    )
    WHERE session_id GLOBAL IN (
        SELECT session_id FROM page_views_data WHERE started_at >= read_from AND inserted_at >= since
        UNION ALL
        SELECT session_id FROM vitals_data WHERE started_at >= read_from AND inserted_at >= since
        UNION ALL
        SELECT session_id FROM events WHERE ts >= read_from AND inserted_at >= since
        UNION ALL
        SELECT session_id FROM errors WHERE ts >= read_from AND inserted_at >= since
        UNION ALL
        SELECT session_id FROM failures WHERE ts >= read_from AND inserted_at >= since
    )
    GROUP BY site, session_id
    HAVING page_views > 0
)
WHERE started_at >= window_start
SETTINGS distributed_foreground_insert = 1, max_bytes_before_external_group_by = 1000000000;

-- What analysts query: one row per session, its latest version (columns as in 0010).
CREATE OR REPLACE VIEW sessions AS
SELECT site, session_id, started_at, ended_at, page_views, entry_page_view_id,
       entry_page_group, device_class, browser, country, connection, release, landing_lcp,
       landing_lcp_rating, landing_lcp_bucket, worst_inp, worst_inp_rating, errors, failures,
       bounced, converted, conversions, revenue
FROM sessions_data FINAL;

-- The hourly rollup of 0010 now sums the sessions table, every minute 45 s into it (after
-- sessions_refresh), over the sessions that started in the last 48 hours.
DROP VIEW IF EXISTS sessions_hourly_refresh;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_hourly_refresh
REFRESH EVERY 1 MINUTE OFFSET 45 SECOND APPEND TO sessions_hourly_data AS
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, device_class,
       entry_page_group, landing_lcp_rating, landing_lcp_bucket, worst_inp_rating,
       count() AS sessions, sum(page_views) AS page_views, sum(bounced) AS bounced,
       sum(converted) AS converted, sum(conversions) AS conversions, sum(revenue) AS revenue
FROM sessions
WHERE started_at >= toStartOfHour(now() - INTERVAL 48 HOUR)
GROUP BY hour, site, device_class, entry_page_group, landing_lcp_rating, landing_lcp_bucket,
         worst_inp_rating
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0,
         distributed_foreground_insert = 1;
