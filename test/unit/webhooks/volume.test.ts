// Admission rules of Volumes and the tenant's storage quota, as pure functions and through the dispatch.
import assert from 'node:assert/strict';
import { validate } from '../../../webhooks/admission.ts';
import { quotaProblems, storageGiB, type QuotaLookup, type TenantQuota } from '../../../webhooks/quota.ts';
import { validateVolume } from '../../../webhooks/volume.ts';

const vol = (spec: object = {}) => ({
  metadata: { name: 'data', namespace: 'tenant-acme' },
  spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 100, type: 'standard', ...spec },
});
const fields = (problems: { field: string; message: string }[]) =>
  problems.map((p) => `${p.field}: ${p.message}`);

describe('unit: Volume admission', () => {
  it('accepts a well-formed volume, with or without a type', () => {
    assert.deepEqual(validateVolume('CREATE', vol()), []);
    assert.deepEqual(validateVolume('CREATE', vol({ type: undefined })), []);
    assert.deepEqual(validateVolume('CREATE', vol({ type: 'ssd', sizeGiB: 65536 })), []);
  });

  it('refuses a zone outside the region, naming the field', () => {
    assert.match(
      fields(validateVolume('CREATE', vol({ zone: 'us-east-1a' })))[0]!,
      /^spec\.zone: zone us-east-1a is not in region eu-west-1; zones of eu-west-1 are named eu-west-1a/,
    );
    assert.match(fields(validateVolume('CREATE', vol({ zone: 'eu-west-1' })))[0]!, /^spec\.zone: /);
  });

  const schemaRefusals: [string, object, RegExp][] = [
    ['a size of zero', { sizeGiB: 0 }, /^spec\.sizeGiB: /],
    ['a fractional size', { sizeGiB: 1.5 }, /^spec\.sizeGiB: /],
    ['a size over 64 TiB', { sizeGiB: 65537 }, /^spec\.sizeGiB: /],
    ['an unknown type', { type: 'nvme' }, /^spec\.type: /],
    ['no zone', { zone: undefined }, /^spec\.zone: /],
    ['an empty region', { region: '' }, /^spec\.region: /],
  ];
  for (const [what, spec, expected] of schemaRefusals) {
    it(`refuses ${what}, naming the field`, () => {
      assert.match(fields(validateVolume('CREATE', vol(spec)))[0]!, expected);
    });
  }

  it('refuses a spec that is not an object', () => {
    assert.match(fields(validateVolume('CREATE', { spec: 'big' }))[0]!, /^spec: /);
    assert.match(fields(validateVolume('CREATE', {}))[0]!, /^spec: /);
  });

  it('refuses changing region, zone or type, saying what it was', () => {
    const old = vol();
    assert.match(
      fields(validateVolume('UPDATE', vol({ zone: 'eu-west-1b' }), old)).join('\n'),
      /spec\.zone: is immutable \(was eu-west-1a\); create a new Volume instead/,
    );
    assert.match(
      fields(validateVolume('UPDATE', vol({ type: 'ssd' }), old)).join('\n'),
      /spec\.type: is immutable \(was standard\); create a new Volume instead/,
    );
    const moved = fields(validateVolume('UPDATE', vol({ region: 'us-east-1', zone: 'us-east-1a' }), old));
    assert.match(moved.join('\n'), /spec\.region: is immutable \(was eu-west-1\)/);
    assert.match(moved.join('\n'), /spec\.zone: is immutable \(was eu-west-1a\)/);
  });

  it('refuses a shrink, saying the old size, and allows growing or keeping the size', () => {
    const old = vol({ sizeGiB: 100 });
    assert.deepEqual(fields(validateVolume('UPDATE', vol({ sizeGiB: 50 }), old)), [
      'spec.sizeGiB: cannot shrink from 100 to 50 GiB: a volume can grow but never shrink; set at least 100, or create a smaller Volume and copy the data',
    ]);
    assert.deepEqual(validateVolume('UPDATE', vol({ sizeGiB: 200 }), old), []);
    assert.deepEqual(validateVolume('UPDATE', vol({ sizeGiB: 100 }), old), []);
  });

  it('does not judge the zone again on an update that keeps it', () => {
    const odd = vol({ zone: 'elsewhere' });
    assert.deepEqual(validateVolume('UPDATE', odd, odd), []);
  });

  it('has nothing to say about deletes', () => assert.deepEqual(validateVolume('DELETE', {}), []));
});

