// The `minio` client against the stack's S3 server: clients for a key pair, bucket tagging that survives
// minio 8.0.7 misreading the server's 204 No Content, and emptying a versioned bucket.
import http from 'node:http';
import https from 'node:https';
import * as Minio from 'minio';
import { endpoints } from '../../hack/stack/endpoints.ts';
import type { S3Keys } from '../../hack/stack/credentials.ts';

/** The operator's keys as the stack hands them out; throws when the stack has not made them. */
export function operatorS3Keys(): S3Keys {
  const { accessKey, secretKey } = endpoints().s3;
  if (!accessKey || !secretKey) throw new Error('no OMNICLOUD_S3_ACCESS_KEY/SECRET_KEY: is the stack up?');
  return { accessKey, secretKey };
}

export function s3ClientOptions(keys: S3Keys = operatorS3Keys()): Minio.ClientOptions {
  const { endpoint, region } = endpoints().s3;
  const url = new URL(endpoint);
  const useSSL = url.protocol === 'https:';
  return {
    endPoint: url.hostname,
    port: Number(url.port || (useSSL ? 443 : 80)),
    useSSL,
    region,
    pathStyle: true,
    ...keys,
  };
}

export const s3Client = (keys?: S3Keys): Minio.Client => new Minio.Client(s3ClientOptions(keys));

/**
 * minio 8.0.7 expects 200 from PutBucketTagging; S3 servers (versitygw, AWS) answer 204 No Content, and the
 * client turns any status it does not expect into an S3Error, with no code and no message when the answer has
 * no body. Only that error, on that status, is a success.
 */
export function isNoContentMisread(err: unknown, status: number | undefined): boolean {
  return status === 204 && err instanceof Minio.S3Error && (err.code ?? '') === '' && err.message === '';
}

/** Sets a bucket's tags with the minio client, telling the 204 misread from every real error. */
export async function setBucketTags(
  options: Minio.ClientOptions,
  bucket: string,
  tags: Record<string, string>,
): Promise<void> {
  // A client of its own records the status of its one request, so no other call can be confused with it.
  let status: number | undefined;
  const base = options.useSSL ? https : http;
  const request = (
    opts: http.RequestOptions,
    done?: (res: http.IncomingMessage) => void,
  ): http.ClientRequest =>
    base.request(opts, (res) => {
      status = res.statusCode;
      done?.(res);
    });
  const client = new Minio.Client({ ...options, transport: { request: request as typeof http.request } });
  try {
    await client.setBucketTagging(bucket, tags);
  } catch (err) {
    if (!isNoContentMisread(err, status)) throw err;
  }
}

/** Removes every version and delete marker of a bucket, then the bucket. */
export async function removeBucketWithVersions(client: Minio.Client, bucket: string): Promise<void> {
  const versions: { name: string; versionId?: string }[] = [];
  for await (const o of client.listObjects(bucket, '', true, { IncludeVersion: true })) {
    if (o.name) versions.push({ name: o.name, versionId: o.versionId ?? undefined });
  }
  for (const v of versions) await client.removeObject(bucket, v.name, { versionId: v.versionId });
  await client.removeBucket(bucket);
}
