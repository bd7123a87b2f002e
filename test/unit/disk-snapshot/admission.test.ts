// Admission rules of the snapshot and attachment fields: a DiskSnapshot's source volume (well-formed, fixed
// once created, no adoption by external name), a Volume's restore source fixed once created, and a Compute's
// volumes of another zone refused when both zones are known.
import assert from 'node:assert/strict';
import { validateDiskSnapshot } from '../../../webhooks/disk-snapshot.ts';
import { validateVolume } from '../../../webhooks/volume.ts';
import { volumeZoneProblems } from '../../../webhooks/compute.ts';
import { validate } from '../../../webhooks/admission.ts';
import type { QuotaLookup } from '../../../webhooks/quota.ts';

const snapshot = (volume: unknown, annotations: Record<string, string> = {}) => ({
  metadata: { name: 's', namespace: 'tenant-a', annotations },
  spec: { source: { volume } },
});

describe('unit: admission of DiskSnapshots, restores and attachments', () => {
  it('accepts a snapshot of a volume named as an object of the namespace', () => {
    assert.deepEqual(validateDiskSnapshot('CREATE', snapshot('data-1')), []);
  });

  it('refuses a malformed volume name, naming the field and what is accepted', () => {
    const problems = validateDiskSnapshot('CREATE', snapshot('Data_1'));
    assert.equal(problems[0]?.field, 'spec.source.volume');
    assert.match(problems[0]!.message, /a Kubernetes object name: lower-case letters, digits/);
    assert.equal(validateDiskSnapshot('CREATE', { spec: {} })[0]?.field, 'spec.source');
  });

  it('refuses changing the volume a snapshot is of', () => {
    assert.deepEqual(validateDiskSnapshot('UPDATE', snapshot('other'), snapshot('data')), [
      {
        field: 'spec.source.volume',
        message: 'is immutable (was data); a snapshot is of one volume; create a new DiskSnapshot instead',
      },
    ]);
  });

  it('refuses adoption by the external-name annotation (a DiskSnapshot takes its own snapshot)', () => {
    const problems = validateDiskSnapshot(
      'CREATE',
      snapshot('data', { 'omnicloud.io/external-name': 'snap-1' }),
    );
    assert.ok(
      problems.some(
        (p) =>
          p.field === 'metadata.annotations[omnicloud.io/external-name]' && /adopts none/.test(p.message),
      ),
    );
  });

  it("refuses changing a Volume's restore source, and accepts it unchanged", () => {
    const vol = (source?: object) => ({
      metadata: { name: 'v' },
      spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 20, ...(source ? { source } : {}) },
    });
    assert.deepEqual(validateVolume('UPDATE', vol({ diskSnapshot: 'a' }), vol({ diskSnapshot: 'a' })), []);
    const problems = validateVolume('UPDATE', vol({ diskSnapshot: 'b' }), vol({ diskSnapshot: 'a' }));
    assert.deepEqual(
      problems.map((p) => p.field),
      ['spec.source.diskSnapshot'],
    );
    assert.match(problems[0]!.message, /is immutable \(was a\)/);
    assert.match(
      validateVolume('UPDATE', vol(), vol({ diskSnapshot: 'a' }))[0]!.message,
      /is immutable \(was a\)/,
    );
  });

  it('refuses a volume of another zone than the Compute names, and lets unknown zones through', () => {
    const volumes = new Map<string, unknown>([
      ['near', { zone: 'eu-west-1a' }],
      ['far', { zone: 'eu-west-1b' }],
    ]);
    const spec = (zone: string | undefined, names: string[]) => ({
      zone,
      volumes: names.map((name) => ({ name })),
    });
    assert.deepEqual(volumeZoneProblems(spec('eu-west-1a', ['near', 'missing']), volumes), []);
    assert.deepEqual(
      volumeZoneProblems(spec(undefined, ['far']), volumes),
      [],
      'no zone in the spec: known only once placed',
    );
    assert.deepEqual(volumeZoneProblems(spec('eu-west-1a', ['near', 'far']), volumes), [
      {
        field: 'spec.volumes[1].name',
        message:
          'volume far is in zone eu-west-1b and this Compute in eu-west-1a; a volume attaches only to an instance of its own zone',
      },
    ]);
  });
});

describe('unit: Compute admission with the namespace Volumes looked up', () => {
  const review = (spec: object) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Compute' },
      operation: 'CREATE',
      namespace: 'tenant-a',
      object: {
        metadata: { name: 'web', namespace: 'tenant-a' },
        spec: {
          region: 'eu-west-1',
          size: 'small',
          image: 'debian-12',
          network: 'net',
          subnet: 'a',
          ...spec,
        },
      },
    },
  });
  let looked = 0;
  const lookup: QuotaLookup = {
    tenant: async () => undefined,
    computes: async () => new Map(),
    networks: async () => [],
    volumes: async () => {
      looked += 1;
      return new Map([['far', { region: 'eu-west-1', zone: 'eu-west-1b', sizeGiB: 10 }]]);
    },
  };

  it('refuses a volume of another zone than spec.zone, naming the field and both zones', async () => {
    const r = await validate(review({ zone: 'eu-west-1a', volumes: [{ name: 'far' }] }), lookup);
    assert.equal(r.response.allowed, false);
    assert.match(
      r.response.status!.message,
      /spec\.volumes\[0\]\.name: volume far is in zone eu-west-1b and this Compute in eu-west-1a/,
    );
  });

  it('looks the Volumes up only when the Compute names its zone and volumes', async () => {
    looked = 0;
    assert.equal((await validate(review({ volumes: [{ name: 'far' }] }), lookup)).response.allowed, true);
    assert.equal((await validate(review({ zone: 'eu-west-1a' }), lookup)).response.allowed, true);
    assert.equal(looked, 0);
    assert.equal(
      (await validate(review({ zone: 'eu-west-1b', volumes: [{ name: 'far' }] }), lookup)).response.allowed,
      true,
    );
    assert.equal(looked, 1);
  });
});
