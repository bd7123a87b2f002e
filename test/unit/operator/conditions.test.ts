// Conditions: lastTransitionTime moves only when the status flips; status writes only when something changed.
import assert from 'node:assert/strict';
import { findCondition, isTrue, setCondition, statusChanged } from '../../../operator/conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T00:05:00.000Z');

describe('conditions', () => {
  it('adds a condition with the transition time, without milliseconds', () => {
    const list = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting' },
      t0,
      3,
    );
    assert.deepEqual(list, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pending',
        message: 'waiting',
        lastTransitionTime: '2026-01-01T00:00:00Z',
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting' }, t0);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Blocked', message: 'quota' }, t1);
    assert.equal(b[0]!.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(b[0]!.reason, 'Blocked');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting' }, t0);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Provisioned', message: 'ok' }, t1);
    assert.equal(b[0]!.lastTransitionTime, '2026-01-01T00:05:00Z');
    assert.ok(isTrue(b, 'Ready'));
  });

  it('keeps other conditions and their order', () => {
    let list = setCondition([], { type: 'Synced', status: 'True', reason: 'A', message: '' }, t0);
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'B', message: '' }, t0);
    list = setCondition(list, { type: 'Synced', status: 'False', reason: 'C', message: '' }, t1);
    assert.deepEqual(
      list.map((c) => c.type),
      ['Synced', 'Ready'],
    );
    assert.equal(findCondition(list, 'Synced')?.reason, 'C');
    assert.equal(findCondition(list, 'Missing'), undefined);
  });

  it('does not mutate its input', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'P', message: '' }, t0);
    const copy = structuredClone(a);
    setCondition(a, { type: 'Ready', status: 'True', reason: 'Q', message: '' }, t1);
    assert.deepEqual(a, copy);
  });

  it('tells whether a status needs writing', () => {
    const s = { phase: 'Active', conditions: [{ type: 'Ready' }] };
    assert.equal(statusChanged(s, structuredClone(s)), false);
    assert.equal(statusChanged(s, { ...s, phase: 'Suspended' }), true);
    assert.equal(statusChanged(undefined, {}), false);
    assert.equal(statusChanged({ a: 1, b: undefined }, { a: 1 }), false);
  });
});
