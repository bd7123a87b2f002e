// What a Volume shows: a pure function of the row and what was observed (its lifecycle: lifecycle.test.ts).
import assert from 'node:assert/strict';
import { volumeSpecSchema, type Volume } from '../../../crds/schemas/volume.ts';
import { VolumeReasons, volumeStatus } from '../../../controllers/volume/status.ts';
import type { VolumeRow } from '../../../controllers/volume/store.ts';

const now = new Date('2026-11-23T10:00:00Z');
const obj = (sizeGiB = 20, status?: Volume['status']): Volume => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  metadata: { name: 'data', namespace: 'tenant-a', uid: 'u', generation: 3 },
  spec: volumeSpecSchema.parse({ region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB, type: 'ssd' }),
  ...(status ? { status } : {}),
});
const row = (over: Partial<VolumeRow> = {}): VolumeRow => ({
  uid: 'u',
  namespace: 'tenant-a',
  name: 'data',
  region: 'eu-west-1',
  zone: 'eu-west-1a',
  type: 'ssd',
  size_gib: 20,
  requested_gib: 20,
  labels: {},
  phase: 'Available',
  provider_id: 'vol-1',
  operation_id: null,
  create_attempt: 0,
  resize_attempt: 0,
  message: null,
  ...over,
});
const cond = (s: ReturnType<typeof volumeStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe('unit: Volume status', () => {
  it('Ready when available at the size asked for, saying size, type and zone', () => {
    const s = volumeStatus(obj(), row(), undefined, now);
    assert.equal(s.phase, 'Available');
    assert.equal(s.sizeGiB, 20);
    assert.equal(s.observedGeneration, 3);
    assert.deepEqual(
      [cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message],
      ['True', 'Available', '20 GiB ssd volume available in eu-west-1a'],
    );
    assert.equal(cond(s, 'Degraded')?.status, 'False');
  });
  it('not Ready while creating, and shows no size before the provider has the volume', () => {
    const s = volumeStatus(obj(), row({ phase: 'Creating', provider_id: null }), undefined, now);
    assert.equal(cond(s, 'Ready')?.reason, VolumeReasons.Creating);
    assert.match(cond(s, 'Ready')!.message, /creating a 20 GiB volume/);
    assert.equal(s.sizeGiB, undefined);
  });
  it('while growing, shows the size it has and the size it is growing to', () => {
    const s = volumeStatus(obj(50), row({ phase: 'Resizing', requested_gib: 50 }), undefined, now);
    assert.equal(s.sizeGiB, 20);
    assert.deepEqual(
      [cond(s, 'Ready')?.status, cond(s, 'Ready')?.message],
      ['False', 'growing from 20 to 50 GiB'],
    );
    const asked = volumeStatus(obj(50), row(), undefined, now);
    assert.equal(
      cond(asked, 'Ready')?.status,
      'False',
      'a bigger spec is not Ready until the resize is done',
    );
    assert.match(cond(asked, 'Ready')!.message, /20 GiB available; growing to 50 GiB/);
  });
  it('a failed resize keeps the volume available but Degraded, with the reason', () => {
    const message = 'the provider could not grow the volume from 20 to 50 GiB: injected; retrying in 30s';
    const s = volumeStatus(
      obj(50),
      row({ requested_gib: 50, message }),
      { reason: VolumeReasons.ResizeFailed, message },
      now,
    );
    assert.equal(s.phase, 'Available');
    assert.deepEqual([cond(s, 'Degraded')?.status, cond(s, 'Degraded')?.reason], ['True', 'ResizeFailed']);
    assert.equal(cond(s, 'Ready')?.message, message);
    assert.equal(s.message, message);
  });
  it('a Failed volume is Degraded with its recorded message even without a fresh problem', () => {
    const s = volumeStatus(
      obj(),
      row({ phase: 'Failed', message: 'zone eu-west-1a is down' }),
      undefined,
      now,
    );
    assert.deepEqual(
      [cond(s, 'Degraded')?.status, cond(s, 'Degraded')?.message],
      ['True', 'zone eu-west-1a is down'],
    );
  });
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = volumeStatus(obj(), row(), undefined, now);
    const later = volumeStatus(obj(20, first), row(), undefined, new Date('2026-11-23T11:00:00Z'));
    assert.equal(cond(later, 'Ready')?.lastTransitionTime, cond(first, 'Ready')?.lastTransitionTime);
  });
  it('a quota hold is a fault, and the message says how to get room', () => {
    const message =
      'tenant a has 90 of 100 GiB of storage in use; this volume needs 20 GiB. Raise spec.quotas.storage';
    const s = volumeStatus(
      obj(),
      row({ phase: 'Pending', provider_id: null }),
      { reason: 'QuotaExceeded', message },
      now,
    );
    assert.deepEqual(
      [s.phase, cond(s, 'Ready')?.reason, cond(s, 'Degraded')?.status],
      ['Pending', 'QuotaExceeded', 'True'],
    );
  });
});
