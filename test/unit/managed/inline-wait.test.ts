// Which requeues the managed reconciler waits out itself: short ones, while the reconcile is young.
import assert from 'node:assert/strict';
import { waitsInline } from '../../../controllers/managed/reconciler.ts';

describe('unit: managed reconciler inline waits', () => {
  it('waits out a provider operation poll at the start of a reconcile', () => {
    assert.equal(waitsInline(300, 0), true);
    assert.equal(waitsInline(500, 1_000), true);
  });

  it('hands longer waits back to the queue', () => {
    assert.equal(waitsInline(501, 0), false);
    assert.equal(waitsInline(5_000, 0), false, 'a provider outage retry');
    assert.equal(waitsInline(30_000, 0), false, 'a failed provisioning retry');
  });

  it('stops waiting once the reconcile has used its budget, waits included', () => {
    assert.equal(waitsInline(300, 1_700), true);
    assert.equal(waitsInline(300, 1_701), false);
    assert.equal(waitsInline(300, 10_000), false);
  });

  it('never waits for nothing', () => {
    assert.equal(waitsInline(0, 0), false);
  });
});
