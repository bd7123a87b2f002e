// The status a Bucket shows, computed from its recorded row and what the reconcile observed. Pure. It names
// the bucket, the Secret that holds the credentials (never the credentials), the usage last measured, and
// conditions that explain themselves: Ready, Degraded, LifecycleApplied (the server's own answer when it
// does not implement lifecycle rules) and WithinQuota.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { Bucket, BucketStatus } from '../../crds/schemas/bucket.ts';
import type { Problem } from '../managed/kind.ts';
import { lifecycleKey } from './desired.ts';
import type { BucketRow } from './store.ts';

export const BucketReasons = {
  Creating: 'Creating',
  Available: 'Available',
  Rotating: 'Rotating',
  Deleting: 'Deleting',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
  S3Unavailable: 'S3Unavailable',
  BucketNameTaken: 'BucketNameTaken',
  BucketNotEmpty: 'BucketNotEmpty',
  SecretNameTaken: 'SecretNameTaken',
  CredentialsUnavailable: 'CredentialsUnavailable',
  CredentialsDelivered: 'CredentialsDelivered',
  LifecycleApplied: 'LifecycleApplied',
  LifecycleUnsupported: 'LifecycleUnsupported',
  NoLifecycleRules: 'NoLifecycleRules',
  QuotaExceeded: 'QuotaExceeded',
  WithinQuota: 'WithinQuota',
  NoQuota: 'NoQuota',
} as const;

/** Problems that mean something is wrong, rather than that something is under way. */
const faults = new Set<string>([
  BucketReasons.S3Unavailable,
  BucketReasons.BucketNameTaken,
  BucketReasons.SecretNameTaken,
  BucketReasons.CredentialsUnavailable,
  BucketReasons.InvalidSpec,
]);

function progress(row: BucketRow | undefined): ConditionInput {
  switch (row?.phase ?? 'Pending') {
    case 'Rotating':
      return {
        type: 'Ready',
        status: 'False',
        reason: BucketReasons.Rotating,
        message: 'delivering new credentials',
      };
    case 'Deleting':
    case 'Deleted':
      return {
        type: 'Ready',
        status: 'False',
        reason: BucketReasons.Deleting,
        message: 'the bucket is being deleted',
      };
    case 'Available':
      return {
        type: 'Ready',
        status: 'False',
        reason: BucketReasons.Creating,
        message: `bucket ${row!.bucket_name} exists; applying lifecycle rules and credentials`,
      };
    default:
      return {
        type: 'Ready',
        status: 'False',
        reason: BucketReasons.Creating,
        message: 'creating the bucket',
      };
  }
}

function quotaCondition(obj: Bucket, row: BucketRow | undefined): ConditionInput {
  const q = obj.spec.quota;
  if (!q)
    return { type: 'WithinQuota', status: 'True', reason: BucketReasons.NoQuota, message: 'no quota set' };
  if (!row || row.object_count === null)
    return {
      type: 'WithinQuota',
      status: 'Unknown',
      reason: 'NotMeasured',
      message: 'usage not measured yet',
    };
  const objects = Number(row.object_count);
  const bytes = Number(row.stored_bytes);
  const limits = [
    q.maxObjects !== undefined ? `${objects} of ${q.maxObjects} objects` : undefined,
    q.maxBytes !== undefined ? `${bytes} of ${q.maxBytes} bytes` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return row.over_quota
    ? {
        type: 'WithinQuota',
        status: 'False',
        reason: BucketReasons.QuotaExceeded,
        message: `${limits}: the tenant's credentials can only read until usage is back within the quota`,
      }
    : { type: 'WithinQuota', status: 'True', reason: BucketReasons.WithinQuota, message: limits };
}

function lifecycleCondition(obj: Bucket, row: BucketRow | undefined): ConditionInput {
  const wanted = lifecycleKey(obj.spec);
  if (wanted === null)
    return {
      type: 'LifecycleApplied',
      status: 'True',
      reason: BucketReasons.NoLifecycleRules,
      message: 'no lifecycle rules asked for',
    };
  if (!row || row.lifecycle_applied !== wanted)
    return {
      type: 'LifecycleApplied',
      status: 'Unknown',
      reason: 'NotAsked',
      message: 'not asked of the S3 server yet',
    };
  if (row.lifecycle_problem)
    return {
      type: 'LifecycleApplied',
      status: 'False',
      reason: BucketReasons.LifecycleUnsupported,
      message: `the S3 server refused the lifecycle rules (${row.lifecycle_problem}); objects are NOT expired`,
    };
  return {
    type: 'LifecycleApplied',
    status: 'True',
    reason: BucketReasons.LifecycleApplied,
    message: 'the S3 server took the lifecycle rules',
  };
}

export function bucketStatus(
  obj: Bucket,
  row: BucketRow | undefined,
  problem: Problem | undefined,
  now: Date,
  endpoint?: string,
): BucketStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const phase = row?.phase ?? 'Pending';
  const fault = problem && faults.has(problem.reason) ? problem : undefined;
  const observeOnly = obj.spec.managementPolicy === 'ObserveOnly';
  const settled = phase === 'Available' && (!!row?.access_key || observeOnly) && !problem;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    fault
      ? { type: 'Degraded', status: 'True', reason: fault.reason, message: fault.message }
      : { type: 'Degraded', status: 'False', reason: BucketReasons.Healthy, message: 'no fault observed' },
  );
  conditions = set(
    conditions,
    settled
      ? {
          type: 'Ready',
          status: 'True',
          reason: BucketReasons.Available,
          message: row!.access_key
            ? `bucket ${row!.bucket_name} with versioning ${obj.spec.versioning}; credentials in Secret ${row!.secret_name}`
            : `observing bucket ${row!.bucket_name} (managementPolicy ObserveOnly: nothing is changed and no credentials are made)`,
        }
      : problem
        ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
        : progress(row),
  );
  conditions = set(conditions, lifecycleCondition(obj, row));
  conditions = set(conditions, quotaCondition(obj, row));
  const message = problem?.message ?? row?.message;
  return {
    phase,
    observedGeneration: gen,
    ...(row ? { bucketName: row.bucket_name } : {}),
    ...(row?.provider_id ? { providerId: row.provider_id } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(row?.secret_name ? { secretName: row.secret_name } : {}),
    ...(row?.rotated_at ? { rotatedAt: new Date(row.rotated_at).toISOString() } : {}),
    ...(row?.object_count !== null && row?.object_count !== undefined && row.usage_at
      ? {
          usage: {
            objects: Number(row.object_count),
            bytes: Number(row.stored_bytes),
            observedAt: new Date(row.usage_at).toISOString(),
          },
        }
      : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    conditions,
  };
}
