-- Up Migration
-- Public addresses of instances: whether one was asked for (fixed at create), and the address the provider
-- gave, recorded when first seen.
ALTER TABLE instances ADD COLUMN public_ip_requested boolean NOT NULL DEFAULT false;
ALTER TABLE instances ADD COLUMN public_ip inet;

-- One row per Volume: its lifecycle phase, the size the provider has and the size asked for, and what was
-- recorded at the provider, so a restarted operator resumes where it stopped and never creates a volume twice.
CREATE TABLE volumes (
  uid             uuid PRIMARY KEY,
  namespace       text NOT NULL,
  name            text NOT NULL,
  region          text NOT NULL,
  zone            text NOT NULL,
  type            text NOT NULL,
  size_gib        integer NOT NULL CHECK (size_gib > 0),
  requested_gib   integer NOT NULL CHECK (requested_gib >= size_gib),
  labels          jsonb NOT NULL DEFAULT '{}'::jsonb,
  phase           text NOT NULL,
  provider_id     text,
  operation_id    text,
  create_attempt  integer NOT NULL DEFAULT 0,
  resize_attempt  integer NOT NULL DEFAULT 0,
  message         text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volumes_by_namespace ON volumes (namespace) WHERE phase <> 'Deleted';

-- Down Migration
DROP TABLE volumes;
ALTER TABLE instances DROP COLUMN public_ip;
ALTER TABLE instances DROP COLUMN public_ip_requested;
