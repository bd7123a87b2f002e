// The Bucket's row in infra_db. Every phase change is one transaction that checks the phase it starts from (so
// two writers cannot both move a bucket), applies the change and writes the event to the outbox. Events carry
// the bucket's name, versioning and usage (what storage is metered by), never a key.
import type { Pool, PoolClient } from 'pg';
import type { BucketPhase } from '../../crds/schemas/bucket.ts';
import { recordTransition } from '../events/outbox.ts';
import { assertBucketTransition } from './lifecycle.ts';
import { updatePhased } from '../managed/phased-update.ts';

export interface BucketRow {
  uid: string;
  namespace: string;
  name: string;
  bucket_name: string;
  adopted: boolean;
  phase: BucketPhase;
  /** The tenant account whose keys the Secret holds. */
  access_key: string | null;
  /** The account being made (or re-keyed) while Rotating. */
  pending_access_key: string | null;
  /** An account replaced by a rotation, still to be removed. */
  retired_access_key: string | null;
  secret_name: string | null;
  /** The spec.credentials.rotateAt last acted on. */
  rotate_at: string | null;
  rotated_at: Date | null;
  /** The lifecycle rules last asked of the server (their JSON), and its answer when it refused them. */
  lifecycle_applied: string | null;
  lifecycle_problem: string | null;
  object_count: string | null;
  stored_bytes: string | null;
  usage_at: Date | null;
  over_quota: boolean;
  create_attempt: number;
  message: string | null;
  /** The bucket name as the managed reconciler calls it; set once the bucket exists. */
  provider_id: string | null;
  updated_at?: Date;
}

export type BucketChange = Partial<
  Pick<
    BucketRow,
    | 'access_key'
    | 'pending_access_key'
    | 'retired_access_key'
    | 'secret_name'
    | 'rotate_at'
    | 'rotated_at'
    | 'lifecycle_applied'
    | 'lifecycle_problem'
    | 'object_count'
    | 'stored_bytes'
    | 'usage_at'
    | 'over_quota'
    | 'create_attempt'
    | 'message'
  >
>;

/** Another writer moved the bucket first; the reconcile starts over from what is recorded. */
export class BucketPhaseConflict extends Error {}

// provider_id: the bucket once it exists at the server (from Available on, and while being deleted).
const columns = `uid, namespace, name, bucket_name, adopted, phase, access_key, pending_access_key,
  retired_access_key, secret_name, rotate_at, rotated_at, lifecycle_applied, lifecycle_problem,
  object_count::text, stored_bytes::text, usage_at, over_quota, create_attempt, message, updated_at,
  CASE WHEN phase IN ('Available', 'Rotating', 'Deleting', 'Failed') THEN bucket_name END AS provider_id`;

export async function readBucket(db: Pool | PoolClient, uid: string): Promise<BucketRow | undefined> {
  const { rows } = await db.query<BucketRow>(`SELECT ${columns} FROM buckets WHERE uid = $1`, [uid]);
  return rows[0];
}

function eventOf(row: BucketRow, tenant: string, from: BucketPhase | null, to: BucketPhase) {
  return {
    kind: 'Bucket' as const,
    uid: row.uid,
    namespace: row.namespace,
    name: row.name,
    tenant,
    from,
    to,
    details: {
      bucket: row.bucket_name,
      ...(row.adopted ? { adopted: true } : {}),
      ...(row.object_count !== null
        ? { objects: Number(row.object_count), bytes: Number(row.stored_bytes) }
        : {}),
      ...(row.message && to === 'Failed' ? { message: row.message } : {}),
    },
  };
}

export interface NewBucket {
  uid: string;
  namespace: string;
  name: string;
  bucket_name: string;
}

/** Records a new bucket as Pending, or an adopted one as Available (once: a second call changes nothing). */
export async function recordBucket(
  client: PoolClient,
  b: NewBucket,
  adopted: boolean,
  tenant: string,
  now: Date,
): Promise<BucketRow> {
  const phase: BucketPhase = adopted ? 'Available' : 'Pending';
  const inserted = await client.query(
    `INSERT INTO buckets (uid, namespace, name, bucket_name, adopted, phase)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid) DO NOTHING`,
    [b.uid, b.namespace, b.name, b.bucket_name, adopted, phase],
  );
  const row = (await readBucket(client, b.uid))!;
  if (inserted.rowCount === 1) await recordTransition(client, eventOf(row, tenant, null, phase), now);
  return row;
}

/** Moves the bucket from its recorded phase to `to` with `change`, and writes the event. */
export async function moveBucket(
  client: PoolClient,
  row: BucketRow,
  to: BucketPhase,
  change: BucketChange,
  tenant: string,
  now: Date,
): Promise<BucketRow> {
  assertBucketTransition(row.phase, to);
  const next = await updateBucket(client, row, change, to);
  await recordTransition(client, eventOf(next, tenant, row.phase, to), now);
  return next;
}

/** Records a change that is not a phase change (usage, a key to remove, the lifecycle answer). */
export async function updateBucket(
  client: Pool | PoolClient,
  row: BucketRow,
  change: BucketChange,
  phase: BucketPhase = row.phase,
): Promise<BucketRow> {
  const next = await updatePhased(
    client,
    'buckets',
    row,
    change,
    phase,
    () => new BucketPhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}; retrying`),
  );
  const exists = ['Available', 'Rotating', 'Deleting', 'Failed'].includes(phase);
  return { ...next, provider_id: exists ? row.bucket_name : null };
}
