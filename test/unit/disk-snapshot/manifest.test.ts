// The manifest a snapshot leaves in the object store: keyed by tenant and uid, in UTC, with the volume it was
// taken of and that volume's spec then.
import assert from 'node:assert/strict';
import { manifestKey, manifestOf } from '../../../controllers/disk-snapshot/manifest.ts';
import type { SnapshotRow } from '../../../controllers/disk-snapshot/store.ts';

export const row: SnapshotRow = {
  uid: '0b9f6c1e-1111-4222-8333-444455556666',
  namespace: 'tenant-acme',
  name: 'nightly',
  tenant: 'acme',
  volume_name: 'data',
  volume_uid: '7f0e0d6c-aaaa-4bbb-8ccc-dddd00001111',
  volume_provider_id: 'vol-1',
  volume_spec: {
    region: 'eu-west-1',
    zone: 'eu-west-1a',
    sizeGiB: 20,
    type: 'ssd',
    managementPolicy: 'Full',
    deletionPolicy: 'Delete',
    driftPolicy: { default: 'revert', overrides: [] },
  },
  region: 'eu-west-1',
  zone: 'eu-west-1a',
  size_gib: null,
  phase: 'Creating',
  provider_id: null,
  operation_id: 'op-1',
  create_attempt: 0,
  taken_at: null,
  manifest_key: null,
  message: null,
};

describe('unit: DiskSnapshot manifest', () => {
  it('is keyed by tenant, then by the object uid (names are reused, uids are not)', () => {
    assert.equal(manifestKey('acme', row.uid), `acme/${row.uid}.json`);
    assert.notEqual(manifestKey('acme', row.uid), manifestKey('other', row.uid));
  });

  it('holds the source volume, its spec then, the size and zone, the tenant and the time taken in UTC', () => {
    const taken = new Date(Date.UTC(2026, 11, 3, 7, 30, 0));
    const m = manifestOf(row, 'snap-1', taken, 20);
    assert.deepEqual(m, {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'DiskSnapshotManifest',
      tenant: 'acme',
      snapshot: { namespace: 'tenant-acme', name: 'nightly', uid: row.uid, providerId: 'snap-1' },
      source: { volume: 'data', volumeUid: row.volume_uid, providerId: 'vol-1', spec: row.volume_spec },
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      sizeGiB: 20,
      createdAt: '2026-12-03T07:30:00.000Z',
    });
  });

  it('is the same bytes when written again (a crash between the write and its record is harmless)', () => {
    const taken = new Date('2026-12-03T07:30:00Z');
    assert.equal(
      JSON.stringify(manifestOf(row, 's', taken, 20)),
      JSON.stringify(manifestOf({ ...row }, 's', taken, 20)),
    );
  });
});
