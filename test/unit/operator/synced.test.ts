// The Synced condition's pure parts: what each outcome says, the guarded patch, and kinds never erasing it.
import assert from 'node:assert/strict';
import type { Condition } from '../../../operator/conditions.ts';
import { keepSynced, syncedCondition, syncedPatch, withSynced } from '../../../operator/synced.ts';

const now = new Date('2026-12-02T10:00:00.123Z');
const synced = (status: 'True' | 'False', reason: string, message = 'm'): Condition => ({
  type: 'Synced',
  status,
  reason,
  message,
  lastTransitionTime: '2026-12-01T00:00:00Z',
});
const obj = (conditions?: Condition[], withStatus = true) => ({
  metadata: { name: 'v', generation: 3, resourceVersion: '42' },
  ...(withStatus ? { status: { phase: 'Available', ...(conditions ? { conditions } : {}) } } : {}),
});

describe('Synced condition', () => {
  it('tells slow (Throttled, ReconcileTimeout) from failing (ReconcileError, a described reason)', () => {
    assert.equal(syncedCondition({ kind: 'success' }).status, 'True');
    assert.equal(syncedCondition({ kind: 'throttled', retryInMs: 2500 }).reason, 'Throttled');
    assert.match(syncedCondition({ kind: 'throttled', retryInMs: 2500 }).message, /in 3 s/);
    assert.equal(syncedCondition({ kind: 'timeout', timeoutMs: 120_000 }).reason, 'ReconcileTimeout');
    const failed = syncedCondition({ kind: 'failed', reason: 'DatabaseUnavailable', message: 'x' });
    assert.deepEqual([failed.status, failed.reason], ['False', 'DatabaseUnavailable']);
  });

  it('writes nothing when Synced already says the same', () => {
    const input = syncedCondition({ kind: 'success' });
    const current = { ...synced('True', input.reason, input.message) };
    assert.equal(syncedPatch(obj([current]), input, now, 3), undefined);
  });

  it('guards every patch by the resourceVersion read, replacing or adding only the Synced entry', () => {
    const input = syncedCondition({ kind: 'failed', reason: 'ReconcileError', message: 'boom' });
    const ready: Condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Available',
      message: '',
      lastTransitionTime: 'x',
    };
    const replace = syncedPatch(obj([ready, synced('True', 'ReconcileSuccess')]), input, now, 3)!;
    assert.deepEqual(replace[0], { op: 'test', path: '/metadata/resourceVersion', value: '42' });
    assert.equal((replace[1] as { path: string }).path, '/status/conditions/1');
    assert.equal(
      (replace[1] as { value: { lastTransitionTime: string } }).value.lastTransitionTime,
      '2026-12-02T10:00:00Z',
    );
    const add = syncedPatch(obj([ready]), input, now, 3)!;
    assert.deepEqual((add[1] as { op: string; path: string }).path, '/status/conditions/-');
    assert.equal((add[1] as { value: { observedGeneration: number } }).value.observedGeneration, 3);
    assert.equal(
      (syncedPatch(obj(undefined), input, now, 3)![1] as { path: string }).path,
      '/status/conditions',
    );
    assert.equal((syncedPatch(obj(undefined, false), input, now, 3)![1] as { path: string }).path, '/status');
  });

  it('keeps lastTransitionTime while the status does not flip', () => {
    const input = syncedCondition({ kind: 'failed', reason: 'ReconcileError', message: 'other' });
    const patch = syncedPatch(obj([synced('False', 'ReconcileError', 'first')]), input, now, 3)!;
    assert.equal(
      (patch[1] as { value: { lastTransitionTime: string } }).value.lastTransitionTime,
      '2026-12-01T00:00:00Z',
    );
  });

  it("carries Synced into a kind's own status that does not mention it", () => {
    const current = { conditions: [synced('False', 'ReconcileError')] };
    const next = { phase: 'Available', conditions: [{ type: 'Ready', status: 'True' }] };
    assert.deepEqual(
      keepSynced(current, next).conditions.map((c) => c.type),
      ['Ready', 'Synced'],
    );
    const own = { conditions: [{ type: 'Synced', status: 'True' }] };
    assert.equal(keepSynced(current, own), own);
    assert.equal(keepSynced(undefined, next), next);
  });

  describe('said in a status write (withSynced)', () => {
    const ready: Condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Running',
      message: 'r',
      lastTransitionTime: '2026-12-01T00:00:00Z',
    };

    it('keeps the transition time while the status holds, so an unchanged status stays unchanged', () => {
      const current = {
        conditions: [ready, synced('True', 'ReconcileSuccess', 'the last reconcile did its work')],
      };
      const next = withSynced(current, { conditions: [ready] }, { kind: 'success' }, now, 3);
      const s = next.conditions.find((c) => c.type === 'Synced')!;
      assert.equal(s.lastTransitionTime, '2026-12-01T00:00:00Z');
      assert.equal(s.observedGeneration, 3);
      assert.equal(syncedPatch({ status: next }, syncedCondition({ kind: 'success' }), now, 3), undefined);
    });

    it('turns a failing Synced to True with a new transition time', () => {
      const current = { conditions: [synced('False', 'ReconcileError')] };
      const next = withSynced(current, { conditions: [ready] }, { kind: 'success' }, now, 1);
      const s = next.conditions.find((c) => c.type === 'Synced')!;
      assert.equal(s.status, 'True');
      assert.equal(s.lastTransitionTime, '2026-12-02T10:00:00Z');
      assert.deepEqual(
        next.conditions.map((c) => c.type),
        ['Ready', 'Synced'],
        'the kind’s own conditions first, one Synced',
      );
    });

    it('replaces a Synced the kind’s status carried rather than doubling it', () => {
      const own = { conditions: [ready, synced('False', 'Old')] };
      const next = withSynced(undefined, own, { kind: 'success' }, now, 1);
      assert.equal(next.conditions.filter((c) => c.type === 'Synced').length, 1);
      assert.equal(next.conditions.find((c) => c.type === 'Synced')!.status, 'True');
    });
  });
});
