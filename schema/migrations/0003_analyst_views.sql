-- What analysts query: one row per page view, and one row per metric per page view, with
-- the latest value a page view reported (FINAL collapses re-sent beacons by seq).
CREATE VIEW IF NOT EXISTS page_views AS SELECT * FROM page_views_data FINAL;

CREATE VIEW IF NOT EXISTS vitals AS SELECT * FROM vitals_data FINAL;
