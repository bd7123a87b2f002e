// What the Bucket controller asks of the S3 server with the operator's own account (the `minio` client): make
// and tag a bucket, set and read its versioning and policy, ask for lifecycle rules, measure what it stores,
// and remove it with every version. Errors that mean the server is away are told apart from its refusals.
import * as Minio from 'minio';
import type { BucketAccess, BucketSpec, VersioningState } from '../../crds/schemas/bucket.ts';
import { removeBucketWithVersions, setBucketTags } from '../backing/s3.ts';
import { S3AdminUnreachable } from './s3-admin.ts';
import { bucketPolicy, observedAccess, type ObservedAccess } from './policy.ts';

/** The tag that says which object made a bucket, so a name taken by an older bucket is never taken silently. */
export const uidTag = 'omnicloud.io/uid';

export interface Usage {
  /** Stored object versions (delete markers not counted). */
  objects: number;
  bytes: number;
  /** Every entry the server lists, delete markers included: a bucket holding any cannot be removed. */
  entries: number;
}

export interface BucketServer {
  operatorKey: string;
  endpoint: string;
  region: string;
  /** 'absent', 'ours' (reachable by the operator's account), or 'foreign' (another account's). */
  presence(bucket: string): Promise<'absent' | 'ours' | 'foreign'>;
  make(bucket: string, uid: string): Promise<'made' | 'exists'>;
  uidOf(bucket: string): Promise<string | undefined>;
  /** Marks the bucket as made by the object `uid`. */
  tag(bucket: string, uid: string): Promise<void>;
  versioning(bucket: string): Promise<VersioningState>;
  setVersioning(bucket: string, state: VersioningState): Promise<void>;
  access(bucket: string, tenantKeys: readonly string[]): Promise<ObservedAccess>;
  setPolicy(bucket: string, tenantKeys: readonly string[], access: BucketAccess): Promise<void>;
  /** Asks for the rules; the server's refusal (NotImplemented on versitygw's posix backend) comes back as text. */
  setLifecycle(bucket: string, lifecycle: BucketSpec['lifecycle']): Promise<string | undefined>;
  usage(bucket: string): Promise<Usage>;
  remove(bucket: string): Promise<void>;
}

/**
 * `rescue`, a client with the IAM-admin keys, is used only when the operator's own account is refused on a bucket
 * it made or adopted: a policy replaced outside OmniCloud that no longer names the operator locks it out (on
 * versitygw a bucket policy alone decides, the owner's access included), and only an admin account can read
 * and put back such a bucket's policy.
 */
