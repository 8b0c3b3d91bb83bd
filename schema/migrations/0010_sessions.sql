-- Sessions and conversions: what the experience of a visit's first page was worth.
--
-- Conversions. A site's `conversions` setting names the events that count as one, their
-- value being revenue (rumhouse('event', 'purchase', 49.9)). The collector marks each event
-- as it arrives (conversion), by the setting of that moment: a changed setting applies to
-- the events received from then on, and what is stored never depends on today's settings.
-- Events stay append-only; seq (the beacon's) and position (the event's place in that
-- beacon) name an event within its page view, so that a beacon received twice counts its
-- conversions once. Events stored before this migration are no conversions.
ALTER TABLE events ADD COLUMN IF NOT EXISTS seq UInt32 AFTER value;

ALTER TABLE events ADD COLUMN IF NOT EXISTS position UInt8 AFTER seq;

ALTER TABLE events ADD COLUMN IF NOT EXISTS conversion Bool AFTER position;

-- One row per session (bots left out), from the analyst views: page_views and vitals count
-- each page view once with its latest values; events, errors and failures as they came.
-- The entry (landing) page view is the session's first by start (then by id); its page
-- group, segment and LCP describe the session. bounced: one page view and no event at all.
-- revenue: the values of the session's conversion events, each counted once.
-- landing_lcp_bucket: the landing LCP rounded down to 500 ms; 10000 holds 10 s and more.
-- No time filter can reach the tables below a session's aggregates: a query reads every
-- session of its site; dashboards over days and months read sessions_hourly instead.
CREATE OR REPLACE VIEW sessions AS
SELECT site, session_id, started_at, ended_at, page_views,
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
        FROM page_views WHERE NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, metric, started_at, ts, '', '', '', '', '', '',
               value, rating, false, 0, 0
        FROM vitals WHERE metric IN ('LCP', 'INP') AND NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'event', ts, ts, '', '', '', '', '', '',
               value, '', conversion, seq, position
        FROM events WHERE NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'error', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM errors WHERE NOT is_bot
        UNION ALL
        SELECT site, session_id, page_view_id, 'failure', ts, ts, '', '', '', '', '', '',
               NULL, '', false, 0, 0
        FROM failures WHERE NOT is_bot
    )
    GROUP BY site, session_id
    HAVING page_views > 0
);

