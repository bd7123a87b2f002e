// What a StateSnapshot shows: the last snapshot and the next time after one is taken; a failure keeps the last
// good snapshot in view and says why on Ready.
import assert from 'node:assert/strict';
import { failedStatus, takenStatus } from '../../../controllers/state-snapshot/status.ts';
import type { StateSnapshot } from '../../../crds/schemas/state-snapshot.ts';
import type { SnapshotManifest } from '../../../controllers/state-snapshot/document.ts';

const obj = (status?: StateSnapshot['status']): StateSnapshot => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'StateSnapshot',
  metadata: { name: 'daily', namespace: 'tenant-acme', uid: 'u', generation: 2 },
  spec: { schedule: { every: '24h' }, keep: 7 },
  ...(status ? { status } : {}),
});
const manifest: SnapshotManifest = {
  formatVersion: 1,
  id: '20261203T081500123Z-1a2b3c4d',
  tenant: 'acme',
  takenAt: '2026-12-03T08:15:00.123Z',
  dataKey: 'tenants/acme/data/20261203T081500123Z-1a2b3c4d.json.gz',
  sizeBytes: 1234,
  sha256: 'x',
  objectCount: 5,
  rowCount: 9,
};
const now = new Date('2026-12-03T08:15:01Z');

describe('StateSnapshot status', () => {
  it('shows the last snapshot, the next time, the count kept and Ready=SnapshotTaken', () => {
    const s = takenStatus(
      obj(),
      'omnicloud-state-snapshots',
      manifest,
      3,
      new Date('2026-12-04T08:15:00.123Z'),
      now,
    );
    assert.deepEqual(s.lastSnapshot, {
      id: manifest.id,
      takenAt: manifest.takenAt,
      sizeBytes: 1234,
      objectCount: 5,
      rowCount: 9,
    });
    assert.equal(s.nextSnapshotAt, '2026-12-04T08:15:00.123Z');
    assert.equal(s.snapshots, 3);
    assert.equal(s.observedGeneration, 2);
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason, ready.observedGeneration], ['True', 'SnapshotTaken', 2]);
    assert.match(ready.message, /5 objects, 9 rows, 1234 bytes; 3 kept/);
  });

  it('keeps the last good snapshot in view when one fails, with the reason on Ready', () => {
    const before = takenStatus(obj(), 'b', manifest, 3, new Date('2026-12-04T08:15:00Z'), now);
    const s = failedStatus(
      obj(before),
      'S3Unavailable',
      'no snapshot taken: the S3 server cannot be reached',
      now,
    );
    assert.deepEqual(s.lastSnapshot, before.lastSnapshot);
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'S3Unavailable']);
  });
});
