// Restore plans: create what is gone, update what differs in spec, labels or annotations, leave the rest, and
// never plan to delete what the snapshot does not have.
import assert from 'node:assert/strict';
import type { SnapshotObject } from '../../../controllers/state-snapshot/document.ts';
import { applyBody, planLines, restorePlan } from '../../../controllers/state-snapshot/plan.ts';

const obj = (name: string, spec: object, labels?: Record<string, string>): SnapshotObject => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  metadata: { name, namespace: 'tenant-acme', ...(labels ? { labels } : {}) },
  spec,
  status: { phase: 'Available' },
});
const live = (o: SnapshotObject, changes: { spec?: object; labels?: Record<string, string> } = {}) => ({
  kind: o.kind,
  metadata: { ...o.metadata, uid: 'x', resourceVersion: '9', labels: changes.labels ?? o.metadata.labels },
  spec: changes.spec ?? o.spec,
});

describe('state snapshot restore plan', () => {
  const a = obj('a', { sizeGiB: 10 });
  const b = obj('b', { sizeGiB: 20 }, { team: 'db' });
  const c = obj('c', { sizeGiB: 30 });

  it('creates the missing, updates the changed and leaves the unchanged', () => {
    const plan = restorePlan([a, b, c], [live(a), live(b, { spec: { sizeGiB: 50 } })]);
    assert.deepEqual(
      plan.entries.map((e) => [e.name, e.action, e.differs]),
      [
        ['a', 'unchanged', undefined],
        ['b', 'update', ['spec']],
        ['c', 'create', undefined],
      ],
    );
  });

  it('updates an object whose labels lost one of the snapshot, not one that only gained some', () => {
    const lost = restorePlan([b], [live(b, { labels: {} })]);
    assert.deepEqual(lost.entries[0]!.differs, ['labels']);
    const gained = restorePlan([b], [live(b, { labels: { team: 'db', extra: 'x' } })]);
    assert.equal(gained.entries[0]!.action, 'unchanged');
  });

  it('lists objects the snapshot does not have and plans nothing for them', () => {
    const extra = obj('new', { sizeGiB: 1 });
    const plan = restorePlan([a], [live(a), live(extra)]);
    assert.deepEqual(plan.notInSnapshot, ['Volume/tenant-acme/new']);
    assert.deepEqual(
      plan.entries.map((e) => e.name),
      ['a'],
    );
  });

  it('applies only what a user declares: no status, no server fields', () => {
    assert.deepEqual(applyBody(b), {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'Volume',
      metadata: { name: 'b', namespace: 'tenant-acme', labels: { team: 'db' } },
      spec: { sizeGiB: 20 },
    });
  });

  it('prints one line per object and a count', () => {
    const lines = planLines(restorePlan([a, b], [live(b, { spec: { sizeGiB: 1 } })]));
    assert.deepEqual(lines, [
      'create    Volume tenant-acme/a',
      'update    Volume tenant-acme/b (spec)',
      '1 to create, 1 to update, 0 unchanged',
    ]);
  });
});
