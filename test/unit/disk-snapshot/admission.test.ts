// Admission rules of the snapshot and attachment fields: a DiskSnapshot's source volume (well-formed, fixed
// once created, no adoption by external name), a Volume's restore source fixed once created, and a Compute's
// volumes of another zone refused when both zones are known.
import assert from 'node:assert/strict';
import { validateDiskSnapshot } from '../../../webhooks/disk-snapshot.ts';
import { validateVolume } from '../../../webhooks/volume.ts';
import { volumeZoneProblems } from '../../../webhooks/compute.ts';

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
