// What a Bucket's spec asks beyond drift, judged against its row: credentials due (first, rotation, a new
// Secret name), settled, the lifecycle rules' record, the keys a policy names, the quota; and the lifecycle
// table.
import assert from 'node:assert/strict';
import { bucketSpecSchema } from '../../../crds/schemas/bucket.ts';
import {
  bucketSettled,
  credentialsDue,
  lifecycleKey,
  overQuota,
  tenantKeys,
} from '../../../controllers/bucket/desired.ts';
import { assertBucketTransition, bucketTransitions } from '../../../controllers/bucket/lifecycle.ts';
import type { BucketRow } from '../../../controllers/bucket/store.ts';

const spec = (s: object = {}) => bucketSpecSchema.parse(s);
const row = (r: Partial<BucketRow> = {}): BucketRow => ({
  uid: 'u',
  namespace: 'tenant-a',
  name: 'logs',
  bucket_name: 'oc-a-logs',
  adopted: false,
  phase: 'Available',
  access_key: 'AK1',
  pending_access_key: null,
  retired_access_key: null,
  secret_name: 'logs-s3-credentials',
  rotate_at: null,
  rotated_at: null,
  lifecycle_applied: null,
  lifecycle_problem: null,
  object_count: null,
  stored_bytes: null,
  usage_at: null,
  over_quota: false,
  create_attempt: 0,
  message: null,
  provider_id: 'oc-a-logs',
  ...r,
});

describe('bucket: what the spec asks of the row', () => {
  it('defaults to versioning Enabled, ReadWrite, no quota, no lifecycle, no forced delete', () => {
    const s = spec();
    assert.deepEqual(
      [s.versioning, s.access, s.quota, s.lifecycle, s.forceDelete],
      ['Enabled', 'ReadWrite', undefined, undefined, false],
    );
    assert.deepEqual(s.credentials, {});
  });

  it('finds credentials due on first delivery, a new rotateAt and a new Secret name, and not otherwise', () => {
    assert.equal(credentialsDue(row({ access_key: null }), spec(), 'logs'), 'first delivery');
    assert.equal(
      credentialsDue(row(), spec({ credentials: { rotateAt: '2026-12-03' } }), 'logs'),
      'rotation asked by spec.credentials.rotateAt',
    );
    assert.equal(
      credentialsDue(
        row({ rotate_at: '2026-12-03' }),
        spec({ credentials: { rotateAt: '2026-12-03' } }),
        'logs',
      ),
      undefined,
    );
    assert.equal(
      credentialsDue(row(), spec({ credentials: { secretName: 'keys' } }), 'logs'),
      'a new Secret name',
    );
    assert.equal(credentialsDue(row(), spec(), 'logs'), undefined);
  });

  it('is settled only when Available with nothing left to remove, rules asked and credentials delivered', () => {
    assert.equal(bucketSettled(row(), spec(), 'logs'), true);
    assert.equal(bucketSettled(row({ phase: 'Rotating' }), spec(), 'logs'), false);
    assert.equal(bucketSettled(row({ retired_access_key: 'OLD' }), spec(), 'logs'), false);
    assert.equal(bucketSettled(row(), spec({ lifecycle: { expireCurrentAfterDays: 3 } }), 'logs'), false);
    const asked = lifecycleKey(spec({ lifecycle: { expireCurrentAfterDays: 3 } }));
    assert.equal(
      bucketSettled(
        row({ lifecycle_applied: asked, lifecycle_problem: 'NotImplemented: no' }),
        spec({ lifecycle: { expireCurrentAfterDays: 3 } }),
        'logs',
      ),
      true,
      'a refusal is shown, not retried for ever',
    );
  });

  it('records no lifecycle rules as null and any rule by its periods', () => {
    assert.equal(lifecycleKey(spec()), null);
    assert.equal(lifecycleKey(spec({ lifecycle: {} })), null);
    assert.equal(
      lifecycleKey(spec({ lifecycle: { expireNoncurrentAfterDays: 7 } })),
      '{"current":null,"noncurrent":7}',
    );
  });

  it('names the delivered key and, while rotating, the next one, once each', () => {
    assert.deepEqual(tenantKeys(row()), ['AK1']);
    assert.deepEqual(tenantKeys(row({ pending_access_key: 'AK2' })), ['AK1', 'AK2']);
    assert.deepEqual(
      tenantKeys(row({ pending_access_key: 'AK1' })),
      ['AK1'],
      'a Secret delivered again re-keys the same account',
    );
    assert.deepEqual(tenantKeys(row({ access_key: null })), []);
  });

  it('is over quota past a limit, never at it', () => {
    assert.equal(overQuota(undefined, { objects: 1e9, bytes: 1e15 }), false);
    assert.equal(overQuota({ maxObjects: 2 }, { objects: 2, bytes: 99 }), false);
    assert.equal(overQuota({ maxObjects: 2 }, { objects: 3, bytes: 0 }), true);
    assert.equal(overQuota({ maxBytes: 10 }, { objects: 100, bytes: 11 }), true);
    assert.equal(overQuota({ maxObjects: 5, maxBytes: 10 }, { objects: 5, bytes: 10 }), false);
  });

  it('allows only the listed transitions', () => {
    assert.doesNotThrow(() => assertBucketTransition('Available', 'Rotating'));
    assert.throws(
      () => assertBucketTransition('Deleted', 'Pending'),
      /cannot go from Deleted to Pending; allowed from Deleted: none/,
    );
    assert.throws(
      () => assertBucketTransition('Pending', 'Available'),
      /allowed from Pending: Creating, Deleted/,
    );
    for (const [from, tos] of Object.entries(bucketTransitions))
      for (const to of tos) assert.ok(to in bucketTransitions, `${from} -> ${to}`);
  });
});
