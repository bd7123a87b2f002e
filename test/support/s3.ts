// The `minio` client against the stack's S3 server, with the operator's keys as the stack hands them out or
// another account's; tagging and emptying come from the operator's own S3 module.
import * as Minio from 'minio';
import { endpoints } from '../../hack/stack/endpoints.ts';
import type { S3Keys } from '../../hack/stack/credentials.ts';
import { s3ClientOptions as optionsFor } from '../../controllers/backing/s3.ts';

export { isNoContentMisread, removeBucketWithVersions, setBucketTags } from '../../controllers/backing/s3.ts';

/** The operator's keys as the stack hands them out; throws when the stack has not made them. */
export function operatorS3Keys(): S3Keys {
  const { accessKey, secretKey } = endpoints().s3;
  if (!accessKey || !secretKey) throw new Error('no OMNICLOUD_S3_ACCESS_KEY/SECRET_KEY: is the stack up?');
  return { accessKey, secretKey };
}

export function s3ClientOptions(keys: S3Keys = operatorS3Keys()): Minio.ClientOptions {
  return optionsFor(endpoints().s3, keys);
}

export const s3Client = (keys?: S3Keys): Minio.Client => new Minio.Client(s3ClientOptions(keys));
