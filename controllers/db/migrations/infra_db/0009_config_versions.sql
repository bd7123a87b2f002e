-- Up Migration
-- One row per ConfigSet: where its lifecycle stands, the ConfigMap it delivers, the version that ConfigMap holds
-- and the version being written to it (recorded before the write, so a crash writes the same version again and
-- never makes a second one).
CREATE TABLE config_sets (
  uid               uuid PRIMARY KEY,
  namespace         text NOT NULL,
  name              text NOT NULL,
  tenant            text NOT NULL,
  phase             text NOT NULL,
  -- namespace/name of the ConfigMap
  provider_id       text NOT NULL,
  current_version   integer CHECK (current_version > 0),
  current_hash      text,
  applying_version  integer CHECK (applying_version > 0),
  -- what the last settled reconcile aimed at: content:<hash> or rollback:<version>
  desired_key       text,
  message           text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX config_sets_by_namespace ON config_sets (namespace) WHERE phase <> 'Deleted';

-- Every version of every ConfigSet, append-only: its content, the sha256 of that content's canonical form,
-- when (UTC) and from what it was made. Keyed by the object's uid and tenant: a lookup names both.
CREATE TABLE config_versions (
  uid         uuid NOT NULL,
  tenant      text NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  content     jsonb NOT NULL,
  generation  bigint,
  source      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (uid, version)
);
CREATE INDEX config_versions_by_tenant ON config_versions (tenant, uid);

-- History is never rewritten.
CREATE FUNCTION config_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'config_versions is append-only: version % of % cannot be changed or removed', OLD.version, OLD.uid;
END $$;
CREATE TRIGGER config_versions_append_only BEFORE UPDATE OR DELETE ON config_versions
  FOR EACH ROW EXECUTE FUNCTION config_versions_append_only();

-- Down Migration
DROP TABLE config_versions;
DROP FUNCTION config_versions_append_only();
DROP TABLE config_sets;