describe('unit: storageGiB', () => {
  it('reads binary and decimal quantities in whole GiB, rounding down', () => {
    assert.equal(storageGiB('500Gi'), 500);
    assert.equal(storageGiB('1Ti'), 1024);
    assert.equal(storageGiB('2048Mi'), 2);
    assert.equal(storageGiB('1.5Ti'), 1536);
    assert.equal(storageGiB('1T'), 931); // 1e12 bytes is 931.3 GiB: never more than the quota says
    assert.equal(storageGiB('100G'), 93);
    assert.equal(storageGiB('1536Mi'), 1);
    assert.equal(storageGiB('0'), 0);
  });
  it('refuses what is not a storage quantity', () => {
    assert.throws(() => storageGiB('500GB'), /500GB is not a storage quantity such as 500Gi/);
    assert.throws(() => storageGiB('lots'), /not a storage quantity/);
  });
});

describe('unit: tenant storage quota at admission', () => {
  const tenant = (over: Partial<TenantQuota> = {}): TenantQuota => ({
    name: 'acme',
    suspended: false,
    vcpu: 8,
    memoryMiB: 32768,
    networks: 2,
    storageGiB: 500,
    publicIPs: 1,
    ...over,
  });
  const lookup = (over: Partial<TenantQuota> = {}, volumes: Record<string, unknown> = {}): QuotaLookup => ({
    tenant: async (ns) => (ns === 'tenant-acme' ? tenant(over) : undefined),
    computes: async () => new Map(),
    networks: async () => [],
    volumes: async () => new Map(Object.entries(volumes)),
  });
  const size = (sizeGiB: number) => vol({ sizeGiB }).spec;

  it('allows a volume that fits, up to the quota exactly', async () => {
    assert.deepEqual(
      await quotaProblems(
        lookup({}, { a: size(200), b: size(200) }),
        'Volume',
        'tenant-acme',
        'c',
        size(100),
      ),
      [],
    );
  });

  it('refuses a volume one GiB over, saying how much is used', async () => {
    const problems = await quotaProblems(
      lookup({}, { a: size(200), b: size(200) }),
      'Volume',
      'tenant-acme',
      'c',
      size(101),
    );
    assert.deepEqual(fields(problems), [
      "spec.sizeGiB: 101 GiB more storage would exceed tenant acme's storage quota: 400 of 500 GiB in use; raise spec.quotas.storage on the Tenant, choose a smaller size or delete a volume",
    ]);
  });

  it('does not count the volume itself twice, and ignores specs it cannot read', async () => {
    assert.deepEqual(
      await quotaProblems(
        lookup({}, { c: size(500), x: 'junk', y: undefined }),
        'Volume',
        'tenant-acme',
        'c',
        size(500),
      ),
      [],
    );
  });

  it('checks a resize against the new size, saying what it grows from', async () => {
    const volumes = { a: size(300), c: size(100) };
    assert.deepEqual(
      await quotaProblems(lookup({}, volumes), 'Volume', 'tenant-acme', 'c', size(200), size(100)),
      [],
    );
    const problems = await quotaProblems(
      lookup({}, volumes),
      'Volume',
      'tenant-acme',
      'c',
      size(201),
      size(100),
    );
    assert.match(
      fields(problems)[0]!,
      /^spec\.sizeGiB: growing from 100 to 201 GiB would exceed tenant acme's storage quota: 400 of 500 GiB in use; raise spec\.quotas\.storage/,
    );
  });

  it('lets updates that do not grow a volume through, even over quota or in a suspended tenant', async () => {
    const over = lookup({ storageGiB: 10, suspended: true }, { c: size(100) });
    assert.deepEqual(await quotaProblems(over, 'Volume', 'tenant-acme', 'c', size(100), size(100)), []);
    assert.deepEqual(await quotaProblems(over, 'Volume', 'tenant-acme', 'c', size(100), null), []);
    assert.deepEqual(await quotaProblems(over, 'Compute', 'tenant-acme', 'c', {}, {}), []);
  });

  it('refuses a new volume, and a growing one, in a suspended tenant', async () => {
    const suspended = lookup({ suspended: true });
    assert.match(
      fields(await quotaProblems(suspended, 'Volume', 'tenant-acme', 'c', size(1)))[0]!,
      /^metadata\.namespace: tenant acme is suspended: no new Volumes until spec\.suspended is false/,
    );
    assert.match(
      fields(await quotaProblems(suspended, 'Volume', 'tenant-acme', 'c', size(2), size(1)))[0]!,
      /^spec\.sizeGiB: tenant acme is suspended: no Volume can grow until spec\.suspended is false/,
    );
  });

  it('leaves namespaces that belong to no tenant alone', async () => {
    assert.deepEqual(await quotaProblems(lookup(), 'Volume', 'default', 'c', size(65536)), []);
  });
});

