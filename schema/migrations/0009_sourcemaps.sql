-- Source maps uploaded by a site's build (`rumhouse sourcemaps upload --site S --release R DIR`),
-- one row per minified file of a release. file is the minified file's path inside the uploaded
-- folder (assets/app.min.js), matched against the paths of a stack's frames; map is the
-- source map (JSON); source is the minified file itself ('' when it was not in the folder),
-- which gives the original function names. A file uploaded again for the same site and
-- release replaces the previous copy (read with FINAL). Bounded by the upload command: 16 MiB
-- per map and per minified file, 64 MiB per release.
CREATE TABLE IF NOT EXISTS sourcemaps
(
    site         LowCardinality(String),
    release      String,
    file         String,
    map          String CODEC(ZSTD(3)),
    source       String CODEC(ZSTD(3)),
    map_bytes    UInt32,
    source_bytes UInt32,
    uploaded_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(uploaded_at)
ORDER BY (site, release, file);
