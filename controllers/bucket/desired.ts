// What a Bucket's spec asks for beyond what the drift step compares, judged against its row, pure: the Secret
// the credentials go in, the lifecycle rules as recorded, the keys the bucket policy names, whether the
// credentials are due, and whether the bucket is settled.
import type { BucketSpec } from '../../crds/schemas/bucket.ts';
import { defaultSecretName } from './naming.ts';
import type { BucketRow } from './store.ts';

export const secretNameOf = (spec: BucketSpec, objectName: string): string =>
  spec.credentials.secretName ?? defaultSecretName(objectName);

/** The lifecycle rules the spec asks for, as recorded once asked of the server (null: none). */
export function lifecycleKey(spec: BucketSpec): string | null {
  const l = spec.lifecycle;
  if (!l || (!l.expireCurrentAfterDays && !l.expireNoncurrentAfterDays)) return null;
  return JSON.stringify({
    current: l.expireCurrentAfterDays ?? null,
    noncurrent: l.expireNoncurrentAfterDays ?? null,
  });
}

/** The tenant keys the bucket policy names: the delivered one and, while rotating, the next. */
export const tenantKeys = (row: BucketRow): string[] => [
  ...new Set([row.access_key, row.pending_access_key].filter((k): k is string => !!k)),
];

/** What the credentials still need, or undefined when the Secret holds what the spec asks for. */
export function credentialsDue(row: BucketRow, spec: BucketSpec, objectName: string): string | undefined {
  if (!row.access_key) return 'first delivery';
  if ((spec.credentials.rotateAt ?? null) !== row.rotate_at)
    return 'rotation asked by spec.credentials.rotateAt';
  if (secretNameOf(spec, objectName) !== row.secret_name) return 'a new Secret name';
  return undefined;
}

/** Whether the bucket is where the spec wants it (versioning and access are the drift step's to compare). */
export function bucketSettled(row: BucketRow, spec: BucketSpec, objectName: string): boolean {
  return (
    row.phase === 'Available' &&
    !row.retired_access_key &&
    row.lifecycle_applied === lifecycleKey(spec) &&
    credentialsDue(row, spec, objectName) === undefined
  );
}

/** Whether measured usage is past the quota (at the limit is still within). */
export function overQuota(quota: BucketSpec['quota'], usage: { objects: number; bytes: number }): boolean {
  if (!quota) return false;
  return (
    (quota.maxObjects !== undefined && usage.objects > quota.maxObjects) ||
    (quota.maxBytes !== undefined && usage.bytes > quota.maxBytes)
  );
}
