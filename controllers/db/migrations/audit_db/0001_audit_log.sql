-- Up Migration
-- The audit trail: every event once, in arrival order, each row carrying the hash of the one before, so that
-- any change to a past row breaks the chain where it happened. Rows can be added, never changed.
CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  event        jsonb NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Down Migration
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
