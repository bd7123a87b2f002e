// Snapshot ids sort by time and name their UTC instant; data and marker keys stay under the tenant's prefix.
import assert from 'node:assert/strict';
import {
  dataKey,
  idOfKey,
  isSnapshotId,
  markerKey,
  markerPrefix,
  snapshotId,
  takenAtOf,
} from '../../../controllers/state-snapshot/keys.ts';

describe('state snapshot keys', () => {
  it('names an id for its UTC instant and reads the instant back', () => {
    const at = new Date('2026-12-03T08:15:00.123Z');
    const id = snapshotId(at, '1a2b3c4d');
    assert.equal(id, '20261203T081500123Z-1a2b3c4d');
    assert.ok(isSnapshotId(id));
    assert.equal(takenAtOf(id).toISOString(), at.toISOString());
  });

  it('gives ids that sort as the times they were taken', () => {
    const times = ['2026-01-02T00:00:00.000Z', '2025-12-31T23:59:59.999Z', '2026-01-01T10:00:00.000Z'];
    const ids = times.map((t, i) => snapshotId(new Date(t), `0000000${i}`));
    assert.deepEqual(
      [...ids].sort().map((id) => takenAtOf(id).toISOString()),
      [...times].sort(),
    );
  });

  it('refuses a random part that is not 8 hex digits', () => {
    assert.throws(() => snapshotId(new Date(), 'xyz'), /8 hex digits/);
  });

  it('keeps data and marker under the tenant prefix, apart from each other', () => {
    const id = '20261203T081500123Z-1a2b3c4d';
    assert.equal(dataKey('acme', id), `tenants/acme/data/${id}.json.gz`);
    assert.equal(markerKey('acme', id), `tenants/acme/snapshots/${id}.json`);
    assert.ok(markerKey('acme', id).startsWith(markerPrefix('acme')));
    assert.ok(!dataKey('acme', id).startsWith(markerPrefix('acme')));
    assert.equal(idOfKey(dataKey('acme', id)), id);
    assert.equal(idOfKey(markerKey('acme', id)), id);
    assert.equal(idOfKey('tenants/acme/snapshots/notes.json'), undefined);
  });

  it('refuses a tenant name that could step out of its prefix', () => {
    for (const bad of ['../other', 'a/b', '', 'Acme', 'x'.repeat(64)]) {
      assert.throws(() => markerPrefix(bad), /not a tenant name/, bad);
    }
  });
});
