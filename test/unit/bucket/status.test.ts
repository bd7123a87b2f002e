// The status a Bucket shows: Ready naming the bucket and the Secret, problems as Ready=False with the reason,
// faults as Degraded, the server's lifecycle refusal as LifecycleUnsupported, quota and usage; no key.
import assert from 'node:assert/strict';
import { bucketSpecSchema, type Bucket } from '../../../crds/schemas/bucket.ts';
import { bucketStatus } from '../../../controllers/bucket/status.ts';
import { lifecycleKey } from '../../../controllers/bucket/desired.ts';
import type { BucketRow } from '../../../controllers/bucket/store.ts';

const now = new Date('2026-12-03T08:00:00Z');
const obj = (spec: object = {}): Bucket => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Bucket',
  metadata: { name: 'logs', namespace: 'tenant-a', uid: 'u', generation: 3 } as Bucket['metadata'],
  spec: bucketSpecSchema.parse(spec),
});
const row = (r: Partial<BucketRow> = {}): BucketRow => ({
  uid: 'u',
  namespace: 'tenant-a',
  name: 'logs',
  bucket_name: 'oc-a-logs',
  adopted: false,
  phase: 'Available',
  access_key: 'AKSECRETLOOKING0001',
  pending_access_key: null,
  retired_access_key: null,
  secret_name: 'logs-s3-credentials',
  rotate_at: null,
  rotated_at: now,
  lifecycle_applied: null,
  lifecycle_problem: null,
  object_count: '3',
  stored_bytes: '1024',
  usage_at: now,
  over_quota: false,
  create_attempt: 0,
  message: null,
  provider_id: 'oc-a-logs',
  ...r,
});
const cond = (s: ReturnType<typeof bucketStatus>, type: string) =>
  s.conditions!.find((c) => c.type === type)!;

describe('bucket: status', () => {
  it('is Ready naming the bucket, versioning and Secret, with usage, and never an access key', () => {
    const s = bucketStatus(obj(), row(), undefined, now, 'http://s3:7070');
    assert.equal(cond(s, 'Ready').status, 'True');
    assert.equal(
      cond(s, 'Ready').message,
      'bucket oc-a-logs with versioning Enabled; credentials in Secret logs-s3-credentials',
    );
    assert.deepEqual(s.usage, { objects: 3, bytes: 1024, observedAt: now.toISOString() });
    assert.equal(s.observedGeneration, 3);
    assert.equal(s.providerId, 'oc-a-logs');
    assert.equal(JSON.stringify(s).includes('AKSECRETLOOKING0001'), false);
  });

  it('shows BucketNotEmpty as Ready=False without a fault, and S3Unavailable as Degraded too', () => {
    const held = bucketStatus(
      obj(),
      row({ phase: 'Deleting' }),
      { reason: 'BucketNotEmpty', message: 'holds 3 objects' },
      now,
    );
    assert.deepEqual([cond(held, 'Ready').status, cond(held, 'Ready').reason], ['False', 'BucketNotEmpty']);
    assert.equal(cond(held, 'Degraded').status, 'False');
    const away = bucketStatus(
      obj(),
      row(),
      { reason: 'S3Unavailable', message: 'the S3 server is unavailable: ECONNREFUSED' },
      now,
    );
    assert.deepEqual(
      [cond(away, 'Degraded').status, cond(away, 'Degraded').reason],
      ['True', 'S3Unavailable'],
    );
    assert.equal(cond(away, 'Ready').status, 'False');
  });

  it("shows the server's refusal of lifecycle rules as LifecycleUnsupported and stays Ready", () => {
    const spec = { lifecycle: { expireCurrentAfterDays: 30 } };
    const s = bucketStatus(
      obj(spec),
      row({
        lifecycle_applied: lifecycleKey(bucketSpecSchema.parse(spec)),
        lifecycle_problem: 'NotImplemented: not implemented',
      }),
      undefined,
      now,
    );
    assert.deepEqual(
      [cond(s, 'LifecycleApplied').status, cond(s, 'LifecycleApplied').reason],
      ['False', 'LifecycleUnsupported'],
    );
    assert.match(
      cond(s, 'LifecycleApplied').message,
      /NotImplemented: not implemented\); objects are NOT expired/,
    );
    assert.equal(cond(s, 'Ready').status, 'True');
    assert.equal(
      cond(bucketStatus(obj(), row(), undefined, now), 'LifecycleApplied').reason,
      'NoLifecycleRules',
    );
  });

  it('shows the quota with usage, and QuotaExceeded when past it', () => {
    const within = bucketStatus(obj({ quota: { maxObjects: 10, maxBytes: 2048 } }), row(), undefined, now);
    assert.deepEqual(
      [cond(within, 'WithinQuota').status, cond(within, 'WithinQuota').message],
      ['True', '3 of 10 objects, 1024 of 2048 bytes'],
    );
    const over = bucketStatus(obj({ quota: { maxObjects: 2 } }), row({ over_quota: true }), undefined, now);
    assert.equal(cond(over, 'WithinQuota').reason, 'QuotaExceeded');
    assert.match(
      cond(over, 'WithinQuota').message,
      /^3 of 2 objects: the tenant's credentials can only read/,
    );
    assert.equal(
      cond(
        bucketStatus(obj({ quota: { maxObjects: 2 } }), row({ object_count: null }), undefined, now),
        'WithinQuota',
      ).status,
      'Unknown',
    );
  });

  it('says what is under way before the bucket is Ready', () => {
    assert.equal(cond(bucketStatus(obj(), undefined, undefined, now), 'Ready').reason, 'Creating');
    assert.equal(
      cond(bucketStatus(obj(), row({ phase: 'Rotating' }), undefined, now), 'Ready').reason,
      'Rotating',
    );
    assert.equal(
      cond(bucketStatus(obj(), row({ access_key: null }), undefined, now), 'Ready').status,
      'False',
    );
  });
});

describe('bucket: status under ObserveOnly', () => {
  it('is Ready once observed, saying nothing is changed and no credentials are made', () => {
    const s = bucketStatus(
      obj({ managementPolicy: 'ObserveOnly' }),
      row({ access_key: null, secret_name: null }),
      undefined,
      now,
    );
    assert.equal(cond(s, 'Ready').status, 'True');
    assert.match(
      cond(s, 'Ready').message,
      /^observing bucket oc-a-logs \(managementPolicy ObserveOnly: nothing is changed/,
    );
  });
});
