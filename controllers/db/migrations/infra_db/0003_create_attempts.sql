-- Up Migration
-- Each provisioning attempt of an instance gets its own idempotency token: a create that failed created
-- nothing, and the retry must start a new operation rather than replay the failed one.
ALTER TABLE instances ADD COLUMN create_attempt integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE instances DROP COLUMN create_attempt;
