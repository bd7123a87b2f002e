// Names at the S3 server, pure. A bucket's name is derived from its tenant, namespace and object name, so the
// same object always gets the same bucket and two objects never share one: `oc-<tenant>-<rest of namespace>-
// <name>`, lower-case, DNS-safe, 3 to 63 characters; a longer one keeps a readable head and ends with a short
// hash of the whole. An adopted bucket keeps the name it has, which must be a valid S3 bucket name.
import { createHash } from 'node:crypto';

export const maxBucketNameLength = 63;

/** S3's rules for a bucket name that works path-style and virtual-host-style alike. */
export function bucketNameProblem(name: string): string | undefined {
  const accepted =
    '3 to 63 characters of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, not shaped like an IP address';
  if (name.length < 3 || name.length > maxBucketNameLength)
    return `has ${name.length} characters; ${accepted}`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return `is not a bucket name: ${accepted}`;
  if (/\.\.|\.-|-\./.test(name)) return `has ".." or a "." beside a "-"; ${accepted}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `is shaped like an IP address; ${accepted}`;
  if (name.startsWith('xn--') || name.endsWith('-s3alias'))
    return `uses a prefix or suffix S3 reserves; ${accepted}`;
  return undefined;
}

const dnsSafe = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');

/** The bucket name of the object `name` in `namespace` of `tenant`. */
export function bucketNameFor(tenant: string, namespace: string, name: string): string {
  // A tenant's namespace is `tenant-<tenant>`: saying the tenant once is enough.
  const rest = namespace === `tenant-${tenant}` ? '' : namespace;
  const full = dnsSafe(['oc', tenant, rest, name].filter(Boolean).join('-'));
  if (full.length <= maxBucketNameLength && full.length >= 3) return full;
  const hash = createHash('sha256').update(`${tenant}/${namespace}/${name}`).digest('hex').slice(0, 10);
  const head = full.slice(0, maxBucketNameLength - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** The default Secret the tenant's credentials are delivered in. */
export const defaultSecretName = (bucketObjectName: string): string => `${bucketObjectName}-s3-credentials`;
