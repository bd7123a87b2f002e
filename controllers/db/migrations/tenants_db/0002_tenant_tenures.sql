-- Up Migration
-- Every time a tenant of a name existed: from its object's creation to its deletion. A Tenant deleted and
-- created again under the same name has a new tenure (and a new uid); the tenants row describes the current
-- or last one, and the tenures keep the history that cost allocation needs (the time between two tenures
-- counts for neither). Kept by a trigger on tenants, so no writer of a tenants row can forget them.
CREATE TABLE tenant_tenures (
  uid         uuid PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL,
  deleted_at  timestamptz,
  CONSTRAINT tenure_ends_after_it_starts CHECK (deleted_at IS NULL OR deleted_at >= created_at)
);
CREATE INDEX tenant_tenures_by_name ON tenant_tenures (name, created_at);

INSERT INTO tenant_tenures (uid, name, created_at, deleted_at)
  SELECT uid, name, created_at, deleted_at FROM tenants;

CREATE FUNCTION record_tenant_tenure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- A tenant forgotten altogether (not marked deleted) leaves no history behind.
    DELETE FROM tenant_tenures WHERE name = OLD.name;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.uid <> NEW.uid THEN
    -- The name's previous tenant ended at the latest when the new one began.
    UPDATE tenant_tenures SET deleted_at = LEAST(COALESCE(deleted_at, NEW.created_at), NEW.created_at)
      WHERE uid = OLD.uid AND (deleted_at IS NULL OR deleted_at > NEW.created_at);
  END IF;
  INSERT INTO tenant_tenures (uid, name, created_at, deleted_at)
    VALUES (NEW.uid, NEW.name, NEW.created_at, NEW.deleted_at)
    ON CONFLICT (uid) DO UPDATE SET created_at = EXCLUDED.created_at, deleted_at = EXCLUDED.deleted_at;
  RETURN NEW;
END $$;
CREATE TRIGGER tenants_tenures AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION record_tenant_tenure();

-- Down Migration
DROP TRIGGER tenants_tenures ON tenants;
DROP FUNCTION record_tenant_tenure;
DROP TABLE tenant_tenures;
