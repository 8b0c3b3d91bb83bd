-- Deduplication of replayed batches.
--
-- The collector gives every batch insert a token derived from its content
-- (insert_deduplication_token). When an insert times out it cannot know whether the rows
-- arrived, so the batch goes to the spool and is replayed later with the same token; the
-- table then keeps one copy. Plain (non-replicated) MergeTree tables only remember tokens
-- when non_replicated_deduplication_window is set: the last 10,000 inserts per table,
-- hours of batches at one flush per second per collector. (Replicated tables, made by
-- `rumhouse migrate --cluster`, use replicated_deduplication_window instead.)
ALTER TABLE page_views_data MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE vitals_data MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE errors MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE events MODIFY SETTING non_replicated_deduplication_window = 10000;
