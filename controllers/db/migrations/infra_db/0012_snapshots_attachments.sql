-- Up Migration
-- One row per DiskSnapshot: its lifecycle phase, the volume it was taken of (recorded before the provider is
-- asked, so a restarted operator repeats the same request with the same token), what the provider made, and
-- where its manifest is in the object store.
CREATE TABLE disk_snapshots (
  uid                 uuid PRIMARY KEY,
  namespace           text NOT NULL,
  name                text NOT NULL,
  tenant              text NOT NULL,
  volume_name         text NOT NULL,
  volume_uid          uuid,
  volume_provider_id  text,
  volume_spec         jsonb,
  region              text,
  zone                text,
  size_gib            integer CHECK (size_gib > 0),
  phase               text NOT NULL,
  provider_id         text,
  operation_id        text,
  create_attempt      integer NOT NULL DEFAULT 0,
  taken_at            timestamptz,
  manifest_key        text,
  message             text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disk_snapshots_by_namespace ON disk_snapshots (namespace) WHERE phase <> 'Deleted';

-- A Volume restored from a snapshot: the snapshot's provider id, fixed when the create is recorded.
ALTER TABLE volumes ADD COLUMN source_snapshot_id text;

-- One row per volume a Compute asks for: the intent (attach or detach) is recorded before the provider is
-- called, with the attempt the idempotency token is derived from, so a crash between the call and its record
-- repeats the same call and gets the same operation back. A volume has one writer: at most one attachment of a
-- volume is anything but Detached.
CREATE TABLE volume_attachments (
  instance_uid          uuid NOT NULL,
  volume_name           text NOT NULL,
  namespace             text NOT NULL,
  compute_name          text NOT NULL,
  volume_uid            uuid NOT NULL,
  volume_provider_id    text NOT NULL,
  instance_provider_id  text NOT NULL,
  phase                 text NOT NULL CHECK (phase IN ('Attaching', 'Attached', 'Detaching', 'Detached')),
  operation_id          text,
  attempt               integer NOT NULL DEFAULT 0,
  message               text,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance_uid, volume_name)
);
CREATE UNIQUE INDEX volume_attachments_one_writer ON volume_attachments (volume_uid) WHERE phase <> 'Detached';
CREATE INDEX volume_attachments_by_volume ON volume_attachments (volume_uid);

-- Down Migration
DROP TABLE volume_attachments;
ALTER TABLE volumes DROP COLUMN source_snapshot_id;
DROP TABLE disk_snapshots;
