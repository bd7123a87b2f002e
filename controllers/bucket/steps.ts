// One lifecycle step of a Bucket: from the recorded phase, do the one thing that phase calls for and record the
// outcome. The intent is recorded before each outside call (Creating before the bucket is made, Rotating with
// the next access key before its account is made, Deleting before the bucket is removed), and each call is
// safe to repeat, so a crash at any line resumes from the row with nothing made twice.
import type { Logger } from 'pino';
import type * as k8s from '@kubernetes/client-node';
import { done, requeueAfter, type Action } from '../../operator/action.ts';
import type { BucketSpec } from '../../crds/schemas/bucket.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Problem } from '../managed/kind.ts';
import {
  credentialsSecret,
  keyAccount,
  newAccessKey,
  newSecretKey,
  removeCredentials,
  writeCredentials,
} from './credentials.ts';
import { lifecycleKey, secretNameOf, tenantKeys, credentialsDue } from './desired.ts';
import type { S3Admin } from './s3-admin.ts';
import type { BucketServer } from './server.ts';
import { BucketReasons } from './status.ts';
import { BucketPhaseConflict, moveBucket, updateBucket, type BucketChange, type BucketRow } from './store.ts';
import type { Pool, PoolClient } from 'pg';
import type { BucketPhase } from '../../crds/schemas/bucket.ts';

export interface BucketStepContext {
  pool: Pool;
  kc: k8s.KubeConfig;
  server: BucketServer;
  /** Absent when the operator has no IAM-admin keys: buckets are made, credentials are not. */
  admin?: S3Admin;
  obj: { metadata: { name: string; namespace: string; uid: string } };
  spec: BucketSpec;
  tenant: string;
  now: () => Date;
  log: Logger;
}

export interface BucketStepResult {
  row: BucketRow;
  action: Action | 'continue';
  problem?: Problem;
}

/** How long a refusal that needs the user (a name taken, a bucket not empty) waits before looking again. */
export const bucketRetryMs = 15_000;

function mover(s: BucketStepContext, row: BucketRow) {
  return (to: BucketPhase, change: BucketChange = {}) =>
    withTransaction(s.pool, (c) => moveBucket(c, row, to, change, s.tenant, s.now()));
}

/**
 * Runs a step that calls the S3 server with the row locked, after checking it is still as read: a second
 * operator (or a replica that has not yet seen it lost its lease) working from an older read cannot put back a
 * policy without the keys just delivered, give an account a second secret, or remove what was just made. A
 * crash releases the lock and the step runs again.
 */
async function locked(
  s: BucketStepContext,
  row: BucketRow,
  step: (c: PoolClient) => Promise<BucketStepResult>,
): Promise<BucketStepResult> {
  return withTransaction(s.pool, async (c) => {
    const { rows } = await c.query<
      Pick<BucketRow, 'phase' | 'access_key' | 'pending_access_key' | 'retired_access_key'>
    >(
      'SELECT phase, access_key, pending_access_key, retired_access_key FROM buckets WHERE uid = $1 FOR UPDATE',
      [row.uid],
    );
    const now = rows[0];
    if (
      !now ||
      now.phase !== row.phase ||
      now.access_key !== row.access_key ||
      now.pending_access_key !== row.pending_access_key ||
      now.retired_access_key !== row.retired_access_key
    )
      throw new BucketPhaseConflict(`${row.namespace}/${row.name} changed since it was read; retrying`);
    return step(c);
  });
}

const effectiveAccess = (s: BucketStepContext, row: BucketRow) =>
  row.over_quota ? 'ReadOnly' : s.spec.access;

export async function applyBucketStep(s: BucketStepContext, row: BucketRow): Promise<BucketStepResult> {
  const move = mover(s, row);
  switch (row.phase) {
    case 'Pending':
      return { row: await move('Creating'), action: 'continue' };
    case 'Creating':
      return makeBucket(s, row);
    case 'Failed':
      // Only recreate() leaves a row Failed, on its way back to Pending; a crash between the two ends here.
      return { row: await move('Pending', { message: null }), action: 'continue' };
    case 'Available':
      return available(s, row);
    case 'Rotating':
      return deliverCredentials(s, row);
    default:
      return { row, action: done };
  }
}

const makeBucket = (s: BucketStepContext, row: BucketRow) =>
  locked(s, row, (c) => makeLockedBucket(s, row, c));

