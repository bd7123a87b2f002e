// The DiskSnapshot lifecycle table: the moves a snapshot makes, and the ones refused with a message that names
// what is allowed instead.
import assert from 'node:assert/strict';
import { diskSnapshotPhases } from '../../../crds/schemas/disk-snapshot.ts';
import {
  assertSnapshotTransition,
  IllegalSnapshotTransition,
  isStored,
  snapshotTransitions,
} from '../../../controllers/disk-snapshot/lifecycle.ts';

describe('unit: DiskSnapshot lifecycle', () => {
  it('allows the main path, a failed attempt taken again, and deletion from every phase that holds something', () => {
    for (const [from, to] of [
      ['Pending', 'Creating'],
      ['Creating', 'Ready'],
      ['Creating', 'Failed'],
      ['Failed', 'Pending'],
      ['Ready', 'Deleting'],
      ['Creating', 'Deleting'],
      ['Failed', 'Deleting'],
      ['Deleting', 'Deleted'],
      ['Pending', 'Deleted'],
    ] as const)
      assert.doesNotThrow(() => assertSnapshotTransition(from, to), `${from} -> ${to}`);
  });

  it('refuses a ready snapshot going back to Creating, and anything out of Deleted, naming what is allowed', () => {
    assert.throws(
      () => assertSnapshotTransition('Ready', 'Creating'),
      (e: unknown) =>
        e instanceof IllegalSnapshotTransition &&
        e.message === 'a DiskSnapshot cannot go from Ready to Creating; allowed from Ready: Failed, Deleting',
    );
    assert.throws(() => assertSnapshotTransition('Deleted', 'Pending'), /allowed from Deleted: none/);
    assert.throws(() => assertSnapshotTransition('Pending', 'Ready'), IllegalSnapshotTransition);
  });

  it('names every phase of the schema in the table, and only those', () => {
    assert.deepEqual(Object.keys(snapshotTransitions).sort(), [...diskSnapshotPhases].sort());
    for (const targets of Object.values(snapshotTransitions))
      for (const t of targets) assert.ok(diskSnapshotPhases.includes(t));
  });

  it('counts storage only while the snapshot is Ready', () => {
    assert.deepEqual(
      diskSnapshotPhases.filter((p) => isStored(p)),
      ['Ready'],
    );
  });
});
