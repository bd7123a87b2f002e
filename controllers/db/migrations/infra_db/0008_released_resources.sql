-- Up Migration
-- Whose an outside resource stays after its object let it go (deletionPolicy Orphan) when the kind's own row
-- goes with the object: a Network's row is removed to give its range back, so without this another tenant
-- could adopt the orphaned provider network by its id. Kept by kind and provider id until the resource is
-- deleted through OmniCloud.
CREATE TABLE released_resources (
  kind         text NOT NULL,
  provider_id  text NOT NULL,
  namespace    text NOT NULL,
  tenant       text NOT NULL,
  released_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, provider_id)
);

-- Ownership and claimedBy look rows up by provider id, on every adoption and every reconcile of one.
CREATE INDEX instances_by_provider_id ON instances (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX volumes_by_provider_id ON volumes (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX networks_by_provider_id ON networks (provider_id) WHERE provider_id IS NOT NULL;

-- Down Migration
DROP INDEX networks_by_provider_id;
DROP INDEX volumes_by_provider_id;
DROP INDEX instances_by_provider_id;
DROP TABLE released_resources;
