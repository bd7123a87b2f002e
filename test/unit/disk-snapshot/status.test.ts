// The status a DiskSnapshot shows: conditions that explain themselves for each phase and problem, the facts
// of the snapshot once it is taken, and where its manifest is.
import assert from 'node:assert/strict';
import type { DiskSnapshot } from '../../../crds/schemas/disk-snapshot.ts';
import { snapshotStatus } from '../../../controllers/disk-snapshot/status.ts';
import { row } from './manifest.test.ts';

const obj: DiskSnapshot = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'DiskSnapshot',
  metadata: { name: 'nightly', namespace: 'tenant-acme', uid: row.uid, generation: 2 },
  spec: {
    source: { volume: 'data' },
    managementPolicy: 'Full',
    deletionPolicy: 'Delete',
    driftPolicy: { default: 'revert', overrides: [] },
  },
};
const now = new Date('2026-12-03T08:00:00Z');
const cond = (s: ReturnType<typeof snapshotStatus>, type: string) =>
  s.conditions?.find((c) => c.type === type);

describe('unit: DiskSnapshot status', () => {
  it('says it waits for its volume before anything is recorded', () => {
    const s = snapshotStatus(obj, undefined, undefined, now);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(
      [cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message],
      ['WaitingForVolume', 'waiting to take a snapshot of volume data'],
    );
    assert.equal(cond(s, 'Degraded')?.status, 'False');
    assert.equal(s.observedGeneration, 2);
  });

  it('shows a ready snapshot: size, provider id, time taken, source volume and manifest location', () => {
    const ready = {
      ...row,
      phase: 'Ready' as const,
      provider_id: 'snap-1',
      size_gib: 20,
      taken_at: new Date('2026-12-03T07:30:00Z'),
      manifest_key: 'acme/x.json',
      operation_id: null,
    };
    const s = snapshotStatus(obj, ready, undefined, now, (k) => `s3://omnicloud-snapshots/${k}`);
    assert.equal(cond(s, 'Ready')?.status, 'True');
    assert.equal(
      cond(s, 'Ready')?.message,
      '20 GiB snapshot of volume data taken in eu-west-1a at 2026-12-03T07:30:00.000Z',
    );
    assert.deepEqual(
      [s.sizeGiB, s.providerId, s.createdAt, s.manifest, s.operationId],
      [20, 'snap-1', '2026-12-03T07:30:00.000Z', 's3://omnicloud-snapshots/acme/x.json', undefined],
    );
    assert.deepEqual(s.sourceVolume, { name: 'data', providerId: 'vol-1', zone: 'eu-west-1a' });
  });

  it('shows the object store down as Degraded and not Ready, reason S3Unavailable, even when the row is Ready', () => {
    const problem = {
      reason: 'S3Unavailable',
      message: 'the object store (S3) could not keep the manifest: ECONNREFUSED; retrying',
    };
    const s = snapshotStatus(obj, { ...row, phase: 'Ready', size_gib: 20 }, problem, now);
    assert.deepEqual([cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason], ['False', 'S3Unavailable']);
    assert.deepEqual([cond(s, 'Degraded')?.status, cond(s, 'Degraded')?.reason], ['True', 'S3Unavailable']);
  });

  it('shows a failed snapshot as Degraded with its message, and one being taken as Creating', () => {
    const failed = snapshotStatus(
      obj,
      { ...row, phase: 'Failed', message: 'zone eu-west-1a is down' },
      undefined,
      now,
    );
    assert.deepEqual(
      [cond(failed, 'Degraded')?.reason, cond(failed, 'Degraded')?.message],
      ['SnapshotFailed', 'zone eu-west-1a is down'],
    );
    const taking = snapshotStatus(obj, row, undefined, now);
    assert.deepEqual([cond(taking, 'Ready')?.reason, taking.operationId], ['Creating', 'op-1']);
  });
});
