-- Up Migration
-- What the managed reconciler keeps for every object backed by an outside resource, beside the kind's own row:
-- the desired state it last applied (so a spec change is told from drift), the outside values a drift policy
-- accepted, the remediation plan under way with its operations (recorded before the provider is called, so a
-- crash repeats the same calls with the same tokens), and the fingerprint of the drift last reported.
CREATE TABLE managed_resources (
  uid               uuid PRIMARY KEY,
  kind              text NOT NULL,
  namespace         text NOT NULL,
  name              text NOT NULL,
  tenant            text NOT NULL,
  external_id       text,
  applied           jsonb,
  accepted          jsonb NOT NULL DEFAULT '[]'::jsonb,
  plan_hash         text,
  plan_records      jsonb,
  plan_desired      jsonb,
  plan_operations   jsonb,
  drift_fingerprint text,
  observed_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
-- One outside resource is bound to at most one object of a kind.
CREATE UNIQUE INDEX managed_resources_external ON managed_resources (kind, external_id)
  WHERE external_id IS NOT NULL;

-- Every drift found and every remediation, queryable by tenant and object.
CREATE TABLE drift_history (
  id          bigserial PRIMARY KEY,
  uid         uuid NOT NULL,
  kind        text NOT NULL,
  namespace   text NOT NULL,
  name        text NOT NULL,
  tenant      text NOT NULL,
  event       text NOT NULL,
  path        text,
  drift_type  text,
  severity    text,
  desired     jsonb,
  actual      jsonb,
  action      text,
  plan_hash   text,
  detail      text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_history_by_tenant ON drift_history (tenant, at);

-- Down Migration
DROP TABLE drift_history;
DROP TABLE managed_resources;
