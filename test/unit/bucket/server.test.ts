// What the Bucket controller makes of the S3 server's answers, pure: the lifecycle rules it asks for, and
// which errors mean the server is away (S3Unavailable, retried) rather than a refusal.
import assert from 'node:assert/strict';
import * as Minio from 'minio';
import { isRefusal, isS3Unavailable, lifecycleRules } from '../../../controllers/bucket/server.ts';
import { S3AdminError, S3AdminUnreachable } from '../../../controllers/bucket/s3-admin.ts';

const s3Error = (code: string) => Object.assign(new Minio.S3Error(code), { code });

describe('bucket: the S3 server’s answers', () => {
  it('asks for one whole-bucket rule per expiration', () => {
    assert.deepEqual(lifecycleRules({}), []);
    assert.deepEqual(lifecycleRules({ expireCurrentAfterDays: 30, expireNoncurrentAfterDays: 7 }), [
      { ID: 'omnicloud-expire-current', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } },
      {
        ID: 'omnicloud-expire-noncurrent',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      },
    ]);
  });

  it('takes a server that does not answer, or answers that it is overloaded, for unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(isS3Unavailable(refused), true);
    assert.equal(isS3Unavailable(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), true);
    assert.equal(isS3Unavailable(new S3AdminUnreachable('no answer')), true);
    assert.equal(isS3Unavailable(s3Error('ServiceUnavailable')), true);
    assert.equal(isS3Unavailable(s3Error('SlowDown')), true);
  });

  it('takes the server’s refusals for refusals, not an outage', () => {
    for (const code of ['AccessDenied', 'NoSuchBucket', 'MalformedPolicy', 'NotImplemented'])
      assert.equal(isS3Unavailable(s3Error(code)), false, code);
    assert.equal(isS3Unavailable(new S3AdminError(409, 'XAdminUserExists', 'exists')), false);
    assert.equal(isRefusal(s3Error('NoSuchBucketPolicy'), ['NoSuchBucketPolicy']), true);
    assert.equal(
      isRefusal(new Error('NoSuchBucketPolicy'), ['NoSuchBucketPolicy']),
      false,
      'only the server’s own',
    );
  });
});