async function makeLockedBucket(
  s: BucketStepContext,
  row: BucketRow,
  c: PoolClient,
): Promise<BucketStepResult> {
  const bucket = row.bucket_name;
  const made = await s.server.make(bucket, row.uid);
  if (made === 'exists') {
    // Ours only if this object made it (a crash before the row said so); an older bucket of that name is not
    // taken silently: it is adopted by the external-name annotation, or the object is named otherwise.
    const owner = await s.server.uidOf(bucket);
    if (owner !== row.uid && !(owner === undefined && (await s.server.usage(bucket)).entries === 0)) {
      return {
        row,
        action: requeueAfter(bucketRetryMs),
        problem: {
          reason: BucketReasons.BucketNameTaken,
          message: `the S3 server already has a bucket named ${bucket} that this Bucket did not make; adopt it with the omnicloud.io/external-name annotation, or give the Bucket another name`,
        },
      };
    }
    if (owner === undefined) await s.server.tag(bucket, row.uid);
  }
  await s.server.setVersioning(bucket, s.spec.versioning);
  await s.server.setPolicy(bucket, tenantKeys(row), effectiveAccess(s, row));
  return {
    row: await moveBucket(c, row, 'Available', { message: null }, s.tenant, s.now()),
    action: 'continue',
  };
}

async function available(s: BucketStepContext, row: BucketRow): Promise<BucketStepResult> {
  const bucket = row.bucket_name;
  const retired = row.retired_access_key;
  if (retired) {
    // The rotation's last step: the old key leaves the policy, then its account goes.
    return locked(s, row, async (c) => {
      await s.server.setPolicy(bucket, tenantKeys(row), effectiveAccess(s, row));
      if (s.admin) await s.admin.deleteAccount(retired);
      return { row: await updateBucket(c, row, { retired_access_key: null }), action: 'continue' };
    });
  }
  const wanted = lifecycleKey(s.spec);
  if (row.lifecycle_applied !== wanted) {
    const refused = await s.server.setLifecycle(bucket, s.spec.lifecycle);
    if (refused) s.log.info({ bucket, answer: refused }, 'the S3 server refused the lifecycle rules');
    return {
      row: await updateBucket(s.pool, row, {
        lifecycle_applied: wanted,
        lifecycle_problem: wanted === null ? null : (refused ?? null),
      }),
      action: 'continue',
    };
  }
  const due = credentialsDue(row, s.spec, s.obj.metadata.name);
  if (due === undefined) return { row, action: done };
  if (!s.admin)
    return {
      row,
      action: requeueAfter(60_000),
      problem: {
        reason: BucketReasons.CredentialsUnavailable,
        message:
          'the operator has no S3 IAM-admin keys (OMNICLOUD_S3_ADMIN_ACCESS_KEY and OMNICLOUD_S3_ADMIN_SECRET_KEY), so no tenant credentials can be made; the bucket itself exists',
      },
    };
  // The next key is recorded before its account is made: a crash after this re-keys the same account.
  s.log.info({ bucket, why: due }, 'making tenant credentials');
  return { row: await mover(s, row)('Rotating', { pending_access_key: newAccessKey() }), action: 'continue' };
}

/**
 * Makes (or re-keys) the pending account, lets it into the bucket, delivers its keys, then records the switch.
 * The row is locked for the whole step, so two operators (or a replica that has not yet seen it lost its lease)
 * never give one account two secrets with the Secret holding the loser's; a crash releases the lock and the
 * step is done again with a new secret.
 */
async function deliverCredentials(s: BucketStepContext, row: BucketRow): Promise<BucketStepResult> {
  const pending = row.pending_access_key ?? row.access_key;
  if (!pending || !s.admin)
    return { row: await mover(s, row)('Available', { pending_access_key: null }), action: 'continue' };
  const admin = s.admin;
  return locked(s, row, async (c) => {
    const secretKey = newSecretKey();
    await keyAccount(admin, pending, secretKey);
    await s.server.setPolicy(row.bucket_name, tenantKeys(row), effectiveAccess(s, row));
    const name = secretNameOf(s.spec, s.obj.metadata.name);
    const secret = credentialsSecret(s.obj, name, {
      endpoint: s.server.endpoint,
      region: s.server.region,
      bucket: row.bucket_name,
      accessKey: pending,
      secretKey,
    });
    if ((await writeCredentials(s.kc, secret, s.obj.metadata.uid)) === 'taken')
      return {
        row,
        action: requeueAfter(bucketRetryMs),
        problem: {
          reason: BucketReasons.SecretNameTaken,
          message: `a Secret named ${name} in ${s.obj.metadata.namespace} belongs to something else; set spec.credentials.secretName to a free name or remove that Secret`,
        },
      };
    if (row.secret_name && row.secret_name !== name)
      await removeCredentials(s.kc, s.obj.metadata.namespace, row.secret_name, s.obj.metadata.uid);
    const replaced = row.access_key && row.access_key !== pending ? row.access_key : null;
    const next = await moveBucket(
      c,
      row,
      'Available',
      {
        access_key: pending,
        pending_access_key: null,
        retired_access_key: replaced,
        secret_name: name,
        rotate_at: s.spec.credentials.rotateAt ?? null,
        rotated_at: s.now(),
      },
      s.tenant,
      s.now(),
    );
    return { row: next, action: 'continue' };
  });
}

