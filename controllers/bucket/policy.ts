// The bucket policy the operator keeps on each bucket, pure. On the S3 server a bucket policy, once there, is
// all that decides for accounts other than admin ones (versitygw no longer looks at ACLs, even the owner's), so
// it names the operator's account with every action, then the tenant's account with read or read-write
// object actions on this bucket only. An observed policy is read back into the access it gives the tenant.
import type { BucketAccess } from '../../crds/schemas/bucket.ts';

export const readActions = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:GetBucketLocation',
];
export const writeActions = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:ListBucketMultipartUploads',
];

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}
export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const resources = (bucket: string) => [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];

/** The policy for `bucket`: the operator's account, and each tenant key given (current and, while rotating, next). */
export function bucketPolicy(
  bucket: string,
  operatorKey: string,
  tenantKeys: readonly string[],
  access: BucketAccess,
): PolicyDocument {
  const statements: Statement[] = [
    {
      Sid: 'OmniCloudOperator',
      Effect: 'Allow',
      Principal: { AWS: [operatorKey] },
      Action: ['s3:*'],
      Resource: resources(bucket),
    },
  ];
  if (tenantKeys.length > 0)
    statements.push({
      Sid: 'OmniCloudTenant',
      Effect: 'Allow',
      Principal: { AWS: [...tenantKeys] },
      Action: access === 'ReadWrite' ? [...readActions, ...writeActions] : [...readActions],
      Resource: resources(bucket),
    });
  return { Version: '2012-10-17', Statement: statements };
}

/** What the tenant's access reads as at the server: one of the two the spec takes, None, or Changed. */
export type ObservedAccess = BucketAccess | 'None' | 'Changed';

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
const principals = (p: unknown): string[] =>
  typeof p === 'object' && p !== null && 'AWS' in p ? list((p as { AWS: unknown }).AWS) : list(p);
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * The access the policy text gives: exactly one of ours for the given keys; None when there is no policy, or
 * no tenant key and only the operator's statement; Changed for anything else (another principal, another
 * action, a statement more or less).
 */
export function observedAccess(
  text: string | undefined,
  bucket: string,
  operatorKey: string,
  tenantKeys: readonly string[],
): ObservedAccess {
  if (text === undefined || text.trim() === '') return 'None';
  let doc: PolicyDocument;
  // With no tenant key there is no access to give: the operator's statement alone (or no policy) is None.
  try {
    doc = JSON.parse(text) as PolicyDocument;
  } catch {
    return 'Changed';
  }
  const shapes = tenantKeys.length === 0 ? (['None'] as const) : (['ReadWrite', 'ReadOnly'] as const);
  for (const access of shapes) {
    const want = bucketPolicy(bucket, operatorKey, tenantKeys, access === 'None' ? 'ReadOnly' : access);
    if (!Array.isArray(doc.Statement) || doc.Statement.length !== want.Statement.length) continue;
    const matches = want.Statement.every((w, i) => {
      const got = doc.Statement[i]!;
      return (
        got.Effect === w.Effect &&
        got.Condition === undefined &&
        sameSet(principals(got.Principal), principals(w.Principal)) &&
        sameSet(list(got.Action), list(w.Action)) &&
        sameSet(list(got.Resource), list(w.Resource))
      );
    });
    if (matches) return access;
  }
  return 'Changed';
}
