-- Up Migration
-- One row per Tenant, mirrored from the cluster so that billing can join on it.
CREATE TABLE tenants (
  name              text PRIMARY KEY,
  uid               uuid NOT NULL UNIQUE,
  display_name      text NOT NULL,
  namespace         text NOT NULL,
  billing_currency  char(3) NOT NULL CHECK (billing_currency ~ '^[A-Z]{3}$'),
  tier              text NOT NULL,
  suspended         boolean NOT NULL DEFAULT false,
  quotas            jsonb NOT NULL DEFAULT '{}'::jsonb,
  generation        bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz
);
CREATE INDEX tenants_active ON tenants (name) WHERE deleted_at IS NULL;

-- Down Migration
DROP TABLE tenants;
