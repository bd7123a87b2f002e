// The drift part of a managed object's status, as the reconciler writes it by merge patch: a plan that is
// no longer shown is removed by name (null), for a merge patch keeps every field it does not name.
import assert from 'node:assert/strict';
import type { DriftStatus } from '../../../crds/schemas/managed.ts';
import type { ManagedStatus } from '../../../controllers/managed/kind.ts';
import { withDrift } from '../../../controllers/managed/reconciler.ts';

const now = new Date('2026-12-02T10:00:00Z');
const inSync: DriftStatus = {
  observedAt: now.toISOString(),
  total: 0,
  counts: { cosmetic: 0, functional: 0, security: 0, critical: 0 },
  records: [],
};
const planned: DriftStatus = {
  ...inSync,
  total: 1,
  counts: { ...inSync.counts, critical: 1 },
  plan: { hash: 'c5bd534171a1bffd', changes: ['remove a rule'], awaitingApproval: false },
};
const running = (): ManagedStatus => ({ phase: 'Running', conditions: [] });
const objWith = (drift?: DriftStatus) => ({
  metadata: { name: 'web', generation: 1 },
  status: drift ? { drift } : {},
});

describe('withDrift', () => {
  it('names a plan that was shown and is no longer null, so the merge patch removes it', () => {
    const status = withDrift(running(), inSync, now, objWith(planned));
    assert.equal((status.drift as { plan?: unknown }).plan, null);
    assert.equal(status.drift?.total, 0);
  });

  it('names no plan when none was shown before, so an unchanged status is not written again', () => {
    const status = withDrift(running(), inSync, now, objWith(inSync));
    assert.equal('plan' in status.drift!, false);
  });

  it('says how many fields differ, in words that agree with the number', () => {
    const drifted = (total: number) =>
      withDrift(running(), { ...planned, total }, now, objWith(inSync)).conditions?.find(
        (c) => c.type === 'Drifted',
      )?.message;
    assert.match(drifted(1)!, /^1 field differs from the spec \(1 critical\)/);
    assert.match(drifted(2)!, /^2 fields differ from the spec \(1 critical\)/);
  });

  it('shows the plan it is given', () => {
    const status = withDrift(running(), planned, now, objWith(inSync));
    assert.deepEqual(status.drift?.plan, planned.plan);
  });
});

describe('withDrift and Ready', () => {
  it('leaves a Ready that is already False (an invalid spec) as it is, with drift beside it', () => {
    const invalid = {
      type: 'Ready',
      status: 'False' as const,
      reason: 'InvalidSpec',
      message: 'spec.type: cannot change from standard to ssd',
      lastTransitionTime: now.toISOString(),
    };
    const status = withDrift({ phase: 'Available', conditions: [invalid] }, planned, now, objWith(inSync));
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'InvalidSpec');
    assert.equal(status.conditions?.find((c) => c.type === 'Drifted')?.status, 'True');
  });

  it('turns a True Ready False while more than cosmetic drift is shown', () => {
    const ok = {
      type: 'Ready',
      status: 'True' as const,
      reason: 'Running',
      message: 'running',
      lastTransitionTime: now.toISOString(),
    };
    const status = withDrift({ phase: 'Running', conditions: [ok] }, planned, now, objWith(inSync));
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.reason, 'Drifted');
  });
});
