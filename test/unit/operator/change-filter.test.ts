// Which watched changes wake a controller: not its own status writes; spec, metadata and deletion do.
import assert from 'node:assert/strict';
import { ChangeFilter, reconcileFingerprint } from '../../../operator/change-filter.ts';

const obj = (meta: Record<string, unknown>, status?: object) => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Volume',
  metadata: { name: 'v', namespace: 'n', generation: 1, resourceVersion: '10', ...meta },
  ...(status ? { status } : {}),
});

describe('change filter', () => {
  it('ignores a status write (resourceVersion only) and notices every change that asks for work', () => {
    const base = obj({});
    const fp = reconcileFingerprint(base);
    assert.equal(reconcileFingerprint(obj({ resourceVersion: '11' }, { phase: 'Available' })), fp);
    for (const changed of [
      obj({ generation: 2 }),
      obj({ labels: { a: 'b' } }),
      obj({ annotations: { 'omnicloud.io/approve-plan': 'x' } }),
      obj({ finalizers: ['omnicloud.io/volume-cleanup'] }),
      obj({ deletionTimestamp: '2026-12-02T10:00:00Z' }),
      obj({ ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u' }] }),
    ]) {
      assert.notEqual(reconcileFingerprint(changed), fp, JSON.stringify(changed.metadata));
    }
  });

  it('wakes on every new version of a kind without generation', () => {
    const a = { metadata: { name: 'cm', resourceVersion: '1' } };
    const b = { metadata: { name: 'cm', resourceVersion: '2' } };
    assert.notEqual(reconcileFingerprint(a), reconcileFingerprint(b));
  });

  it('remembers per key, and forgets a deleted object so a re-created one wakes it', () => {
    const f = new ChangeFilter();
    assert.equal(f.changed('n/v', obj({})), true);
    assert.equal(f.changed('n/v', obj({ resourceVersion: '12' })), false);
    assert.equal(f.changed('n/w', obj({ name: 'w' })), true);
    f.forget('n/v');
    assert.equal(f.changed('n/v', obj({})), true);
  });
});