-- Hourly rollup of sessions, bots left out, kept 13 months: one row per hour (of the
-- session's start) × site × device class × entry page group × landing LCP rating and 500 ms
-- bucket × worst INP rating. Versioned like vitals_hourly (0006): each refresh writes a
-- complete new version of every hour of its window as one part, and the view keeps the
-- latest version of each hour. The sorting key holds the bucket as a number, 4294967295
-- for none (a Nullable key would need allow_nullable_key, and a cluster could not shard by
-- it); the column itself is NULL for sessions without a landing LCP, as in the view.
CREATE TABLE IF NOT EXISTS sessions_hourly_data
(
    hour               DateTime('UTC'),
    version            DateTime64(3, 'UTC'),
    site               LowCardinality(String),
    device_class       LowCardinality(String),
    entry_page_group   LowCardinality(String),
    landing_lcp_rating LowCardinality(String),
    landing_lcp_bucket Nullable(UInt32),
    worst_inp_rating   LowCardinality(String),
    sessions           UInt64,
    page_views         UInt64,
    bounced            UInt64,
    converted          UInt64,
    conversions        UInt64,
    revenue            Float64,
    PROJECTION hour_versions (SELECT hour, max(version) GROUP BY hour)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site, hour, device_class, entry_page_group, landing_lcp_rating,
          ifNull(landing_lcp_bucket, 4294967295), worst_inp_rating)
TTL hour + INTERVAL 13 MONTH
SETTINGS deduplicate_merge_projection_mode = 'rebuild';

-- Every minute (15 s into it, between the two vitals refreshes), the sessions that started
-- in the last 48 hours (from the start of that hour), with their page views, vitals and
-- events so far: a session still going is counted in the hour it started, and each run
-- brings its later page views and conversions in, until its hour leaves the window (later
-- ones are not counted there). Rows are read from 6 hours before the window, so that a
-- session which started before the window is recognised as such (its earlier page views
-- are seen) and left out, rather than counted as a new session in the window: rum.js ends
-- a session after 30 idle minutes, so its page views are hardly ever 6 hours apart.
CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_hourly_refresh
REFRESH EVERY 1 MINUTE OFFSET 15 SECOND APPEND TO sessions_hourly_data AS
SELECT toStartOfHour(started_at) AS hour, now64(3) AS version, site, device_class,
       entry_page_group, landing_lcp_rating, landing_lcp_bucket, worst_inp_rating,
       count() AS sessions, sum(page_views) AS page_views, sum(bounced) AS bounced,
       sum(converted) AS converted, sum(conversions) AS conversions, sum(revenue) AS revenue
FROM (
    SELECT site, started_at, page_views, entry.2 AS entry_page_group, entry.3 AS device_class,
           landing.2 AS landing_lcp, landing.3 AS landing_lcp_rating,
           if(landing_lcp IS NULL, NULL,
              toUInt32(least(intDiv(toUInt64(landing_lcp), 500) * 500, 10000)))
               AS landing_lcp_bucket,
           worst_inp_rating, toUInt8(page_views = 1 AND events = 0) AS bounced,
           toUInt8(length(sales) > 0) AS converted, length(sales) AS conversions,
           arraySum(s -> ifNull(s.4, 0), sales) AS revenue
    FROM (
        SELECT site, session_id,
               minIf(started, kind = 'page_view') AS started_at,
               countIf(kind = 'page_view') AS page_views,
               argMinIf((page_view_id, page_group, device_class),
                        (started, page_view_id), kind = 'page_view') AS entry,
               arrayFirst(l -> l.1 = entry.1, groupArrayIf((page_view_id, value, rating),
                                                         kind = 'LCP')) AS landing,
               ifNull(argMaxIf(rating, value, kind = 'INP'), '') AS worst_inp_rating,
               countIf(kind = 'event') AS events,
               groupUniqArrayIf((page_view_id, seq, position, value), conversion) AS sales
        FROM (
            SELECT site, session_id, page_view_id, 'page_view' AS kind, started_at AS started,
                   page_group, device_class, CAST(NULL, 'Nullable(Float64)') AS value,
                   '' AS rating, false AS conversion, 0 AS seq, 0 AS position
            FROM page_views
            WHERE started_at >= toStartOfHour(now() - INTERVAL 54 HOUR) AND NOT is_bot
            UNION ALL
            SELECT site, session_id, page_view_id, metric, started_at, '', '', value, rating,
                   false, 0, 0
            FROM vitals
            WHERE metric IN ('LCP', 'INP')
              AND started_at >= toStartOfHour(now() - INTERVAL 54 HOUR) AND NOT is_bot
            UNION ALL
            SELECT site, session_id, page_view_id, 'event', ts, '', '', value, '', conversion,
                   seq, position
            FROM events
            WHERE ts >= toStartOfHour(now() - INTERVAL 54 HOUR) AND NOT is_bot
        )
        GROUP BY site, session_id
        HAVING page_views > 0
    )
    WHERE started_at >= toStartOfHour(now() - INTERVAL 48 HOUR)
)
GROUP BY hour, site, device_class, entry_page_group, landing_lcp_rating, landing_lcp_bucket,
         worst_inp_rating
SETTINGS min_insert_block_size_rows = 1000000000000, min_insert_block_size_bytes = 0,
         distributed_foreground_insert = 1;

-- What analysts and dashboards query: the latest version of each hour.
CREATE OR REPLACE VIEW sessions_hourly AS
SELECT * FROM sessions_hourly_data
PREWHERE (hour, version) GLOBAL IN (SELECT hour, max(version) FROM sessions_hourly_data GROUP BY hour);
