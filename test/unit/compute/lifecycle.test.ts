// The lifecycle table: every allowed transition, and every other one refused.
import assert from 'node:assert/strict';
import { computePhases, type ComputePhase } from '../../../crds/schemas/compute.ts';
import {
  assertTransition,
  canTransition,
  holdsCapacity,
  IllegalTransition,
  transitions,
} from '../../../controllers/compute/lifecycle.ts';

const allowed: [ComputePhase, ComputePhase][] = [
  ['Pending', 'Scheduled'],
  ['Pending', 'Failed'],
  ['Pending', 'Terminated'],
  ['Scheduled', 'Provisioning'],
  ['Scheduled', 'Failed'],
  ['Scheduled', 'Terminating'],
  ['Provisioning', 'Running'],
  ['Provisioning', 'Stopped'],
  ['Provisioning', 'Failed'],
  ['Provisioning', 'Terminating'],
  ['Running', 'Stopping'],
  ['Running', 'Failed'],
  ['Running', 'Terminating'],
  ['Stopping', 'Stopped'],
  ['Stopping', 'Failed'],
  ['Stopping', 'Terminating'],
  ['Stopped', 'Provisioning'],
  ['Stopped', 'Failed'],
  ['Stopped', 'Terminating'],
  ['Failed', 'Pending'],
  ['Failed', 'Running'],
  ['Failed', 'Stopped'],
  ['Failed', 'Terminating'],
  ['Terminating', 'Terminated'],
  ['Terminating', 'Failed'],
];

describe('unit: Compute lifecycle', () => {
  it('lists exactly the allowed transitions', () => {
    const fromTable = computePhases.flatMap((from) => transitions[from].map((to) => `${from}->${to}`)).sort();
    assert.deepEqual(fromTable, allowed.map(([a, b]) => `${a}->${b}`).sort());
  });
  for (const from of computePhases) {
    for (const to of computePhases) {
      const ok = allowed.some(([a, b]) => a === from && b === to);
      it(`${ok ? 'allows' : 'refuses'} ${from} -> ${to}`, () => {
        assert.equal(canTransition(from, to), ok);
        if (ok) assertTransition(from, to);
        else
          assert.throws(
            () => assertTransition(from, to),
            (err: unknown) =>
              err instanceof IllegalTransition && err.message.includes(`from ${from} to ${to}`),
          );
      });
    }
  }
  it('Terminated is final', () => assert.deepEqual(transitions.Terminated, []));
  it('only placed phases hold host capacity', () => {
    assert.deepEqual(computePhases.filter(holdsCapacity), [
      'Scheduled',
      'Provisioning',
      'Running',
      'Stopping',
      'Stopped',
      'Terminating',
    ]);
  });
});
