// The operator's client of the S3 server (the `minio` client), built from its endpoint and keys, with the two
// things the client does not do for us: bucket tagging that survives minio 8.0.7 misreading the server's 204
// No Content, and emptying a versioned bucket.
import http from 'node:http';
import https from 'node:https';
import * as Minio from 'minio';
import type { S3Endpoint } from '../../operator/endpoints.ts';

export interface S3Keys {
  accessKey: string;
  secretKey: string;
}

/** Client options for an endpoint URL, path-style (the S3 servers we run have no per-bucket host names). */
export function s3ClientOptions(
  endpoint: Omit<S3Endpoint, 'accessKey' | 'secretKey'>,
  keys: S3Keys,
): Minio.ClientOptions {
  const url = new URL(endpoint.endpoint);
  const useSSL = url.protocol === 'https:';
  return {
    endPoint: url.hostname,
    port: Number(url.port || (useSSL ? 443 : 80)),
    useSSL,
    region: endpoint.region,
    pathStyle: true,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
  };
}

/** The operator's own client, with the keys its endpoint carries. */
export const operatorS3Client = (endpoint: S3Endpoint): Minio.Client =>
  new Minio.Client(s3ClientOptions(endpoint, endpoint));

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
