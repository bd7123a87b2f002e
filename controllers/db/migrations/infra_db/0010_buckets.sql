-- Up Migration
-- One row per Bucket: its lifecycle phase, the bucket's name at the S3 server, the tenant account whose keys
-- are delivered (and, while a new pair is made, the next one; after, the one still to remove), the lifecycle
-- rules asked for and the server's answer, and the usage last measured. A restarted operator resumes from it
-- and never makes a bucket or an account twice. No secret key is ever stored here.
CREATE TABLE buckets (
  uid                 uuid PRIMARY KEY,
  namespace           text NOT NULL,
  name                text NOT NULL,
  bucket_name         text NOT NULL,
  adopted             boolean NOT NULL DEFAULT false,
  phase               text NOT NULL,
  access_key          text,
  pending_access_key  text,
  retired_access_key  text,
  secret_name         text,
  rotate_at           text,
  rotated_at          timestamptz,
  lifecycle_applied   text,
  lifecycle_problem   text,
  object_count        bigint,
  stored_bytes        bigint,
  usage_at            timestamptz,
  over_quota          boolean NOT NULL DEFAULT false,
  create_attempt      integer NOT NULL DEFAULT 0,
  message             text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
-- One live object per bucket name; a Deleted row keeps its name so an orphaned bucket stays its tenant's.
CREATE UNIQUE INDEX buckets_live_name ON buckets (bucket_name) WHERE phase <> 'Deleted';
CREATE INDEX buckets_by_name ON buckets (bucket_name);

-- Down Migration
DROP TABLE buckets;
