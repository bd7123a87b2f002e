-- Up Migration
-- One row per ManagedSecret: where its value lives in the Vault API's KV v2 mount, the version OmniCloud wrote
-- or took last (what the synced Kubernetes Secret carries), when it was created and last rotated and the
-- on-demand request it answered last, and its lifecycle phase, so a restarted operator resumes where it stopped and a version
-- written behind its back is told apart from its own. The value itself is never stored here.
CREATE TABLE managed_secrets (
  uid               uuid PRIMARY KEY,
  namespace         text NOT NULL,
  name              text NOT NULL,
  tenant            text NOT NULL,
  -- The path under the mount's data/ and metadata/ (tenants/<tenant>/<namespace>/<name>, or the adopted one).
  path              text NOT NULL,
  phase             text NOT NULL,
  -- The path once this object has written to it or adopted it (what deletion destroys).
  provider_id       text,
  -- The KV version the synced Secret carries; 0 before the first write.
  version           integer NOT NULL DEFAULT 0 CHECK (version >= 0),
  -- The version the target Secret was last written with.
  synced_version    integer NOT NULL DEFAULT 0 CHECK (synced_version >= 0),
  target            text,
  adopted           boolean NOT NULL DEFAULT false,
  created_at_vault  timestamptz,
  rotated_at        timestamptz,
  -- The omnicloud.io/rotate-at value the last rotation answered.
  rotate_request    text,
  -- A rotation recorded before its write: a crash after this writes at most one version for it.
  rotating_from     integer,
  message           text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX managed_secrets_by_path ON managed_secrets (path) WHERE phase <> 'Deleted';

-- Down Migration
DROP TABLE managed_secrets;
