// Admission of Buckets: the schema's words for bad fields, a quota with a limit, an external name that is a
// bucket name, a Secret name that does not change, and a default Secret name that fits.
import assert from 'node:assert/strict';
import { validateBucket } from '../../../webhooks/bucket.ts';
import { validate } from '../../../webhooks/admission.ts';

const bucket = (spec: object, extra: { name?: string; annotations?: Record<string, string> } = {}) => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Bucket',
  metadata: { name: extra.name ?? 'logs', namespace: 'tenant-a', annotations: extra.annotations ?? {} },
  spec,
});
const fields = (p: { field: string }[]) => p.map((x) => x.field);

describe('bucket: admission', () => {
  it('accepts a full spec and an empty one', () => {
    assert.deepEqual(validateBucket('CREATE', bucket({})), []);
    assert.deepEqual(
      validateBucket(
        'CREATE',
        bucket({
          versioning: 'Suspended',
          access: 'ReadOnly',
          quota: { maxObjects: 10, maxBytes: 1 << 30 },
          lifecycle: { expireCurrentAfterDays: 30, expireNoncurrentAfterDays: 7 },
          credentials: { secretName: 'keys', rotateAt: '2026-12-03T08:00:00Z' },
          forceDelete: true,
          deletionPolicy: 'Orphan',
        }),
      ),
      [],
    );
  });

  it('refuses bad values naming the field', () => {
    assert.deepEqual(fields(validateBucket('CREATE', bucket({ versioning: 'Off' }))), ['spec.versioning']);
    assert.deepEqual(fields(validateBucket('CREATE', bucket({ lifecycle: { expireCurrentAfterDays: 0 } }))), [
      'spec.lifecycle.expireCurrentAfterDays',
    ]);
    assert.deepEqual(fields(validateBucket('CREATE', bucket({ access: 'Admin' }))), ['spec.access']);
    assert.deepEqual(
      fields(validateBucket('CREATE', bucket({ credentials: { secretName: 'Not_A_Name' } }))),
      ['spec.credentials.secretName'],
    );
    const quota = validateBucket('CREATE', bucket({ quota: {} }));
    assert.deepEqual(fields(quota), ['spec.quota']);
    assert.match(quota[0]!.message, /set maxObjects, maxBytes or both/);
  });

  it('refuses an external name that is no bucket name, and one pointing elsewhere once bound', () => {
    const bad = validateBucket(
      'CREATE',
      bucket({}, { annotations: { 'omnicloud.io/external-name': 'Bad_Bucket' } }),
    );
    assert.deepEqual(fields(bad), ['metadata.annotations[omnicloud.io/external-name]']);
    assert.match(bad[0]!.message, /lower-case letters/);
    const bound = {
      ...bucket({}, { annotations: { 'omnicloud.io/external-name': 'old-bucket' } }),
      status: { providerId: 'old-bucket' },
    };
    const moved = validateBucket(
      'UPDATE',
      bucket({}, { annotations: { 'omnicloud.io/external-name': 'new-bucket' } }),
      bound,
    );
    assert.match(moved.map((p) => p.message).join(' '), /cannot change from old-bucket to new-bucket/);
  });

  it('keeps the credentials Secret name once set, and needs one for very long Bucket names', () => {
    const changed = validateBucket(
      'UPDATE',
      bucket({ credentials: { secretName: 'b' } }),
      bucket({ credentials: { secretName: 'a' } }),
    );
    assert.deepEqual(fields(changed), ['spec.credentials.secretName']);
    assert.match(changed[0]!.message, /is immutable \(was a\)/);
    assert.deepEqual(
      validateBucket('UPDATE', bucket({ credentials: { rotateAt: 'x' } }), bucket({})),
      [],
      'rotation is a change like any',
    );
    const long = 'a'.repeat(245);
    assert.deepEqual(fields(validateBucket('CREATE', bucket({}, { name: long }))), [
      'spec.credentials.secretName',
    ]);
    assert.deepEqual(
      validateBucket('CREATE', bucket({ credentials: { secretName: 'k' } }, { name: long })),
      [],
    );
  });

  it('is what the admission webhook applies to Buckets', async () => {
    const review = (object: object) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'r1',
        kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Bucket' },
        resource: { group: 'omnicloud.io', version: 'v1alpha1', resource: 'buckets' },
        operation: 'CREATE',
        namespace: 'tenant-a',
        userInfo: { username: 'u' },
        object,
      },
    });
    assert.equal((await validate(review(bucket({})))).response.allowed, true);
    const refused = await validate(review(bucket({ versioning: 'Off' })));
    assert.equal(refused.response.allowed, false);
    assert.match(JSON.stringify(refused.response.status), /spec\.versioning/);
  });
});