export function bucketServer(
  operator: Minio.Client,
  options: Minio.ClientOptions,
  endpoint: string,
  rescue?: Minio.Client,
): BucketServer {
  const operatorKey = options.accessKey!;
  const client = operator;
  async function run<T>(call: (c: Minio.Client) => Promise<T>): Promise<T> {
    try {
      return await call(operator);
    } catch (err) {
      if (!rescue || !isRefusal(err, ['AccessDenied'])) throw err;
      return call(rescue);
    }
  }
  return {
    operatorKey,
    endpoint,
    region: options.region ?? 'us-east-1',
    async presence(bucket) {
      try {
        return (await client.bucketExists(bucket)) ? 'ours' : 'absent';
      } catch (err) {
        if (isRefusal(err, ['AccessDenied', 'Forbidden'])) return 'foreign';
        throw err;
      }
    },
    async make(bucket, uid) {
      try {
        await client.makeBucket(bucket, options.region);
      } catch (err) {
        if (isRefusal(err, ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'])) return 'exists';
        throw err;
      }
      await setBucketTags(options, bucket, { [uidTag]: uid });
      return 'made';
    },
    async uidOf(bucket) {
      const tags = await run((c) => c.getBucketTagging(bucket)).catch((err: unknown) => {
        if (isRefusal(err, ['NoSuchTagSet', 'NoSuchTagSetError'])) return [];
        throw err;
      });
      return tags.find((t) => t.Key === uidTag)?.Value;
    },
    tag: (bucket, uid) => setBucketTags(options, bucket, { [uidTag]: uid }),
    async versioning(bucket) {
      const v = await run((c) => c.getBucketVersioning(bucket));
      return v?.Status === 'Enabled' ? 'Enabled' : 'Suspended';
    },
    async setVersioning(bucket, state) {
      await run((c) => c.setBucketVersioning(bucket, { Status: state }));
    },
    async access(bucket, tenantKeys) {
      const text = await run((c) => c.getBucketPolicy(bucket)).catch((err: unknown) => {
        if (isRefusal(err, ['NoSuchBucketPolicy'])) return undefined;
        throw err;
      });
      return observedAccess(text, bucket, operatorKey, tenantKeys);
    },
    async setPolicy(bucket, tenantKeys, access) {
      await run((c) =>
        c.setBucketPolicy(bucket, JSON.stringify(bucketPolicy(bucket, operatorKey, tenantKeys, access))),
      );
    },
    async setLifecycle(bucket, lifecycle) {
      try {
        if (!lifecycle || lifecycleRules(lifecycle).length === 0)
          await run((c) => c.removeBucketLifecycle(bucket));
        else await run((c) => c.setBucketLifecycle(bucket, { Rule: lifecycleRules(lifecycle) }));
        return undefined;
      } catch (err) {
        if (!lifecycle && isRefusal(err, ['NoSuchLifecycleConfiguration'])) return undefined;
        if (err instanceof Minio.S3Error && err.code && !unavailableCodes.has(err.code))
          return `${err.code}: ${err.message}`;
        throw err;
      }
    },
    usage: (bucket) =>
      run(async (c) => {
        const u: Usage = { objects: 0, bytes: 0, entries: 0 };
        const listing = c.listObjects(bucket, '', true, { IncludeVersion: true }) as AsyncIterable<{
          size?: number;
          isDeleteMarker?: boolean;
          name?: string;
        }>;
        for await (const o of listing) {
          if (!o.name) continue;
          u.entries += 1;
          if (o.isDeleteMarker) continue;
          u.objects += 1;
          u.bytes += o.size ?? 0;
        }
        return u;
      }),
    async remove(bucket) {
      try {
        await run((c) => removeBucketWithVersions(c, bucket));
      } catch (err) {
        if (!isRefusal(err, ['NoSuchBucket'])) throw err;
      }
    },
  };
}

/** The S3 lifecycle rules for the spec's expirations (whole bucket). */
export function lifecycleRules(lifecycle: NonNullable<BucketSpec['lifecycle']>) {
  const rules = [];
  if (lifecycle.expireCurrentAfterDays)
    rules.push({
      ID: 'omnicloud-expire-current',
      Status: 'Enabled',
      Filter: { Prefix: '' },
      Expiration: { Days: lifecycle.expireCurrentAfterDays },
    });
  if (lifecycle.expireNoncurrentAfterDays)
    rules.push({
      ID: 'omnicloud-expire-noncurrent',
      Status: 'Enabled',
      Filter: { Prefix: '' },
      NoncurrentVersionExpiration: { NoncurrentDays: lifecycle.expireNoncurrentAfterDays },
    });
  return rules;
}

export function isRefusal(err: unknown, codes: readonly string[]): boolean {
  return err instanceof Minio.S3Error && codes.includes(err.code ?? '');
}

const unavailableCodes = new Set(['ServiceUnavailable', 'InternalError', 'SlowDown', 'RequestTimeout']);
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Whether the error means the S3 server (or its admin API) is away or overloaded, rather than a refusal. */
export function isS3Unavailable(err: unknown): boolean {
  if (err instanceof S3AdminUnreachable) return true;
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (err instanceof Minio.S3Error) return unavailableCodes.has(e.code as string);
  if (typeof e?.code === 'string' && networkCodes.has(e.code)) return true;
  if (typeof e?.cause?.code === 'string' && networkCodes.has(e.cause.code)) return true;
  return e?.name === 'TimeoutError' || e?.name === 'AbortError';
}