describe('unit: Volume admission dispatch', () => {
  const review = (operation: string, object: unknown, oldObject?: unknown) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'v-1',
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Volume' },
      operation,
      namespace: 'tenant-acme',
      object,
      oldObject,
    },
  });
  const lookup = (storage: number, volumes: Record<string, unknown>): QuotaLookup => ({
    tenant: async () => ({
      name: 'acme',
      suspended: false,
      vcpu: 8,
      memoryMiB: 32768,
      networks: 2,
      storageGiB: storage,
      publicIPs: 1,
    }),
    computes: async () => new Map(),
    networks: async () => [],
    volumes: async () => new Map(Object.entries(volumes)),
  });

  it('validates creates and updates of Volumes', async () => {
    assert.deepEqual((await validate(review('CREATE', vol()))).response, { uid: 'v-1', allowed: true });
    const zone = await validate(review('CREATE', vol({ zone: 'us-east-1a' })));
    assert.equal(zone.response.allowed, false);
    assert.match(zone.response.status!.message, /^spec\.zone: zone us-east-1a is not in region eu-west-1/);
    const shrink = await validate(review('UPDATE', vol({ sizeGiB: 10 }), vol()));
    assert.match(shrink.response.status!.message, /^spec\.sizeGiB: cannot shrink from 100 to 10 GiB/);
  });

  it('checks the storage quota on create and on a growing update only', async () => {
    const full = lookup(150, { other: size(100), data: size(100) });
    const created = await validate(review('CREATE', vol({ sizeGiB: 60 })), full);
    assert.match(
      created.response.status!.message,
      /60 GiB more storage would exceed .*100 of 150 GiB in use/,
    );
    const grown = await validate(review('UPDATE', vol({ sizeGiB: 60 }), vol({ sizeGiB: 40 })), full);
    assert.match(
      grown.response.status!.message,
      /growing from 40 to 60 GiB would exceed .*140 of 150 GiB in use/,
    );
    const labelled = { ...vol({ sizeGiB: 100 }), metadata: { ...vol().metadata, labels: { a: 'b' } } };
    const same = await validate(review('UPDATE', labelled, vol({ sizeGiB: 100 })), lookup(10, {}));
    assert.equal(same.response.allowed, true);
  });

  it('never refuses a delete', async () => {
    const r = await validate(review('DELETE', null, vol()), lookup(0, {}));
    assert.equal(r.response.allowed, true);
  });

  function size(sizeGiB: number) {
    return vol({ sizeGiB }).spec;
  }
});
