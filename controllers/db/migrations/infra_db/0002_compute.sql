-- Up Migration
-- Hosts as the provider reports them, with the capacity reserved on each. The CHECKs are the last line of
-- defence against over-commit: a reservation that would exceed a host fails, whoever makes it.
CREATE TABLE hosts (
  id               text PRIMARY KEY,
  region           text NOT NULL,
  zone             text NOT NULL,
  vcpu             integer NOT NULL CHECK (vcpu >= 0),
  memory_mib       integer NOT NULL CHECK (memory_mib >= 0),
  gpu              integer NOT NULL DEFAULT 0 CHECK (gpu >= 0),
  used_vcpu        integer NOT NULL DEFAULT 0,
  used_memory_mib  integer NOT NULL DEFAULT 0,
  used_gpu         integer NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'up',
  CONSTRAINT host_vcpu_not_overcommitted CHECK (used_vcpu BETWEEN 0 AND vcpu),
  CONSTRAINT host_memory_not_overcommitted CHECK (used_memory_mib BETWEEN 0 AND memory_mib),
  CONSTRAINT host_gpu_not_overcommitted CHECK (used_gpu BETWEEN 0 AND gpu)
);

-- One row per Compute: its lifecycle phase and everything recorded outside the cluster, so that a
-- restarted operator resumes where it stopped and never creates an instance twice.
CREATE TABLE instances (
  uid                 uuid PRIMARY KEY,
  namespace           text NOT NULL,
  name                text NOT NULL,
  region              text NOT NULL,
  zone                text,
  host_id             text REFERENCES hosts (id),
  vcpu                integer NOT NULL,
  memory_mib          integer NOT NULL,
  gpu                 integer NOT NULL DEFAULT 0,
  labels              jsonb NOT NULL DEFAULT '{}'::jsonb,
  placement_group     text,
  placement_strategy  text,
  phase               text NOT NULL,
  private_ip          inet,
  provider_id         text,
  operation_id        text,
  message             text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX instances_on_host ON instances (host_id) WHERE host_id IS NOT NULL;

-- Events waiting for the relay to Kafka, written in the same transaction as the change they describe.
CREATE TABLE outbox (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  topic         text NOT NULL,
  key           text NOT NULL,
  event         jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;

-- Down Migration
DROP TABLE outbox;
DROP TABLE instances;
DROP TABLE hosts;