/** The objects the bucket holds, when it holds any and may not be deleted with them. */
async function refusedAsNotEmpty(
  s: BucketStepContext,
  row: BucketRow,
): Promise<BucketStepResult | undefined> {
  if (s.spec.forceDelete) return undefined;
  const usage = await s.server.usage(row.bucket_name);
  if (usage.entries === 0) return undefined;
  return {
    row,
    action: requeueAfter(bucketRetryMs),
    problem: {
      reason: BucketReasons.BucketNotEmpty,
      message: `bucket ${row.bucket_name} holds ${usage.objects} object${usage.objects === 1 ? '' : 's'} (${usage.entries} entries with versions and delete markers) and is not deleted; empty it, or set spec.forceDelete: true to delete it with everything in it`,
    },
  };
}

/** Removes every tenant account of the row; an account already gone is no error. */
async function removeAccounts(s: BucketStepContext, row: BucketRow): Promise<void> {
  if (!s.admin) return;
  for (const key of new Set([row.access_key, row.pending_access_key, row.retired_access_key]))
    if (key) await s.admin.deleteAccount(key);
}

export async function deleteBucketStep(s: BucketStepContext, row: BucketRow): Promise<BucketStepResult> {
  const move = mover(s, row);
  switch (row.phase) {
    case 'Deleted':
      return { row, action: done };
    case 'Pending':
      return { row: await move('Deleted'), action: done };
    case 'Deleting':
      return locked(s, row, (c) => removeLockedBucket(s, row, c));
    default: {
      // Creating, Available, Rotating or Failed: refuse while it holds objects, else record the intent first.
      if ((await s.server.presence(row.bucket_name)) !== 'absent') {
        const refused = await refusedAsNotEmpty(s, row);
        if (refused) return refused;
      }
      return { row: await move('Deleting'), action: 'continue' };
    }
  }
}

async function removeLockedBucket(
  s: BucketStepContext,
  row: BucketRow,
  c: PoolClient,
): Promise<BucketStepResult> {
  // 'foreign' here is our own bucket whose policy locks the operator out: removed through the rescue client.
  if ((await s.server.presence(row.bucket_name)) !== 'absent') {
    const refused = await refusedAsNotEmpty(s, row);
    if (refused) return refused;
    await s.server.remove(row.bucket_name);
  }
  await removeAccounts(s, row);
  if (row.secret_name)
    await removeCredentials(s.kc, s.obj.metadata.namespace, row.secret_name, s.obj.metadata.uid);
  return { row: await moveBucket(c, row, 'Deleted', {}, s.tenant, s.now()), action: done };
}

/** Orphan: the bucket stays with what it holds; the tenant's account goes (its Secret goes with the object). */
export async function releaseBucket(s: BucketStepContext, row: BucketRow): Promise<BucketRow> {
  // Only what OmniCloud made is taken back: a bucket only observed (no tenant account) is not touched at all.
  const made = [row.access_key, row.pending_access_key, row.retired_access_key].some(Boolean);
  if (made && (await s.server.presence(row.bucket_name)) !== 'absent')
    await s.server.setPolicy(row.bucket_name, [], s.spec.access);
  await removeAccounts(s, row);
  return withTransaction(s.pool, async (c) => {
    if (row.phase === 'Pending') return moveBucket(c, row, 'Deleted', {}, s.tenant, s.now());
    const leaving =
      row.phase === 'Deleting' ? row : await moveBucket(c, row, 'Deleting', {}, s.tenant, s.now());
    return moveBucket(c, leaving, 'Deleted', {}, s.tenant, s.now());
  });
}
