-- Up Migration
-- Each creation of a network at the provider gets its own idempotency token: a create that failed created
-- nothing, and a network deleted outside OmniCloud is created again, so neither may replay the first create.
ALTER TABLE networks ADD COLUMN create_attempt integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE networks DROP COLUMN create_attempt;
