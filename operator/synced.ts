// The Synced condition, kept by the runtime for every kind: whether the last reconcile of the object did
// its work. False says why, telling slow from failing: `Throttled` (the other side asked us to wait) and
// `ReconcileTimeout` (a reconcile ran past its deadline) are slow; `ReconcileError` (and whatever reason the
// kind's failure description gives, such as `DatabaseUnavailable`) is failing. It is written only when it
// changes, as a JSON patch guarded by a `test` of the resourceVersion it read, so it never overwrites a
// status the reconcile wrote meanwhile: refused, it is tried once more on the object read afresh.
import type * as k8s from '@kubernetes/client-node';
import { setCondition, type Condition, type ConditionInput } from './conditions.ts';

export type ReconcileOutcome =
  | { kind: 'success' }
  | { kind: 'throttled'; retryInMs: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'failed'; reason: string; message: string };

/** How a failed reconcile reads in status: a reason and a message safe for tenants to see. */
export type FailureDescription = (err: unknown) => { reason: string; message: string };

export function syncedCondition(outcome: ReconcileOutcome): ConditionInput {
  switch (outcome.kind) {
    case 'success':
      return {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        message: 'the last reconcile did its work',
      };
    case 'throttled':
      return {
        type: 'Synced',
        status: 'False',
        reason: 'Throttled',
        message: `the provider asked us to slow down; trying again in ${Math.ceil(outcome.retryInMs / 1000)} s`,
      };
    case 'timeout':
      return {
        type: 'Synced',
        status: 'False',
        reason: 'ReconcileTimeout',
        message: `a reconcile ran longer than ${Math.round(outcome.timeoutMs / 1000)} s; it is retried once it ends`,
      };
    case 'failed':
      return { type: 'Synced', status: 'False', reason: outcome.reason, message: outcome.message };
  }
}

type WithConditions = k8s.KubernetesObject & { status?: { conditions?: Condition[] } };

/** The JSON patch that sets Synced on `obj` as read, or undefined when it already says so. */
export function syncedPatch(
  obj: WithConditions,
  input: ConditionInput,
  now: Date,
  reconciledGeneration: number | undefined,
): object[] | undefined {
  const conditions = obj.status?.conditions;
  const index = conditions?.findIndex((c) => c.type === 'Synced') ?? -1;
  const current = index >= 0 ? conditions![index] : undefined;
  if (
    current &&
    current.status === input.status &&
    current.reason === input.reason &&
    current.message === input.message
  ) {
    return undefined;
  }
  const generation = reconciledGeneration;
  const condition: Condition = {
    ...input,
    lastTransitionTime:
      current && current.status === input.status
        ? current.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
  // Guarded by the resourceVersion read: a status the reconcile (or anyone) wrote meanwhile is never lost.
  const guard = { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion };
  if (!obj.status) return [guard, { op: 'add', path: '/status', value: { conditions: [condition] } }];
  if (!conditions) return [guard, { op: 'add', path: '/status/conditions', value: [condition] }];
  return index >= 0
    ? [guard, { op: 'replace', path: `/status/conditions/${index}`, value: condition }]
    : [guard, { op: 'add', path: '/status/conditions/-', value: condition }];
}

/**
 * `next` with the Synced condition `current` holds, when `next` (a kind's own status) says nothing of it:
 * kinds build their conditions without knowing of Synced, and must not erase it.
 */
export function keepSynced<S extends object>(current: unknown, next: S): S {
  const kept = (current as { conditions?: Condition[] } | undefined)?.conditions?.find(
    (c) => c.type === 'Synced',
  );
  const conditions = (next as { conditions?: unknown }).conditions;
  if (!kept || !Array.isArray(conditions) || conditions.some((c: Condition) => c.type === 'Synced'))
    return next;
  return { ...next, conditions: [...conditions, kept] };
}

/**
 * `next` with Synced set from `outcome`, its transition time kept from `current` while its status holds: a
 * reconcile that writes status anyway says Synced in that one write, and no second patch follows it.
 */
export function withSynced<S extends object>(
  current: unknown,
  next: S,
  outcome: ReconcileOutcome,
  now: Date,
  generation: number | undefined,
): S {
  const own = ((next as { conditions?: Condition[] }).conditions ?? []).filter((c) => c.type !== 'Synced');
  const before = (current as { conditions?: Condition[] } | undefined)?.conditions?.find(
    (c) => c.type === 'Synced',
  );
  const conditions = setCondition(before ? [...own, before] : own, syncedCondition(outcome), now, generation);
  return { ...next, conditions };
}
