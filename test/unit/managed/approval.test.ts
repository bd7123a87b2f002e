// The approve-plan annotation as status shows it: a malformed value is the PlanApproval condition (False,
// MalformedApproval, naming the annotation); a plan hash or no annotation shows none, and a condition shown
// before is taken away once the value is fixed. Nothing else of the status is touched.
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { approvalProblem, withApproval } from '../../../controllers/managed/approval.ts';
import type { ManagedStatus } from '../../../controllers/managed/kind.ts';

const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const obj = (value?: string): k8s.KubernetesObject => ({
  metadata: {
    generation: 3,
    annotations: value === undefined ? {} : { 'omnicloud.io/approve-plan': value },
  },
});
const ready = {
  type: 'Ready',
  status: 'True' as const,
  reason: 'Running',
  message: 'running',
  lastTransitionTime: '2026-01-01T00:00:00Z',
};
const base: ManagedStatus = { phase: 'Running', conditions: [ready] };

describe('unit: a malformed approve-plan annotation shown as a condition', () => {
  it('shows a malformed value as PlanApproval False, naming the annotation, and keeps Ready as it was', () => {
    for (const value of ['yes', 'DEADBEEFDEADBEEF', 'deadbeef', 'deadbeefdeadbeef ', '']) {
      const status = withApproval(base, obj(value), now);
      assert.deepEqual(status.conditions?.[0], ready, JSON.stringify(value));
      const shown = status.conditions?.find((c) => c.type === 'PlanApproval');
      assert.deepEqual(
        [shown?.status, shown?.reason, shown?.observedGeneration],
        ['False', 'MalformedApproval', 3],
        JSON.stringify(value),
      );
      assert.ok(shown!.message.startsWith('metadata.annotations[omnicloud.io/approve-plan] must be'));
    }
  });

  it('shows nothing for a plan hash or no annotation, and removes a condition shown before', () => {
    for (const value of [undefined, 'deadbeefdeadbeef', 'a'.repeat(64)]) {
      assert.equal(approvalProblem(obj(value)), undefined);
      assert.deepEqual(withApproval(base, obj(value), now), base);
    }
    const before = withApproval(base, obj('yes'), now);
    assert.deepEqual(withApproval(before, obj('deadbeefdeadbeef'), now), base);
  });
});
